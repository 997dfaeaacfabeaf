/**
 * CLI definitions of the registry commands: promote, rollback, archive, deprecate, ls, show, history,
 * diff, resolve, route, audit, check-ref. Parsing and rendering only; each action imports its command
 * lazily so that `mv resolve` loads nothing it does not use.
 */
import type { Command } from 'commander';
import { printJson } from './output.js';
import * as render from './registry-render.js';

interface WriteFlags {
  message?: string;
  push?: boolean;
  sign?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

const cwd = () => process.cwd();

function writeFlags(opts: WriteFlags) {
  return { cwd: cwd(), ...(opts.message !== undefined ? { message: opts.message } : {}), push: Boolean(opts.push), sign: Boolean(opts.sign), dryRun: Boolean(opts.dryRun) };
}

function withWriteOptions(command: Command): Command {
  return command
    .option('-m, --message <reason>', 'why (recorded in the tag message)')
    .option('--push', 'push the new tag(s) to the git remote')
    .option('--sign', "sign the tag(s) with your git signing setup (user.signingkey, gpg.format)")
    .option('--dry-run', 'show the stage changes and the tags it would create, and create none')
    .option('--json', 'print the result as JSON');
}

export function registerRegistryCommands(program: Command): void {
  withWriteOptions(
    program
      .command('promote')
      .description('assign a version to a stage (replacing its holders, or sharing traffic with --traffic)')
      .argument('<ref>', 'the version: name@vX.Y.Z, name@latest or name#stage')
      .argument('<stage>', 'the stage, e.g. staging or production (or archived)')
      .option('--traffic <percent>', "the version's share of the stage's traffic, 1–99 (a canary or A/B test; GTO cannot express it: it sees the newest version alone)")
      .option('--force', 'override failed gates (the override is recorded in the tag)'),
  ).action(async (ref: string, stage: string, opts: WriteFlags & { traffic?: string; force?: boolean }) => {
    const { promote } = await import('../commands/promote.js');
    const result = await promote({ ...writeFlags(opts), ref, stage, ...(opts.traffic !== undefined ? { traffic: opts.traffic } : {}), force: Boolean(opts.force) });
    if (opts.json) return printJson(result);
    render.renderWrite(result, `${result.id} already ${stage === 'archived' ? 'is archived' : `holds ${stage} as asked`}; nothing to do.`);
  });

  withWriteOptions(
    program
      .command('rollback')
      .description("re-assign the version(s) that held a stage before its current event (recorded as a rollback)")
      .argument('<name>', 'the artifact')
      .argument('[stage]', 'the stage (default: production, or prod)'),
  ).action(async (name: string, stage: string | undefined, opts: WriteFlags) => {
    const { rollback } = await import('../commands/rollback.js');
    const result = await rollback({ ...writeFlags(opts), name, ...(stage ? { stage } : {}) });
    if (opts.json) return printJson(result);
    render.renderWrite(result, '');
  });

  withWriteOptions(program.command('archive').description('retire a version: it leaves every stage; archived is terminal').argument('<ref>', 'the version: name@vX.Y.Z')).action(
    async (ref: string, opts: WriteFlags) => {
      const { archive } = await import('../commands/archive.js');
      const result = await archive({ ...writeFlags(opts), ref });
      if (opts.json) return printJson(result);
      render.renderWrite(result, '');
    },
  );

  withWriteOptions(
    program.command('deprecate').description('retire an artifact (name), or deregister one version (name@vX.Y.Z)').argument('<ref>', 'name or name@vX.Y.Z'),
  ).action(async (ref: string, opts: WriteFlags) => {
    const { deprecate } = await import('../commands/deprecate.js');
    const result = await deprecate({ ...writeFlags(opts), ref });
    if (opts.json) return printJson(result);
    render.renderWrite(result, '');
  });

  program
    .command('ls')
    .description('list artifacts, their newest versions and what each stage holds')
    .option('-d, --deprecated', 'include deprecated artifacts')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { deprecated?: boolean; json?: boolean }) => {
      const { ls } = await import('../commands/ls.js');
      const result = await ls({ cwd: cwd(), deprecated: Boolean(opts.deprecated) });
      if (opts.json) return printJson(result);
      render.renderLs(result);
    });

  program
    .command('show')
    .description('show an artifact, a version or a stage')
    .argument('<ref>', 'name, name@vX.Y.Z, name@latest or name#stage')
    .option('--all-in-stage', "every version in each stage as GTO counts them (GTO's show --vs -1), not only the holders")
    .option('--json', 'print the result as JSON')
    .action(async (ref: string, opts: { allInStage?: boolean; json?: boolean }) => {
      const { show } = await import('../commands/show.js');
      const result = await show({ cwd: cwd(), ref, allInStage: Boolean(opts.allInStage) });
      if (opts.json) return printJson(result);
      render.renderShow(result);
    });

  program
    .command('history')
    .description('every registry event of an artifact, newest first: who, when, why, what changed')
    .argument('<name>', 'the artifact')
    .option('--stage <stage>', 'only events that changed this stage')
    .option('--asc, --ascending', 'oldest first')
    .option('--json', 'print the result as JSON')
    .action(async (name: string, opts: { stage?: string; ascending?: boolean; json?: boolean }) => {
      const { history } = await import('../commands/history.js');
      const result = await history({ cwd: cwd(), name, ...(opts.stage ? { stage: opts.stage } : {}), ascending: Boolean(opts.ascending) });
      if (opts.json) return printJson(result);
      render.renderHistory(result);
    });

  program
    .command('diff')
    .description('compare two versions: metrics, params, data, pipeline, files, code, environment, signature')
    .argument('<from>', 'name@vX.Y.Z (or name#stage)')
    .argument('<to>', 'name@vX.Y.Z (or name#stage)')
    .option('--files', 'list the files added, removed and changed inside folders (data and artifact folders)')
    .option('--json', 'print the result as JSON')
    .action(async (from: string, to: string, opts: { files?: boolean; json?: boolean }) => {
      const { diff } = await import('../commands/diff.js');
      const result = await diff({ cwd: cwd(), from, to, files: Boolean(opts.files) });
      if (opts.json) return printJson(result);
      render.renderDiff(result);
    });

  program
    .command('resolve')
    .description('the pinned id(s) a ref stands for now: name@vX.Y.Z, commit, pointer oid (and weights for a stage)')
    .argument('<ref>', 'name@vX.Y.Z, name#stage or name@latest')
    .option('--json', 'print the result as JSON')
    .action(async (ref: string, opts: { json?: boolean }) => {
      const { resolve } = await import('../commands/resolve.js');
      render.renderResolve(await resolve({ cwd: cwd(), ref }), Boolean(opts.json));
    });

  program
    .command('route')
    .description("which of a stage's versions serves a request key (deterministic, by the recorded weights)")
    .argument('<ref>', 'name#stage')
    .requiredOption('--key <key>', 'the request key, e.g. a customer or session id')
    .option('--json', 'print the result as JSON')
    .action(async (ref: string, opts: { key: string; json?: boolean }) => {
      const { route } = await import('../commands/route.js');
      const result = await route({ cwd: cwd(), ref, key: opts.key });
      if (opts.json) return printJson(result);
      render.renderRoute(result);
    });

  program
    .command('audit')
    .description('the state of the stages at a past time, who set it and why; with --key, the version that served that key')
    .argument('<name>', 'the artifact')
    .option('--at <time>', 'ISO 8601, e.g. 2026-11-25T10:00Z (UTC unless a zone is given), or @<unix seconds> (default: now)')
    .option('--stage <stage>', 'only this stage (with --key, default: the production stage, production or prod)')
    .option('--key <key>', 'a request key: the version that served it then')
    .option('--json', 'print the result as JSON')
    .action(async (name: string, opts: { at?: string; stage?: string; key?: string; json?: boolean }) => {
      const { audit } = await import('../commands/audit.js');
      const result = await audit({ cwd: cwd(), name, ...(opts.at !== undefined ? { at: opts.at } : {}), ...(opts.stage ? { stage: opts.stage } : {}), ...(opts.key !== undefined ? { key: opts.key } : {}) });
      if (opts.json) return printJson(result);
      render.renderAudit(result);
    });

  program
    .command('check-ref')
    .description('what registry event a tag is (for CI triggered by a pushed tag; prints nothing for other tags)')
    .argument('<tag>', 'a tag name, e.g. churn#production#7 or refs/tags/churn@v1.2.3')
    .option('--json', 'print the result as JSON (null for a tag that is not a registry tag)')
    .action(async (tag: string, opts: { json?: boolean }) => {
      const { checkRef } = await import('../commands/check-ref.js');
      const result = await checkRef({ cwd: cwd(), tag });
      if (opts.json) return printJson(result);
      if (result) render.renderCheckRef(result);
    });
}

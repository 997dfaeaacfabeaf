/** CLI definitions of the workspace commands: init, add, status, checkout. Parsing and rendering only. */
import { Option, type Command } from 'commander';
import type { AddResult } from '../commands/add.js';
import type { AddPlanReport } from '../add/report.js';
import type { StatusResult } from '../commands/status.js';
import type { CheckoutResult } from '../commands/checkout.js';
import { c, count, formatBytes, note, print, printJson, startActivity, throttle, warn } from './output.js';
import { interruptSignal } from './run.js';
import { jobsFlag } from './jobs-option.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerCoreCommands(program: Command): void {
  program
    .command('init')
    .description('set up mv in this git repository (writes and commits .mv/config.yaml)')
    .option('--cache-dir <dir>', 'cache location (relative to the repository, or absolute to share it)')
    .option('--remote <url>', 'default remote: a folder path, file://… or s3://bucket/prefix')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { cacheDir?: string; remote?: string; json?: boolean }) => {
      const { init } = await import('../commands/init.js');
      const result = await init({ cwd: process.cwd(), ...(opts.cacheDir ? { cacheDir: opts.cacheDir } : {}), ...(opts.remote ? { remote: opts.remote } : {}) });
      if (opts.json) return printJson(result);
      if (!result.initialized) return print(`mv is already set up in ${result.root}`);
      print(`Set up mv in ${result.root}`);
      if (result.adoptedStages) note(`Stages: ${result.adoptedStages.stages.join(', ')} (adopted from this registry's tags: ${result.adoptedStages.reason}). Reorder them in .mv/config.yaml if your promotion order differs.`);
      note(`Committed ${result.files.join(' and ')}. Next: mvr add <name> <path>… --data <data> --pipeline <code>`);
    });

  program
    .command('add')
    .description('version an artifact: hash and cache its files, write and commit its pointer, tag the version')
    .argument('<name>', 'artifact name, e.g. churn or nlp/bert')
    .argument('[path...]', 'the files and folders that make up the artifact (weights, config, tokenizer, …); none: those of its committed pointer')
    .addOption(new Option('--type <type>', 'artifact type (default: the committed pointer\'s, else model)').choices(['model', 'dataset', 'other']))
    .option('--data <path|uri|ref>', 'training data: a path (hashed and cached), a URI, or an artifact ref (repeatable)', collect)
    .option('--pipeline <path>', 'preprocessing code or serialized transformers (repeatable)', collect)
    .option('--params <file>', 'hyperparameters file (YAML or JSON)')
    .option('-p, --param <key=value>', 'a hyperparameter (repeatable; overrides --params)', collect)
    .option('--metrics <file>', 'evaluation metrics file (YAML or JSON)')
    .option('--signature <file>', 'input/output signature file (YAML or JSON)')
    .option('--parent <ref>', 'the version this one was fine-tuned from (name@vX.Y.Z)')
    .option('--version <X.Y.Z>', 'the version number to give')
    .addOption(new Option('--bump <level>', 'derive the version from the highest one').choices(['major', 'minor', 'patch', 'auto']))
    .option('-m, --message <text>', 'what this version is (recorded in the pointer and the tag)')
    .option('--allow-dirty', 'allow uncommitted changes to tracked files (recorded as dirty)')
    .option('--python <path>', 'the Python interpreter the training ran with (its version is recorded)')
    .option('--drop <path|uri|name@|part>', 'leave out, on purpose, a file, data or pipeline input (or metrics, signature, params) the current version has (repeatable)', collect)
    .option('--dry-run', 'show the version that would be made (number and why, every file new, changed or unchanged, the commit) and write nothing')
    .option('--json', 'print the result as JSON')
    .action(async (name: string, paths: string[], opts: AddFlags) => {
      const { add } = await import('../commands/add.js');
      const activity = await startActivity(opts.dryRun ? 'Hashing (dry run)…' : 'Hashing…', Boolean(opts.json));
      let bytes = 0;
      let files = 0;
      const refresh = throttle(() => activity.update(`Hashing ${files} files, ${formatBytes(bytes)}…`));
      try {
        const result = await add({
          cwd: process.cwd(),
          name,
          paths,
          ...(opts.type ? { type: opts.type } : {}),
          ...(opts.data ? { data: opts.data } : {}),
          ...(opts.pipeline ? { pipeline: opts.pipeline } : {}),
          ...(opts.params ? { paramsFile: opts.params } : {}),
          ...(opts.param ? { params: opts.param } : {}),
          ...(opts.metrics ? { metricsFile: opts.metrics } : {}),
          ...(opts.signature ? { signatureFile: opts.signature } : {}),
          ...(opts.parent ? { parent: opts.parent } : {}),
          ...(opts.version ? { version: opts.version } : {}),
          ...(opts.bump ? { bump: opts.bump } : {}),
          ...(opts.message ? { message: opts.message } : {}),
          allowDirty: Boolean(opts.allowDirty),
          ...(opts.python ? { python: opts.python } : {}),
          ...(opts.drop ? { drop: opts.drop } : {}),
          dryRun: Boolean(opts.dryRun),
          signal: interruptSignal,
          onProgress: (u) => {
            bytes += u.bytes;
            files += u.files;
            refresh();
          },
        });
        activity.stop();
        renderAdd(result, Boolean(opts.json));
      } finally {
        activity.stop();
      }
    });

  program
    .command('status')
    .description('compare workspace files with their committed pointers')
    .argument('[name...]', 'only these artifacts')
    .option('--json', 'print the result as JSON')
    .action(async (names: string[], opts: { json?: boolean }) => {
      const { status } = await import('../commands/status.js');
      renderStatus(await status({ cwd: process.cwd(), names, signal: interruptSignal }), Boolean(opts.json));
    });

  program
    .command('checkout')
    .description("put a version's files in the workspace from the cache (all pointers when no ref is given)")
    .argument('[ref]', 'name, name@vX.Y.Z, name@latest or name#stage')
    .option('-f, --force', 'overwrite local changes that are not in the cache')
    .option('--lineage', "also the version's data, pipeline and params file, to reproduce its training")
    .addOption(jobsFlag('files written at once (default 8)'))
    .option('--json', 'print the result as JSON')
    .action(async (ref: string | undefined, opts: { force?: boolean; lineage?: boolean; jobs?: number; json?: boolean }) => {
      const { checkout } = await import('../commands/checkout.js');
      const activity = await startActivity('Checking out…', Boolean(opts.json));
      try {
        renderCheckout(await checkout({ cwd: process.cwd(), ...(ref ? { ref } : {}), force: Boolean(opts.force), lineage: Boolean(opts.lineage), jobs: opts.jobs, signal: interruptSignal }), Boolean(opts.json));
      } finally {
        activity.stop();
      }
    });
}

interface AddFlags {
  type?: string;
  drop?: string[];
  dryRun?: boolean;
  data?: string[];
  pipeline?: string[];
  params?: string;
  param?: string[];
  metrics?: string;
  signature?: string;
  parent?: string;
  version?: string;
  bump?: 'major' | 'minor' | 'patch' | 'auto';
  message?: string;
  allowDirty?: boolean;
  python?: string;
  json?: boolean;
}

function renderAdd(result: AddResult, json: boolean): void {
  for (const w of result.warnings) warn(w);
  if (json) return printJson(result);
  if (result.dryRun && result.plan) return renderAddPlan(result, result.plan);
  if (result.inherited.length) note(`Kept from the committed pointer: ${result.inherited.join(', ')}.`);
  if (result.dropped.length) note(`Left out, as asked: ${result.dropped.join(', ')}.`);
  if (!result.created) {
    note(`Nothing changed since ${result.id}; no new version was created.`);
    print(result.id);
    return;
  }
  const size = result.files.reduce((sum, f) => sum + f.size, 0);
  note(`Registered ${c.bold(result.id)}: ${result.versionReason} (${formatBytes(size)}, commit ${result.commit.slice(0, 12)})`);
  print(result.id);
}

function renderAddPlan(result: AddResult, plan: AddPlanReport): void {
  print(`Would register ${c.bold(result.id)}: ${result.versionReason}`);
  if (result.inherited.length) print(`  kept from the committed pointer: ${result.inherited.join(', ')}`);
  if (result.dropped.length) print(`  left out, as asked: ${result.dropped.join(', ')}`);
  const width = Math.max(...plan.entries.map((e) => e.path.length), 4);
  for (const e of plan.entries) {
    const status = e.status === 'unchanged' ? c.dim(e.status.padEnd(9)) : e.status === 'new' ? c.green(e.status.padEnd(9)) : c.yellow(e.status.padEnd(9));
    const size = e.nfiles !== undefined ? `${count(e.nfiles, 'file')}, ${formatBytes(e.size)}` : formatBytes(e.size);
    const inside = e.inside ? `  (${[e.inside.added.length && `+${e.inside.added.length}`, e.inside.removed.length && `-${e.inside.removed.length}`, e.inside.modified.length && `~${e.inside.modified.length}`].filter(Boolean).join(' ')})` : '';
    print(`  ${e.role.padEnd(8)} ${status} ${e.path.padEnd(width)}  ${size}${inside}`);
  }
  print(`  commit   ${plan.commit.paths.join(', ')} on ${plan.commit.branch ?? 'a detached HEAD'} (${plan.commit.parent.slice(0, 12)})`);
  print(`  tag      ${result.tag}`);
  note('Nothing was written (--dry-run).');
}

function renderStatus(result: StatusResult, json: boolean): void {
  // A pointer that cannot be read is an error, reported after the others' status.
  if (result.invalid.length) process.exitCode = 1;
  if (json) return printJson(result);
  for (const bad of result.invalid) {
    note(`${c.red('error:')} ${bad.message}${bad.hint ? `\n${c.dim('hint:')} ${bad.hint}` : ''}`);
  }
  if (result.artifacts.length === 0 && result.invalid.length === 0) {
    return print(`No versioned artifacts in this work tree. Start with: ${result.initialized ? '' : 'mvr init (once per repository), then '}mvr add <name> <path>…`);
  }
  const toPull: string[] = [];
  const toCheckOut: string[] = [];
  for (const artifact of result.artifacts) {
    const files = artifact.entries.filter((e) => e.role === 'file');
    const absent = !artifact.checkedOut && files.every((e) => e.condition === 'missing');
    const state = artifact.checkedOut ? c.cyan(`checked out v${artifact.checkedOut}`) : absent ? c.yellow('not in the work tree') : artifact.clean ? c.green('up to date') : c.yellow('changed');
    print(`${c.bold(artifact.name)} v${artifact.version}  ${state}  (${artifact.pointer})`);
    if (artifact.checkedOut) {
      const lineage = artifact.entries.some((e) => e.matchesCheckout);
      print(`  the files${lineage ? ' and lineage' : ''} are those of v${artifact.checkedOut}; \`mvr checkout ${artifact.name}${lineage ? ' --lineage' : ''}\` returns to v${artifact.version}`);
    } else if (absent) {
      (files.every((e) => e.cached) ? toCheckOut : toPull).push(artifact.name);
    } else {
      for (const entry of files) if (entry.condition !== 'unchanged') printEntry(entry, entry.condition);
      if (files.some((e) => e.condition !== 'unchanged' && !e.cached)) print(`      ${c.dim(`v${artifact.version}'s content for ${files.some((e) => e.condition === 'missing') ? 'what is missing' : 'these'} is not in the cache: \`mvr pull ${artifact.name}\` brings it`)}`);
    }
    const lineageOf = artifact.entries.filter((e) => e.role !== 'file' && !e.matchesCheckout && e.condition !== 'unchanged');
    if (artifact.checkedOut) {
      // The lineage lines compare with the committed pointer's version, not the one checked out.
      if (lineageOf.some((e) => e.condition === 'missing')) print(`  ${c.dim(`\`mvr pull ${artifact.name}@v${artifact.checkedOut} --lineage\` writes v${artifact.checkedOut}'s data, pipeline and params file too`)}`);
      continue;
    }
    for (const entry of lineageOf) {
      const note = entry.condition === 'missing' ? (entry.cached || entry.tracked ? `\`mvr checkout ${artifact.name} --lineage\` writes it` : `\`mvr pull ${artifact.name} --lineage\` writes it`) : 'changed since this version';
      printEntry(entry, `${entry.role} ${entry.condition === 'missing' ? 'missing' : 'changed'}`, note);
    }
    // As recorded, but the work tree holds the only copy here: the cache lost it (removed, or quarantined by verify).
    // A plain fetch brings the files only; data, pipeline and params objects come with --lineage.
    for (const entry of artifact.entries) {
      if (entry.condition !== 'unchanged' || entry.cached || entry.tracked) continue;
      const fetch = `mvr fetch ${artifact.name}${entry.role === 'file' ? '' : ' --lineage'}`;
      printEntry(entry, 'not in the cache', `\`${fetch}\` gets it from a remote; \`mvr add ${artifact.name}\` stores this copy`);
    }
  }
  if (toPull.length) print(`Not here yet: ${toPull.join(', ')}. Get ${toPull.length === 1 ? 'it' : 'them'} with: mvr pull ${toPull.join(' ')}`);
  if (toCheckOut.length) print(`In the cache, not in the work tree: ${toCheckOut.join(', ')}. Restore with: mvr checkout ${toCheckOut.join(' ')}`);
  if (!result.clean || toPull.length || toCheckOut.length) return;
  // Data and pipeline that moved on since a version do not make its files out of date, but they are not "up to date" either.
  const lineageMoved = result.artifacts.some((a) => a.entries.some((e) => e.role !== 'file' && e.condition !== 'unchanged' && !e.matchesCheckout));
  print(lineageMoved ? "The artifacts' files are up to date; the data, pipeline or params lines above differ from what their versions recorded." : 'Everything is up to date.');
}

function printEntry(entry: StatusResult['artifacts'][number]['entries'][number], label: string, comment?: string): void {
  print(`  ${c.yellow(label)}: ${entry.path}${comment ? `  ${c.dim(`(${comment})`)}` : ''}`);
  if (entry.problem) print(`      ${c.red(entry.problem.message)}`);
  if (entry.changes) {
    const { added, removed, modified } = entry.changes;
    const list = (kind: string, paths: string[]) => paths.slice(0, 5).forEach((p) => print(`      ${kind} ${p}`));
    list(c.green('+'), added);
    list(c.red('-'), removed);
    list(c.yellow('~'), modified);
    const more = added.length + removed.length + modified.length - Math.min(5, added.length) - Math.min(5, removed.length) - Math.min(5, modified.length);
    if (more > 0) print(`      … and ${more} more`);
  }
}

function renderCheckout(result: CheckoutResult, json: boolean): void {
  if (result.copiedNotLinked) {
    warn(`${result.copiedNotLinked} file${result.copiedNotLinked === 1 ? ' was' : 's were'} copied, not linked: mv runs as root, which the read-only bit does not stop, so an edit in place would change the only copy of the version. Files a remote holds (after \`mvr push\`) are linked.`);
  }
  if (json) return printJson(result);
  for (const a of result.artifacts) {
    const parts = [`${a.written.length} written`, ...(a.removed.length ? [`${a.removed.length} removed`] : []), `${a.unchanged} unchanged`];
    print(`${a.id}: ${parts.join(', ')}`);
  }
}

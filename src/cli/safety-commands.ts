/** CLI definitions of the safety commands: gc, purge, verify. Parsing and rendering only. */
import { Option, type Command } from 'commander';
import type { GcResult } from '../commands/gc.js';
import type { PurgeResult } from '../commands/purge.js';
import type { VerifyResult } from '../commands/verify.js';
import { c, formatBytes, note, print, printJson, startActivity, warn } from './output.js';
import { EXIT_FAILED, interruptSignal } from './run.js';
import { jobsFlag } from './jobs-option.js';

const remoteOption = (what: string) => new Option('-r, --remote <name|url>', what);

export function registerSafetyCommands(program: Command): void {
  program
    .command('gc')
    .description('remove cache objects nothing references any more (never those of a version tag, branch, stash, reflog entry or work-tree pointer)')
    .option('--dry-run', 'only print what would be removed')
    .option('--grace <duration>', 'keep objects younger than this (default 24h for the cache, 7d for a remote), e.g. 30m, 24h, 7d, 0')
    .addOption(remoteOption('collect this remote instead of the local cache (needs --force)'))
    .option('--force', 'allow collecting a remote, or a cache outside the repository that other clones may share')
    .addOption(jobsFlag('objects deleted (and packs read) at once (default: the remote\'s jobs setting, else 8)'))
    .option('--json', 'print the result as JSON')
    .action(async (opts: { dryRun?: boolean; grace?: string; remote?: string; force?: boolean; jobs?: number; json?: boolean }) => {
      const { gc } = await import('../commands/gc.js');
      const activity = await startActivity('Looking for unreferenced objects…', Boolean(opts.json));
      try {
        const result = await gc({ cwd: process.cwd(), dryRun: Boolean(opts.dryRun), grace: opts.grace, remote: opts.remote, force: Boolean(opts.force), jobs: opts.jobs, signal: interruptSignal });
        activity.stop();
        renderGc(result, Boolean(opts.json));
      } finally {
        activity.stop();
      }
    });

  program
    .command('purge')
    .description("delete one version's bytes for good (the only way to); records who, when and why as the tag mv-purge/<name>/v<version>/<N>")
    .argument('<ref>', 'the pinned version: name@vX.Y.Z')
    .option('--force', 'really delete (without it, only says what would be deleted)')
    .option('-m, --message <reason>', 'why (recorded in the purge tag)')
    .addOption(remoteOption('also delete the objects from this remote'))
    .addOption(jobsFlag('objects checked and deleted at once (default: the remote\'s jobs setting, else 8)'))
    .option('--json', 'print the result as JSON')
    .action(async (ref: string, opts: { force?: boolean; message?: string; remote?: string; jobs?: number; json?: boolean }) => {
      const { purge } = await import('../commands/purge.js');
      renderPurge(await purge({ cwd: process.cwd(), ref, force: Boolean(opts.force), message: opts.message, remote: opts.remote, jobs: opts.jobs, signal: interruptSignal }), Boolean(opts.json));
    });

  program
    .command('verify')
    .description('re-hash cache objects (moving corrupt ones aside), check a remote, and check pointers against their tags')
    .argument('[ref...]', 'versions to verify (default: every cache object and every version)')
    .addOption(remoteOption('also check that this remote has the objects'))
    .option('--rehash-remote', 'download and re-hash the objects on the remote too')
    .option('--signatures', 'report which registry events are signed, and by whom')
    .addOption(jobsFlag('objects re-hashed and checked at once (default: the remote\'s jobs setting, else 8)'))
    .option('--json', 'print the result as JSON')
    .action(async (refs: string[], opts: { remote?: string; rehashRemote?: boolean; signatures?: boolean; jobs?: number; json?: boolean }) => {
      const { verify } = await import('../commands/verify.js');
      const activity = await startActivity('Verifying…', Boolean(opts.json));
      try {
        const result = await verify({
          cwd: process.cwd(),
          refs,
          remote: opts.remote,
          rehashRemote: Boolean(opts.rehashRemote),
          signatures: Boolean(opts.signatures),
          jobs: opts.jobs,
          onProgress: (done, total) => activity.update(`Re-hashing ${done}/${total} objects…`),
        });
        activity.stop();
        renderVerify(result, Boolean(opts.json));
        if (!result.ok) process.exitCode = EXIT_FAILED;
      } finally {
        activity.stop();
      }
    });
}

function renderGc(result: GcResult, json: boolean): void {
  if (json) return printJson(result);
  for (const n of result.notes) note(`note: ${n}`);
  const where = result.target === 'cache' ? `the cache (${result.location})` : result.location;
  const kept = `kept ${result.objects - result.deleted} of ${result.objects} objects: ${result.kept.referenced} referenced, ${result.kept.young + result.kept.listedByYoung} younger than ${result.grace}`;
  if (result.dryRun) print(`Would remove ${result.deleted} objects (${formatBytes(result.freed)}) from ${where}; ${kept}.`);
  else print(`Removed ${result.deleted} objects (${formatBytes(result.freed)}) from ${where}; ${kept}.`);
  if (result.chunks) {
    const k = result.chunks.kept;
    const verb = result.dryRun ? 'Would remove' : 'Removed';
    print(`${verb} ${result.chunks.deletedRecipes} of ${result.chunks.recipes} recipes and ${result.chunks.deletedPacks} of ${result.chunks.packs} packs (${formatBytes(result.chunks.freed)}); ${result.chunks.repacked ? `${result.dryRun ? 'would repack' : 'repacked'} ${result.chunks.repacked} mostly-unused pack(s) (${formatBytes(result.chunks.repackedBytes)} still needed), ` : ''}kept ${k.livePacks} packs in use, ${k.youngPacks} younger than ${result.grace}, ${k.retiredPacks} repacked within it.`);
  }
  if (result.temps) note(`Removed ${result.temps} temp file(s) left by killed processes.`);
  if (result.purged.length) note(`Purged versions (not kept): ${result.purged.join(', ')}`);
}

function renderPurge(result: PurgeResult, json: boolean): void {
  if (json) return printJson(result);
  for (const n of result.notes) note(`note: ${n}`);
  const chunks = result.removed.chunks;
  const remote = result.removed.remote !== undefined ? ` and ${result.removed.remote} from ${result.remote!}${chunks ? ` (${chunks.recipes} recipe(s), ${chunks.packs} pack(s)${chunks.repacked ? `; chunks other versions share were moved out of ${chunks.repacked} first` : ''})` : ''}` : '';
  note(`Purged ${result.id}: removed ${result.removed.cache} object(s) from the cache${remote} (${formatBytes(result.bytes)}); ${result.shared} shared with other versions stay.`);
  if (result.tag) {
    note(`Recorded as ${result.tag}; publish it with: git push origin 'refs/tags/${result.tag}'`);
    print(result.tag);
  }
}

function renderVerify(result: VerifyResult, json: boolean): void {
  if (json) return printJson(result);
  for (const n of result.notes) note(`note: ${n}`);
  print(`cache: ${result.cache.checked} object(s) re-hashed, ${result.cache.corrupt.length} corrupt${result.cache.missing.length ? `, ${result.cache.missing.length} missing` : ''}`);
  if (result.remote) print(`${result.remote.remote}: ${result.remote.checked} object(s) checked${result.remote.rehashed ? ' and re-hashed' : ''} (${result.remote.chunked} with a recipe), ${result.remote.missing.length} missing, ${result.remote.corrupt.length} corrupt`);
  for (const v of result.versions) {
    if (v.status === 'purged') print(`  ${v.id}: ${c.yellow('purged')} by ${v.purged!.by.name} <${v.purged!.by.email}> on ${v.purged!.at}${v.purged!.reason ? ` (${v.purged!.reason})` : ''}`);
    else if (v.status !== 'ok') print(`  ${v.id}: ${c.red(v.status)}`);
  }
  for (const s of result.signatures ?? []) {
    const who = s.signer ? ` by ${s.signer}` : '';
    const label = s.status === 'good' ? c.green(`signed${who}`) : s.status === 'unsigned' ? c.dim('unsigned') : s.status === 'bad' ? c.red('BAD signature') : s.status === 'unknown-key' ? c.yellow(`signed by an unknown key (${s.key ?? '?'})`) : c.yellow('signed, not verifiable here');
    print(`  ${s.tag}: ${label}${s.status === 'good' && s.key ? c.dim(` (${s.key})`) : ''}${s.detail && s.status !== 'good' ? c.dim(` — ${s.detail}`) : ''}`);
  }
  if (result.unprotected.length) note(`note: registered without a pointer oid (nothing to compare): ${result.unprotected.join(', ')}`);
  for (const p of result.problems) warn(p);
  print(result.ok ? c.green('ok') : c.red(`${result.problems.length} problem(s) found`));
}

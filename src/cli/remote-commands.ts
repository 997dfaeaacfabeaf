/** CLI definitions of the remote commands: remote add|list|remove, push, fetch, pull, get. Parsing and rendering only. */
import { Option, type Command } from 'commander';
import type { FetchResult, PullResult } from '../commands/fetch.js';
import type { GetResult } from '../commands/get.js';
import type { PushResult } from '../commands/push.js';
import type { RemoteListResult } from '../commands/remote.js';
import type { TransferProgress } from '../remote/transfer-run.js';
import { c, count, formatBytes, note, print, printJson, startActivity, throttle, warn, type Activity } from './output.js';
import { interruptSignal } from './run.js';
import { jobsFlag, parseJobs } from './jobs-option.js';

const remoteOption = () => new Option('-r, --remote <name|url>', 'remote name or URL (default: MV_REMOTE, else the configured default)');

/** A progress bar on the terminal's spinner line; nothing when not interactive. */
function progressTo(activity: Activity, verb: string): (p: TransferProgress) => void {
  let last: TransferProgress | undefined;
  const render = throttle(() => {
    if (!last) return;
    if (last.phase === 'checking') return activity.update(`Comparing ${last.totalObjects} objects with the remote…`);
    const fraction = last.totalBytes > 0 ? last.bytes / last.totalBytes : last.totalObjects > 0 ? last.objects / last.totalObjects : 1;
    const width = 24;
    const filled = Math.round(Math.min(1, fraction) * width);
    activity.update(`${verb} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${Math.floor(fraction * 100)}%  ${last.objects}/${last.totalObjects} objects, ${formatBytes(last.bytes)}/${formatBytes(last.totalBytes)}`);
  });
  return (p) => {
    last = p;
    render();
  };
}

export function registerRemoteCommands(program: Command): void {
  const remote = program.command('remote').description('manage remotes: shared folders and S3-compatible buckets that hold cache objects');
  remote
    .command('add')
    .description('add a remote (shared settings are committed in .mv/config.yaml; secrets go to .mv/config.local.yaml)')
    .argument('<name>', 'a name for it, e.g. origin')
    .argument('<url>', 'a folder path, file:///path or s3://bucket/prefix')
    .option('--default', 'make it the default remote')
    .option('--endpoint <url>', 'S3 endpoint for S3-compatible stores (MinIO, Ceph, R2, GCS)')
    .option('--region <region>', 'S3 region')
    .option('--path-style', 'path-style S3 addressing (the default with a custom endpoint)')
    .option('--no-path-style', 'virtual-hosted S3 addressing, even with a custom endpoint')
    .addOption(new Option('--jobs <n>', 'default parallel transfers for this remote').argParser(parseJobs))
    .option('--profile <name>', 'AWS profile to use (stored in .mv/config.local.yaml)')
    .option('--access-key-id <id>', 'S3 access key id (stored in .mv/config.local.yaml; prefer the AWS chain)')
    .option('--secret-access-key <key>', 'S3 secret key (stored in .mv/config.local.yaml; prefer the AWS chain)')
    .option('--local', 'keep the whole remote in .mv/config.local.yaml (personal, not committed)')
    .option('--json', 'print the result as JSON')
    .action(async (name: string, url: string, opts: RemoteAddFlags, command: Command) => {
      const { remoteAdd } = await import('../commands/remote.js');
      const pathStyleSource = command.getOptionValueSource('pathStyle');
      const result = await remoteAdd({
        cwd: process.cwd(),
        name,
        url,
        makeDefault: Boolean(opts.default),
        ...(opts.endpoint !== undefined ? { endpoint: opts.endpoint } : {}),
        ...(opts.region !== undefined ? { region: opts.region } : {}),
        ...(pathStyleSource === 'cli' ? { pathStyle: Boolean(opts.pathStyle) } : {}),
        ...(opts.jobs !== undefined ? { jobs: opts.jobs } : {}),
        ...(opts.profile !== undefined ? { profile: opts.profile } : {}),
        ...(opts.accessKeyId !== undefined ? { accessKeyId: opts.accessKeyId } : {}),
        ...(opts.secretAccessKey !== undefined ? { secretAccessKey: opts.secretAccessKey } : {}),
        local: Boolean(opts.local),
      });
      if (opts.json) return printJson(result);
      print(`Added remote ${c.bold(result.remote.name)}: ${result.remote.url}${result.remote.default ? ' (default)' : ''}`);
      if (result.commit) note(`Committed .mv/config.yaml (${result.commit.slice(0, 12)}); push it with git so other clones see the remote.`);
    });
  remote
    .command('list')
    .description('list remotes (never shows credentials)')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { json?: boolean }) => {
      const { remoteList } = await import('../commands/remote.js');
      renderRemoteList(await remoteList({ cwd: process.cwd() }), Boolean(opts.json));
    });
  remote
    .command('remove')
    .description('remove a remote from the config (its objects are left where they are)')
    .argument('<name>', 'the remote to remove')
    .option('--json', 'print the result as JSON')
    .action(async (name: string, opts: { json?: boolean }) => {
      const { remoteRemove } = await import('../commands/remote.js');
      const result = await remoteRemove({ cwd: process.cwd(), name });
      if (opts.json) return printJson(result);
      print(`Removed remote ${name}`);
    });

  program
    .command('push')
    .description("send versions' objects to a remote, only those it lacks (default: the pointers committed at HEAD)")
    .argument('[ref...]', 'versions or stages: name, name@vX.Y.Z, name#stage')
    .option('--all', 'every registered version')
    .addOption(remoteOption())
    .addOption(jobsFlag())
    .option('--recheck', 'ask the remote about every object instead of trusting what this clone knows it has')
    .option('--dry-run', 'show what would be sent (objects and bytes) and what the remote already has, and send nothing')
    .option('--trust-remote', 'push to the place the committed config now names for the remote, though this clone pushed elsewhere before')
    .option('--json', 'print the result as JSON')
    .action(async (refs: string[], opts: TransferFlags & { all?: boolean; recheck?: boolean; dryRun?: boolean; trustRemote?: boolean }) => {
      const { push } = await import('../commands/push.js');
      const activity = await startActivity(opts.dryRun ? 'Checking the remote…' : 'Pushing…', Boolean(opts.json));
      try {
        const result = await push({ cwd: process.cwd(), refs, all: Boolean(opts.all), remote: opts.remote, jobs: opts.jobs, recheck: Boolean(opts.recheck), dryRun: Boolean(opts.dryRun), trustRemote: Boolean(opts.trustRemote), signal: interruptSignal, onProgress: progressTo(activity, 'Pushing') });
        activity.stop();
        renderPush(result, Boolean(opts.json));
      } finally {
        activity.stop();
      }
    });

  for (const name of ['fetch', 'pull'] as const) {
    const command = program
      .command(name)
      .description(name === 'fetch' ? "bring versions' objects from a remote into the cache, verified (default: HEAD's pointers)" : 'fetch versions from a remote, then check them out')
      .argument('[ref...]', 'versions or stages: name, name@vX.Y.Z, name#stage')
      .addOption(remoteOption())
      .addOption(jobsFlag())
      .option('--lineage', name === 'fetch' ? "also the versions' data, pipeline and params objects" : "also the versions' data, pipeline and params file, written into the work tree");
    if (name === 'pull') command.option('-f, --force', 'overwrite local changes that are not in the cache');
    else command.option('--all', 'every registered version (purged ones left out): to fill a cache or move to a new remote');
    command.option('--json', 'print the result as JSON').action(async (refs: string[], opts: TransferFlags & { lineage?: boolean; force?: boolean; all?: boolean }) => {
      const commands = await import('../commands/fetch.js');
      const activity = await startActivity('Fetching…', Boolean(opts.json));
      try {
        const base = { cwd: process.cwd(), refs, remote: opts.remote, jobs: opts.jobs, lineage: Boolean(opts.lineage), signal: interruptSignal, onProgress: progressTo(activity, 'Fetching') };
        if (name === 'fetch') {
          const result = await commands.fetch({ ...base, all: Boolean(opts.all) });
          activity.stop();
          renderFetch(result, Boolean(opts.json));
        } else {
          const result = await commands.pull({ ...base, force: Boolean(opts.force) });
          activity.stop();
          renderPull(result, Boolean(opts.json));
        }
      } finally {
        activity.stop();
      }
    });
  }

  program
    .command('get')
    .description("download a version's files into a folder, verified, with mv.lock.json (for deploys; no work tree needed)")
    .argument('<ref>', 'name@vX.Y.Z or name#stage (a bare name means the default branch)')
    .requiredOption('-o, --output <dir>', 'folder to write the files and mv.lock.json into (empty, or from an earlier mvr get)')
    .option('--repo <git-url>', 'repository to resolve the ref in (path or any git URL; default: the current one)')
    .addOption(remoteOption())
    .addOption(jobsFlag())
    .option('--json', 'print the result as JSON')
    .action(async (ref: string, opts: TransferFlags & { output: string; repo?: string }) => {
      const { get } = await import('../commands/get.js');
      const activity = await startActivity('Resolving…', Boolean(opts.json));
      try {
        const result = await get({ cwd: process.cwd(), ref, output: opts.output, repo: opts.repo, remote: opts.remote, jobs: opts.jobs, signal: interruptSignal, onProgress: progressTo(activity, 'Downloading') });
        activity.stop();
        renderGet(result, Boolean(opts.json));
      } finally {
        activity.stop();
      }
    });
}

interface TransferFlags {
  remote?: string;
  jobs?: number;
  json?: boolean;
}

interface RemoteAddFlags {
  default?: boolean;
  endpoint?: string;
  region?: string;
  pathStyle?: boolean;
  jobs?: number;
  profile?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  local?: boolean;
  json?: boolean;
}

function renderRemoteList(result: RemoteListResult, json: boolean): void {
  if (json) return printJson(result);
  if (result.remotes.length === 0 && !result.active) return print('No remotes. Add one with: mvr remote add origin <folder or s3://bucket/prefix> --default');
  for (const r of result.remotes) {
    const extras = [r.endpoint && `endpoint ${r.endpoint}`, r.region && `region ${r.region}`, r.defined_in.includes('local') && !r.defined_in.includes('config') ? 'local only' : undefined].filter(Boolean);
    print(`${r.default ? '* ' : '  '}${c.bold(r.name)}\t${r.url}${extras.length ? `\t(${extras.join(', ')})` : ''}`);
  }
  if (result.active?.source === 'MV_REMOTE') note(`MV_REMOTE is set: commands use ${result.active.remote}.`);
}

function renderPush(result: PushResult, json: boolean): void {
  for (const w of result.warnings) warn(w);
  if (json) return printJson(result);
  const where = result.remoteName ?? result.remote;
  if (result.wouldSend) {
    if (result.wouldSend.objects === 0) print(`Everything is already on ${where} (${count(result.objects, 'object')} checked).`);
    else print(`Would push ${result.versions.join(', ')} to ${where}: ${count(result.wouldSend.objects, 'object')} (${formatBytes(result.wouldSend.bytes)}) to send, ${result.present} already there.`);
    if (result.wouldSend.largeFiles > 0) note(`${count(result.wouldSend.largeFiles, 'large file')} may send less: they go up as chunks where the remote holds earlier versions of them.`);
    note('Nothing was sent (--dry-run).');
  } else if (result.uploaded === 0) {
    print(`Everything is already on ${where} (${count(result.objects, 'object')} checked).`);
  } else {
    print(pushLine(result));
    note(`${count(result.uploaded, 'object')} sent (${formatBytes(result.bytes)}${result.chunkedFiles ? `, ${count(result.chunkedFiles, 'file')} as chunks` : ''}), ${result.present} already there.`);
  }
  for (const n of result.notes) note(`note: ${n}`);
}

/** `Pushed churn@v1.4.0: 6.1 GiB in the version, 1.2 GiB new, 4.9 GiB already on origin (dedup 80%)` */
export function pushLine(result: PushResult): string {
  const shared = Math.max(0, result.versionBytes - result.newBytes);
  const dedup = result.versionBytes > 0 ? Math.round((100 * shared) / result.versionBytes) : 0;
  const what = result.versions.length === 1 ? 'the version' : 'the versions';
  return `Pushed ${result.versions.join(', ')}: ${formatBytes(result.versionBytes)} in ${what}, ${formatBytes(result.newBytes)} new, ${formatBytes(shared)} already on ${result.remoteName ?? result.remote} (dedup ${dedup}%)`;
}

function renderFetch(result: FetchResult, json: boolean, warned = false): void {
  if (!warned) for (const w of result.warnings) warn(w);
  if (json) return printJson(result);
  if (result.downloaded === 0) print(`Everything is already in the cache (${count(result.objects, 'object')} checked).`);
  else print(`Fetched ${count(result.downloaded, 'object')} (${formatBytes(result.bytes)}) from ${result.remote}; ${result.cached} ${result.cached === 1 ? 'was' : 'were'} already in the cache.`);
  if (result.rebuilt) note(`${count(result.rebuilt, 'file')} rebuilt from chunks, ${formatBytes(result.reusedBytes)} of them copied from files already here.`);
  for (const n of result.notes) note(`note: ${n}`);
}

function renderPull(result: PullResult, json: boolean): void {
  for (const w of result.fetch.warnings) warn(w);
  if (json) return printJson(result);
  renderFetch(result.fetch, false, true);
  for (const a of result.checkout.artifacts) print(`${a.id}: ${a.written.length} written, ${a.unchanged} unchanged${a.removed.length ? `, ${a.removed.length} removed` : ''}`);
}

function renderGet(result: GetResult, json: boolean): void {
  for (const w of result.warnings) warn(w);
  if (json) return printJson(result);
  const bytes = result.files.reduce((sum, f) => sum + f.size, 0);
  note(`Wrote ${result.files.length} files (${formatBytes(bytes)}) of ${result.id} (commit ${result.commit.slice(0, 12)}) to ${result.output}; see mv.lock.json there.`);
  print(result.id);
}

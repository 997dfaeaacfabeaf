/**
 * `mv remote add|list|remove`: the remotes of a repository. Shared settings (url, endpoint, region,
 * addressing, jobs) go to `.mv/config.yaml`, which is committed (alone) so every clone sees the remote;
 * secrets (profile, keys) go to `.mv/config.local.yaml`, which is never committed and never printed.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MvError, UsageError } from '../errors.js';
import { CONFIG_FILE, LOCAL_CONFIG_FILE, MV_DIR, SECRET_FILE_MODE, endpointProblem, loadConfig, type Config, type RemoteConfig } from '../config.js';
import { openRepo, requireInitialized, type Repo } from '../repo.js';
import { editRemotes, type RemoteEntry } from '../remote/config-edit.js';
import { rememberDestination } from '../remote/destinations.js';
import { REMOTE_NAME, resolveRemote } from '../remote/resolve-remote.js';
import { s3Endpoint } from '../remote/s3-client.js';
import { normalizeRemoteUrl, parseRemoteUrl, redactUrl } from '../remote/url.js';
import { FileEdits } from '../workspace/file-edits.js';
import { isPlainObject } from '../plain-object.js';

const COMMITTED = `${MV_DIR}/${CONFIG_FILE}`;
const LOCAL = `${MV_DIR}/${LOCAL_CONFIG_FILE}`;

export interface RemoteAddOptions {
  cwd?: string;
  name: string;
  url: string;
  makeDefault?: boolean;
  endpoint?: string;
  region?: string;
  pathStyle?: boolean;
  jobs?: number;
  /** Secrets: written to config.local.yaml only. */
  profile?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Keep the whole remote in config.local.yaml (a personal remote, not shared with the team). */
  local?: boolean;
}

export interface RemoteInfo {
  name: string;
  url: string;
  type: 'directory' | 's3';
  default: boolean;
  /** Where it is defined: the committed config, the local one, or both (local overrides). */
  defined_in: Array<'config' | 'local'>;
  endpoint?: string;
  region?: string;
  path_style?: boolean;
  jobs?: number;
  /** Where S3 credentials come from (never the credentials themselves). */
  credentials?: 'local-config' | 'profile' | 'aws-chain';
}

export interface RemoteAddResult {
  remote: RemoteInfo;
  /** The commit that recorded the shared settings, if any. */
  commit?: string;
  files: string[];
}

export interface RemoteListResult {
  remotes: RemoteInfo[];
  /** The remote commands use when no -r is given, and why. */
  active?: { remote: string; source: 'MV_REMOTE' | 'config' };
}

export async function remoteAdd(options: RemoteAddOptions): Promise<RemoteAddResult> {
  const cwd = options.cwd ?? process.cwd();
  const repo = await openRepo(cwd);
  await requireInitialized(repo);
  if (!REMOTE_NAME.test(options.name)) {
    throw new UsageError(`${JSON.stringify(options.name)} is not a valid remote name.`, 'Use letters, digits, "_", "-" and "."; start with a letter or digit (e.g. origin, team-s3).');
  }
  if (repo.config.remotes[options.name]) {
    throw new MvError('REMOTE_EXISTS', `A remote named ${options.name} already exists (${redactUrl(repo.config.remotes[options.name]!.url)}).`, {
      hint: `Remove it first with \`mvr remote remove ${options.name}\`, or choose another name.`,
    });
  }
  const url = normalizeRemoteUrl(options.url, cwd);
  await requireFolderExists(url, cwd);
  const shared: RemoteEntry = { url };
  if (options.endpoint !== undefined) shared.endpoint = s3Endpoint({ url, endpoint: options.endpoint }, {})!;
  const inClear = shared.endpoint === undefined || options.local ? undefined : endpointProblem(String(shared.endpoint), options.pathStyle);
  if (inClear) {
    throw new MvError('INVALID_CONFIG', `The endpoint ${inClear.shown} ${inClear.why}; committed in ${COMMITTED}, it would send every clone's AWS key id and session token in clear.`, {
      hint: `Use https://, or add the remote with --local to keep it in ${LOCAL} (not committed).`,
    });
  }
  if (options.region !== undefined) shared.region = options.region;
  if (options.pathStyle !== undefined) shared.path_style = options.pathStyle;
  if (options.jobs !== undefined) shared.jobs = options.jobs;
  const secrets: RemoteEntry = {};
  if (options.profile !== undefined) secrets.profile = options.profile;
  if (options.accessKeyId !== undefined) secrets.access_key_id = options.accessKeyId;
  if (options.secretAccessKey !== undefined) secrets.secret_access_key = options.secretAccessKey;
  if (Object.keys(secrets).length && parseRemoteUrl(url, cwd).kind !== 's3') {
    throw new UsageError('Credentials and profiles only apply to s3:// remotes.', 'Drop --profile/--access-key-id/--secret-access-key for a folder remote.');
  }
  if ((options.accessKeyId === undefined) !== (options.secretAccessKey === undefined)) {
    throw new UsageError('Give both --access-key-id and --secret-access-key, or neither.', 'Without them, the standard AWS credential chain is used (AWS_PROFILE, environment, ~/.aws).');
  }
  const local = options.local ? { ...shared, ...secrets } : secrets;
  const committed = options.local ? undefined : shared;
  const written = await writeRemoteEdit(repo, options.name, { committed, local: Object.keys(local).length ? local : undefined, makeDefault: options.makeDefault ?? false, message: `Add mv remote ${options.name}` });
  const info = describeRemote(options.name, written.config.remotes[options.name]!, { ...repo, config: written.config }, { committed: committed !== undefined, local: Object.keys(local).length > 0 });
  await rememberDestination(repo.stateDir, options.name, written.committedDestinations);
  return { remote: info, ...(written.commit ? { commit: written.commit } : {}), files: written.files };
}

export async function remoteRemove(options: { cwd?: string; name: string }): Promise<{ removed: string; commit?: string; files: string[] }> {
  const repo = await openRepo(options.cwd ?? process.cwd());
  await requireInitialized(repo);
  const { committed, local } = await loadConfig(repo.root);
  const inCommitted = hasRemote(committed, options.name);
  const inLocal = hasRemote(local, options.name);
  if (!inCommitted && !inLocal) {
    const names = Object.keys(repo.config.remotes);
    throw new MvError('UNKNOWN_REMOTE', `There is no remote named ${options.name}.`, { hint: names.length ? `Configured remotes: ${names.join(', ')}.` : 'No remotes are configured.' });
  }
  const written = await writeRemoteEdit(repo, options.name, { committed: inCommitted ? null : undefined, local: inLocal ? null : undefined, makeDefault: false, message: `Remove mv remote ${options.name}` });
  await rememberDestination(repo.stateDir, options.name, written.committedDestinations);
  return { removed: options.name, ...(written.commit ? { commit: written.commit } : {}), files: written.files };
}

export async function remoteList(options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<RemoteListResult> {
  const repo = await openRepo(options.cwd ?? process.cwd());
  const { committed, local } = await loadConfig(repo.root);
  const remotes = Object.entries(repo.config.remotes).map(([name, settings]) => describeRemote(name, settings, repo, { committed: hasRemote(committed, name), local: hasRemote(local, name) }));
  let active: RemoteListResult['active'];
  try {
    const resolved = resolveRemote(repo.config, { env: options.env ?? process.env, baseDir: repo.root });
    active = { remote: resolved.name ?? resolved.display, source: resolved.source === 'MV_REMOTE' ? 'MV_REMOTE' : 'config' };
  } catch {
    active = undefined;
  }
  return { remotes, ...(active ? { active } : {}) };
}

function describeRemote(name: string, settings: RemoteConfig, repo: Repo, where: { committed: boolean; local: boolean }): RemoteInfo {
  const spec = parseRemoteUrl(settings.url, repo.root);
  const info: RemoteInfo = {
    name,
    url: redactUrl(settings.url),
    type: spec.kind,
    default: repo.config.remote === name,
    defined_in: [...(where.committed ? (['config'] as const) : []), ...(where.local ? (['local'] as const) : [])],
  };
  if (settings.endpoint) info.endpoint = redactUrl(settings.endpoint);
  if (settings.region) info.region = settings.region;
  if (settings.path_style !== undefined) info.path_style = settings.path_style;
  if (settings.jobs) info.jobs = settings.jobs;
  if (spec.kind === 's3') info.credentials = settings.access_key_id ? 'local-config' : settings.profile ? 'profile' : 'aws-chain';
  return info;
}

function hasRemote(raw: Record<string, unknown> | undefined, name: string): boolean {
  const remotes = raw?.remotes;
  return isPlainObject(remotes) && Object.hasOwn(remotes, name);
}

/**
 * Writes the committed and local halves of a remote (an entry, `null` to remove it, undefined to leave
 * it), validates the result, and commits `.mv/config.yaml` alone when it changed. Undone on any failure.
 */
async function writeRemoteEdit(
  repo: Repo,
  name: string,
  edit: { committed: RemoteEntry | null | undefined; local: RemoteEntry | null | undefined; makeDefault: boolean; message: string },
): Promise<{ config: Config; committedDestinations: Record<string, string>; commit: string | undefined; files: string[] }> {
  if (edit.committed !== undefined && (await repo.git.changedTrackedFiles()).includes(COMMITTED)) {
    throw new MvError('CONFIG_MODIFIED', `${COMMITTED} has uncommitted changes; mv commits it when remotes change.`, {
      hint: `Commit or revert your changes to ${COMMITTED} first (git commit ${COMMITTED}).`,
    });
  }
  const edits = new FileEdits(repo.root);
  try {
    if (edit.committed !== undefined) {
      const makeDefault = edit.committed === null ? false : edit.makeDefault ? true : undefined;
      await edits.write(COMMITTED, editRemotes(await edits.read(COMMITTED), { name, entry: edit.committed ?? undefined, ...(makeDefault === undefined ? {} : { makeDefault }) }));
    }
    if (edit.local !== undefined) {
      const makeDefault = edit.local === null ? false : edit.committed === undefined && edit.makeDefault ? true : undefined;
      await checkSecretFolder(repo);
      await edits.write(LOCAL, editRemotes(await edits.read(LOCAL), { name, entry: edit.local ?? undefined, ...(makeDefault === undefined ? {} : { makeDefault }) }), { mode: SECRET_FILE_MODE });
    }
    const { config, committedDestinations } = await loadConfig(repo.root);
    let commit: string | undefined;
    if (edits.paths.includes(COMMITTED)) {
      const head = await repo.git.headCommit();
      commit = await repo.git.commitToHead({ head, paths: [COMMITTED], message: `${edit.message}\n`, reason: `mv: ${edit.message.toLowerCase()}` });
    }
    await edits.finish();
    return { config, committedDestinations, commit, files: edits.paths };
  } catch (error) {
    await edits.undo();
    throw error;
  }
}

/**
 * config.local.yaml can hold credentials: it is written only into a `.mv/` that no other user can write
 * (they could swap the file), and never when git tracks it (it would be committed).
 */
async function checkSecretFolder(repo: Repo): Promise<void> {
  const info = await stat(join(repo.root, MV_DIR)).catch(() => undefined);
  if (info && (info.mode & 0o002) !== 0) {
    throw new MvError('UNSAFE_PERMISSIONS', `${MV_DIR}/ can be written by every user of this machine (mode ${(info.mode & 0o777).toString(8)}), so credentials kept in ${LOCAL} would not be safe.`, {
      hint: `Run \`chmod o-w ${MV_DIR}\`, then add the remote again.`,
    });
  }
  if ((await repo.git.trackedFiles([LOCAL])).length) {
    throw new MvError('SECRET_FILE_TRACKED', `git tracks ${LOCAL}, so credentials written there would be committed.`, {
      hint: `Stop tracking it (\`git rm --cached ${LOCAL}\` and commit), then add the remote again.`,
    });
  }
}

/** A folder remote must exist: an unmounted share must not silently become a local folder nobody else sees. */
export async function requireFolderExists(url: string, cwd: string): Promise<void> {
  const spec = parseRemoteUrl(url, cwd);
  if (spec.kind !== 'directory') return;
  const info = await stat(spec.path).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new MvError('REMOTE_FOLDER_MISSING', `The remote folder ${spec.path} does not exist${info ? ' (it is a file)' : ''}.`, {
      hint: 'Create it (or mount the share) first, then add the remote again.',
    });
  }
}


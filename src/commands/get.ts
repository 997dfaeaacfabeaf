/**
 * `mv get <ref> -o DIR [--repo URL] [-r REMOTE]`: for deploy jobs and serving hosts. Resolves the ref in a
 * repository (the current one, or any git URL, reading only tags and the one pointer needed), downloads
 * and verifies that version's files into DIR, and writes `DIR/mv.lock.json` with the pinned version,
 * commit and oids. Needs no work tree and no mv set-up on the host.
 */
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { MvError } from '../errors.js';
import { checkCommittedSettings, loadConfig, validateConfig, type Config } from '../config.js';
import { hashBuffer } from '../cache/hash.js';
import { LocalCache } from '../cache/local-cache.js';
import { parseManifest } from '../cache/manifest.js';
import { readCommittedPointer } from '../pointer/locate.js';
import { pointerObjects } from '../pointer/objects.js';
import { pointerFolder, type Pointer } from '../pointer/pointer.js';
import { joinRepoPath, relativeFromFolder } from '../paths.js';
import { notAPinWarning, parseRef, pinnedId } from '../registry/ref.js';
import { resolvePointer, type VersionPointer } from '../registry/version-pointer.js';
import { parseStructured } from '../structured-file.js';
import { downloadObjects } from '../remote/download.js';
import { LOCK_FILE, STAGING_DIR, placeFiles, prepareOutput, writeLock, type LockedFile } from '../remote/get-output.js';
import { openStore } from '../remote/open-store.js';
import { resolveRemote } from '../remote/resolve-remote.js';
import { retryPolicy, type RetryPolicy } from '../remote/retry.js';
import { ChunkedFetcher, type LocalFile } from '../remote/chunked-fetch.js';
import { CHUNKED_MIN_FILE } from '../chunk/params.js';
import { checkJobs } from '../remote/concurrency.js';
import { checkRemoteOption } from '../remote/transfer-inputs.js';
import { UsageError } from '../errors.js';
import { openSourceRepository, type SourceRepository } from '../remote/source-repository.js';
import { throwIfPurged } from '../safety/purge-record.js';
import { rehashCache } from '../safety/rehash.js';
import { requireRegular } from '../cache/regular-file.js';
import type { Oid } from '../cache/oid.js';
import type { TransferProgress } from '../remote/transfer-run.js';

export interface GetOptions {
  cwd?: string;
  ref: string;
  /** The folder to write the files and mv.lock.json into. */
  output: string;
  /** A git URL or path; the repository around `cwd` when absent. */
  repo?: string | undefined;
  /** A remote name or URL; else MV_REMOTE, else the resolved commit's config. */
  remote?: string | undefined;
  jobs?: number | undefined;
  env?: NodeJS.ProcessEnv;
  retry?: Partial<RetryPolicy>;
  signal?: AbortSignal;
  onProgress?: (progress: TransferProgress) => void;
}

export interface GetLock {
  mv_lock: 1;
  /** The ref as given. */
  ref: string;
  /** The pinned version it resolved to. */
  id: string;
  artifact: string;
  version: string;
  stage?: string;
  commit: string;
  pointer: { path: string; oid: string };
  repository: string;
  remote: string;
  files: LockedFile[];
  resolved_at: string;
}

export interface GetResult extends GetLock {
  output: string;
  downloaded: number;
  bytes: number;
  /** The ref names no fixed version (a bare name, `@latest`): said once, for the person deploying. */
  warnings: string[];
}

export async function get(options: GetOptions): Promise<GetResult> {
  if (typeof options.ref !== 'string' || options.ref === '') throw new UsageError('get needs a ref (name@vX.Y.Z or name#stage).');
  if (typeof options.output !== 'string' || options.output === '') throw new UsageError('get needs an output folder (-o DIR).');
  if (options.jobs !== undefined) checkJobs(options.jobs);
  checkRemoteOption(options.remote);
  const policy = retryPolicy(options.retry);
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const ref = parseRef(options.ref);
  const output = resolve(cwd, options.output);
  // The default branch is read too: its config names the remotes, which are often added after a version.
  const source = await openSourceRepository({ url: options.repo, cwd, needHead: true });
  try {
    const version = await resolveVersion(source, options.ref);
    // Files and folders the pointer names directly are checked before anything is fetched; a folder's files once its manifest is.
    checkOwnNames(outputPaths(version.pointer, version.file));
    const commit = version.record?.register.commit ?? source.head;
    const config = await configAt(source, commit);
    const remote = resolveRemote(config, { remote: options.remote, env, baseDir: source.root ?? cwd, cwd });
    const opened = await openStore(remote, { jobs: options.jobs, env });
    const previous = await prepareOutput(output);
    const staging = new LocalCache(join(output, STAGING_DIR));
    await checkResumedStaging(staging);
    const objects = pointerObjects(version.pointer, version.file, ['file']);
    // An earlier get's files are still in DIR while the new ones are fetched: their chunks are reused.
    const chunks = opened.store.chunks?.({ spoolDir: staging.tempDir });
    const earlier: LocalFile[] = previous.filter((f) => typeof f.size === 'number' && f.size >= CHUNKED_MIN_FILE).map((f) => ({ oid: f.oid, size: f.size, path: f.path, local: join(output, f.path) }));
    const chunked = chunks ? new ChunkedFetcher({ store: opened.store, chunks, pools: opened.pools, localFiles: (item) => sameNameFirst(earlier, item.path) }) : undefined;
    const { run, downloaded, bytes } = await downloadObjects(objects, {
      cache: staging,
      store: opened.store,
      pools: opened.pools,
      policy,
      stallTimeoutMs: opened.stallTimeoutMs,
      chunked,
      signal: options.signal,
      onProgress: options.onProgress,
    }).finally(() => opened.store.close?.());
    await throwIfPurged(source.git, run.failures, [version]);
    run.throwIfFailed('fetched from', { ref: options.ref, id: pinnedId(version.artifact, version.version) });
    const files = await lockedFiles(staging, version.pointer, version.file);
    await placeFiles(output, staging, files, previous);
    const lock: GetLock = {
      mv_lock: 1,
      ref: options.ref,
      id: pinnedId(version.artifact, version.version),
      artifact: version.artifact,
      version: version.version,
      ...(ref.kind === 'stage' ? { stage: ref.stage } : {}),
      commit,
      pointer: { path: version.file, oid: hashBuffer(version.content) },
      repository: source.display,
      remote: remote.display,
      files,
      resolved_at: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    };
    await writeLock(output, lock);
    await rm(join(output, STAGING_DIR), { recursive: true, force: true });
    return { ...lock, output, downloaded, bytes, warnings: unpinnedWarning(options.ref, lock.id, version.artifact) };
  } finally {
    await source.dispose();
  }
}

/** An earlier get's files, those with the name of `path` first (a changed model keeps its file name). */
function sameNameFirst(files: LocalFile[], path: string): LocalFile[] {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const same = (f: LocalFile) => f.path.slice(f.path.lastIndexOf('/') + 1) === name;
  return [...files.filter(same), ...files.filter((f) => !same(f))];
}

/**
 * The version a ref names; a bare artifact name means the pointer committed at HEAD, which is that
 * version as registered (its registration commit) when the pointer is byte for byte the registered one.
 */
async function resolveVersion(source: SourceRepository, text: string): Promise<VersionPointer> {
  const ref = parseRef(text);
  if (ref.kind !== 'artifact') return resolvePointer(source.git, source.root ?? '', text);
  const located = source.head ? await readCommittedPointer(source.git, source.head, ref.artifact) : undefined;
  if (!located) {
    throw new MvError('UNKNOWN_ARTIFACT', `No pointer for ${ref.artifact} is committed on the default branch of ${source.display}.`, {
      hint: `Name a version or stage: mvr get ${ref.artifact}@vX.Y.Z or ${ref.artifact}#production.`,
    });
  }
  // Not registered (or registered without this pointer): the branch's pointer stands on its own. Any other
  // failure (a version registered twice, tags too large to read, git) is the get's.
  const registered = await resolvePointer(source.git, source.root ?? '', pinnedId(ref.artifact, located.pointer.version)).catch((error: unknown) => {
    if (error instanceof MvError && UNREGISTERED.has(error.code)) return undefined;
    throw error;
  });
  if (registered && registered.content === located.content) return registered;
  return { ...located, artifact: ref.artifact, version: located.pointer.version };
}

/** What finding a version's registration says when the version has none that holds this pointer. */
const UNREGISTERED = new Set(['UNKNOWN_ARTIFACT', 'UNKNOWN_VERSION', 'NO_POINTER', 'POINTER_MISMATCH']);

/** A ref that names no fixed version (a bare name, `@latest`) is not one to deploy: what it names changes. */
function unpinnedWarning(text: string, id: string, artifact: string): string[] {
  const ref = parseRef(text);
  if (ref.kind !== 'artifact' && ref.kind !== 'latest') return [];
  return [notAPinWarning(text, id, ref.kind === 'latest' ? 'the highest version today' : 'the version committed on the default branch today', `${artifact}#production`)];
}

/**
 * The remotes to download from: this clone's settings when it is the current repository; else those
 * committed on the default branch (remotes are often added after a version), else in the version's commit.
 */
async function configAt(source: SourceRepository, commit: string): Promise<Config> {
  if (source.root) return (await loadConfig(source.root)).config;
  let fallback: Config | undefined;
  for (const at of [source.head, commit]) {
    const text = at ? await source.git.showFile(at, '.mv/config.yaml') : undefined;
    if (text === undefined) continue;
    const raw = parseStructured(text, `.mv/config.yaml at ${at.slice(0, 12)}`);
    const config = validateConfig((raw ?? {}) as Record<string, unknown>, `.mv/config.yaml at ${at.slice(0, 12)}`);
    checkCommittedSettings(config, undefined, `.mv/config.yaml at ${at.slice(0, 12)}`);
    if (Object.keys(config.remotes).length) return config;
    fallback ??= config;
  }
  return fallback ?? validateConfig({}, '.mv/config.yaml');
}

/**
 * Where each of the pointer's files (and folders) goes in DIR, in the pointer's order: relative to the
 * pointer's folder, or to the repository when some file lies outside that folder.
 */
function outputPaths(pointer: Pointer, file: string): string[] {
  const folder = pointerFolder(file);
  const repoPaths = pointer.files.map((f) => joinRepoPath(folder, f.path));
  const outside = repoPaths.some((p) => relativeFromFolder(folder, p).startsWith('..'));
  return repoPaths.map((repoPath) => (outside || folder === '' ? repoPath : relativeFromFolder(folder, repoPath)));
}

/** The files to write, with their paths inside the output folder (a folder's files from its manifest). */
async function lockedFiles(staging: LocalCache, pointer: Pointer, file: string): Promise<LockedFile[]> {
  const paths = outputPaths(pointer, file);
  const files: LockedFile[] = [];
  for (const [i, entry] of pointer.files.entries()) {
    const base = paths[i]!;
    if (!base.endsWith('/')) {
      files.push({ path: base, oid: entry.oid, size: entry.size, mode: 0o644 });
      continue;
    }
    const manifest = parseManifest((await staging.readVerified(entry.oid)).toString('utf8'), `${entry.oid} (${entry.path})`);
    for (const e of manifest) files.push({ path: `${base}${e.path}`, oid: e.oid, size: e.size, mode: e.mode });
  }
  checkOwnNames(files.map((f) => f.path));
  return files;
}

/** Refuses output paths at mv's own names at the top of DIR: the lock file, and the staging cache a get resumes from. */
function checkOwnNames(paths: string[]): void {
  const own = paths.find((path) => [LOCK_FILE, STAGING_DIR].some((name) => path === name || path.startsWith(`${name}/`)));
  if (!own) return;
  const name = own.startsWith(STAGING_DIR) ? STAGING_DIR : LOCK_FILE;
  throw new MvError('PATH_CONFLICT', `The version has ${own === name ? 'a file' : 'a folder'} named ${name} at its top level, where \`mvr get\` keeps its ${name === LOCK_FILE ? 'lock file' : 'staging cache'}.`, { hint: 'Rename it in a new version; nothing was written.' });
}

/**
 * A staging cache left in DIR by an interrupted get is resumed: its objects were verified when they came
 * in, but anyone who could write in DIR since could have changed them, so each is hashed again and one
 * that does not hash to its name is removed (fetched again).
 */
async function checkResumedStaging(staging: LocalCache): Promise<void> {
  // Only regular files are hashed: a pipe there would hold the get, a link would be read through.
  const files: Oid[] = [];
  for await (const oid of staging.list()) {
    const regular = await requireRegular(staging.path(oid)).then(
      () => true,
      () => false,
    );
    if (regular) files.push(oid);
    else await rm(staging.path(oid), { recursive: true, force: true });
  }
  for (const [oid, outcome] of await rehashCache(staging, files)) if (outcome === 'corrupt') await staging.delete(oid);
}

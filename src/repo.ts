/**
 * An opened repository: where it is, its configuration, its cache and its git. Commands receive one of
 * these; serving code gets one from `openRepo`.
 */
import { access, readFile, realpath, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { displayPath } from './display-text.js';
import { MvError, errnoCode } from './errors.js';
import { atOrUnder } from './paths.js';
import { Git, locateRepo } from './git.js';
import { CONFIG_FILE, LOCAL_CONFIG_FILE, MV_DIR, loadConfig, type Config } from './config.js';
import { RealFolders } from './real-folders.js';
import { LocalCache } from './cache/local-cache.js';

export interface Repo {
  root: string;
  gitDir: string;
  /** Whether `.mv/config.yaml` exists (`mv init` has run). */
  initialized: boolean;
  config: Config;
  git: Git;
  cache: LocalCache;
  /** Problems found while opening it that a command should pass on as warnings (exposed credentials). */
  warnings: string[];
  /** Committed settings left out (a committed `add.python` path): `mvr add` says so. */
  ignoredSettings: string[];
  /** Where each remote the committed config alone places sends bytes: a push checks it against this clone's record. */
  committedDestinations: Record<string, string>;
  /**
   * Folder for per-clone state files (stat cache, remote indexes, locks, journals): `<git dir>/mv/`, where
   * nothing can arrive through a clone or pull, so no committed file can pose as mv's own state.
   */
  stateDir: string;
}

export async function openRepo(cwd: string = process.cwd()): Promise<Repo> {
  const { root, gitDir } = await locateRepo(cwd);
  await checkOwnFolder(root, MV_DIR);
  const { config, committed, local, warnings, ignored, committedDestinations } = await loadConfig(root);
  const cacheDir = isAbsolute(config.cache.dir) ? config.cache.dir : resolve(root, config.cache.dir);
  await checkCacheLocation(root, gitDir, cacheDir, cacheDirSetting(committed, local));
  return {
    root,
    gitDir,
    initialized: committed !== undefined,
    warnings,
    ignoredSettings: ignored,
    committedDestinations,
    config,
    git: new Git(root),
    cache: new LocalCache(cacheDir, { fsync: config.cache.fsync, directIo: config.cache.direct_io }),
    stateDir: join(gitDir, 'mv'),
  };
}

/** Fails unless `mv init` has been run here. */
export async function requireInitialized(repo: Repo): Promise<void> {
  if (repo.initialized) return;
  try {
    await access(join(repo.root, MV_DIR, CONFIG_FILE));
  } catch {
    throw new MvError('NOT_INITIALIZED', `mv is not set up in ${repo.root}.`, { hint: 'Run `mvr init` first (once per repository).' });
  }
}

/** Fails in a repository without commits: a version must point at the commit of its code. */
export async function requireHeadCommit(repo: Repo): Promise<string> {
  const head = await repo.git.headCommit();
  if (!head) {
    throw new MvError('NO_COMMITS', `The repository ${repo.root} has no commits yet.`, {
      hint: 'Commit your training code first (`git add … && git commit -m "…"`): each version records the commit it was trained from.',
    });
  }
  return head;
}

/** `.mv/` (or a folder in it) must be a real folder: a committed link there would send the cache and state elsewhere. */
async function checkOwnFolder(root: string, repoPath: string): Promise<void> {
  await new RealFolders(root, 'mv keeps its configuration and cache there').check(`${repoPath}/`);
}

/** Which file set `cache.dir`: a committed value is anyone's who can push, a local one the user's. */
function cacheDirSetting(committed: Record<string, unknown> | undefined, local: Record<string, unknown> | undefined): 'local' | 'committed' | 'default' {
  const dirIn = (file: Record<string, unknown> | undefined) => (file?.cache as { dir?: unknown } | undefined)?.dir !== undefined;
  return dirIn(local) ? 'local' : dirIn(committed) ? 'committed' : 'default';
}

/**
 * The cache lives in `.mv/`, or in a folder outside the work tree (a shared cache). Never inside a git
 * directory (whose object store has the same shape of names, which gc would delete) — this work tree's,
 * or the main one's for a linked work tree — or among the work tree's files; never behind a link inside
 * the work tree; never under /proc. Paths are compared as written and with the links of their longest
 * existing part resolved, so that no spelling (`/proc/self/cwd/.git`, a link to the repository) gets
 * round the rules. A shared cache named by the committed config must exist already: mv does not create
 * folders outside the repository because a committed file says so.
 */
async function checkCacheLocation(root: string, gitDir: string, cacheDir: string, setting: 'local' | 'committed' | 'default'): Promise<void> {
  // A place inside `.mv/` as written (the default, and what `mv init` commits) is where it says: the
  // repository's top is a real path (git resolves it) and checkOwnFolder refuses a link from `.mv` on.
  // Nothing is resolved then, as every command opens the repository.
  const inMv = relative(join(root, MV_DIR), cacheDir);
  if ((inMv === '' || (!inMv.startsWith('..') && !isAbsolute(inMv))) && relative(join(root, MV_DIR), gitDir).startsWith('..')) {
    return checkOwnFolder(root, relative(root, cacheDir).split(sep).join('/'));
  }
  const where = setting === 'local' ? `${MV_DIR}/${LOCAL_CONFIG_FILE}` : `${MV_DIR}/${CONFIG_FILE}`;
  const underProc = (shown: string) =>
    new MvError('INVALID_CONFIG', `cache.dir (${shown}, from ${where}) is under ${PROC}, whose folders stand for other places (a process's working folder or root).`, {
      hint: `Keep the cache in ${MV_DIR}/cache (remove cache.dir) or put it in a real folder outside the repository.`,
    });
  if (atOrUnder(cacheDir, PROC)) throw underProc(displayPath(cacheDir));
  const real = await resolvedPath(cacheDir);
  const shown = real === cacheDir ? displayPath(cacheDir) : `${displayPath(cacheDir)}, really ${displayPath(real)}`;
  if (atOrUnder(real, PROC)) throw underProc(shown);
  const inside = (folder: string, path: string) => {
    const rel = relative(folder, path);
    return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
  };
  for (const git of await gitFolders(gitDir)) {
    if (inside(git, cacheDir) || inside(git, real)) {
      throw new MvError('INVALID_CONFIG', `cache.dir (${shown}, from ${where}) is inside the git directory ${git}.`, {
        hint: `Keep the cache in ${MV_DIR}/cache (remove cache.dir) or put it outside the repository.`,
      });
    }
  }
  let inRepository: string | undefined;
  for (const [top, path] of [[root, cacheDir], [await realpath(root), real]] as const) {
    if (!inside(top, path)) continue;
    const rel = relative(top, path).split(sep).join('/');
    if (!atOrUnder(rel, MV_DIR)) {
      throw new MvError('INVALID_CONFIG', `cache.dir (${path === cacheDir ? displayPath(rel) : shown}, from ${where}) is among the work tree's files.`, {
        hint: `Keep the cache in ${MV_DIR}/ (remove cache.dir) or put it outside the repository.`,
      });
    }
    inRepository ??= rel;
  }
  if (inRepository !== undefined) return checkOwnFolder(root, inRepository);
  if (setting === 'committed') {
    const info = await stat(cacheDir).catch(() => undefined);
    if (!info?.isDirectory()) {
      throw new MvError('CACHE_MISSING', `The shared cache ${cacheDir} named by cache.dir in ${where} does not exist.`, {
        hint: `Create it (\`mkdir -p ${cacheDir}\`) or mount the share it lives on; or set your own cache.dir in ${MV_DIR}/${LOCAL_CONFIG_FILE}.`,
      });
    }
  }
}

const PROC = '/proc';

/** `path` with the links of its longest existing part resolved, and the rest (not there yet) as written. */
async function resolvedPath(path: string): Promise<string> {
  const missing: string[] = [];
  for (let at = path; ; at = dirname(at)) {
    try {
      return join(await realpath(at), ...missing);
    } catch (error) {
      const code = errnoCode(error);
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || dirname(at) === at) throw error;
      missing.unshift(basename(at));
    }
  }
}

/**
 * The git directories whose objects a cache must keep clear of, as written and resolved: this work
 * tree's, and for a linked work tree (`git worktree add`) the main one's, named by its `commondir` file.
 */
async function gitFolders(gitDir: string): Promise<string[]> {
  const common = await readFile(join(gitDir, 'commondir'), 'utf8').then(
    (text) => resolve(gitDir, text.trim()),
    () => undefined,
  );
  const folders = common === undefined ? [gitDir] : [gitDir, common];
  return [...new Set([...folders, ...(await Promise.all(folders.map((folder) => resolvedPath(folder))))])];
}

/**
 * An opened repository: where it is, its configuration, its cache and its git. Commands receive one of
 * these; serving code gets one from `openRepo`.
 */
import { access } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { MvError } from './errors.js';
import { Git, locateRepo } from './git.js';
import { CONFIG_FILE, MV_DIR, loadConfig, type Config } from './config.js';
import { LocalCache } from './cache/local-cache.js';

export interface Repo {
  root: string;
  gitDir: string;
  /** Whether `.mv/config.yaml` exists (`mv init` has run). */
  initialized: boolean;
  config: Config;
  git: Git;
  cache: LocalCache;
  /** Folder for per-clone state files (stat cache, remote indexes, locks); never committed. */
  stateDir: string;
}

export async function openRepo(cwd: string = process.cwd()): Promise<Repo> {
  const { root, gitDir } = await locateRepo(cwd);
  const { config, committed } = await loadConfig(root);
  const cacheDir = isAbsolute(config.cache.dir) ? config.cache.dir : resolve(root, config.cache.dir);
  return {
    root,
    gitDir,
    initialized: committed !== undefined,
    config,
    git: new Git(root),
    cache: new LocalCache(cacheDir, { fsync: config.cache.fsync, directIo: config.cache.direct_io }),
    stateDir: join(root, MV_DIR, 'state'),
  };
}

/** Fails unless `mv init` has been run here. */
export async function requireInitialized(repo: Repo): Promise<void> {
  if (repo.initialized) return;
  try {
    await access(join(repo.root, MV_DIR, CONFIG_FILE));
  } catch {
    throw new MvError('NOT_INITIALIZED', `mv is not set up in ${repo.root}.`, { hint: 'Run `mv init` first (once per repository).' });
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

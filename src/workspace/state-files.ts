/** Where per-clone state lives (in the git directory, so never committed or cloned): `.git/mv/`. */
import { join } from 'node:path';
import { StatCache } from '../cache/stat-cache.js';
import type { Repo } from '../repo.js';

/** The stat cache of the work tree (`.git/mv/stat-cache`; earlier versions kept it as `stat-cache.json`). */
export function loadStatCache(repo: Repo): Promise<StatCache> {
  return StatCache.load(join(repo.stateDir, 'stat-cache'), { formerly: join(repo.stateDir, 'stat-cache.json') });
}

/** Which version each artifact's files were last checked out at (`mv checkout name@vX`). */
export function checkoutStateFile(repo: Repo): string {
  return join(repo.stateDir, 'checkouts.json');
}

/** Where per-clone state lives (in the git directory, so never committed or cloned): `.git/mv/`. */
import { join } from 'node:path';
import type { Repo } from '../repo.js';

export function statCacheFile(repo: Repo): string {
  return join(repo.stateDir, 'stat-cache.json');
}

/** Which version each artifact's files were last checked out at (`mv checkout name@vX`). */
export function checkoutStateFile(repo: Repo): string {
  return join(repo.stateDir, 'checkouts.json');
}

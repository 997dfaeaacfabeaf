/** Where per-clone state lives (never committed): `.mv/state/`. */
import { join } from 'node:path';
import type { Repo } from '../repo.js';

export function statCacheFile(repo: Repo): string {
  return join(repo.stateDir, 'stat-cache.json');
}

/** Which version each artifact's files were last checked out at (`mv checkout name@vX`). */
export function checkoutStateFile(repo: Repo): string {
  return join(repo.stateDir, 'checkouts.json');
}

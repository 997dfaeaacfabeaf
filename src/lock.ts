/**
 * The repository lock: operations that rewrite the work tree, move HEAD or delete cache objects hold it, so
 * two of them never interleave. Other runs wait for it (up to a minute) instead of failing. A lock whose
 * holder was killed stops being refreshed and is taken over after a few seconds.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { MvError } from './errors.js';
import type { Repo } from './repo.js';

const STALE_MS = 5000;

export async function withRepoLock<T>(repo: Repo, what: string, work: () => Promise<T>): Promise<T> {
  await mkdir(repo.stateDir, { recursive: true });
  const target = join(repo.stateDir, 'repo');
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(target, {
      realpath: false,
      stale: STALE_MS,
      retries: { retries: 120, factor: 1.2, minTimeout: 50, maxTimeout: 1000 },
      onCompromised: () => undefined,
    });
  } catch (error) {
    throw new MvError('LOCKED', `Another mv command is working in this repository, so ${what} cannot start.`, {
      hint: 'Wait for it to finish and run the command again.',
      cause: error,
    });
  }
  try {
    return await work();
  } finally {
    await release().catch(() => undefined);
  }
}

/**
 * Whole-file replacement that readers can never observe half-done: write a temp file in the same directory,
 * then rename it over the target. After a crash the target holds the old or the new content, never a mix;
 * a left-over temp file has the `.mv-tmp-` marker so later runs can remove it.
 */
import { randomBytes } from 'node:crypto';
import { open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fsError } from './errors.js';

export const TEMP_MARKER = '.mv-tmp-';

/** Unique per process (pid, then a random tag) and per call (a counter). */
const TEMP_TAG = `${process.pid}-${randomBytes(4).toString('hex')}`;
let tempCounter = 0;

/** At most this many bytes of the target's name go into a temp name, which must fit in 255 bytes itself. */
const NAME_PART = 160;

/**
 * The names mv gives its temp files: `.<name>.mv-tmp-<pid>-<8 hex>-<n>` beside a target, and
 * `.mv-tmp-<pid>-<thread>-<n>` from the copy workers. Only these are passed over when a folder is listed
 * (a committed file that merely contains the marker is a file like any other).
 */
const TEMP_NAME = /^\.(?:.*\.mv-tmp-\d+-[0-9a-f]{8}|mv-tmp-\d+-\d+)-\d+$/s;

export function isTempName(name: string): boolean {
  return name.includes(TEMP_MARKER) && TEMP_NAME.test(name);
}

export function tempPathBeside(target: string): string {
  let name = basename(target);
  while (Buffer.byteLength(name) > NAME_PART) name = name.slice(0, -1);
  return join(dirname(target), `.${name}${TEMP_MARKER}${TEMP_TAG}-${++tempCounter}`);
}

export async function writeFileAtomic(target: string, data: string | Uint8Array, options: { mode?: number; fsync?: boolean } = {}): Promise<void> {
  const temp = tempPathBeside(target);
  try {
    const handle = await open(temp, 'wx', options.mode ?? 0o644);
    try {
      await handle.writeFile(data);
      if (options.fsync) await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw fsError(error, 'writing', target);
  }
}

/** Whether the process that made a temp file (its pid is in the name) is gone, so the file is garbage. */
export function isAbandonedTemp(name: string): boolean {
  const match = /(?:\.mv-tmp-|^)(\d+)-[0-9a-f]+/.exec(name);
  if (!match) return false;
  const pid = Number(match[1]);
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Removes temp files (and staging folders) left in `dir` by killed processes (only names mv generates). */
export async function removeAbandonedTemps(dir: string, isTemp: (name: string) => boolean): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!isTemp(name) || !isAbandonedTemp(name)) continue;
    await rm(join(dir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

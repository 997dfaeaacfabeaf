/**
 * Whole-file replacement that readers can never observe half-done: write a temp file in the same directory,
 * then rename it over the target. After a crash the target holds the old or the new content, never a mix;
 * a left-over temp file has the `.mv-tmp-` marker so later runs can remove it.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fsError } from './errors.js';

export const TEMP_MARKER = '.mv-tmp-';

export function tempPathBeside(target: string): string {
  return join(dirname(target), `.${basename(target)}${TEMP_MARKER}${process.pid}-${randomBytes(4).toString('hex')}`);
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

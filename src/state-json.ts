/**
 * mv's small per-clone JSON records in `.git/mv/` (which checkout wrote what, which part files the user
 * named, where each remote was pushed): read whole, replaced whole. A missing or damaged record reads as
 * undefined, so the caller starts over; a record that cannot be read at all (a folder in its place) is a
 * named error.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from './atomic-file.js';
import { errnoCode, fsError } from './errors.js';

export async function readStateJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' || error instanceof SyntaxError) return undefined;
    throw fsError(error, 'reading', file);
  }
}

export async function writeStateJson(file: string, value: unknown): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}

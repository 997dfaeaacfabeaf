/**
 * The output folder of `mv get`: what may be there before (nothing, or an earlier `mv get`), the files
 * placed from a staging cache inside it, and `mv.lock.json`, written last, so a lock file always
 * describes complete, verified files. A staging cache left by an interrupted get is resumed.
 */
import { constants } from 'node:fs';
import { chmod, copyFile, mkdir, readFile, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomic-file.js';
import { MvError, errnoCode, fsError } from '../errors.js';
import type { LocalCache } from '../cache/local-cache.js';
import type { Oid } from '../cache/oid.js';
import { relativePathProblem } from '../paths.js';
import { WorkTreeChange } from '../workspace/materialize.js';

export const LOCK_FILE = 'mv.lock.json';
export const STAGING_DIR = '.mv-get';

export interface LockedFile {
  /** Path inside the output folder. */
  path: string;
  oid: Oid;
  size: number;
  mode: number;
}

/** The files of an earlier `mv get` recorded in DIR's lock file ([] if none); refuses a folder with other content. */
export async function prepareOutput(dir: string): Promise<LockedFile[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if (errnoCode(error) === 'ENOTDIR') {
      throw new MvError('OUTPUT_NOT_A_FOLDER', `${dir} is a file, not a folder.`, { hint: 'Give a new or empty folder with -o.' });
    }
    if (errnoCode(error) !== 'ENOENT') throw fsError(error, 'reading', dir);
    await mkdir(dir, { recursive: true }).catch((e: unknown) => {
      throw fsError(e, 'creating', dir);
    });
    return [];
  }
  if (names.length === 0) return [];
  if (!names.includes(LOCK_FILE) && !names.includes(STAGING_DIR)) {
    throw new MvError('OUTPUT_NOT_EMPTY', `${dir} is not empty and holds no earlier \`mvr get\` (no ${LOCK_FILE}).`, {
      hint: 'Give an empty or new folder with -o; `mvr get` only replaces what an earlier `mvr get` wrote.',
    });
  }
  try {
    const lock = JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8')) as { files?: LockedFile[] };
    return Array.isArray(lock.files) ? lock.files.filter((f) => typeof f.path === 'string') : [];
  } catch {
    return [];
  }
}

/** Moves (or copies, for a repeated oid) verified objects from the staging cache to their paths in `dir`. */
export async function placeFiles(dir: string, staging: LocalCache, files: LockedFile[], previous: LockedFile[]): Promise<void> {
  // The old lock goes first: from here until the new one is written, DIR is visibly incomplete.
  await rm(join(dir, LOCK_FILE), { force: true });
  const wanted = new Set(files.map((f) => f.path));
  // Paths from an earlier lock file are removed only if they are paths such a lock could hold.
  const stale = previous.filter((old) => !wanted.has(old.path) && relativePathProblem(old.path) === undefined && !old.path.startsWith('../'));
  const change = new WorkTreeChange(dir, { removals: stale.map((old) => old.path), stageNewFolders: false });
  const placed = new Map<Oid, string>();
  try {
    for (const file of files) {
      const place = await change.prepare(file.path);
      const source = placed.get(file.oid);
      try {
        if (source) await copyFile(source, place.path, constants.COPYFILE_FICLONE);
        else await rename(staging.path(file.oid), place.path);
        await chmod(place.path, file.mode);
      } catch (error) {
        throw fsError(error, 'writing', place.target);
      }
      placed.set(file.oid, place.path);
    }
    await change.apply();
  } catch (error) {
    await change.discard();
    throw error;
  }
  await change.finish();
}

export async function writeLock(dir: string, lock: unknown): Promise<void> {
  await writeFileAtomic(join(dir, LOCK_FILE), `${JSON.stringify(lock, null, 2)}\n`);
}

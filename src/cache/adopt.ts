/**
 * Adding without copying, for `cache.type: hardlink` or `symlink`: once hashed, the work-tree file itself
 * becomes the cache object (a second name for the same bytes, or moved into the cache and linked back),
 * read-only like every object, exactly as `mv checkout` would have written it. This is what makes adding
 * a multi-GB file cost one read instead of a read and a write. Without a link mode, files are copied.
 */
import { chmodSync, linkSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, type Stats } from 'node:fs';
import { chmod, link, mkdir, rename, rm, symlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { tempPathBeside } from '../atomic-file.js';
import { MvError, errnoCode, fsError } from '../errors.js';
import { hashBuffer, hashFile, type Hashed } from './hash.js';
import type { LocalCache } from './local-cache.js';

export type LinkMode = 'hardlink' | 'symlink';

const OBJECT_MODE = 0o444;

function crossDevice(path: string, cause: unknown): MvError {
  return new MvError('CROSS_DEVICE', `Cannot link ${path} into the cache: they are on different file systems.`, {
    hint: 'Set cache.type to copy in .mv/config.yaml, or move the cache (cache.dir) to the same file system.',
    cause,
  });
}

/** Small files: hash, then make the work-tree file the cache object (or a link to the one already there). */
export function adoptSmallSync(cache: LocalCache, sourcePath: string, mode: LinkMode): Hashed {
  const before = statSync(sourcePath);
  const data = readFileSync(sourcePath);
  const hashed = { oid: hashBuffer(data), size: data.byteLength };
  const object = cache.path(hashed.oid);
  try {
    mkdirSync(dirname(object), { recursive: true });
    if (cache.hasSync(hashed.oid, hashed.size)) {
      const temp = tempPathBeside(sourcePath);
      if (mode === 'hardlink') linkSync(object, temp);
      else symlinkSync(object, temp);
      renameSync(temp, sourcePath);
    } else if (mode === 'hardlink') {
      linkSync(sourcePath, object);
      const changed = changedSince(before, object, sourcePath, mode);
      if (changed) throw changed;
      chmodSync(object, OBJECT_MODE);
    } else {
      renameSync(sourcePath, object);
      const changed = changedSince(before, object, sourcePath, mode);
      if (changed) throw changed;
      chmodSync(object, OBJECT_MODE);
      symlinkSync(object, sourcePath);
    }
  } catch (error) {
    if (error instanceof MvError) throw error;
    if (errnoCode(error) === 'EXDEV') throw crossDevice(sourcePath, error);
    if (errnoCode(error) === 'EEXIST') return hashed; // another writer stored the same bytes first
    throw fsError(error, 'linking', sourcePath);
  }
  return hashed;
}

/** Large files: the same, streaming the hash. */
export async function adopt(cache: LocalCache, sourcePath: string, mode: LinkMode): Promise<Hashed> {
  const before = statSync(sourcePath);
  const hashed = await hashFile(sourcePath);
  const object = cache.path(hashed.oid);
  try {
    await mkdir(dirname(object), { recursive: true });
    if (await cache.has(hashed.oid, hashed.size)) {
      const temp = tempPathBeside(sourcePath);
      try {
        if (mode === 'hardlink') await link(object, temp);
        else await symlink(object, temp);
        await rename(temp, sourcePath);
      } catch (error) {
        await rm(temp, { force: true });
        throw error;
      }
    } else if (mode === 'hardlink') {
      await link(sourcePath, object);
      const changed = changedSince(before, object, sourcePath, mode);
      if (changed) throw changed;
      await chmod(object, OBJECT_MODE);
    } else {
      await rename(sourcePath, object);
      const changed = changedSince(before, object, sourcePath, mode);
      if (changed) throw changed;
      await chmod(object, OBJECT_MODE);
      await symlink(object, sourcePath);
    }
  } catch (error) {
    if (error instanceof MvError) throw error;
    if (errnoCode(error) === 'EXDEV') throw crossDevice(sourcePath, error);
    if (errnoCode(error) === 'EEXIST') return hashed;
    throw fsError(error, 'linking', sourcePath);
  }
  return hashed;
}

/**
 * The file must not have changed between hashing and linking: its object would then hold other bytes
 * than its name says. A change is undone (the new object removed) and reported.
 */
function changedSince(before: Stats, object: string, sourcePath: string, mode: LinkMode): MvError | undefined {
  const after = statSync(object);
  if (after.size === before.size && after.mtimeMs === before.mtimeMs) return undefined;
  // Hard link: drop the cache's name, the work-tree file keeps its own. Moved file: move it back.
  if (mode === 'hardlink') rmSync(object, { force: true });
  else renameSync(object, sourcePath);
  return new MvError('FILE_CHANGED', `${sourcePath} changed while it was being added.`, {
    hint: 'Wait until the program writing it has finished, then run the command again.',
  });
}

/**
 * Writing cache objects into the work tree. Every file is written to a temp name in its folder and renamed
 * over the target, so a reader (or a crash) sees the old or the new content, never a mix. Folders on the
 * way are checked: one that is a symbolic link leading outside the repository is refused.
 */
import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { chmod, link, lstat, mkdir, realpath, rename, rm, symlink } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { tempPathBeside } from '../atomic-file.js';
import { MvError, errnoCode, fsError } from '../errors.js';
import { copyWhileHashing, kernelCopy, type LocalCache } from '../cache/local-cache.js';
import { hashBuffer } from '../cache/hash.js';
import type { Oid } from '../cache/oid.js';
import type { StatTuple } from '../cache/file-pool.js';
import { absolutePath } from '../paths.js';

export type LinkType = 'copy' | 'hardlink' | 'symlink';

/** Where to write one work-tree file. */
export interface WritePlace {
  path: string;
  /** Inside a folder being built aside: nothing is there yet, so the file can be created in place. */
  fresh: boolean;
}

/**
 * Makes sure the folders leading to work-tree paths exist inside the repository. A folder that is a
 * symbolic link is allowed only if it resolves inside the repository. Each folder is checked once.
 *
 * With `stageNewFolders`, a folder that does not exist yet is built aside under a temp name (its files
 * created in place, without a temp file and a rename each) and renamed to its name by `commit()`: a new
 * folder of thousands of files appears whole, and costs half the file-system operations. (Staging folders
 * of a killed run are the caller's to remove: checkout does, in every folder above what it writes.)
 */
export class TargetFolders {
  private readonly root: string;
  private realRoot: string | undefined;
  /** Folders checked or made, each with where it is now (inside a staging folder until `commit()`). */
  private readonly places = new Map<string, string>();
  /** Staging folders with the name each gets on `commit()`. */
  private readonly staged: Array<{ staging: string; folder: string }> = [];

  constructor(root: string, private readonly stageNewFolders = false) {
    this.root = root;
  }

  /** Prepares the folders of `repoPath` and returns where to write it. */
  async prepare(repoPath: string): Promise<WritePlace> {
    this.realRoot ??= await realpath(this.root);
    const parts = repoPath.replace(/\/$/, '').split('/');
    const name = parts.pop()!;
    let folder = this.root;
    let place = this.root;
    for (const part of parts) {
      const inside = place !== folder;
      folder = `${folder}${sep}${part}`;
      let known = this.places.get(folder);
      if (known === undefined) {
        if (inside) {
          // A folder inside a staging folder is ours alone: nothing to check, only to make.
          const made = join(place, part);
          await mkdir(made).catch((e: unknown) => {
            throw fsError(e, 'creating', made);
          });
          known = made;
        } else known = await this.checkFolder(folder, repoPath);
        this.places.set(folder, known);
      }
      place = known;
    }
    return place === folder ? { path: absolutePath(this.root, repoPath), fresh: false } : { path: join(place, name), fresh: true };
  }

  /** Gives every staging folder its name. */
  async commit(): Promise<void> {
    while (this.staged.length) {
      const { staging, folder } = this.staged[0]!;
      await rename(staging, folder).catch((e: unknown) => {
        throw fsError(e, 'creating', folder);
      });
      this.staged.shift();
    }
  }

  /** Removes the staging folders (after a failure: nothing half-built is left). */
  async discard(): Promise<void> {
    for (const { staging } of this.staged.splice(0)) await rm(staging, { recursive: true, force: true });
  }

  /** Checks an existing folder, or makes (or stages) a missing one; returns where it is. */
  private async checkFolder(folder: string, repoPath: string): Promise<string> {
    let info;
    try {
      info = await lstat(folder);
    } catch (error) {
      if (errnoCode(error) !== 'ENOENT') throw fsError(error, 'checking', folder);
      if (this.stageNewFolders) return this.stage(folder);
      await mkdir(folder).catch((e: unknown) => {
        if (errnoCode(e) !== 'EEXIST') throw fsError(e, 'creating', folder);
      });
      return folder;
    }
    if (info.isSymbolicLink()) {
      const resolved = await realpath(folder).catch(() => undefined);
      const rel = resolved === undefined ? '..' : relative(this.realRoot!, resolved);
      if (rel.startsWith('..')) {
        throw new MvError('PATH_ESCAPES_REPO', `${relative(this.root, folder)} is a symbolic link leading outside the repository; mv will not write through it.`, {
          hint: 'Replace the link with a real folder, then run the command again.',
        });
      }
    } else if (!info.isDirectory()) {
      throw new MvError('PATH_CONFLICT', `${relative(this.root, folder)} is a file, but ${repoPath} needs it to be a folder.`, {
        hint: 'Move the file away (or use --force to replace it), then run the command again.',
      });
    }
    return folder;
  }

  private async stage(folder: string): Promise<string> {
    const staging = tempPathBeside(folder);
    await mkdir(staging).catch((e: unknown) => {
      throw fsError(e, 'creating', folder);
    });
    this.staged.push({ staging, folder });
    return staging;
  }
}

/**
 * Copies a small cache object to `target` with synchronous calls (read, write a temp file with the final
 * mode, rename over the target; `fresh`: create the target itself) and returns its stat data for the stat cache.
 */
export function placeSmallSync(source: string, target: string, mode: number, oid: Oid, fresh = false): StatTuple {
  const data = readFileSync(source);
  if (hashBuffer(data) !== oid) throw corruptObject(oid, source);
  if (fresh) {
    // In a folder being built aside: created in place, and the folder appears whole or not at all.
    writeFileSync(target, data, { flag: 'wx', mode });
    return statTuple(target);
  }
  const temp = tempPathBeside(target);
  try {
    writeFileSync(temp, data, { flag: 'wx', mode });
    renameSync(temp, target);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  return statTuple(target);
}

function statTuple(path: string): StatTuple {
  const info = statSync(path, { bigint: true });
  return [String(info.ino), String(info.size), String(info.mtimeNs), String(info.ctimeNs)];
}

/**
 * Puts the object `oid` at `target` atomically, as a copy (reflink where possible), hard link or symlink.
 * A copy is hashed on the way unless `verified` (the object was verified by this process moments ago).
 * An aborted `signal` stops a copy midway; its temp file is removed and `target` is left as it was.
 */
export async function placeObject(cache: LocalCache, oid: Oid, target: string, mode: number, linkType: LinkType, verified = false, signal?: AbortSignal): Promise<void> {
  const source = cache.path(oid);
  const temp = tempPathBeside(target);
  try {
    if (linkType === 'hardlink') await link(source, temp);
    else if (linkType === 'symlink') await symlink(source, temp);
    else if (verified) {
      await kernelCopy(source, temp, signal ? { signal } : {});
      await chmod(temp, mode);
    } else {
      // A copy is checked on the way: damaged cache bytes never reach the work tree.
      const copied = await copyWhileHashing(source, temp, false, mode, false, signal);
      if (copied.oid !== oid) throw corruptObject(oid, source);
    }
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    if (errnoCode(error) === 'ENOENT' && !(await cache.has(oid))) {
      throw new MvError('OBJECT_MISSING', `Object ${oid} for ${target} is not in the cache.`, { hint: 'Fetch it with `mv fetch <ref>`.' });
    }
    if (errnoCode(error) === 'EXDEV' && linkType === 'hardlink') {
      throw new MvError('CROSS_DEVICE', `Cannot hard-link ${target} to the cache: they are on different file systems.`, {
        hint: 'Set cache.type to copy (or symlink) in .mv/config.yaml, or move the cache to the same file system.',
      });
    }
    throw fsError(error, 'writing', target);
  }
}

function corruptObject(oid: Oid, path: string): MvError {
  return new MvError('CORRUPT_OBJECT', `Cache object ${oid} (${path}) does not match its content; it was not checked out.`, {
    hint: 'Run `mv verify` to move damaged objects aside, then `mv fetch` the version from a remote (or add it again).',
  });
}

/** Removes a file or folder from the work tree. */
export async function removePath(target: string): Promise<void> {
  await rm(target, { recursive: true, force: true });
}

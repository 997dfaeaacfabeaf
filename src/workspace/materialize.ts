/**
 * Writing cache objects into the work tree, as one change that either happens whole or leaves the work
 * tree exactly as it was.
 *
 * Phase 1 writes every file beside its place: a temp file in its folder, or directly inside a folder that
 * does not exist yet and is built aside under a temp name. This is the only phase that needs free space,
 * and nothing visible changes in it. Phase 2 (`apply`) only renames: a file being replaced keeps a second
 * name (a hard link) while the new file is renamed over it, what is removed gets a temp name, each folder
 * built aside takes its name. If a rename fails, the ones done are reversed. Phase 3 (`finish`) deletes
 * what was replaced. A process killed in phase 2 leaves each file old or new; what it leaves under temp
 * names (marked `.mv-tmp-<pid>`) the next checkout removes.
 *
 * Folders on the way are checked as they are prepared: a symbolic link among them is refused, wherever it
 * leads (see real-folders.ts).
 */
import { linkSync, symlinkSync } from 'node:fs';
import { chmod, link, lstat, mkdir, rename, rm } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { tempPathBeside } from '../atomic-file.js';
import { MvError, errnoCode, fsError } from '../errors.js';
import { copyWhileHashing, kernelCopy, type LocalCache } from '../cache/local-cache.js';
import { hashFile } from '../cache/hash.js';
import type { Oid } from '../cache/oid.js';
import { writeSmallSync } from '../cache/small-file.js';
import { fileInTheWayError, linkedFolderError } from '../real-folders.js';

export type LinkType = 'copy' | 'hardlink' | 'symlink';

/** Where to write one work-tree file in phase 1. */
export interface WritePlace {
  /** The file's final absolute path. */
  target: string;
  /** Where to create it now: the target itself inside a folder built aside, else a temp file beside it. */
  path: string;
  /** Inside a folder being built aside: nothing is there yet, and the file is created in place. */
  fresh: boolean;
}

interface Swap {
  target: string;
  /** The new content (absent for a removal). */
  temp?: string;
  /** What stood at `target` before, under a temp name, once renamed aside. */
  backup?: string;
}

/**
 * One change to the work tree: prepared files, removals, folders built aside; applied by renames only.
 * Paths given to it are repository-relative.
 */
export class WorkTreeChange {
  private readonly root: string;
  /** Folders checked or made, each with where it is now (inside a staging folder until applied). */
  private readonly places = new Map<string, string>();
  /** Staging folders with the name each gets when applied. */
  private readonly staged: Array<{ staging: string; folder: string; done?: boolean }> = [];
  private readonly swaps: Swap[] = [];
  /** Absolute paths that are removed (or replaced by a folder built aside) when the change is applied. */
  private readonly goingAway: Set<string>;

  constructor(root: string, options: { removals?: string[]; stageNewFolders?: boolean } = {}) {
    this.root = root;
    this.stageNewFolders = options.stageNewFolders ?? true;
    this.goingAway = new Set((options.removals ?? []).map((p) => this.abs(p)));
    for (const path of options.removals ?? []) this.swaps.push({ target: this.abs(path) });
  }

  private readonly stageNewFolders: boolean;

  private abs(repoPath: string): string {
    const body = repoPath.replace(/\/$/, '');
    return `${this.root}${sep}${body.split('/').join(sep)}`;
  }

  /** Prepares the folders of `repoPath` and says where its content goes in phase 1. */
  async prepare(repoPath: string): Promise<WritePlace> {
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
    const target = join(folder, name);
    if (place !== folder) return { target, path: join(place, name), fresh: true };
    const temp = tempPathBeside(target);
    this.swaps.push({ target, temp });
    return { target, path: temp, fresh: false };
  }

  /** Checks an existing folder, or stages (or makes) a missing one; returns where it is. */
  private async checkFolder(folder: string, repoPath: string): Promise<string> {
    if (this.goingAway.has(folder)) return this.stage(folder);
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
    if (info.isSymbolicLink()) throw linkedFolderError(this.root, folder, 'writing artifact files');
    if (!info.isDirectory()) throw fileInTheWayError(this.root, folder, repoPath);
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

  /**
   * Phase 2: what is replaced or removed is renamed aside, new files and folders take their names. On a
   * failure the renames done are reversed and the error is thrown: the work tree is as it was.
   */
  async apply(): Promise<void> {
    const done: Array<() => Promise<void>> = [];
    let at = this.root;
    try {
      for (const swap of this.swaps) {
        at = swap.target;
        const kind = await entryKind(swap.target);
        if (kind !== 'none') {
          const backup = tempPathBeside(swap.target);
          // A file being replaced keeps its name until the new one takes it (a second name holds the old
          // content), so a process killed here leaves the old file or the new, never none.
          if (kind === 'file' && swap.temp && (await link(swap.target, backup).then(() => true, () => false))) {
            swap.backup = backup;
            const temp = swap.temp;
            await rename(temp, swap.target);
            done.push(() => rename(backup, swap.target));
            continue;
          }
          await rename(swap.target, backup);
          swap.backup = backup;
          done.push(() => rename(backup, swap.target));
        }
        if (swap.temp) {
          const temp = swap.temp;
          await rename(temp, swap.target);
          done.push(() => rename(swap.target, temp));
        }
      }
      for (const entry of this.staged) {
        at = entry.folder;
        await rename(entry.staging, entry.folder);
        entry.done = true;
        done.push(async () => {
          await rename(entry.folder, entry.staging);
          entry.done = false;
        });
      }
    } catch (error) {
      for (const undo of done.reverse()) await undo().catch(() => undefined);
      for (const swap of this.swaps) swap.backup = undefined;
      throw fsError(error, 'placing', relative(this.root, at) || at);
    }
  }

  /** Phase 3: deletes what the change replaced or removed. */
  async finish(): Promise<void> {
    for (const swap of this.swaps) if (swap.backup) await rm(swap.backup, { recursive: true, force: true });
  }

  /** Before or after a failed `apply`: removes every temp file and folder built aside; nothing else is touched. */
  async discard(): Promise<void> {
    for (const swap of this.swaps) if (swap.temp) await rm(swap.temp, { force: true });
    for (const entry of this.staged.splice(0)) if (!entry.done) await rm(entry.staging, { recursive: true, force: true });
  }
}

async function entryKind(path: string): Promise<'none' | 'file' | 'folder'> {
  try {
    return (await lstat(path)).isDirectory() ? 'folder' : 'file';
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return 'none';
    throw error;
  }
}

export { writeSmallSync };

export async function writeObject(cache: LocalCache, oid: Oid, dest: string, mode: number, linkType: LinkType, verified = false, signal?: AbortSignal): Promise<void> {
  const source = cache.path(oid);
  try {
    if (linkType !== 'copy') {
      if (!verified && (await hashFile(source, signal)).oid !== oid) throw corruptObject(oid, source);
      if (linkType === 'hardlink') linkSync(source, dest);
      else symlinkSync(source, dest);
    } else if (verified) {
      await kernelCopy(source, dest, signal ? { signal } : {});
      await chmod(dest, mode);
    } else {
      const copied = await copyWhileHashing(source, dest, false, mode, false, signal);
      if (copied.oid !== oid) throw corruptObject(oid, source);
    }
  } catch (error) {
    await rm(dest, { force: true });
    if (error instanceof MvError) throw error;
    if (errnoCode(error) === 'ENOENT' && !(await cache.has(oid))) {
      throw new MvError('OBJECT_MISSING', `Object ${oid} is not in the cache.`, { hint: 'Fetch it with `mvr fetch <ref>`.' });
    }
    if (errnoCode(error) === 'EXDEV' && linkType === 'hardlink') {
      throw new MvError('CROSS_DEVICE', 'Cannot hard-link work-tree files to the cache: they are on different file systems.', {
        hint: 'Set cache.type to copy (or symlink) in .mv/config.yaml, or move the cache to the same file system.',
      });
    }
    throw error;
  }
}

function corruptObject(oid: Oid, path: string): MvError {
  return new MvError('CORRUPT_OBJECT', `Cache object ${oid} (${path}) does not match its content; it was not checked out.`, {
    hint: 'Run `mvr verify` to move damaged objects aside, then `mvr fetch` the version from a remote (or add it again).',
  });
}

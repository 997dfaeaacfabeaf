/** What is on disk now at a pointer entry's path, compared with what the pointer records. */
import { lstat } from 'node:fs/promises';
import { MvError, errnoCode } from '../errors.js';
import { absolutePath } from '../paths.js';
import { RealFolders } from '../real-folders.js';
import { snapshotPath, type Snapshot, type SnapshotContext } from './snapshot.js';

const UNREADABLE = new Set(['LINK_OUTSIDE', 'UNSUPPORTED_FILE', 'UNSUPPORTED_FILE_NAME']);

export type EntryCondition = 'unchanged' | 'modified' | 'missing';

export interface EntryInspection {
  repoPath: string;
  condition: EntryCondition;
  /** The current content (undefined when missing, or when it was not read). */
  current?: Snapshot;
  /** Why the path was not read: a symbolic link stands on the way to it (or where its folder was recorded). */
  blocked?: MvError;
}

/**
 * Inspects `repoPath` (a folder when it ends with "/") against `expectedOid`, reading only changed files.
 * Nothing is read through a symbolic link standing for one of its folders: such an entry is modified.
 */
export async function inspectEntry(repoPath: string, expectedOid: string, ctx: SnapshotContext, folders = new RealFolders(ctx.root, 'reading artifact files')): Promise<EntryInspection> {
  const wantDir = repoPath.endsWith('/');
  // The entry itself, without "/": what stands there may be a file where a folder was recorded (a checkout
  // replaces it once it is known to be restorable).
  const path = wantDir ? repoPath.slice(0, -1) : repoPath;
  try {
    // The folders on the way to it must be real folders; a link standing for a recorded folder is refused too.
    if ((await folders.check(path)) === 'missing') return { repoPath, condition: 'missing' };
    if (wantDir && (await lstat(absolutePath(ctx.root, path))).isSymbolicLink()) await folders.check(repoPath);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return { repoPath, condition: 'missing' };
    if (error instanceof MvError && (error.code === 'LINKED_FOLDER' || error.code === 'PATH_CONFLICT')) return { repoPath, condition: 'modified', blocked: error };
    throw error;
  }
  let current: Snapshot;
  try {
    current = await snapshotPath(path, { ...ctx, store: false });
  } catch (error) {
    if (error instanceof MvError && error.code === 'PATH_MISSING') return { repoPath, condition: 'missing' };
    // A link leading outside, a pipe or an unreadable name: what is there cannot be read, so it is not the version.
    if (error instanceof MvError && UNREADABLE.has(error.code)) return { repoPath, condition: 'modified', blocked: error };
    throw error;
  }
  const sameKind = (current.kind === 'dir') === wantDir;
  return { repoPath, condition: sameKind && current.oid === expectedOid ? 'unchanged' : 'modified', current };
}

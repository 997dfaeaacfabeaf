/** What is on disk now at a pointer entry's path, compared with what the pointer records. */
import { lstat } from 'node:fs/promises';
import { sep } from 'node:path';
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
  try {
    if ((await folders.check(repoPath)) === 'missing') return { repoPath, condition: 'missing' };
  } catch (error) {
    // A file where the folder itself was recorded is what is there now (a checkout replaces it once it is
    // known to be restorable); a file or link on the way to it, or a link in its place, blocks the entry.
    if (error instanceof MvError && error.code === 'PATH_CONFLICT' && conflictPath(error) === repoPath.slice(0, -1)) return inspectEntry(repoPath.slice(0, -1), expectedOid, ctx, folders).then((found) => ({ ...found, repoPath }));
    if (error instanceof MvError && (error.code === 'LINKED_FOLDER' || error.code === 'PATH_CONFLICT')) return { repoPath, condition: 'modified', blocked: error };
    throw error;
  }
  const abs = absolutePath(ctx.root, repoPath);
  try {
    await lstat(abs);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return { repoPath, condition: 'missing' };
    throw error;
  }
  let current: Snapshot;
  try {
    current = await snapshotPath(repoPath, { ...ctx, store: false });
  } catch (error) {
    // A link leading outside, a pipe or an unreadable name: what is there cannot be read, so it is not the version.
    if (error instanceof MvError && UNREADABLE.has(error.code)) return { repoPath, condition: 'modified', blocked: error };
    throw error;
  }
  const wantDir = repoPath.endsWith('/');
  const sameKind = (current.kind === 'dir') === wantDir;
  return { repoPath, condition: sameKind && current.oid === expectedOid ? 'unchanged' : 'modified', current };
}

/** The repository path ("/"-separated) of the file a PATH_CONFLICT error names. */
function conflictPath(error: MvError): string | undefined {
  const path = error.details?.path;
  return typeof path === 'string' ? path.split(sep).join('/') : undefined;
}

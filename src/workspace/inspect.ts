/** What is on disk now at a pointer entry's path, compared with what the pointer records. */
import { lstat } from 'node:fs/promises';
import { errnoCode } from '../errors.js';
import { absolutePath } from '../paths.js';
import { snapshotPath, type Snapshot, type SnapshotContext } from './snapshot.js';

export type EntryCondition = 'unchanged' | 'modified' | 'missing';

export interface EntryInspection {
  repoPath: string;
  condition: EntryCondition;
  /** The current content (undefined when missing). */
  current?: Snapshot;
}

/** Inspects `repoPath` (a folder when it ends with "/") against `expectedOid`, reading only changed files. */
export async function inspectEntry(repoPath: string, expectedOid: string, ctx: SnapshotContext): Promise<EntryInspection> {
  const abs = absolutePath(ctx.root, repoPath);
  try {
    const link = await lstat(abs);
    // A link standing where a folder was recorded is never followed: it is simply not the recorded folder.
    if (link.isSymbolicLink() && repoPath.endsWith('/')) return { repoPath, condition: 'modified' };
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return { repoPath, condition: 'missing' };
    throw error;
  }
  const current = await snapshotPath(repoPath, { ...ctx, store: false });
  const wantDir = repoPath.endsWith('/');
  const sameKind = (current.kind === 'dir') === wantDir;
  return { repoPath, condition: sameKind && current.oid === expectedOid ? 'unchanged' : 'modified', current };
}

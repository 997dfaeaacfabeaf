/**
 * GTO's index: `artifacts.yaml` at the repository's top (or the file `.gto`'s `INDEX` names), mapping
 * artifact names to annotations (type, path, description, labels). GTO reads the one committed at HEAD:
 * each artifact listed there gets a version at HEAD's commit (unless one of its version tags is already
 * there), dated by that commit — so an artifact listed without any tag shows in `gto show`, and a
 * deprecated one is active again once HEAD's commit is newer than the deprecation (gto-rules.ts).
 *
 * mv reads the committed files, never the work tree, through one `git cat-file --batch`: HEAD's commit,
 * then `.gto` and `artifacts.yaml`, then the file `.gto` names instead, if it names another. That process
 * is spared when the work tree has neither `.gto` nor `artifacts.yaml` at its top (checked on the file
 * system; a repository without a work tree, or one git is pointed at through GIT_DIR, is always read). Both are
 * attacker-controlled: read only up to the size and nesting any small YAML file mv reads may have. GTO
 * refuses the whole registry when the index is malformed or lists an invalid name; mv notes the problem
 * and leaves out what it cannot read.
 */
import { lstat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { BatchObject, Git } from '../git.js';
import { DEFAULT_INDEX_FILE, GTO_CONFIG_FILE } from './gto-index-files.js';
import type { GtoIndex } from './gto-index-read.js';

export { DEFAULT_INDEX_FILE };
export type { GtoIndex, IndexAnnotation } from './gto-index-read.js';

export interface IndexRead {
  /** Undefined when HEAD has no index (or no commit). */
  index?: GtoIndex;
  /** Why the index, or `.gto`'s setting, was not read (entries left out are in the index's `leftOut`). */
  notes: string[];
}

/** Reads HEAD's index (one git process, none when the work tree shows there is no index to read). */
export async function readGtoIndex(git: Git): Promise<IndexRead> {
  const notes: string[] = [];
  if (!(await mayHaveIndex(git.cwd))) return { notes };
  const { MAX_STRUCTURED_FILE, blobText, indexEntries, indexFile } = await import('./gto-index-read.js');
  const found: { head?: { commit: string; time: number }; file?: string } = {};
  const answers = await git.readObjectRounds((got) => {
    if (got.length === 0) return ['HEAD'];
    if (got.length === 1) {
      found.head = headCommit(got[0]);
      return found.head ? [`${found.head.commit}:${GTO_CONFIG_FILE}`, `${found.head.commit}:${DEFAULT_INDEX_FILE}`] : [];
    }
    if (got.length === 3) {
      found.file = indexFile(got[1], notes);
      return found.file === undefined || found.file === DEFAULT_INDEX_FILE ? [] : [`${found.head!.commit}:${found.file}`];
    }
    return [];
  }, MAX_STRUCTURED_FILE);
  const { head, file } = found;
  if (!head || file === undefined) return { notes };
  const text = blobText(file === DEFAULT_INDEX_FILE ? answers[2] : answers[3], file, notes);
  if (text === undefined) return { notes };
  const leftOut: GtoIndex['leftOut'] = [];
  return { index: { file, commit: head.commit, commitTime: head.time, artifacts: indexEntries(text, file, notes, leftOut), leftOut }, notes };
}

/**
 * False when the work tree containing `cwd` has neither `.gto` nor `artifacts.yaml` at its top, so that
 * commands reading the registry pay no git process for an index there is none of. An index `.gto` names
 * elsewhere needs `.gto`; one committed but deleted from the work tree is not read.
 */
async function mayHaveIndex(cwd: string): Promise<boolean> {
  if (process.env.GIT_DIR !== undefined || process.env.GIT_WORK_TREE !== undefined) return true;
  const exists = (path: string) => lstat(path).then(() => true, () => false);
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    if (await exists(join(dir, '.git'))) return (await exists(join(dir, GTO_CONFIG_FILE))) || (await exists(join(dir, DEFAULT_INDEX_FILE)));
    if (dirname(dir) === dir) return true;
  }
}

function headCommit(object: BatchObject | undefined): { commit: string; time: number } | undefined {
  if (object?.type !== 'commit' || !object.content) return undefined;
  const header = object.content.toString('utf8').split('\n\n', 1)[0]!;
  const committer = /^committer .* (\d+) [+-]\d{4}$/m.exec(header);
  return { commit: object.oid, time: committer ? Number(committer[1]) : 0 };
}

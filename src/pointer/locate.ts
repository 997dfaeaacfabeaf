/** Finding pointer files: in the work tree, and in the commit a version tag points at. */
import { readFile } from 'node:fs/promises';
import type { Git } from '../git.js';
import { errnoCode } from '../errors.js';
import { absolutePath } from '../paths.js';
import { parsePointer, POINTER_SUFFIX, type Pointer } from './pointer.js';

export interface LocatedPointer {
  /** Repository-relative path of the pointer file. */
  file: string;
  pointer: Pointer;
  /** The exact bytes, for oids and tamper checks. */
  content: string;
}

/** Committed pointer files (their paths), whatever their artifact. */
export async function trackedPointerFiles(git: Git): Promise<string[]> {
  return git.trackedFilesMatching(`**/*${POINTER_SUFFIX}`);
}

/** Candidate paths for artifact `name`'s pointer among `files`. */
export function pointerCandidates(files: string[], name: string): string[] {
  const suffix = `${name}${POINTER_SUFFIX}`;
  return files.filter((f) => f === suffix || f.endsWith(`/${suffix}`));
}

export async function readWorkspacePointer(root: string, file: string): Promise<LocatedPointer | undefined> {
  let content: string;
  try {
    content = await readFile(absolutePath(root, file), 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw error;
  }
  return { file, pointer: parsePointer(content, file), content };
}

/** The work tree's pointer for artifact `name`, if one is committed. */
export async function findWorkspacePointer(git: Git, root: string, name: string): Promise<LocatedPointer | undefined> {
  for (const file of pointerCandidates(await trackedPointerFiles(git), name)) {
    const located = await readWorkspacePointer(root, file);
    if (located?.pointer.name === name) return located;
  }
  return undefined;
}

/**
 * The pointer of artifact `name` in `commit`: at `hint` (the path a tag recorded) when given, else found
 * by file name. Undefined when the commit has none (e.g. versions registered by GTO alone).
 */
export async function readCommittedPointer(git: Git, commit: string, name: string, hint?: string): Promise<LocatedPointer | undefined> {
  const candidates = hint ? [hint] : pointerCandidates((await git.run(['ls-tree', '-r', '-z', '--name-only', commit])).split('\0'), name);
  for (const file of candidates) {
    const content = await git.showFile(commit, file);
    if (content === undefined) continue;
    const pointer = parsePointer(content, file);
    if (pointer.name === name) return { file, pointer, content };
  }
  return undefined;
}

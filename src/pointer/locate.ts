/** Finding pointer files: in the work tree, and in the commit a version tag points at. */
import { readFile } from 'node:fs/promises';
import type { Git } from '../git.js';
import { errnoCode, MvError } from '../errors.js';
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
export async function findWorkspacePointer(git: Git, root: string, name: string, files?: string[]): Promise<LocatedPointer | undefined> {
  for (const file of pointerCandidates(files ?? (await trackedPointerFiles(git)), name)) {
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

/** What reading one version's committed pointer gave: the pointer, nothing (no pointer file), or why it is unreadable. */
export type PointerRead = { located: LocatedPointer } | { missing: true } | { error: MvError };

/**
 * The pointers of artifact `name` in many commits, read like `readCommittedPointer` but with one
 * `git cat-file --batch` call for all of them: at each request's `hint` when given, else at any path
 * where another request's hint or the work tree has this artifact's pointer. Commits where none of those
 * paths holds it are searched one by one, as `readCommittedPointer` does.
 */
export async function readCommittedPointers(git: Git, name: string, requests: Array<{ commit: string; hint?: string | undefined }>): Promise<PointerRead[]> {
  const guesses = new Set<string>();
  for (const r of requests) if (r.hint) guesses.add(r.hint);
  if (requests.some((r) => !r.hint)) {
    const tracked = await trackedPointerFiles(git).catch(() => []);
    for (const file of pointerCandidates(tracked, name)) guesses.add(file);
  }
  const paths = requests.map((r) => (r.hint ? [r.hint] : [...guesses]));
  const specs = requests.flatMap((r, i) => paths[i]!.map((file) => `${r.commit}:${file}`));
  const blobs = await git.readBlobs(specs);
  const results: PointerRead[] = [];
  const searchLater: number[] = [];
  let at = 0;
  for (let i = 0; i < requests.length; i++) {
    let result: PointerRead | undefined;
    for (const file of paths[i]!) {
      const content = blobs[at++];
      if (result || content === undefined) continue;
      result = parsed(name, file, content);
    }
    if (!result && !requests[i]!.hint) searchLater.push(i);
    results.push(result ?? { missing: true });
  }
  await Promise.all(
    searchLater.map(async (i) => {
      try {
        const located = await readCommittedPointer(git, requests[i]!.commit, name);
        results[i] = located ? { located } : { missing: true };
      } catch (error) {
        if (!(error instanceof MvError)) throw error;
        results[i] = { error };
      }
    }),
  );
  return results;
}

function parsed(name: string, file: string, content: string): PointerRead | undefined {
  try {
    const pointer = parsePointer(content, file);
    return pointer.name === name ? { located: { file, pointer, content } } : undefined;
  } catch (error) {
    if (error instanceof MvError) return { error };
    throw error;
  }
}

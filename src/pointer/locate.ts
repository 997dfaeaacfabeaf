/** Finding pointer files: in the work tree, and in the commit a version tag points at. */
import { lstat, readFile } from 'node:fs/promises';
import { RealFolders } from '../real-folders.js';
import type { Git } from '../git.js';
import { displayPath, shellQuote } from '../display-text.js';
import { errnoCode, MvError } from '../errors.js';
import { absolutePath, repoPathProblem } from '../paths.js';
import { parsePointer, POINTER_SUFFIX, type Pointer } from './pointer.js';

export interface LocatedPointer {
  /** Repository-relative path of the pointer file. */
  file: string;
  pointer: Pointer;
  /** The exact bytes, for oids and tamper checks. */
  content: string;
}

/**
 * Committed pointer files (their paths), whatever their artifact. A tracked path mv could never have
 * written (inside a folder spelled like `.git` or `.mv`, a control character in its name) is no pointer.
 */
export async function trackedPointerFiles(git: Git): Promise<string[]> {
  return pointerFilesAmong(await git.trackedFilesMatching(`**/*${POINTER_SUFFIX}`));
}

/** The pointer files among tracked files (those the pointer glob matches), those with usable paths. */
export function pointerFilesAmong(files: string[]): string[] {
  // A file in a merge conflict is listed once per side: it is one pointer.
  return [...new Set(files)].filter((file) => file.endsWith(POINTER_SUFFIX) && repoPathProblem(file) === undefined);
}

/** Candidate paths for artifact `name`'s pointer among `files`. */
export function pointerCandidates(files: string[], name: string): string[] {
  const suffix = `${name}${POINTER_SUFFIX}`;
  return files.filter((f) => f === suffix || f.endsWith(`/${suffix}`));
}

export async function readWorkspacePointer(root: string, file: string): Promise<LocatedPointer | undefined> {
  let content: string;
  try {
    // A pointer mv wrote is a regular file: a link in its place (or on the way) is not read.
    await new RealFolders(root, 'reading pointers').check(file);
    const abs = absolutePath(root, file);
    if ((await lstat(abs)).isSymbolicLink()) {
      throw new MvError('INVALID_POINTER', `${displayPath(file)} is a symbolic link, not a pointer file; mv does not read pointers through links.`, {
        hint: `Restore the committed pointer (\`git checkout HEAD -- ${shellQuote(file)}\`), or remove the link.`,
        details: { file },
      });
    }
    content = await readFile(abs, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw error;
  }
  if (/^<{7} /m.test(content) && /^>{7} /m.test(content)) {
    throw new MvError('INVALID_POINTER', `${displayPath(file)} has merge conflict markers: both sides registered a version.`, {
      hint: `Keep one side, \`git checkout --theirs -- ${shellQuote(file)}\` (the version merged in) or \`--ours\`, then \`git add ${shellQuote(file)}\`; docs/registry.md, "Two clones, one version number", says what to do with the other.`,
      details: { file },
    });
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
export async function readCommittedPointer(git: Git, commit: string, name: string, hint?: string, version?: string): Promise<LocatedPointer | undefined> {
  if (hint !== undefined && !usableHint(hint)) return undefined;
  const candidates = hint ? [hint] : pointerCandidates(pointerFilesAmong(await git.filesInCommit(commit)), name);
  for (const file of candidates) {
    const content = await git.showFile(commit, file);
    if (content === undefined) continue;
    const pointer = parsePointer(content, file);
    if (pointer.name !== name) continue;
    if (version !== undefined && pointer.version !== version) throw versionMismatch(name, version, commit, file, pointer.version);
    return { file, pointer, content };
  }
  return undefined;
}

/**
 * A version tag on a commit whose pointer records another version: the tag does not name that version's
 * files (it was moved, or written by hand), so the pointer is never used as the tagged version's.
 */
export function versionMismatch(name: string, version: string, commit: string, file: string, recorded: string): MvError {
  return new MvError('POINTER_MISMATCH', `The tag ${name}@v${version} is on commit ${commit.slice(0, 12)}, whose pointer ${displayPath(file)} records version ${recorded}, not ${version}.`, {
    hint: 'The tag does not name that version\'s files, so mv will not use them for it; `mvr verify` lists such tags. Whoever can push tags must delete or move it.',
    details: { artifact: name, version, commit, file, recorded },
  });
}

/** What reading one version's committed pointer gave: the pointer, nothing (no pointer file), or why it is unreadable. */
export type PointerRead = { located: LocatedPointer } | { missing: true } | { error: MvError };

/**
 * The pointers of many (artifact, commit) pairs, read like `readCommittedPointer` but with one
 * `git cat-file --batch` call for all of them: at each request's `hint` when given, else at any path
 * where another request of that artifact has its hint or the work tree has that artifact's pointer.
 * Commits where none of those paths holds it are searched one by one, as `readCommittedPointer` does.
 */
export async function readCommittedPointers(git: Git, asked: Array<{ name: string; commit: string; hint?: string | undefined; version?: string | undefined }>): Promise<PointerRead[]> {
  // A path recorded in a tag message is only a hint; one no pointer could have is where no pointer is.
  const requests = asked.map((r) => (r.hint === undefined || usableHint(r.hint) ? r : { name: r.name, commit: r.commit, hint: undefined, version: r.version, unusable: true }));
  const guesses = new Map<string, Set<string>>();
  for (const r of requests) {
    const paths = guesses.get(r.name) ?? new Set<string>();
    guesses.set(r.name, paths);
    if (r.hint) paths.add(r.hint);
  }
  const guessing = new Set(requests.filter((r) => !r.hint && !('unusable' in r)).map((r) => r.name));
  if (guessing.size) {
    const tracked = await trackedPointerFiles(git).catch(() => []);
    for (const name of guessing) for (const file of pointerCandidates(tracked, name)) guesses.get(name)!.add(file);
  }
  const paths = requests.map((r) => ('unusable' in r ? [] : r.hint ? [r.hint] : [...guesses.get(r.name)!]));
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
      result = parsed(file, content, requests[i]!);
    }
    if (!result && !requests[i]!.hint && !('unusable' in requests[i]!)) searchLater.push(i);
    results.push(result ?? { missing: true });
  }
  await Promise.all(
    searchLater.map(async (i) => {
      const { name, commit, version } = requests[i]!;
      try {
        const located = await readCommittedPointer(git, commit, name, undefined, version);
        results[i] = located ? { located } : { missing: true };
      } catch (error) {
        if (!(error instanceof MvError)) throw error;
        results[i] = { error };
      }
    }),
  );
  return results;
}

function usableHint(hint: string): boolean {
  return hint.endsWith(POINTER_SUFFIX) && repoPathProblem(hint) === undefined;
}

function parsed(file: string, content: string, request: { name: string; commit: string; version?: string | undefined }): PointerRead | undefined {
  const { name } = request;
  try {
    const pointer = parsePointer(content, file);
    if (pointer.name !== name) return undefined;
    if (request.version !== undefined && pointer.version !== request.version) return { error: versionMismatch(name, request.version, request.commit, file, pointer.version) };
    return { located: { file, pointer, content } };
  } catch (error) {
    if (error instanceof MvError) return { error };
    throw error;
  }
}

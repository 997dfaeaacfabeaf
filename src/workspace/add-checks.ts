/**
 * The checks `mv add` makes before it writes anything: paths exist, overlap nothing, are not tracked by git
 * or owned by another artifact, and make a pointer that reads back; and, under the lock, that every object
 * is still cached.
 */
import { access, lstat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { MvError, UsageError, errnoCode } from '../errors.js';
import { displayPath, shellQuote } from '../display-text.js';
import { absolutePath, atOrUnder, joinRepoPath, typedPath } from '../paths.js';
import { readWorkspacePointer } from '../pointer/locate.js';
import { parsePointer, POINTER_SUFFIX, pointerFolder, serializePointer, type Pointer } from '../pointer/pointer.js';
import { missingObjects } from '../pointer/stored.js';
import type { Repo } from '../repo.js';
import { pathMissing } from './snapshot.js';

/** A path given on the command line and its repository-relative form. */
export interface PathArg {
  input: string;
  repoPath: string;
  /** Taken from the artifact's committed pointer (not given on the command line). */
  recorded?: boolean;
}

/**
 * The pointer about to be written must read back: mv never commits a pointer it would refuse (paths that
 * collide by case, overlapping entries, anything the reader checks).
 */
export function checkPointerWritable(draft: Pointer, pointerFile: string): void {
  try {
    parsePointer(serializePointer({ ...draft, version: '0.0.0' }), pointerFile);
  } catch (error) {
    if (!(error instanceof MvError)) throw error;
    throw new MvError('INVALID_ARTIFACT', `These paths cannot be versioned together: ${error.message.replace(/^[^:]+: /, '')}`, {
      hint: 'Rename or leave out the conflicting files (versions must check out on case-insensitive file systems too).',
    });
  }
}

/** Refuses paths that another artifact's committed pointer already versions: one file, one owner. */
export async function checkNotVersionedElsewhere(repo: Repo, name: string, paths: PathArg[], pointerFiles: string[]): Promise<void> {
  for (const file of pointerFiles) {
    let located;
    try {
      located = await readWorkspacePointer(repo.root, file);
    } catch {
      continue; // a broken pointer of another artifact is reported by the commands that read it
    }
    if (!located || located.pointer.name === name) continue;
    const folder = pointerFolder(file);
    for (const entry of located.pointer.files) {
      const owned = joinRepoPath(folder, entry.path).replace(/\/$/, '');
      const clash = paths.find((p) => {
        const mine = p.repoPath.replace(/\/$/, '');
        return atOrUnder(mine, owned) || atOrUnder(owned, mine);
      });
      if (clash) {
        throw new MvError('ALREADY_VERSIONED', `${clash.input} is already versioned as part of ${located.pointer.name} (${file}).`, {
          hint: `A file belongs to one artifact; to move it, leave it out of ${located.pointer.name}'s next version first (\`mvr add ${located.pointer.name} --drop <path>\`), or version it as --data of ${name}.`,
        });
      }
    }
  }
}

/**
 * Every object the new version records must still be in the cache when it is committed: a `mv gc` that
 * ran while the files were being hashed (it cannot run while this lock is held) may have removed an
 * object that was found already present.
 */
export async function requireStored(repo: Repo, pointer: Pointer): Promise<void> {
  const missing = await missingObjects(repo.cache, pointer);
  if (missing.length) {
    throw new MvError('OBJECTS_REMOVED', `${missing.length} object(s) of ${pointer.name} left the cache while it was being added (a concurrent \`mvr gc\`?).`, {
      hint: 'Nothing was committed; run the same `mvr add` again.',
      details: { missing },
    });
  }
}

/**
 * Refuses a path that is not there, before anything slower is checked (uncommitted code, hashing): the
 * same refusal the snapshot would make once it reached it.
 */
export async function checkPathsExist(root: string, cwd: string, name: string, paths: PathArg[]): Promise<void> {
  for (const p of paths) {
    const there = await lstat(absolutePath(root, p.repoPath)).then(() => true, (error: unknown) => errnoCode(error) !== 'ENOENT');
    if (there) continue;
    if (!p.recorded) throw pathMissing(p.repoPath, p.input);
    // A path the current version records, gone from the work tree: the command line did not name it.
    throw new MvError('PATH_MISSING', `${displayPath(p.repoPath)} does not exist. The current version of ${name} records it.`, {
      hint: `Bring it back (\`mvr checkout ${name} --lineage\` restores the version's files, data and pipeline), or leave it out of this version on purpose (\`mvr add ${name} --drop ${shellQuote(typedPath(root, cwd, p.repoPath))}\`).`,
      details: { path: p.repoPath },
    });
  }
}

export async function existsInRepo(cwd: string, input: string): Promise<boolean> {
  try {
    await access(resolve(cwd, input));
    return true;
  } catch {
    return false;
  }
}

export function checkNoOverlap(paths: PathArg[]): void {
  for (let i = 0; i < paths.length; i++) {
    for (let j = i + 1; j < paths.length; j++) {
      const a = paths[i]!.repoPath.replace(/\/$/, '');
      const b = paths[j]!.repoPath.replace(/\/$/, '');
      if (atOrUnder(a, b) || atOrUnder(b, a)) {
        throw new UsageError(`${paths[i]!.input} and ${paths[j]!.input} overlap.`, 'Give each file or folder once, as an artifact path or as --data, not both.');
      }
    }
  }
}

/** Tracked files at or under the given paths. */
export function trackedAt(repo: Repo, paths: PathArg[]): Promise<string[]> {
  return repo.git.trackedFiles(paths.map((p) => p.repoPath.replace(/\/$/, '')));
}

/** Those of `files` (tracked files, repository-relative) at or under the given paths. */
export function filesAt(files: string[], paths: PathArg[]): string[] {
  const roots = paths.map((p) => p.repoPath.replace(/\/$/, ''));
  return files.filter((file) => roots.some((root) => atOrUnder(file, root)));
}

/**
 * Refuses paths git tracks; `tracked` is `trackedAt(repo, paths)` when it was asked ahead. A folder that
 * holds a pointer is refused with a way out that keeps the pointer in git (`git rm --cached` would lose it
 * from the history's next commit and put it into the folder's manifest).
 */
export async function checkNotTracked(repo: Repo, paths: PathArg[], tracked: Promise<string[]> = trackedAt(repo, paths), artifact?: { name: string; pointerFile: string | undefined }): Promise<void> {
  const list = await tracked;
  if (list.length === 0) return;
  const pointer = list.find((file) => file.endsWith(POINTER_SUFFIX));
  const folder = pointer === undefined ? undefined : paths.find((p) => atOrUnder(pointer, p.repoPath.replace(/\/$/, '')));
  if (pointer !== undefined && folder !== undefined) {
    const own = artifact !== undefined && artifact.pointerFile === pointer;
    const input = folder.input.endsWith('/') ? folder.input : `${folder.input}/`;
    // The .gitignore beside the pointer holds the lines mv wrote for the files the pointer records.
    const ignore = joinRepoPath(pointerFolder(pointer), '.gitignore');
    const moved = [pointer, ...(list.includes(ignore) ? [ignore] : [])].map(shellQuote).join(' ');
    const typed = shellQuote(input);
    throw new MvError('ALREADY_TRACKED', `${displayPath(input)} holds ${own ? `${artifact.name}'s own pointer` : 'a pointer'} (${displayPath(pointer)}); a folder versioned by mv cannot hold a pointer.`, {
      hint: own
        ? `Name the files in it instead (\`mvr add ${artifact.name} ${typed}<file> …\`), or move ${artifact.name} to the folder: \`git rm -q -- ${moved} && git commit -m "Move ${artifact.name}'s pointer"\`, then \`mvr add ${artifact.name} ${typed}\` writes its pointer beside the folder.`
        : 'Name the files beside it instead, or give a folder that holds no pointer.',
      details: { pointer },
    });
  }
  throw new MvError('ALREADY_TRACKED', `${displayPath(list[0]!)}${list.length > 1 ? ` (and ${list.length - 1} more)` : ''} is tracked by git; an artifact's files are versioned by mv instead.`, {
    hint: `Stop tracking them in git first: git rm -r --cached -- ${paths.map((p) => shellQuote(p.input)).join(' ')} && git commit -m "Track with mv"`,
  });
}

export async function untracked(repo: Repo, paths: PathArg[]): Promise<PathArg[]> {
  const result: PathArg[] = [];
  for (const p of paths) if ((await repo.git.trackedFiles([p.repoPath.replace(/\/$/, '')])).length === 0) result.push(p);
  return result;
}

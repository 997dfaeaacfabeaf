/**
 * Rules for paths that mv reads from pointers and writes into the work tree: POSIX, relative, normalized,
 * inside the repository, never inside `.git/` or `.mv/`, and free of control characters. Every path that
 * comes from a file or the command line passes through here before anything is read or written.
 */
import { lstat, realpath } from 'node:fs/promises';
import { posix, relative, resolve, sep } from 'node:path';
import { displayPath } from './display-text.js';
import { MvError } from './errors.js';

// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/** Code points HFS+ ignores in file names, so `.g\u200cit` is `.git` there (git's `next_hfs_char`). */
const HFS_IGNORABLE = /[\u200c-\u200f\u202a-\u202e\u206a-\u206f\ufeff]/g;

/** The longest file name (one path component) the common file systems accept, in UTF-8 bytes. */
export const NAME_MAX = 255;

/**
 * The folder (`.git` or `.mv`) a path component names on some file system git supports, or undefined.
 * Follows git's `verify_path`: case-insensitive everywhere; NTFS trims trailing dots and spaces, reads
 * `name:stream` as `name`, and knows `.git` by its 8.3 short name `GIT~1`; HFS+ ignores some invisible
 * code points. `.mv` gets the same treatment: its cache and configuration are as sensitive as `.git`.
 */
export function reservedFolderNamed(segment: string): '.git' | '.mv' | undefined {
  let name = segment.replace(HFS_IGNORABLE, '');
  const colon = name.indexOf(':');
  if (colon >= 0) name = name.slice(0, colon);
  name = name.replace(/[. ]+$/, '').toLowerCase();
  if (name === '.git' || name === 'git~1') return '.git';
  if (name === '.mv' || /^mv~[1-9]$/.test(name)) return '.mv';
  return undefined;
}

/** A name of these characters, starting and ending with neither dot nor space, can name nothing reserved. */
const PLAIN_NAME = /^[A-Za-z0-9_-](?:[A-Za-z0-9_.-]{0,253}[A-Za-z0-9_-])?$/;

/** Why one path component cannot be written portably and safely, or undefined when it can. */
function componentProblem(segment: string): string | undefined {
  if (PLAIN_NAME.test(segment)) return undefined;
  const reserved = reservedFolderNamed(segment);
  if (reserved) return `points into a ${reserved} directory${segment === reserved ? '' : ` (${JSON.stringify(segment)} names ${reserved} on some file systems)`}`;
  if (/^[. ]+$/.test(segment)) return `has a name made only of dots and spaces (${JSON.stringify(segment)}), which Windows reads as the folder itself`;
  if (Buffer.byteLength(segment) > NAME_MAX) return `has a name longer than ${NAME_MAX} bytes`;
  return undefined;
}

/** A path of plain names only: acceptable whatever else the rules below say (checked first, per file of a listing). */
const PLAIN_PATH = new RegExp(`^${PLAIN_NAME.source.slice(1, -1)}(?:/${PLAIN_NAME.source.slice(1, -1)})*$`);

/** Why `path` is not an acceptable POSIX relative path, or undefined when it is. */
export function relativePathProblem(path: string): string | undefined {
  if (path.length <= 4096 && PLAIN_PATH.test(path)) return undefined;
  if (path.length === 0) return 'is empty';
  if (path.length > 4096) return 'is longer than 4096 characters';
  if (CONTROL_CHARS.test(path)) return 'contains a control character';
  if (path.includes('\\')) return 'contains a backslash (paths are POSIX, separated by "/")';
  if (path.startsWith('/')) return 'is absolute (paths are relative to the pointer file\'s folder)';
  const body = path.endsWith('/') ? path.slice(0, -1) : path;
  const segments = body.split('/');
  let seenName = false;
  for (const segment of segments) {
    if (segment === '' || segment === '.') return 'is not normalized (empty or "." segment)';
    if (segment === '..') {
      if (seenName) return 'is not normalized ("..")';
      continue;
    }
    seenName = true;
    const problem = componentProblem(segment);
    if (problem) return problem;
  }
  if (!seenName) return 'names no file';
  return undefined;
}

/** Why a repository-relative path may not hold artifact data, or undefined when it may. */
export function repoPathProblem(repoPath: string): string | undefined {
  if (repoPath === '..' || repoPath.startsWith('../')) return 'is outside the repository';
  return relativePathProblem(repoPath);
}

/** Whether repository path `path` is `root` or lies below it (both without a trailing slash). */
export function atOrUnder(path: string, root: string): boolean {
  return path === root || path.startsWith(`${root}/`);
}

/** Joins a pointer-relative path onto the pointer's folder (repository-relative), keeping a trailing slash. */
export function joinRepoPath(folder: string, path: string): string {
  const isDir = path.endsWith('/');
  const joined = posix.normalize(posix.join(folder === '' ? '.' : folder, path));
  const trimmed = joined.endsWith('/') ? joined.slice(0, -1) : joined;
  return isDir ? `${trimmed}/` : trimmed;
}

/** The path from `folder` to `repoPath`, both repository-relative, as written in a pointer. */
export function relativeFromFolder(folder: string, repoPath: string): string {
  const isDir = repoPath.endsWith('/');
  const rel = posix.relative(folder === '' ? '.' : folder, isDir ? repoPath.slice(0, -1) : repoPath) || '.';
  return isDir ? `${rel}/` : rel;
}

/**
 * How to name a repository path from `cwd` on a command line (which `toRepoPath` turns back into it): a
 * folder keeps its final "/", the current folder itself is ".".
 */
export function typedPath(root: string, cwd: string, repoPath: string): string {
  const rel = relative(cwd, resolve(root, repoPath)).split(sep).join('/') || '.';
  return repoPath.endsWith('/') && !rel.endsWith('/') ? `${rel}/` : rel;
}

/** Converts a path given on the command line (relative to `cwd`, or absolute) to a repository-relative one. */
export function toRepoPath(root: string, cwd: string, input: string): string {
  const absolute = resolve(cwd, input);
  const rel = relative(root, absolute);
  const repoPath = rel.split(sep).join('/');
  if (repoPath === '' ) {
    throw new MvError('INVALID_PATH', `${input} is the repository itself.`, { hint: 'Name the files or folders inside it.' });
  }
  const problem = repoPathProblem(repoPath);
  if (problem) {
    // Outside the repository or in .git/ or .mv/: the path is wrong. Anything else: the name itself is.
    const misplaced = repoPath === '..' || repoPath.startsWith('../') || repoPath.split('/').some((segment) => reservedFolderNamed(segment) !== undefined);
    throw new MvError('INVALID_PATH', `${displayPath(input)} ${problem}.`, {
      hint: misplaced
        ? 'Give paths to files or folders inside the repository (outside .git/ and .mv/).'
        : 'Rename the file or folder, then name it again: versioned paths are portable POSIX paths, without control characters (such as a line break) or backslashes, and with names of at most 255 bytes.',
      details: { path: input },
    });
  }
  return repoPath;
}

/** Absolute file-system path of a repository-relative path. */
export function absolutePath(root: string, repoPath: string): string {
  const body = repoPath.endsWith('/') ? repoPath.slice(0, -1) : repoPath;
  return resolve(root, ...body.split('/'));
}

/**
 * Refuses a path whose folders include a symbolic link: git cannot track files beyond one, and writing a
 * pointer or .gitignore through it could land outside the repository. (The path itself may be a link to a
 * file; its content is what gets versioned.)
 */
export async function checkNoLinkedFolders(root: string, repoPath: string, input: string): Promise<void> {
  const parts = repoPath.replace(/\/$/, '').split('/').slice(0, -1);
  let current = root;
  for (const part of parts) {
    current = resolve(current, part);
    const info = await lstat(current).catch(() => undefined);
    if (info?.isSymbolicLink()) {
      const target = await realpath(current).catch(() => 'a missing target');
      const outside = relative(await realpath(root), target).startsWith('..');
      throw new MvError('INVALID_PATH', `${displayPath(input)} is reached through the symbolic link ${displayPath(relative(root, current))} (to ${displayPath(target)}${outside ? ', outside the repository' : ''}).`, {
        hint: 'Give the path through real folders inside the repository.',
      });
    }
  }
}

/**
 * Folders mv writes into, or removes from, must be real folders of the work tree. Every existing component
 * from the repository root down is looked at with `lstat`, and a symbolic link anywhere on the way is
 * refused, wherever it leads: a committed link that stays inside the repository can still lead into
 * `.git/` (hooks) or `.mv/` (cache, credentials). The file itself is then created with `O_EXCL` (which
 * never follows a link) and renamed over its target (which replaces a link instead of following it).
 *
 * What remains is a race, not a hole: a process already running on this machine that swaps a checked folder
 * for a link between the check and the write. Nothing that arrives through git or a remote can do that.
 */
import { lstat, mkdir } from 'node:fs/promises';
import { relative, sep } from 'node:path';
import { displayPath, shellQuote } from './display-text.js';
import { MvError, errnoCode, fsError } from './errors.js';

export type FolderState = 'exists' | 'missing';

/** Why a folder at `abs` cannot be written through, or undefined for a real folder (or nothing there). */
async function folderProblem(abs: string): Promise<{ state: FolderState } | { link: true } | { file: true }> {
  try {
    const info = await lstat(abs);
    if (info.isSymbolicLink()) return { link: true };
    if (!info.isDirectory()) return { file: true };
    return { state: 'exists' };
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return { state: 'missing' };
    throw fsError(error, 'checking', abs);
  }
}

export function linkedFolderError(root: string, folder: string, purpose: string): MvError {
  const shown = relative(root, folder) || folder;
  return new MvError('LINKED_FOLDER', `${displayPath(shown)} is a symbolic link; mv does not write through links (${purpose}).`, {
    hint: `Replace the link with a real folder (\`rm ${shellQuote(shown)} && mkdir ${shellQuote(shown)}\`) if its content belongs in the work tree, then run the command again.`,
    details: { path: shown },
  });
}

export function fileInTheWayError(root: string, folder: string, repoPath: string): MvError {
  const shown = relative(root, folder) || folder;
  return new MvError('PATH_CONFLICT', `${displayPath(shown)} is a file, but ${displayPath(repoPath)} needs it to be a folder.`, {
    hint: 'Move the file away, then run the command again.',
    details: { path: shown },
  });
}

/**
 * Checks the folders leading to `repoPath` (a path relative to `root`, "/"-separated; a trailing "/" means
 * the path is itself a folder, which is checked too). Remembers what it checked, so a command writing
 * thousands of files looks at each folder once.
 */
export class RealFolders {
  private readonly known = new Map<string, FolderState>();

  constructor(
    readonly root: string,
    private readonly purpose = 'writing artifact files',
  ) {}

  /** Fails if a folder on the way is a link or a file; returns whether they all exist already. */
  async check(repoPath: string): Promise<FolderState> {
    const parts = repoPath.split('/');
    if (!repoPath.endsWith('/')) parts.pop();
    let abs = this.root;
    for (const part of parts) {
      if (part === '') continue;
      abs = `${abs}${sep}${part}`;
      let state = this.known.get(abs);
      if (state === undefined) {
        const found = await folderProblem(abs);
        if ('link' in found) throw linkedFolderError(this.root, abs, this.purpose);
        if ('file' in found) throw fileInTheWayError(this.root, abs, repoPath);
        state = found.state;
        if (state === 'exists') this.known.set(abs, state);
      }
      if (state === 'missing') return 'missing';
    }
    return 'exists';
  }

  /** Checks the folders leading to `repoPath` and creates the missing ones, one real folder at a time. */
  async make(repoPath: string): Promise<void> {
    const parts = repoPath.split('/');
    if (!repoPath.endsWith('/')) parts.pop();
    let abs = this.root;
    for (const part of parts) {
      if (part === '') continue;
      abs = `${abs}${sep}${part}`;
      if (this.known.get(abs) === 'exists') continue;
      const found = await folderProblem(abs);
      if ('link' in found) throw linkedFolderError(this.root, abs, this.purpose);
      if ('file' in found) throw fileInTheWayError(this.root, abs, repoPath);
      if (found.state === 'missing') {
        await mkdir(abs).catch(async (error: unknown) => {
          if (errnoCode(error) !== 'EEXIST') throw fsError(error, 'creating', abs);
          // Made by someone else meanwhile: it must still be a real folder.
          const again = await folderProblem(abs);
          if (!('state' in again)) throw linkedFolderError(this.root, abs, this.purpose);
        });
      }
      this.known.set(abs, 'exists');
    }
  }
}

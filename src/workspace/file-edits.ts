/**
 * A set of small text-file replacements (pointer, .gitignore files, config) that is applied file by file
 * with atomic renames and can be undone as a whole if a later step (commit, tag) fails.
 *
 * Undoing never needs free space: each new content is written to a temp file first (the only step that
 * can run out of space, before anything changed), the file it replaces keeps a second name (a hard link),
 * and undo renames that name back. With a journal, what was replaced (and the commit and tag being made)
 * is saved before each rename, so a process killed midway is rolled back by the next run
 * (`recoverInterruptedEdits`). Files are only written in real folders of the work tree, and a file that
 * is a symbolic link is neither read nor replaced.
 */
import { link, lstat, mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isAbandonedTemp, tempPathBeside, writeFileAtomic } from '../atomic-file.js';
import { MvError, errnoCode, fsError } from '../errors.js';
import type { Git } from '../git.js';
import { absolutePath } from '../paths.js';
import { RealFolders } from '../real-folders.js';

interface Applied {
  repoPath: string;
  previous: string | undefined;
  /** A second name of the replaced file, renamed back by undo (absent when there was no file). */
  backup?: string;
  /** The new content's temp file, renamed over the file (left behind only by a killed process). */
  temp?: string;
}

/** What a killed writer was doing: the files it replaced, and the commit and tag it was making. */
interface Journal {
  pid: number;
  files: Applied[];
  /** HEAD before the change; the change took effect only if HEAD moved to `commit`. */
  head?: string;
  commit?: string;
  /** The tag being created on `commit` (recorded before it is created). */
  tag?: string;
}

const JOURNAL_PREFIX = 'edits-';

export class FileEdits {
  private readonly root: string;
  private readonly journalFile: string | undefined;
  private readonly applied: Applied[] = [];
  private readonly folders: RealFolders;
  private note: Omit<Journal, 'pid' | 'files'> = {};

  constructor(root: string, options: { stateDir?: string } = {}) {
    this.root = root;
    this.folders = new RealFolders(root, 'writing pointers and .gitignore files');
    this.journalFile = options.stateDir ? join(options.stateDir, `${JOURNAL_PREFIX}${process.pid}-${Date.now()}.json`) : undefined;
  }

  get paths(): string[] {
    return this.applied.map((a) => a.repoPath);
  }

  /** The file's text, or undefined when there is none. A link is refused: its target is not ours to read. */
  async read(repoPath: string): Promise<string | undefined> {
    if ((await this.folders.check(repoPath)) === 'missing') return undefined;
    const abs = absolutePath(this.root, repoPath);
    try {
      if ((await lstat(abs)).isSymbolicLink()) throw linkedFile(repoPath);
      return await readFile(abs, 'utf8');
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return undefined;
      throw fsError(error, 'reading', repoPath);
    }
  }

  /** Replaces `repoPath` with `content`; `mode` for files that hold secrets (the new file has it from its creation). */
  async write(repoPath: string, content: string, options: { mode?: number } = {}): Promise<void> {
    const previous = await this.read(repoPath);
    if (previous === content) return;
    await this.folders.make(repoPath);
    const abs = absolutePath(this.root, repoPath);
    const temp = tempPathBeside(abs);
    const applied: Applied = { repoPath, previous, temp };
    try {
      const handle = await open(temp, 'wx', options.mode ?? 0o644);
      try {
        await handle.writeFile(content);
      } finally {
        await handle.close();
      }
      if (previous !== undefined) {
        applied.backup = tempPathBeside(abs);
        await link(abs, applied.backup);
      }
      this.applied.push(applied);
      await this.saveJournal();
      await rename(temp, abs);
    } catch (error) {
      if (this.applied.at(-1) === applied) this.applied.pop();
      await rm(temp, { force: true });
      if (applied.backup) await rm(applied.backup, { force: true });
      await this.saveJournal().catch(() => undefined);
      throw fsError(error, 'writing', repoPath);
    }
  }

  /** Records the commit and tag being made, for recovery after a kill. */
  async record(note: Omit<Journal, 'pid' | 'files'>): Promise<void> {
    this.note = { ...this.note, ...note };
    await this.saveJournal();
  }

  /** The change took effect: the journal and the replaced files' second names are no longer needed. */
  async finish(): Promise<void> {
    for (const { backup } of this.applied) if (backup) await rm(backup, { force: true });
    if (this.journalFile) await rm(this.journalFile, { force: true });
  }

  /** Restores every file written so far, newest first. */
  async undo(): Promise<void> {
    await restore(this.root, this.applied);
    this.applied.length = 0;
    await this.finish();
  }

  private async saveJournal(): Promise<void> {
    if (!this.journalFile) return;
    await mkdir(dirname(this.journalFile), { recursive: true });
    const journal: Journal = { pid: process.pid, files: this.applied, ...this.note };
    await writeFileAtomic(this.journalFile, JSON.stringify(journal));
  }
}

function linkedFile(repoPath: string): MvError {
  return new MvError('LINKED_FILE', `${repoPath} is a symbolic link; mv does not read or write files through links.`, {
    hint: `Replace it with a regular file (\`rm ${repoPath}\`, then \`git checkout -- ${repoPath}\` if git tracks one), then run the command again.`,
    details: { path: repoPath },
  });
}

/** Puts back what `applied` replaced, newest first: the kept second name where there is one (no new space needed). */
async function restore(root: string, applied: Applied[]): Promise<void> {
  for (const { repoPath, previous, backup, temp } of [...applied].reverse()) {
    const abs = absolutePath(root, repoPath);
    if (temp) await rm(temp, { force: true });
    if (previous === undefined) {
      await rm(abs, { force: true });
      continue;
    }
    if (backup) {
      try {
        await rename(backup, abs);
        continue;
      } catch (error) {
        if (errnoCode(error) !== 'ENOENT') throw error;
      }
    }
    await writeFileAtomic(abs, previous);
  }
}

/**
 * Finishes what killed writers left: if their commit landed (HEAD reached it), only the journal goes;
 * otherwise their files are restored and a tag they made for the commit that never landed is deleted.
 * Returns what was rolled back, for a note to the user.
 */
export async function recoverInterruptedEdits(root: string, stateDir: string, git: Git): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(stateDir);
  } catch {
    return [];
  }
  const recovered: string[] = [];
  for (const name of names) {
    if (!name.startsWith(JOURNAL_PREFIX) || !name.endsWith('.json')) continue;
    const file = join(stateDir, name);
    let journal: Journal;
    try {
      journal = JSON.parse(await readFile(file, 'utf8')) as Journal;
    } catch {
      await rm(file, { force: true });
      continue;
    }
    if (!isAbandonedTemp(`${journal.pid}-0`)) continue;
    // The change took effect if its commit reached HEAD, whatever was committed on top of it since.
    const head = await git.headCommit();
    const landed = journal.commit !== undefined && head !== undefined && (head === journal.commit || (await git.isAncestor(journal.commit, head)));
    if (!landed) {
      await restore(root, journal.files);
      recovered.push(...journal.files.map((f) => f.repoPath));
      // The tag, if it was made, names a commit no branch reached: it never took effect.
      const object = journal.tag ? await git.resolveRef(`refs/tags/${journal.tag}`) : undefined;
      if (object && journal.commit && (await git.resolveRef(`refs/tags/${journal.tag}^{commit}`)) === journal.commit) {
        await git.deleteRef(`refs/tags/${journal.tag}`, object);
        recovered.push(`tag ${journal.tag}`);
      }
    } else {
      await git.stage(journal.files.map((f) => f.repoPath));
      for (const { backup, temp } of journal.files) for (const leftover of [backup, temp]) if (leftover) await rm(leftover, { force: true });
    }
    await rm(file, { force: true });
  }
  return recovered;
}

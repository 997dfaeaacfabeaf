/**
 * A set of small text-file replacements (pointer, .gitignore files, config) that is applied file by file
 * with atomic renames and can be undone as a whole if a later step (commit, tag) fails. With a journal,
 * what was replaced (and the commit and tag being made) is saved before each write, so a process killed
 * midway is rolled back by the next run (`recoverInterruptedEdits`).
 */
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isAbandonedTemp, writeFileAtomic } from '../atomic-file.js';
import { errnoCode } from '../errors.js';
import type { Git } from '../git.js';
import { absolutePath } from '../paths.js';

interface Applied {
  repoPath: string;
  previous: string | undefined;
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
  private note: Omit<Journal, 'pid' | 'files'> = {};

  constructor(root: string, options: { stateDir?: string } = {}) {
    this.root = root;
    this.journalFile = options.stateDir ? join(options.stateDir, `${JOURNAL_PREFIX}${process.pid}-${Date.now()}.json`) : undefined;
  }

  get paths(): string[] {
    return this.applied.map((a) => a.repoPath);
  }

  async read(repoPath: string): Promise<string | undefined> {
    try {
      return await readFile(absolutePath(this.root, repoPath), 'utf8');
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return undefined;
      throw error;
    }
  }

  async write(repoPath: string, content: string): Promise<void> {
    const previous = await this.read(repoPath);
    if (previous === content) return;
    const abs = absolutePath(this.root, repoPath);
    await mkdir(dirname(abs), { recursive: true });
    this.applied.push({ repoPath, previous });
    await this.saveJournal();
    await writeFileAtomic(abs, content);
  }

  /** Records the commit and tag being made, for recovery after a kill. */
  async record(note: Omit<Journal, 'pid' | 'files'>): Promise<void> {
    this.note = { ...this.note, ...note };
    await this.saveJournal();
  }

  /** The change took effect: the journal is no longer needed. */
  async finish(): Promise<void> {
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

async function restore(root: string, applied: Applied[]): Promise<void> {
  for (const { repoPath, previous } of [...applied].reverse()) {
    const abs = absolutePath(root, repoPath);
    if (previous === undefined) await rm(abs, { force: true });
    else await writeFileAtomic(abs, previous);
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
    const head = await git.headCommit();
    const landed = journal.commit !== undefined && head === journal.commit;
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
    }
    await rm(file, { force: true });
  }
  return recovered;
}

/**
 * A set of small text-file replacements (pointer, .gitignore files) that is applied file by file with
 * atomic renames and can be undone as a whole if a later step (commit, tag) fails.
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../atomic-file.js';
import { errnoCode } from '../errors.js';
import { absolutePath } from '../paths.js';

interface Applied {
  repoPath: string;
  previous: string | undefined;
}

export class FileEdits {
  private readonly root: string;
  private readonly applied: Applied[] = [];

  constructor(root: string) {
    this.root = root;
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
    await writeFileAtomic(abs, content);
  }

  /** Restores every file written so far, newest first. */
  async undo(): Promise<void> {
    for (const { repoPath, previous } of this.applied.reverse()) {
      const abs = absolutePath(this.root, repoPath);
      if (previous === undefined) await rm(abs, { force: true });
      else await writeFileAtomic(abs, previous);
    }
    this.applied.length = 0;
  }
}

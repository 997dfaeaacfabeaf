/**
 * Keeping versioned data out of git: each path gets an anchored entry (`/model.pt`, `/train/`) in the
 * .gitignore of its own folder, unless git already ignores it.
 */
import { posix } from 'node:path';
import type { Git } from '../git.js';
import type { FileEdits } from './file-edits.js';

/** Paths among `repoPaths` (files or folders ending in "/") that git does not ignore yet. */
async function notYetIgnored(git: Git, repoPaths: string[]): Promise<string[]> {
  const plain = repoPaths.map((p) => p.replace(/\/$/, ''));
  let out = '';
  try {
    out = await git.run(['check-ignore', '--no-index', '-z', '--', ...plain]);
  } catch {
    // exit code 1: none of them is ignored
  }
  const ignored = new Set(out.split('\0').filter(Boolean));
  return repoPaths.filter((p) => !ignored.has(p.replace(/\/$/, '')));
}

/** The .gitignore files (and their new content) that keeping `repoPaths` out of git takes; nothing is written. */
export async function plannedIgnores(git: Git, read: (file: string) => Promise<string | undefined>, repoPaths: string[]): Promise<Array<{ file: string; content: string }>> {
  const missing = await notYetIgnored(git, repoPaths);
  const byFolder = new Map<string, string[]>();
  for (const repoPath of missing) {
    const isDir = repoPath.endsWith('/');
    const plain = isDir ? repoPath.slice(0, -1) : repoPath;
    const folder = posix.dirname(plain);
    const entry = `/${escapeIgnorePattern(posix.basename(plain))}${isDir ? '/' : ''}`;
    byFolder.set(folder, [...(byFolder.get(folder) ?? []), entry]);
  }
  const planned: Array<{ file: string; content: string }> = [];
  for (const [folder, entries] of byFolder) {
    const file = folder === '.' ? '.gitignore' : `${folder}/.gitignore`;
    const current = (await read(file)) ?? '';
    const lines = new Set(current.split('\n').map((l) => l.trim()));
    const additions = entries.filter((e) => !lines.has(e));
    if (additions.length === 0) continue;
    const separator = current === '' || current.endsWith('\n') ? '' : '\n';
    planned.push({ file, content: `${current}${separator}${additions.join('\n')}\n` });
  }
  return planned;
}

/** Adds ignore entries for `repoPaths` through `edits`; returns the .gitignore files changed. */
export async function ignorePaths(git: Git, edits: FileEdits, repoPaths: string[]): Promise<string[]> {
  const planned = await plannedIgnores(git, (file) => edits.read(file), repoPaths);
  for (const { file, content } of planned) await edits.write(file, content);
  return planned.map((p) => p.file);
}

/** Escapes characters that .gitignore would treat as pattern syntax. */
function escapeIgnorePattern(name: string): string {
  return name.replace(/[\\*?[\]!#]/g, (c) => `\\${c}`).replace(/ $/, '\\ ');
}

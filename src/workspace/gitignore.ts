/**
 * Keeping versioned data out of git: each path gets an anchored entry (`/model.pt`, `/train/`) in the
 * .gitignore of its own folder, unless that file has the entry already. A rule elsewhere that happens to
 * match (a `*.pt` line, the user's global excludes) does not count: it is not the version's to rely on,
 * and a clone without the user's own excludes must ignore the path too.
 */
import { posix } from 'node:path';
import type { FileEdits } from './file-edits.js';

/** The .gitignore files (and their new content) that keeping `repoPaths` out of git takes; nothing is written. */
export async function plannedIgnores(read: (file: string) => Promise<string | undefined>, repoPaths: string[]): Promise<Array<{ file: string; content: string }>> {
  const byFolder = new Map<string, string[]>();
  for (const repoPath of repoPaths) {
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
export async function ignorePaths(edits: FileEdits, repoPaths: string[]): Promise<string[]> {
  const planned = await plannedIgnores((file) => edits.read(file), repoPaths);
  for (const { file, content } of planned) await edits.write(file, content);
  return planned.map((p) => p.file);
}

/** Escapes characters that .gitignore would treat as pattern syntax. */
function escapeIgnorePattern(name: string): string {
  return name.replace(/[\\*?[\]!#]/g, (c) => `\\${c}`).replace(/ $/, '\\ ');
}

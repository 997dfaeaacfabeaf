/**
 * Error codes are a closed list, and docs/errors.md describes each one: what happened, what to do, and
 * the exit code the CLI gives it.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, isErrorCode, UsageError } from '../../src/errors.js';

const ROOT = join(import.meta.dirname, '..', '..');

interface DocumentedCode {
  code: string;
  exit: string;
  meaning: string;
  todo: string;
}

/** The entries of docs/errors.md: `- **`CODE`** (exit N) — what happened. **Do:** what to do.` */
async function documentedCodes(): Promise<DocumentedCode[]> {
  const text = await readFile(join(ROOT, 'docs', 'errors.md'), 'utf8');
  const entries: string[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('- **`')) entries.push(line);
    else if (line.startsWith('  ') && entries.length && line.trim()) entries[entries.length - 1] += ` ${line.trim()}`;
    else if (!line.startsWith('  ') && line.trim() && entries.length && !line.startsWith('#')) entries.push('');
  }
  return entries
    .filter(Boolean)
    .map((entry) => {
      const match = /^- \*\*`([A-Z_]+)`\*\* \(exit ([^)]+)\) — (.+?) \*\*Do:\*\* (.+)$/.exec(entry);
      if (!match) throw new Error(`docs/errors.md: cannot read the entry ${JSON.stringify(entry)}`);
      return { code: match[1]!, exit: match[2]!, meaning: match[3]!, todo: match[4]! };
    });
}

async function sourceFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await sourceFiles(path)));
    else if (entry.name.endsWith('.ts')) files.push(path);
  }
  return files;
}

describe('error codes', () => {
  it('docs/errors.md describes every code once, and nothing else', async () => {
    const documented = await documentedCodes();
    const names = documented.map((d) => d.code);
    expect(new Set(names).size).toBe(names.length);
    expect([...names].sort()).toEqual([...ERROR_CODES].sort());
    for (const entry of documented) {
      expect(entry.meaning.length, entry.code).toBeGreaterThan(15);
      expect(entry.todo.length, entry.code).toBeGreaterThan(5);
    }
  });

  it('each documented exit code is the one the CLI gives', async () => {
    for (const { code, exit } of await documentedCodes()) {
      const expected = code === 'USAGE' ? '2' : code === 'INTERRUPTED' ? '128+signal' : '1';
      expect(exit, code).toBe(expected);
    }
    expect(new UsageError('x').code).toBe('USAGE');
  });

  it('every code the sources raise, compare or report is in the list', async () => {
    const known = new Set<string>(ERROR_CODES);
    const used = new Set<string>();
    const patterns = [
      /new MvError\(\s*'([A-Z_]+)'/g,
      /\bcode\s*[!=]==\s*'([A-Z_]+)'/g,
      /\bcode:\s*'([A-Z_]+)'/g,
      /\?\s*'([A-Z_]+)'\s*:\s*'([A-Z_]+)'/g,
    ];
    for (const file of await sourceFiles(join(ROOT, 'src'))) {
      const text = await readFile(file, 'utf8');
      for (const pattern of patterns) {
        for (const match of text.matchAll(pattern)) {
          for (const code of match.slice(1)) if (code && !/^E[A-Z]+$/.test(code) && !code.startsWith('ERR_')) used.add(code);
        }
      }
    }
    // Codes of system calls (ENOENT, EACCES) and of the local copier's worker messages are not mv's.
    used.delete('MISMATCH');
    expect([...used].filter((code) => !known.has(code))).toEqual([]);
    expect(used.size).toBeGreaterThan(50);
  });

  it('a code that crossed a thread boundary as text is recognised only when it is in the list', () => {
    expect(isErrorCode('DISK_FULL')).toBe(true);
    expect(isErrorCode('ENOSPC')).toBe(false);
    expect(isErrorCode(undefined)).toBe(false);
  });
});

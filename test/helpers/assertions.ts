/** Domain assertions for tests. */
import { stat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { parse } from 'yaml';
import { MvError, UsageError } from '../../src/index.js';
import type { TestRepo } from './git-repo.js';

export function objectPath(cacheDir: string, oid: string): string {
  const hex = oid.replace(/^sha256:/, '');
  return join(cacheDir, 'objects', hex.slice(0, 2), hex.slice(2));
}

/** The object is in the cache, read-only, and its bytes hash to its name. */
export async function expectCached(cacheDir: string, oid: string): Promise<void> {
  const path = objectPath(cacheDir, oid);
  const info = await stat(path);
  expect(info.mode & 0o222).toBe(0);
  const { createHash } = await import('node:crypto');
  expect(`sha256:${createHash('sha256').update(await readFile(path)).digest('hex')}`).toBe(oid);
}

export async function expectNotCached(cacheDir: string, oid: string): Promise<void> {
  await expect(stat(objectPath(cacheDir, oid))).rejects.toThrow();
}

export async function readPointer(repo: TestRepo, file: string): Promise<Record<string, any>> {
  return parse(await repo.read(file), { version: '1.2' }) as Record<string, any>;
}

export async function expectPointer(repo: TestRepo, file: string, expected: Record<string, unknown>): Promise<Record<string, any>> {
  const pointer = await readPointer(repo, file);
  expect(pointer).toMatchObject(expected);
  return pointer;
}

export async function tagsOf(repo: TestRepo): Promise<string[]> {
  const out = await repo.git('tag', '-l');
  return out.split('\n').filter(Boolean).sort();
}

export interface Refusal {
  code: string;
  /** A usage error: the CLI exits 2 for it (1 for any other refusal). */
  usage: boolean;
  /** The message and the hint, as the CLI prints them. */
  text: string;
}

/** What a library call that must fail threw: an MvError (a plain Error is a bug), as the CLI would report it. */
export async function refusal(work: Promise<unknown>): Promise<Refusal> {
  const error = await work.then(
    () => new Error('expected the command to be refused, and it succeeded'),
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof MvError)) throw error;
  return { code: error.code, usage: error instanceof UsageError, text: [error.message, error.hint].filter(Boolean).join('\n') };
}

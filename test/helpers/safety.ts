/** Fixtures for gc, purge and verify: garbage objects, cache listings, a later clock. */
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { openRepo } from '../../src/index.js';
import type { TestRepo } from './git-repo.js';

export const DAY = 24 * 3600 * 1000;

/** A clock two days ahead: every object is older than the default grace period. */
export const later = (): number => Date.now() + 2 * DAY;

/** Stores bytes that nothing references; returns their oid. */
export async function garbage(repo: TestRepo, bytes: Buffer | string = randomBytes(2048)): Promise<string> {
  const { cache } = await openRepo(repo.dir);
  return (await cache.putBuffer(bytes)).oid;
}

/** Every oid in a cache or directory remote, sorted. */
export async function storedOids(root: string): Promise<string[]> {
  const oids: string[] = [];
  for (const fanout of await readdir(join(root, 'objects')).catch(() => [] as string[])) {
    for (const rest of await readdir(join(root, 'objects', fanout))) oids.push(`sha256:${fanout}${rest}`);
  }
  return oids.sort();
}

/** Every object hashes to its name, and every manifest's files are there. */
export async function expectIntact(root: string): Promise<void> {
  const oids = new Set(await storedOids(root));
  for (const oid of oids) {
    const hex = oid.slice('sha256:'.length);
    const bytes = await readFile(join(root, 'objects', hex.slice(0, 2), hex.slice(2)));
    expect(`sha256:${createHash('sha256').update(bytes).digest('hex')}`, `object ${oid} in ${root}`).toBe(oid);
    if (bytes.subarray(0, 12).toString() === '{"manifest":') {
      const manifest = JSON.parse(bytes.toString('utf8')) as { entries: Array<{ oid: string; path: string }> };
      for (const entry of manifest.entries) expect(oids.has(entry.oid), `${entry.path} listed by manifest ${oid}`).toBe(true);
    }
  }
}

/** Oids a pointer file names (files, data, pipeline, params), read with a regex. */
export async function oidsIn(repo: TestRepo, file: string): Promise<string[]> {
  return [...new Set((await repo.read(file)).match(/sha256:[0-9a-f]{64}/g) ?? [])];
}

/**
 * Moves to a new unrelated branch, deletes main and expires every reflog: afterwards only tags (and
 * the work tree) still reference the versions' commits.
 */
export async function leaveHistory(repo: TestRepo): Promise<void> {
  await repo.git('checkout', '-q', '--orphan', 'fresh');
  await repo.git('rm', '-rq', '--cached', '.');
  await repo.git('commit', '-q', '--allow-empty', '-m', 'unrelated');
  await repo.git('branch', '-D', 'main');
  await repo.git('reflog', 'expire', '--expire=now', '--all');
}

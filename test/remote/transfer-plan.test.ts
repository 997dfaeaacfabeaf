import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashBuffer } from '../../src/cache/hash.js';
import type { Oid } from '../../src/cache/oid.js';
import { DirectoryStore } from '../../src/remote/directory-store.js';
import { remoteStatus } from '../../src/remote/remote-status.js';
import { DEFAULT_RETRY, retryDelay } from '../../src/remote/retry.js';
import { planUpload } from '../../src/remote/upload.js';
import type { VersionObject } from '../../src/pointer/objects.js';
import { tempDir } from '../helpers/git-repo.js';

const oids = (n: number, salt = ''): Oid[] => Array.from({ length: n }, (_, i) => hashBuffer(`${salt}${i}`));

/** A directory store that counts existence checks and listings. */
class CountingStore extends DirectoryStore {
  checks = 0;
  listings = 0;
  override has(oid: Oid) {
    this.checks++;
    return super.has(oid);
  }
  override list(options?: { fanout?: string }) {
    this.listings++;
    return super.list(options);
  }
}

async function storeWith(present: Oid[]): Promise<CountingStore> {
  const root = await tempDir('mv-status-');
  for (const oid of present) {
    const hex = oid.slice(7);
    await mkdir(join(root, 'objects', hex.slice(0, 2)), { recursive: true });
    await writeFile(join(root, 'objects', hex.slice(0, 2), hex.slice(2)), '');
  }
  return new CountingStore(root, { stallTimeoutMs: 10_000, copierThreads: 4 });
}

describe('finding what a remote lacks', () => {
  it('checks a few objects one by one', async () => {
    const have = oids(5);
    const store = await storeWith(have);
    const status = await remoteStatus(store, [...have, ...oids(3, 'new')], { jobs: 4, policy: DEFAULT_RETRY });
    expect(status).toMatchObject({ method: 'check' });
    expect(status.missing).toHaveLength(3);
    expect(store.checks).toBe(8);
    expect(store.listings).toBe(0);
  });

  it('lists fan-out folders when that costs fewer requests than one check per object', async () => {
    const have = oids(3000);
    const store = await storeWith(have.slice(0, 2000));
    const status = await remoteStatus(store, have, { jobs: 8, policy: DEFAULT_RETRY });
    expect(status.method).toBe('list');
    expect(status.missing.sort()).toEqual(have.slice(2000).sort());
    expect(store.checks).toBe(0);
    expect(store.listings).toBeLessThanOrEqual(256);
  });
});

describe('the upload plan', () => {
  const file = (oid: Oid, path: string): VersionObject => ({ oid, size: 1, role: 'file', path, directory: false });
  const dir = (oid: Oid, path: string): VersionObject => ({ oid, size: undefined, role: 'file', path, directory: true });
  const [a, b, m, e1, e2] = oids(5, 'plan');

  it('sends what the remote lacks, directory entries before their manifest', () => {
    const entries = new Map([[m!, [{ oid: e1!, size: 1, path: 'd/x', manifest: m! }, { oid: e2!, size: 1, path: 'd/y', manifest: m! }]]]);
    const plan = planUpload([file(a!, 'a'), file(b!, 'b'), dir(m!, 'd/')], entries, (oid) => oid === b || oid === e2);
    expect(plan.send.map((i) => i.oid)).toEqual([a, e1]);
    expect(plan.manifests).toEqual([{ item: { oid: m, path: 'd/', size: undefined }, entries: [e1, e2] }]);
    expect(plan.present).toBe(2);
  });

  it('treats a directory whose manifest is on the remote as complete', () => {
    const plan = planUpload([dir(m!, 'd/')], new Map(), (oid) => oid === m);
    expect(plan).toEqual({ send: [], manifests: [], present: 1 });
  });
});

describe('retry delays', () => {
  const throttled = { name: 'SlowDown', $metadata: { httpStatusCode: 503 } };
  it('backs off exponentially with jitter and stops after the last attempt', () => {
    const policy = { ...DEFAULT_RETRY, attempts: 4, baseDelayMs: 100 };
    expect(retryDelay(throttled, 1, policy, () => 1)).toBe(100);
    expect(retryDelay(throttled, 3, policy, () => 1)).toBe(400);
    expect(retryDelay(throttled, 3, policy, () => 0.5)).toBe(200);
    expect(retryDelay(throttled, 4, policy, () => 1)).toBeUndefined();
  });

  it('honours Retry-After and does not retry errors that will repeat', () => {
    const limited = { $metadata: { httpStatusCode: 429 }, $response: { statusCode: 429, headers: { 'retry-after': '3' } } };
    expect(retryDelay(limited, 1, DEFAULT_RETRY, () => 0)).toBe(3000);
    expect(retryDelay({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }, 1, DEFAULT_RETRY)).toBeUndefined();
    expect(retryDelay(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), 1, DEFAULT_RETRY)).toBeGreaterThanOrEqual(0);
  });
});

/**
 * The library checks what callers pass (usage errors naming the option), reports a bug as itself (never
 * as a remote failure), and `-j N` bounds every pool of a transfer.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LocalCache } from '../../src/cache/local-cache.js';
import type { Oid } from '../../src/cache/oid.js';
import { UsageError, checkout, fetch, gc, get, push, verify } from '../../src/index.js';
import { transferPools } from '../../src/remote/concurrency.js';
import { DirectoryStore } from '../../src/remote/directory-store.js';
import { PresenceIndex } from '../../src/remote/presence-index.js';
import { RequestSlots } from '../../src/remote/request-slots.js';
import { DEFAULT_RETRY } from '../../src/remote/retry.js';
import { uploadObjects } from '../../src/remote/upload.js';
import { tempDir } from '../helpers/git-repo.js';
import { projectWithVersion } from '../helpers/remote-project.js';

async function usage(promise: Promise<unknown>): Promise<UsageError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(UsageError);
  expect((error as UsageError).code).toBe('USAGE');
  return error as UsageError;
}

describe('library inputs', () => {
  it('are usage errors that name the option, before anything is asked of a remote', async () => {
    const remote = await tempDir('mv-remote-');
    const repo = await projectWithVersion({ remote: { name: 'origin', url: remote, makeDefault: true } });
    const cwd = repo.dir;
    expect((await usage(push({ cwd, jobs: 0 }))).message).toMatch(/^jobs must be a whole number from 1 to 256 \(got 0\)/);
    expect((await usage(push({ cwd, jobs: 2.5 }))).message).toMatch(/^jobs /);
    expect((await usage(fetch({ cwd, jobs: '4' as unknown as number }))).message).toMatch(/^jobs .*got "4"/);
    expect((await usage(push({ cwd, retry: { attempts: 0 } }))).message).toMatch(/^retry\.attempts /);
    expect((await usage(push({ cwd, retry: { tries: 3 } as never }))).message).toMatch(/^retry\.tries is not a retry setting/);
    expect((await usage(push({ cwd, refs: 'churn' as unknown as string[] }))).message).toMatch(/^refs must be a list/);
    expect((await usage(push({ cwd, remote: 7 as unknown as string }))).message).toMatch(/^remote must be/);
    await usage(gc({ cwd, jobs: 0 }));
    await usage(verify({ cwd, jobs: 300 }));
    await usage(checkout({ cwd, jobs: -1 }));
    await usage(get({ cwd, ref: 'churn@v0.1.0', output: await tempDir(), jobs: 0 }));
  });
});

describe('a bug during a transfer', () => {
  it('surfaces as itself, not as an unreachable remote or a failed object', async () => {
    const remote = await tempDir('mv-remote-');
    const cache = new LocalCache(await tempDir('mv-cache-'));
    const { oid } = await cache.putBuffer('hello');
    const index = await PresenceIndex.load(undefined);
    const options = { cache, index, pools: transferPools(2), policy: DEFAULT_RETRY };
    const object = { oid, size: 5, role: 'file' as const, path: 'hello.txt', directory: false };

    class BrokenCheck extends DirectoryStore {
      override has(): Promise<boolean> {
        throw new TypeError('cannot read properties of undefined');
      }
    }
    const checking = await uploadObjects([object], { ...options, store: new BrokenCheck(remote, { stallTimeoutMs: 1000, copierThreads: 1 }) }).catch((e: unknown) => e);
    expect(checking).toBeInstanceOf(TypeError);

    class BrokenPut extends DirectoryStore {
      override put(): Promise<void> {
        throw new RangeError('offset out of range');
      }
    }
    const { run } = await uploadObjects([object], { ...options, store: new BrokenPut(remote, { stallTimeoutMs: 1000, copierThreads: 1 }) });
    expect(run.failures).toEqual([]);
    expect(() => run.throwIfFailed('pushed to', {})).toThrow(RangeError);
  });
});

describe('-j N', () => {
  it('derives every pool from N, none above it', () => {
    for (const n of [1, 2, 8, 16, 256]) {
      const pools = transferPools(n);
      expect(pools).toMatchObject({ jobs: n, transfers: n, requests: n, sockets: n, uploadParts: n, checks: n, deletions: n, localFiles: n });
      for (const [name, value] of Object.entries(pools)) if (name !== 'queuedCopies') expect(value, name).toBeLessThanOrEqual(n);
      expect(pools.copierThreads).toBe(Math.min(n, 4));
      expect(pools.chunkings).toBe(1);
    }
  });

  it('keeps at most N requests in flight, a streamed body holding its slot until it closes', async () => {
    const slots = new RequestSlots(3);
    let inFlight = 0;
    let most = 0;
    const request = () =>
      slots.run(async () => {
        most = Math.max(most, ++inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
      });
    await Promise.all(Array.from({ length: 20 }, request));
    expect(most).toBe(3);

    const bodies = await Promise.all([1, 2, 3].map(() => slots.stream(() => Promise.resolve(Readable.from(['x'])))));
    let fourth = false;
    const waiting = slots.run(() => Promise.resolve((fourth = true)));
    await new Promise((r) => setTimeout(r, 20));
    expect(fourth).toBe(false);
    bodies[0]!.destroy();
    await waiting;
    expect(fourth).toBe(true);
    for (const body of bodies) body.destroy();
  });

  it('bounds the objects a push moves at once', async () => {
    let inFlight = 0;
    let most = 0;
    class Counting extends DirectoryStore {
      override async put(oid: Oid, source: string, size: number): Promise<void> {
        most = Math.max(most, ++inFlight);
        await new Promise((r) => setTimeout(r, 10));
        await super.put(oid, source, size);
        inFlight--;
      }
    }
    const cache = new LocalCache(await tempDir('mv-cache-'));
    const objects = [];
    for (let i = 0; i < 12; i++) {
      const { oid } = await cache.putBuffer(Buffer.alloc(2 * 1024 * 1024, i));
      objects.push({ oid, size: 2 * 1024 * 1024, role: 'file' as const, path: `f${i}`, directory: false });
    }
    const store = new Counting(await tempDir('mv-remote-'), { stallTimeoutMs: 10_000, copierThreads: 1 });
    const summary = await uploadObjects(objects, { cache, store, index: await PresenceIndex.load(undefined), pools: transferPools(3), policy: DEFAULT_RETRY });
    expect(summary.uploaded).toBe(12);
    expect(most).toBe(3);
  });
});

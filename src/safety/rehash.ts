/** Re-hashing stored objects: every byte read again and compared with the object's name. */
import pLimit from 'p-limit';
import { hashFile, HashingStream } from '../cache/hash.js';
import type { LocalCache } from '../cache/local-cache.js';
import type { ObjectStore } from '../cache/object-store.js';
import type { Oid } from '../cache/oid.js';
import { errnoCode } from '../errors.js';
import { MvError } from '../errors.js';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';

export type RehashOutcome = 'ok' | 'corrupt' | 'missing';

/** Re-hashes cache objects, a few at a time. */
export async function rehashCache(cache: LocalCache, oids: Oid[], options: { jobs?: number; onObject?: () => void } = {}): Promise<Map<Oid, RehashOutcome>> {
  const limit = pLimit(options.jobs ?? 4);
  const outcomes = new Map<Oid, RehashOutcome>();
  await Promise.all(
    oids.map((oid) =>
      limit(async () => {
        try {
          outcomes.set(oid, (await hashFile(cache.path(oid))).oid === oid ? 'ok' : 'corrupt');
        } catch (error) {
          if (errnoCode(error) !== 'ENOENT') throw error;
          outcomes.set(oid, 'missing');
        }
        options.onObject?.();
      }),
    ),
  );
  return outcomes;
}

/** Downloads an object from a store and hashes it without keeping it. */
export async function rehashRemote(store: ObjectStore, oid: Oid): Promise<RehashOutcome> {
  let source;
  try {
    source = await store.read(oid);
  } catch (error) {
    if (error instanceof MvError && error.code === 'OBJECT_MISSING') return 'missing';
    throw error;
  }
  const hasher = new HashingStream();
  await pipeline(source, hasher, new Writable({ write: (_chunk, _encoding, done) => done() }));
  return hasher.digest().oid === oid ? 'ok' : 'corrupt';
}

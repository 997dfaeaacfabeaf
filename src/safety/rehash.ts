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
import { ByteLimit } from '../cache/byte-limit.js';

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

/**
 * Downloads an object from a store and hashes it without keeping it, reading at most `maxBytes` (its
 * recorded size, or a bound): more than that is not the object.
 */
export async function rehashRemote(store: ObjectStore, oid: Oid, maxBytes: number): Promise<RehashOutcome> {
  let source;
  try {
    source = await store.read(oid);
  } catch (error) {
    if (error instanceof MvError && error.code === 'OBJECT_MISSING') return 'missing';
    // A pipe, a device or a link where the object should be (a folder remote): not the object, so damaged.
    if (error instanceof MvError && error.code === 'UNEXPECTED_FILE') return 'corrupt';
    throw error;
  }
  const hasher = new HashingStream();
  const tooLarge = new MvError('CORRUPT_DOWNLOAD', `more than ${maxBytes} bytes`);
  try {
    await pipeline(source, new ByteLimit(maxBytes, () => tooLarge), hasher, new Writable({ write: (_chunk, _encoding, done) => done() }));
  } catch (error) {
    if (error === tooLarge) return 'corrupt';
    throw error;
  }
  return hasher.digest().oid === oid ? 'ok' : 'corrupt';
}

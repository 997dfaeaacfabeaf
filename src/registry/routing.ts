/**
 * Deterministic traffic routing: a request key is hashed onto one of 10,000 buckets, and the stage's
 * holders (highest version first) own consecutive bucket ranges by weight. It is a pure function of the
 * artifact, the stage, the key and the recorded weights, so past routing can be replayed exactly from the
 * tag history. The artifact and stage salt the hash: a key that falls in one model's canary is not thereby
 * in every other model's canary. A canary keeps the lowest buckets, so raising its share only moves keys
 * toward it.
 */
import { createHash } from 'node:crypto';
import { canonicalOrder, FULL, type Holding } from './weights.js';

export function routingBucket(artifact: string, stage: string, key: string): number {
  const digest = createHash('sha256').update(`${artifact}#${stage}\n${key}`, 'utf8').digest();
  return digest.readUInt32BE(0) % FULL;
}

/** The holder that serves `key`; undefined when the stage has no holder. */
export function routeKey(options: { artifact: string; stage: string; key: string; holdings: Holding[] }): { bucket: number; holding: Holding | undefined } {
  const bucket = routingBucket(options.artifact, options.stage, options.key);
  let upper = 0;
  for (const holding of canonicalOrder(options.holdings)) {
    upper += holding.bp;
    if (bucket < upper) return { bucket, holding };
  }
  return { bucket, holding: undefined };
}

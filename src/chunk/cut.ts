/**
 * The content-defined cut: where the next chunk of a segment ends. FastCDC-style gear hashing with
 * normalized chunking (a strict mask up to `CHUNK_NORMAL`, a loose one beyond), over a 32-bit rolling
 * hash `h = (2h + GEAR[byte]) mod 2^32`, so a cut after byte q depends on bytes q-31…q alone. The hash
 * starts 32 bytes before the first candidate, which makes every candidate depend on its window only, not
 * on where the chunk started. The loops are unrolled by four: this is the one hot loop of chunking.
 */
import { GEAR } from './gear.js';
import { CHUNK_MAX, CHUNK_MIN, CHUNK_NORMAL, GEAR_WINDOW, MASK_LOOSE, MASK_STRICT } from './params.js';

/**
 * The length of the chunk that starts at `data[start]`. `end - start` is either everything left of the
 * segment (the chunk may end there), or at least `CHUNK_MAX` bytes.
 */
export function cutPoint(data: Uint8Array, start: number, end: number): number {
  const n = end - start;
  if (n <= CHUNK_MIN) return n;
  const gear = GEAR;
  const limit = start + Math.min(n, CHUNK_MAX);
  const normal = start + Math.min(n, CHUNK_NORMAL);
  // Candidate lengths run from CHUNK_MIN: the first tested byte is data[start + CHUNK_MIN - 1].
  let i = start + CHUNK_MIN - 1;
  let h = 0;
  for (let k = i - (GEAR_WINDOW - 1); k < i; k++) h = ((h << 1) + gear[data[k]!]!) | 0;

  let mask = MASK_STRICT;
  const strict4 = normal - 3;
  for (; i < strict4; i += 4) {
    h = ((h << 1) + gear[data[i]!]!) | 0;
    if ((h & mask) === 0) return i - start + 1;
    h = ((h << 1) + gear[data[i + 1]!]!) | 0;
    if ((h & mask) === 0) return i - start + 2;
    h = ((h << 1) + gear[data[i + 2]!]!) | 0;
    if ((h & mask) === 0) return i - start + 3;
    h = ((h << 1) + gear[data[i + 3]!]!) | 0;
    if ((h & mask) === 0) return i - start + 4;
  }
  for (; i < normal; i++) {
    h = ((h << 1) + gear[data[i]!]!) | 0;
    if ((h & mask) === 0) return i - start + 1;
  }

  mask = MASK_LOOSE;
  const loose4 = limit - 3;
  for (; i < loose4; i += 4) {
    h = ((h << 1) + gear[data[i]!]!) | 0;
    if ((h & mask) === 0) return i - start + 1;
    h = ((h << 1) + gear[data[i + 1]!]!) | 0;
    if ((h & mask) === 0) return i - start + 2;
    h = ((h << 1) + gear[data[i + 2]!]!) | 0;
    if ((h & mask) === 0) return i - start + 3;
    h = ((h << 1) + gear[data[i + 3]!]!) | 0;
    if ((h & mask) === 0) return i - start + 4;
  }
  for (; i < limit; i++) {
    h = ((h << 1) + gear[data[i]!]!) | 0;
    if ((h & mask) === 0) return i - start + 1;
  }
  return limit - start;
}


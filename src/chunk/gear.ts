/**
 * The gear table of the content-defined chunker: 256 32-bit values, one per byte value, derived from a
 * fixed seed so that any implementation reproduces it without copying a table: entry `i` is the first
 * four bytes, read big-endian, of SHA-256 of the ASCII seed followed by the single byte `i`.
 */
import { createHash } from 'node:crypto';

export const GEAR_SEED = 'mv chunk gear v1';

function deriveGear(): Int32Array {
  const table = new Int32Array(256);
  for (let i = 0; i < 256; i++) {
    const digest = createHash('sha256').update(GEAR_SEED, 'latin1').update(Uint8Array.of(i)).digest();
    // Stored signed: the chunker's arithmetic is modulo 2^32, where signed and unsigned agree.
    table[i] = digest.readInt32BE(0);
  }
  return table;
}

export const GEAR: Int32Array = deriveGear();

/**
 * A set of numbered entries found by their 32-byte SHA-256, without a hex string or an object per entry:
 * open addressing over two typed arrays (about 16 bytes an entry). The owner keeps the hashes; the index
 * keeps entry numbers and asks the owner whether an entry's hash is the one looked up. Hashes read from a
 * remote are attacker-controlled, so the slot comes from all 32 bytes mixed with a per-process random
 * seed: chosen hashes cannot be made to pile up in one run of slots.
 */
import { randomBytes } from 'node:crypto';

/** Whether entry `entry` has the hash `hash[at, at + 32)`. */
export type HashEquals = (entry: number, hash: Uint8Array, at: number) => boolean;

const SEED = randomBytes(4).readUInt32LE(0);
const EMPTY = -1;

export class HashIndex {
  private entries: Int32Array;
  /** Each slot's mixed key, so that growing needs no hash from the owner. */
  private keys: Uint32Array;
  private used = 0;

  constructor(
    private readonly equals: HashEquals,
    expected = 0,
  ) {
    let capacity = 64;
    while (capacity < 2 * expected) capacity *= 2;
    this.entries = new Int32Array(capacity).fill(EMPTY);
    this.keys = new Uint32Array(capacity);
  }

  get size(): number {
    return this.used;
  }

  /** The entry whose hash is `hash[at, at + 32)`, or -1. */
  find(hash: Uint8Array, at = 0): number {
    const mask = this.entries.length - 1;
    const key = mix(hash, at);
    for (let slot = key & mask; ; slot = (slot + 1) & mask) {
      const entry = this.entries[slot]!;
      if (entry === EMPTY) return -1;
      if (this.keys[slot] === key && this.equals(entry, hash, at)) return entry;
    }
  }

  /**
   * The entry that has the hash `hash[at, at + 32)` already, or -1 after adding `entry` under it. The
   * owner must answer for `entry`'s hash by the next lookup.
   */
  addIfAbsent(entry: number, hash: Uint8Array, at = 0): number {
    if (2 * (this.used + 1) > this.entries.length) this.grow();
    const mask = this.entries.length - 1;
    const key = mix(hash, at);
    let slot = key & mask;
    for (; this.entries[slot] !== EMPTY; slot = (slot + 1) & mask) {
      if (this.keys[slot] === key && this.equals(this.entries[slot]!, hash, at)) return this.entries[slot]!;
    }
    this.entries[slot] = entry;
    this.keys[slot] = key;
    this.used++;
    return -1;
  }

  /** Adds `entry` under its hash; the caller has made sure no entry of that hash is there. */
  add(entry: number, hash: Uint8Array, at = 0): void {
    if (2 * (this.used + 1) > this.entries.length) this.grow();
    this.place(entry, mix(hash, at));
    this.used++;
  }

  private place(entry: number, key: number): void {
    const mask = this.entries.length - 1;
    let slot = key & mask;
    while (this.entries[slot] !== EMPTY) slot = (slot + 1) & mask;
    this.entries[slot] = entry;
    this.keys[slot] = key;
  }

  private grow(): void {
    const { entries, keys } = this;
    this.entries = new Int32Array(2 * entries.length).fill(EMPTY);
    this.keys = new Uint32Array(2 * entries.length);
    for (let slot = 0; slot < entries.length; slot++) if (entries[slot] !== EMPTY) this.place(entries[slot]!, keys[slot]!);
  }
}

function mix(hash: Uint8Array, at: number): number {
  let h = SEED;
  for (let i = at; i < at + 32; i += 4) {
    const word = hash[i]! | (hash[i + 1]! << 8) | (hash[i + 2]! << 16) | (hash[i + 3]! << 24);
    h = Math.imul(h ^ word, 0x9e3779b1);
    h ^= h >>> 15;
  }
  h = Math.imul(h ^ (h >>> 13), 0x85ebca6b);
  return (h ^ (h >>> 16)) >>> 0;
}

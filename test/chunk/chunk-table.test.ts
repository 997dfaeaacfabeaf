import { describe, expect, it } from 'vitest';
import { ChunkTable } from '../../src/chunk/chunk-table.js';
import { HashIndex } from '../../src/chunk/hash-index.js';
import { sha256 } from './fixtures.js';

describe('chunk table', () => {
  it('keeps every row through growth and trimming, hashes set after the rows', () => {
    const table = new ChunkTable(4);
    const records = Array.from({ length: 1000 }, (_, i) => ({ offset: i * 70_000 + 2 ** 40, length: 70_000 - i, hash: sha256(Buffer.from(`chunk ${i}`)) }));
    for (const r of records) table.append(r.offset, r.length);
    // Hashes arrive later and in blocks, as from the hashing thread.
    for (let first = 0; first < records.length; first += 300) {
      const block = records.slice(first, first + 300);
      table.setHashes(first, Buffer.concat(block.map((r) => Buffer.from(r.hash, 'hex'))));
    }
    table.trim();
    expect(table.count).toBe(1000);
    expect(table.records()).toEqual(records);
    expect(ChunkTable.fromRecords(records).records()).toEqual(records);
    expect(table.hashEquals(999, Buffer.from(records[999]!.hash, 'hex'))).toBe(true);
    expect(table.hashEquals(998, Buffer.from(records[999]!.hash, 'hex'))).toBe(false);
    table.setLocation(3, 7, 12);
    expect([table.source(3), table.offset(3), table.length(3)]).toEqual([7, 12, records[3]!.length]);
  });

  it('refuses a record whose hash is not 64 hex digits', () => {
    expect(() => ChunkTable.fromRecords([{ offset: 0, length: 1, hash: 'xyz' }])).toThrow('invalid hash');
  });
});

describe('hash index', () => {
  it('finds each entry by its full hash, also among hashes that differ in one byte only', () => {
    const hashes: Buffer[] = [];
    for (let i = 0; i < 5000; i++) {
      // Hashes alike but for one byte, in every position: no part of the hash may be ignored.
      const h = Buffer.alloc(32, 0xab);
      h[i % 32] = Math.floor(i / 32);
      h.writeUInt16LE(i, 30 - (i % 31));
      hashes.push(h);
    }
    const distinct = [...new Map(hashes.map((h, i) => [h.toString('hex'), i])).values()];
    const index = new HashIndex((entry, hash, at) => hashes[entry]!.equals(hash.subarray(at, at + 32)));
    for (const i of distinct) {
      expect(index.find(hashes[i]!)).toBe(-1);
      index.add(i, hashes[i]!);
    }
    expect(index.size).toBe(distinct.length);
    for (const i of distinct) expect(index.find(hashes[i]!)).toBe(i);
    // A hash inside a larger buffer, at an offset.
    const framed = Buffer.concat([Buffer.alloc(5), hashes[distinct[7]!]!, Buffer.alloc(3)]);
    expect(index.find(framed, 5)).toBe(distinct[7]);
    expect(index.find(Buffer.alloc(32, 0xcd))).toBe(-1);
  });
});

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chunkBytes, chunkFile, chunkReadable, type ChunkedFile } from '../../src/chunk/chunker.js';
import { cutPoint } from '../../src/chunk/cut.js';
import { GEAR } from '../../src/chunk/gear.js';
import { CHUNK_MAX, CHUNK_MIN } from '../../src/chunk/params.js';
import { MvError } from '../../src/errors.js';
import { oidFromHex } from '../../src/cache/oid.js';
import { tempDir } from '../helpers/git-repo.js';
import { cutReference, pseudoRandom, referenceLengths, sha256 } from './fixtures.js';

/** The chunks put back together, checked against their hashes and offsets. */
function reassemble(data: Uint8Array, result: ChunkedFile): Buffer {
  let offset = 0;
  const parts: Buffer[] = [];
  for (const chunk of result.chunks.records()) {
    expect(chunk.offset).toBe(offset);
    const part = Buffer.from(data.subarray(chunk.offset, chunk.offset + chunk.length));
    expect(chunk.hash).toBe(sha256(part));
    parts.push(part);
    offset += chunk.length;
  }
  expect(result.size).toBe(data.length);
  return Buffer.concat(parts);
}

/** Input with long low-entropy stretches as well as random ones (zeros, repeated text, noise). */
const mixedInput = fc
  .array(
    fc.oneof(
      fc.record({ kind: fc.constant('random' as const), size: fc.integer({ min: 1, max: 300_000 }), seed: fc.nat() }),
      fc.record({ kind: fc.constant('zeros' as const), size: fc.integer({ min: 1, max: 300_000 }), seed: fc.nat() }),
      fc.record({ kind: fc.constant('text' as const), size: fc.integer({ min: 1, max: 200_000 }), seed: fc.nat() }),
    ),
    { minLength: 1, maxLength: 4 },
  )
  .map((parts) =>
    Buffer.concat(
      parts.map((p) =>
        p.kind === 'random' ? pseudoRandom(p.size, p.seed) : p.kind === 'zeros' ? Buffer.alloc(p.size) : Buffer.from(`id,value ${p.seed}\n`.repeat(Math.ceil(p.size / 12))).subarray(0, p.size),
      ),
    ),
  );

describe('gear table', () => {
  it('is derived from the documented seed', () => {
    // Entry i = first 4 bytes (big-endian) of SHA-256("mv chunk gear v1" ‖ byte i).
    for (const i of [0, 1, 127, 255]) {
      const expected = Buffer.from(sha256(Buffer.concat([Buffer.from('mv chunk gear v1'), Buffer.of(i)])), 'hex').readInt32BE(0);
      expect(GEAR[i]).toBe(expected);
    }
    expect(new Set(GEAR).size).toBe(256);
  });
});

describe('content-defined cut', () => {
  it('agrees with the specification read literally', () => {
    fc.assert(
      fc.property(fc.oneof(mixedInput, fc.nat().map((seed) => pseudoRandom(2 * 1024 * 1024, seed))), fc.nat(), (data, at) => {
        // Every cut from a random start to the end of the input.
        for (let start = at % Math.max(1, data.length); start < data.length; ) {
          const length = cutPoint(data, start, data.length);
          expect(length).toBe(cutReference(data, start, data.length));
          start += length;
        }
      }),
      { numRuns: 20 },
    );
  });

  it('reproduces the published test vectors', async () => {
    // docs/formats.md: 1 MiB of AES-256-CTR output (key SHA-256("1"), zero IV), and 1 MiB of zeros.
    const random = (await chunkBytes(pseudoRandom(1024 * 1024, 1))).chunks.records();
    expect(random.map((c) => c.length)).toEqual([74169, 57381, 47111, 95304, 78069, 88961, 63488, 43383, 62070, 77668, 68209, 75568, 73169, 62540, 81486]);
    expect(random[0]!.hash).toBe('798a7b6908d77ecdfddb8ceeed51b3da24ec427a66af146160cd8afbdb20fb58');
    expect((await chunkBytes(Buffer.alloc(1024 * 1024))).chunks.records().map((c) => c.length)).toEqual([262144, 262144, 262144, 262144]);
  });
});

describe('chunker', () => {
  it('reassembles to the input, with every chunk within the size limits', async () => {
    await fc.assert(
      fc.asyncProperty(mixedInput, async (data) => {
        const result = await chunkBytes(data);
        expect(reassemble(data, result).equals(data)).toBe(true);
        const chunks = result.chunks.records();
        chunks.forEach((chunk, i) => {
          expect(chunk.length).toBeLessThanOrEqual(CHUNK_MAX);
          if (i < chunks.length - 1) expect(chunk.length).toBeGreaterThanOrEqual(CHUNK_MIN);
        });
        expect(chunks.map((c) => c.length)).toEqual(referenceLengths(data));
      }),
      { numRuns: 15 },
    );
  });

  it('gives the same chunks from a file, a stream in odd pieces and memory, across block edges', async () => {
    const dir = await tempDir();
    // 20 MiB: more than two of the chunker's 8 MiB blocks, so the carried tails and the hashing thread are used.
    const data = Buffer.concat([pseudoRandom(9 * 1024 * 1024, 'a'), Buffer.alloc(3 * 1024 * 1024), pseudoRandom(8 * 1024 * 1024, 'b')]);
    const path = join(dir, 'input.bin');
    await writeFile(path, data);
    const fromFile = await chunkFile(path, { wholeHash: true });
    expect(fromFile.oid).toBe(oidFromHex(sha256(data)));
    expect(reassemble(data, fromFile).equals(data)).toBe(true);
    const pieces = function* () {
      for (let at = 0, step = 1; at < data.length; at += step, step = (step * 7 + 13) % 3_000_001) yield data.subarray(at, at + step);
    };
    const fromStream = await chunkReadable(Readable.from(pieces()), 'stream');
    const fromMemory = await chunkBytes(data);
    expect(fromStream.chunks.records()).toEqual(fromFile.chunks.records());
    expect(fromMemory.chunks.records()).toEqual(fromFile.chunks.records());
  });

  it('refuses input that does not hash to the expected oid', async () => {
    const data = pseudoRandom(100_000, 3);
    await expect(chunkBytes(data, { expect: oidFromHex(sha256(data)) })).resolves.toMatchObject({ size: 100_000 });
    const wrong = oidFromHex('0'.repeat(64));
    await expect(chunkBytes(data, { expect: wrong })).rejects.toMatchObject({ code: 'CONTENT_MISMATCH' });
    await expect(chunkBytes(data, { expect: wrong })).rejects.toBeInstanceOf(MvError);
  });

  it('re-synchronises after an insertion or deletion: only chunks near the edit change', async () => {
    const base = pseudoRandom(8 * 1024 * 1024, 'resync');
    const before = new Set((await chunkBytes(base)).chunks.records().map((c) => c.hash));
    await fc.assert(
      fc.asyncProperty(fc.nat(base.length), fc.integer({ min: -100, max: 100 }), fc.nat(), async (at, change, seed) => {
        const edited =
          change >= 0
            ? Buffer.concat([base.subarray(0, at), pseudoRandom(change + 1, seed), base.subarray(at)])
            : Buffer.concat([base.subarray(0, at), base.subarray(Math.min(base.length, at - change))]);
        const after = (await chunkBytes(edited)).chunks.records();
        const fresh = after.filter((c) => !before.has(c.hash));
        // One edit touches the chunk it falls in and, rarely, the next one or two.
        expect(fresh.reduce((sum, c) => sum + c.length, 0)).toBeLessThanOrEqual(3 * CHUNK_MAX);
        expect(fresh.length).toBeLessThanOrEqual(4);
      }),
      { numRuns: 25 },
    );
  });

  it('hands blocks to a consumer in order, and stops at its failure with the hashing thread still usable', async () => {
    const dir = await tempDir();
    const data = pseudoRandom(30 * 1024 * 1024, 'consumer');
    const path = join(dir, 'input.bin');
    await writeFile(path, data);
    const seen: number[] = [];
    const result = await chunkFile(path, {
      onChunks: async ({ view, base, chunks, first, end }) => {
        for (let row = first; row < end; row++) {
          const at = chunks.offset(row) - base;
          expect(sha256(view.subarray(at, at + chunks.length(row)))).toBe(chunks.hashHex(row));
          seen.push(chunks.offset(row));
        }
        await new Promise((resolve) => setTimeout(resolve, 1));
      },
    });
    expect(seen).toEqual(result.chunks.records().map((c) => c.offset));
    let blocks = 0;
    const failing = chunkFile(path, {
      onChunks: () => (++blocks === 2 ? Promise.reject(new Error('disk full')) : Promise.resolve()),
    });
    await expect(failing).rejects.toThrow('disk full');
    expect((await chunkFile(path)).chunks.records()).toEqual(result.chunks.records());
  });

  it('is deterministic', async () => {
    const data = pseudoRandom(3 * 1024 * 1024, 'same');
    const [a, b] = await Promise.all([chunkBytes(data), chunkBytes(Buffer.from(data))]);
    expect(a.chunks.records()).toEqual(b.chunks.records());
  });
});

describe('forced boundaries', () => {
  it('end a chunk at every boundary, and each segment is chunked as if alone', async () => {
    await fc.assert(
      fc.asyncProperty(mixedInput, fc.array(fc.nat(), { maxLength: 12 }), async (data, raw) => {
        const boundaries = raw.map((b) => b % (data.length + 10));
        const result = await chunkBytes(data, { boundaries });
        expect(reassemble(data, result).equals(data)).toBe(true);
        const ends = new Set(result.chunks.records().map((c) => c.offset + c.length));
        for (const b of boundaries) if (b > 0 && b < data.length) expect(ends.has(b)).toBe(true);
        expect(result.chunks.records().map((c) => c.length)).toEqual(referenceLengths(data, boundaries));
      }),
      { numRuns: 15 },
    );
  });

  it('make a segment chunk the same wherever it sits (what lets an unchanged tensor deduplicate)', async () => {
    const tensor = pseudoRandom(700_000, 'tensor');
    const left = await chunkBytes(Buffer.concat([pseudoRandom(123_457, 'x'), tensor, pseudoRandom(5000, 'y')]), { boundaries: [123_457, 823_457] });
    const right = await chunkBytes(Buffer.concat([pseudoRandom(999, 'z'), tensor]), { boundaries: [999] });
    const inside = (r: ChunkedFile, from: number) => r.chunks.records().filter((c) => c.offset >= from && c.offset < from + tensor.length).map((c) => c.hash);
    expect(inside(left, 123_457)).toEqual(inside(right, 999));
    expect(inside(left, 123_457).length).toBeGreaterThan(3);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planAssembly } from '../../src/chunk/plan-assembly.js';
import { ChunkTable, type ChunkRecord } from '../../src/chunk/chunk-table.js';
import { knownChunksFromRecipes, planUpload, wholeObjectRecipe, type ChunkLocation, type PlanUploadOptions, type UploadPlan } from '../../src/chunk/plan-upload.js';
import { objectSource, packSource } from '../../src/chunk/sources.js';
import { packSize } from '../../src/chunk/pack-format.js';
import { parseRecipe, recipeFromTable, recipeTable, type Recipe } from '../../src/chunk/recipe.js';
import { oidFromHex, type Oid } from '../../src/cache/oid.js';
import { sha256 } from './fixtures.js';

const OID = oidFromHex('f'.repeat(64));

/** A file as a chunk list drawn from a small alphabet of chunks, so that repeats occur. */
const chunkList = fc.array(fc.integer({ min: 0, max: 15 }), { minLength: 1, maxLength: 60 }).map((picks) => {
  const chunks: ChunkRecord[] = [];
  let offset = 0;
  for (const p of picks) {
    const length = 1000 + p * 777;
    chunks.push({ offset, length, hash: sha256(Buffer.from(`chunk ${p}`)) });
    offset += length;
  }
  return { oid: OID, size: offset, chunks };
});

/** The plan of a file given as chunk records, knowing the chunks of `known` (hash → location). */
function plan(file: { oid: Oid; size: number; chunks: ChunkRecord[] }, known: Map<string, ChunkLocation> = new Map(), options: PlanUploadOptions = {}): UploadPlan {
  const locations: Recipe = { oid: OID, size: 0, chunks: [...known].map(([hash, location]) => ({ hash, ...location })) };
  return planUpload({ ...file, chunks: ChunkTable.fromRecords(file.chunks) }, knownChunksFromRecipes([recipeTable(locations)]), options);
}

describe('upload plan', () => {
  it('rebuilds the file, stores each new chunk once, reuses known ones, and stays within the pack size', () => {
    fc.assert(
      fc.property(chunkList, fc.array(fc.integer({ min: 0, max: 15 }), { maxLength: 8 }), fc.integer({ min: 3000, max: 40_000 }), (file, knownPicks, packMax) => {
        const known = new Map<string, ChunkLocation>(knownPicks.map((p) => [sha256(Buffer.from(`chunk ${p}`)), { source: p % 3 === 0 ? objectSource(oidFromHex(sha256(Buffer.from(`object ${p}`)))) : packSource(sha256(Buffer.from(`old ${p}`))), offset: p * 100, length: 1000 + p * 777 }]));
        const planned = plan(file, known, { packMaxBytes: packMax });
        const recipe = recipeFromTable(planned.recipe);
        expect(recipe.chunks.map((c) => [c.hash, c.length])).toEqual(file.chunks.map((c) => [c.hash, c.length]));
        const packed = planned.packs.flatMap((p) => p.chunks.map((c) => c.hash));
        expect(new Set(packed).size).toBe(packed.length);
        for (const c of file.chunks) expect(packed.includes(c.hash)).toBe(!known.has(c.hash));
        for (const pack of planned.packs) {
          expect(pack.size).toBe(packSize(pack.dataLength, pack.chunks.length));
          if (pack.chunks.length > 1) expect(pack.size).toBeLessThanOrEqual(packMax);
        }
        // Every recipe chunk points at the bytes it names in a new pack, or at its known location.
        const byId = new Map(planned.packs.map((p) => [packSource(p.id), p]));
        for (const c of recipe.chunks) {
          const pack = byId.get(c.source);
          if (pack) {
            let offset = 0;
            const entry = pack.chunks.find((x) => (offset += x.length) - x.length === c.offset);
            expect(entry?.hash).toBe(c.hash);
          } else {
            expect(known.get(c.hash)).toMatchObject({ source: c.source, offset: c.offset, length: c.length });
          }
        }
        expect(planned.newBytes + planned.sharedBytes).toBe(file.size);
        expect(planned.reusedSources.sort()).toEqual([...new Set(file.chunks.filter((c) => known.has(c.hash)).map((c) => known.get(c.hash)!.source))].sort());
        expect(parseRecipe(planned.recipeBytes, OID, 'plan')).toEqual(recipe);
        // The same inputs give the same packs: a resumed push finds what it wrote before.
        expect(plan(file, known, { packMaxBytes: packMax }).packs.map((p) => p.id)).toEqual(planned.packs.map((p) => p.id));
      }),
      { numRuns: 200 },
    );
  });

  it('does not trust a known chunk whose length disagrees', () => {
    const hash = sha256(Buffer.from('x'));
    const planned = plan({ oid: OID, size: 10, chunks: [{ offset: 0, length: 10, hash }] }, new Map([[hash, { source: packSource('a'.repeat(64)), offset: 0, length: 11 }]]));
    expect(planned.packs).toHaveLength(1);
    expect(planned.reusedSources).toEqual([]);
  });

  it('indexes a whole object: every chunk at its offset in the file, a repeated chunk at its first', () => {
    const [x, y] = [sha256(Buffer.from('x')), sha256(Buffer.from('y'))];
    const recipe = wholeObjectRecipe({ oid: OID, size: 30, chunks: ChunkTable.fromRecords([{ offset: 0, length: 10, hash: x }, { offset: 10, length: 10, hash: y }, { offset: 20, length: 10, hash: x }]) });
    expect(recipeFromTable(recipe).chunks).toEqual([
      { hash: x, length: 10, source: objectSource(OID), offset: 0 },
      { hash: y, length: 10, source: objectSource(OID), offset: 10 },
      { hash: x, length: 10, source: objectSource(OID), offset: 0 },
    ]);
    // Known chunks learnt from it point into the object, and a new version reuses them without new packs.
    const planned = planUpload({ oid: oidFromHex('e'.repeat(64)), size: 20, chunks: ChunkTable.fromRecords([{ offset: 0, length: 10, hash: y }, { offset: 10, length: 10, hash: x }]) }, knownChunksFromRecipes([recipe]));
    expect(planned.packs).toEqual([]);
    expect(planned.reusedSources).toEqual([objectSource(OID)]);
  });

  it('learns known chunks from earlier recipes', () => {
    const [pa, pb] = [packSource('a'.repeat(64)), packSource('b'.repeat(64))];
    const a: Recipe = { oid: OID, size: 3, chunks: [{ hash: '1'.repeat(64), length: 3, source: pa, offset: 7 }] };
    const b: Recipe = { oid: OID, size: 5, chunks: [{ hash: '1'.repeat(64), length: 3, source: pb, offset: 0 }, { hash: '2'.repeat(64), length: 2, source: pb, offset: 3 }] };
    const known = knownChunksFromRecipes([recipeTable(a), recipeTable(b)]);
    expect(known.size).toBe(2);
    expect(known.locate(Buffer.from('1'.repeat(64), 'hex'))).toEqual({ source: pa, offset: 7, length: 3 });
    expect(known.locate(Buffer.from('2'.repeat(64), 'hex'))).toEqual({ source: pb, offset: 3, length: 2 });
    expect(known.locate(Buffer.from('3'.repeat(64), 'hex'))).toBeUndefined();
    // Less the chunks of a source found gone: the next location of a chunk, or none.
    const less = known.without(new Set([pa]));
    expect(less.locate(Buffer.from('1'.repeat(64), 'hex'))).toEqual({ source: pb, offset: 0, length: 3 });
    expect(less.size).toBe(2);
  });
});

describe('assembly plan', () => {
  const pack1 = packSource('1'.repeat(64));
  const pack2 = objectSource(oidFromHex('2'.repeat(64)));
  const recipe: Recipe = {
    oid: OID,
    size: 60,
    chunks: [
      { hash: 'a'.repeat(64), length: 10, source: pack1, offset: 0 },
      { hash: 'b'.repeat(64), length: 10, source: pack1, offset: 10 },
      { hash: 'c'.repeat(64), length: 10, source: pack2, offset: 50 },
      { hash: 'a'.repeat(64), length: 10, source: pack1, offset: 0 },
      { hash: 'd'.repeat(64), length: 10, source: pack1, offset: 25 },
      { hash: 'e'.repeat(64), length: 10, source: pack2, offset: 0 },
    ],
  };

  it('reads each chunk once, coalesces neighbours in a pack or object, and copies local ones', () => {
    const plan = planAssembly(recipe, new Map([['e'.repeat(64), { path: '/cache/v1', offset: 500 }]]));
    const reads = plan.reads.map((r) => [r.source, r.start, r.end, r.pieces.map((p) => [p.hash[0], p.targets])]);
    expect(reads).toEqual([
      [{ kind: 'remote', key: pack1 }, 0, 20, [['a', [0, 30]], ['b', [10]]]],
      [{ kind: 'remote', key: pack1 }, 25, 35, [['d', [40]]]],
      [{ kind: 'remote', key: pack2 }, 50, 60, [['c', [20]]]],
      [{ kind: 'local', path: '/cache/v1' }, 500, 510, [['e', [50]]]],
    ]);
    expect(plan).toMatchObject({ remoteBytes: 40, remoteRequests: 3, localBytes: 10 });
    // A gap of up to 5 bytes is read through: one request less, 5 bytes more.
    expect(planAssembly(recipe, new Map(), { maxGap: 5 })).toMatchObject({ remoteRequests: 3, remoteBytes: 55 });
  });

  it('covers every byte of the file exactly once', () => {
    fc.assert(
      fc.property(chunkList, fc.array(fc.integer({ min: 0, max: 15 }), { maxLength: 8 }), fc.nat(3000), (file, localPicks, maxGap) => {
        const planned = plan(file, new Map(), { packMaxBytes: 20_000 });
        const local = new Map(localPicks.map((p) => [sha256(Buffer.from(`chunk ${p}`)), { path: '/v1', offset: p }]));
        const assembly = planAssembly(recipeFromTable(planned.recipe), local, { maxGap });
        const covered = new Array<number>(file.size).fill(0);
        for (const read of assembly.reads) {
          let last = read.start;
          for (const piece of read.pieces) {
            expect(piece.offset).toBeGreaterThanOrEqual(last);
            last = piece.offset + piece.length;
            expect(read.source.kind === 'local').toBe(local.has(piece.hash));
            for (const t of piece.targets) for (let i = t; i < t + piece.length; i++) covered[i]!++;
          }
          expect(last).toBe(read.end);
        }
        expect(covered.every((n) => n === 1)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });
});

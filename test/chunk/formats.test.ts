import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodePackTail, parsePackIndex, parsePackTrailer, verifyPackBytes, PACK_TRAILER } from '../../src/chunk/pack-format.js';
import { encodeRecipe, parseRecipe, type Recipe } from '../../src/chunk/recipe.js';
import { packIdFromKey, packKey, recipeKey, recipeOidFromKey } from '../../src/chunk/keys.js';
import { MvError } from '../../src/errors.js';
import { oidFromHex, type Oid } from '../../src/cache/oid.js';
import { pseudoRandom, sha256 } from './fixtures.js';

const hex64 = fc.stringMatching(/^[0-9a-f]{64}$/);

/** A valid recipe: chunks in packs listed by first use, a repeated chunk always at one place. */
const validRecipe: fc.Arbitrary<Recipe> = fc
  .record({
    oid: hex64,
    packs: fc.uniqueArray(hex64, { minLength: 1, maxLength: 4 }),
    chunks: fc.array(fc.record({ hash: hex64, length: fc.integer({ min: 1, max: 300_000 }), pack: fc.nat(), offset: fc.nat(64 * 1024 * 1024) }), { minLength: 1, maxLength: 40 }),
    repeats: fc.array(fc.nat(), { maxLength: 5 }),
  })
  .map(({ oid, packs, chunks, repeats }) => {
    const list = chunks.map((c) => ({ hash: c.hash, length: c.length, pack: packs[c.pack % packs.length]!, offset: c.offset }));
    for (const r of repeats) list.splice(r % (list.length + 1), 0, list[r % list.length]!);
    const seen = new Map<string, (typeof list)[number]>();
    const canonical = list.map((c) => seen.get(c.hash) ?? (seen.set(c.hash, c), c));
    return { oid: oidFromHex(oid), size: canonical.reduce((sum, c) => sum + c.length, 0), chunks: canonical };
  });

function recipeOf(bytes: Buffer): Oid {
  return oidFromHex(bytes.toString('hex', 16, 48));
}

/** Rewrites the trailing checksum after a deliberate edit, so the parser's other checks are reached. */
function resealed(bytes: Buffer): Buffer {
  const copy = Buffer.from(bytes);
  createHash('sha256').update(copy.subarray(0, copy.length - 32)).digest().copy(copy, copy.length - 32);
  return copy;
}

function expectCode(fn: () => unknown, code: string): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(MvError);
    expect((error as MvError).code).toBe(code);
    return;
  }
  throw new Error(`expected ${code}`);
}

describe('recipes', () => {
  it('round-trip to the same bytes', () => {
    fc.assert(
      fc.property(validRecipe, (recipe) => {
        const bytes = encodeRecipe(recipe);
        const parsed = parseRecipe(bytes, recipe.oid, 'r');
        expect(parsed).toEqual(recipe);
        expect(encodeRecipe(parsed).equals(bytes)).toBe(true);
        expect(bytes.length).toBe(64 + 32 * new Set(recipe.chunks.map((c) => c.pack)).size + 44 * recipe.chunks.length + 32);
      }),
      { numRuns: 200 },
    );
  });

  it('never accept a damaged recipe, and explain what they refuse', () => {
    fc.assert(
      fc.property(validRecipe, fc.nat(), fc.integer({ min: 1, max: 255 }), fc.boolean(), (recipe, at, xor, reseal) => {
        const bytes = Buffer.from(encodeRecipe(recipe));
        const position = at % bytes.length;
        bytes[position]! ^= xor;
        const damaged = reseal && position < bytes.length - 32 ? resealed(bytes) : bytes;
        try {
          const parsed = parseRecipe(damaged, recipe.oid, 'r');
          // A resealed edit can only pass if it leaves a recipe that is still canonical and whole.
          expect(reseal).toBe(true);
          expect(encodeRecipe(parsed).equals(damaged)).toBe(true);
          expect(parsed.chunks.reduce((sum, c) => sum + c.length, 0)).toBe(parsed.size);
        } catch (error) {
          expect(error).toBeInstanceOf(MvError);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('are rejected when truncated, extended, for another file, or with a broken rule', () => {
    const pack = 'a'.repeat(64);
    const other = 'b'.repeat(64);
    const oid = oidFromHex(sha256(Buffer.from('file')));
    const good = encodeRecipe({ oid, size: 30, chunks: [{ hash: '1'.repeat(64), length: 10, pack, offset: 0 }, { hash: '2'.repeat(64), length: 20, pack: other, offset: 100 }] });
    expect(parseRecipe(good, oid, 'r').chunks).toHaveLength(2);
    expectCode(() => parseRecipe(good.subarray(0, good.length - 1), oid, 'r'), 'INVALID_RECIPE');
    expectCode(() => parseRecipe(Buffer.concat([good, Buffer.alloc(1)]), oid, 'r'), 'INVALID_RECIPE');
    expectCode(() => parseRecipe(good, oidFromHex('c'.repeat(64)), 'r'), 'INVALID_RECIPE');
    // Packs out of first-use order.
    const swapped = Buffer.from(good);
    swapped.write(other, 64, 'hex');
    swapped.write(pack, 96, 'hex');
    swapped.writeUInt32LE(1, 64 + 64 + 36);
    swapped.writeUInt32LE(0, 64 + 64 + 44 + 36);
    expectCode(() => parseRecipe(resealed(swapped), oid, 'r'), 'INVALID_RECIPE');
    // Sizes that do not add up.
    const short = Buffer.from(good);
    short.writeBigUInt64LE(31n, 48);
    expectCode(() => parseRecipe(resealed(short), oid, 'r'), 'INVALID_RECIPE');
    // Unknown flags.
    const flagged = Buffer.from(good);
    flagged.writeUInt32LE(1, 12);
    expectCode(() => parseRecipe(resealed(flagged), oid, 'r'), 'INVALID_RECIPE');
    // A chunk with two locations.
    const twice = encodeRecipe({ oid, size: 20, chunks: [{ hash: '1'.repeat(64), length: 10, pack, offset: 0 }, { hash: '3'.repeat(64), length: 10, pack, offset: 10 }] });
    twice.write('1'.repeat(64), 64 + 32 + 44, 'hex');
    expectCode(() => parseRecipe(resealed(twice), oid, 'r'), 'INVALID_RECIPE');
    expect(recipeOf(good)).toBe(oid);
  });

  it('of a newer version ask for an upgrade instead of guessing', () => {
    const oid = oidFromHex('d'.repeat(64));
    const bytes = encodeRecipe({ oid, size: 5, chunks: [{ hash: '1'.repeat(64), length: 5, pack: 'a'.repeat(64), offset: 0 }] });
    bytes.writeUInt32LE(2, 8);
    // Damage first: the same edit without a valid checksum is a damaged recipe.
    expectCode(() => parseRecipe(bytes, oid, 'r'), 'INVALID_RECIPE');
    expectCode(() => parseRecipe(resealed(bytes), oid, 'r'), 'UPGRADE_REQUIRED');
    expect(() => parseRecipe(resealed(bytes), oid, 'r')).toThrow(/version 2/);
  });
});

describe('packs', () => {
  function buildPack(parts: Buffer[]): { bytes: Buffer; id: string } {
    const { id, tail } = encodePackTail(parts.map((p) => ({ hash: sha256(p), length: p.length })));
    return { bytes: Buffer.concat([...parts, tail]), id };
  }

  it('are verified whole: trailer, index, id and every chunk', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 20 }), fc.nat(), (lengths, seed) => {
        const parts = lengths.map((n, i) => pseudoRandom(n, `${seed}-${i}`));
        const { bytes, id } = buildPack(parts);
        const index = verifyPackBytes(bytes, id, 'p');
        expect(index.entries.map((e) => e.length)).toEqual(lengths);
        expect(index.entries.map((e) => bytes.subarray(e.offset, e.offset + e.length).equals(parts[index.entries.indexOf(e)]!))).not.toContain(false);
      }),
      { numRuns: 100 },
    );
  });

  it('with any byte changed are refused', () => {
    const { bytes, id } = buildPack([pseudoRandom(300, 'a'), pseudoRandom(200, 'b'), pseudoRandom(100, 'c')]);
    for (let at = 0; at < bytes.length; at++) {
      const damaged = Buffer.from(bytes);
      damaged[at]! ^= 0x40;
      expectCode(() => verifyPackBytes(damaged, id, 'p'), 'INVALID_PACK');
    }
    expectCode(() => verifyPackBytes(bytes, 'e'.repeat(64), 'p'), 'INVALID_PACK');
    expectCode(() => verifyPackBytes(bytes.subarray(1), id, 'p'), 'INVALID_PACK');
  });

  it('name their index by its hash and locate it from the trailer', () => {
    const parts = [pseudoRandom(1000, 1), pseudoRandom(2000, 2)];
    const { bytes, id } = buildPack(parts);
    const { dataLength, indexLength } = parsePackTrailer(bytes.subarray(bytes.length - PACK_TRAILER), bytes.length, 'p');
    expect(dataLength).toBe(3000);
    const index = bytes.subarray(dataLength, dataLength + indexLength);
    expect(sha256(index)).toBe(id);
    expect(parsePackIndex(index, { id, dataLength }, 'p').entries.map((e) => e.offset)).toEqual([0, 1000]);
  });

  it('of a newer version ask for an upgrade', () => {
    const { bytes } = buildPack([pseudoRandom(10, 1)]);
    const { dataLength, indexLength } = parsePackTrailer(bytes.subarray(bytes.length - PACK_TRAILER), bytes.length, 'p');
    const index = Buffer.from(bytes.subarray(dataLength, dataLength + indexLength));
    index.writeUInt32LE(2, 8);
    expectCode(() => parsePackIndex(index, { id: sha256(index), dataLength }, 'p'), 'UPGRADE_REQUIRED');
  });

  it('never list a chunk twice', () => {
    const part = pseudoRandom(10, 1);
    expect(() => encodePackTail([{ hash: sha256(part), length: 10 }, { hash: sha256(part), length: 10 }])).toThrow(/twice/);
  });
});

describe('remote keys', () => {
  it('fan packs and recipes out like objects, and read back from listings', () => {
    const id = sha256(Buffer.from('pack'));
    const oid = oidFromHex(sha256(Buffer.from('file')));
    expect(packKey(id)).toBe(`chunks/packs/${id.slice(0, 2)}/${id.slice(2)}`);
    expect(recipeKey(oid)).toBe(`chunks/recipes/${oid.slice(7, 9)}/${oid.slice(9)}`);
    expect(packIdFromKey(packKey(id).slice('chunks/packs/'.length))).toBe(id);
    expect(recipeOidFromKey(recipeKey(oid).slice('chunks/recipes/'.length))).toBe(oid);
    expect(packIdFromKey('ab/../x')).toBeUndefined();
    expect(() => packKey('../../etc')).toThrow();
  });
});

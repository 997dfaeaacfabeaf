/** The remote gc plan for chunked storage, as a pure function of what is stored, what is needed, and the clock. */
import { describe, expect, it } from 'vitest';
import { oidFromHex, type Oid } from '../../src/cache/oid.js';
import type { Recipe } from '../../src/chunk/recipe.js';
import { planRepack } from '../../src/chunk/repack.js';
import { objectSource, packSource } from '../../src/chunk/sources.js';
import { planChunkGc, type StoredRecipe } from '../../src/safety/chunk-gc.js';

const DAY = 24 * 3600 * 1000;
const NOW = 100 * DAY;
const GRACE = 7 * DAY;
const OLD = NOW - 30 * DAY;
const YOUNG = NOW - DAY;

const hex = (c: string) => c.repeat(64);
const oid = (c: string): Oid => oidFromHex(hex(c));
const pack = (c: string, size: number, modifiedMs = OLD) => ({ id: hex(c), size, modifiedMs });

/** A recipe whose chunks are `[pack char, offset, length]`. */
function recipe(file: string, chunks: Array<[string, number, number]>, source: (c: string) => ReturnType<typeof packSource> = (c) => packSource(hex(c))): Recipe {
  return { oid: oid(file), size: chunks.reduce((s, c) => s + c[2], 0), chunks: chunks.map(([p, offset, length], i) => ({ hash: `${i}${file}`.padEnd(64, '0'), length, source: source(p), offset })) };
}

const stored = (r: Recipe, modifiedMs = OLD): StoredRecipe => ({ oid: r.oid, size: 100, modifiedMs, recipe: r });

describe('the chunk gc plan', () => {
  it('keeps referenced and young recipes with every pack and object they read from; deletes the rest only when old', () => {
    const kept = recipe('1', [['a', 0, 600]]);
    const fromObject = recipe('2', [['9', 0, 50]], () => objectSource(oid('9')));
    const garbage = recipe('3', [['b', 0, 600]]);
    const young = recipe('4', [['c', 0, 600]]);
    const plan = planChunkGc({
      recipes: [stored(kept), stored(fromObject), stored(garbage), stored(young, YOUNG)],
      packs: [pack('a', 1000), pack('b', 1000), pack('c', 1000), pack('d', 1000, YOUNG), pack('e', 1000)],
      retired: [],
      referenced: new Set([kept.oid, fromObject.oid]),
      nowMs: NOW,
      graceMs: GRACE,
    });
    expect(plan.deleteRecipes.map((r) => r.oid)).toEqual([garbage.oid]);
    expect([...plan.kept.keys()].sort()).toEqual([kept.oid, fromObject.oid, young.oid].sort());
    expect(plan.sourceObjects).toEqual(new Set([oid('9')]));
    expect(plan.deletePacks.map((p) => p.id).sort()).toEqual([hex('b'), hex('e')]);
    expect(plan.repack).toEqual([]);
    expect(plan.counts.keptPacks).toEqual({ live: 2, young: 1, retired: 0 });
  });

  it('repacks an old kept pack that is mostly garbage, and not a young one or a mostly live one', () => {
    const r = recipe('1', [['a', 0, 100], ['b', 0, 600], ['c', 0, 100]]);
    const plan = planChunkGc({
      recipes: [stored(r)],
      packs: [pack('a', 1000), pack('b', 1000), pack('c', 1000, YOUNG)],
      retired: [],
      referenced: new Set([r.oid]),
      nowMs: NOW,
      graceMs: GRACE,
    });
    expect(plan.repack.map((p) => [p.id, p.live])).toEqual([[hex('a'), 100]]);
    // The repack moves exactly the chunks the kept recipes use, and rewrites those recipes to the new pack.
    const moved = planRepack(plan.kept.values(), new Set([packSource(hex('a'))]));
    expect(moved.packs).toHaveLength(1);
    expect(moved.packs[0]!.chunks.map((c) => c.length)).toEqual([100]);
    expect(moved.recipes[0]!.chunks.map((c) => c.source)).toEqual([packSource(moved.packs[0]!.id), packSource(hex('b')), packSource(hex('c'))]);
  });

  it('deletes a retired pack only once its retirement is older than the grace period, and unmarks one named again', () => {
    const r = recipe('1', [['b', 0, 900]]);
    const input = {
      recipes: [stored(r)],
      packs: [pack('a', 1000), pack('b', 1000)],
      referenced: new Set([r.oid]),
      nowMs: NOW,
      graceMs: GRACE,
    };
    const recent = planChunkGc({ ...input, retired: [pack('a', 0, YOUNG), pack('b', 0, YOUNG), pack('f', 0, YOUNG)] });
    expect(recent.deletePacks).toEqual([]);
    expect(recent.counts.keptPacks.retired).toBe(1);
    expect(recent.unmark.sort()).toEqual([hex('b'), hex('f')]);
    const long = planChunkGc({ ...input, retired: [pack('a', 0, OLD)] });
    expect(long.deletePacks.map((p) => p.id)).toEqual([hex('a')]);
  });

  it('deletes and repacks no pack while a kept recipe cannot be read', () => {
    const r = recipe('1', [['a', 0, 10]]);
    const plan = planChunkGc({
      recipes: [stored(r), { oid: oid('2'), size: 100, modifiedMs: OLD, recipe: undefined }],
      packs: [pack('a', 1000), pack('b', 1000)],
      retired: [],
      referenced: new Set([r.oid, oid('2')]),
      nowMs: NOW,
      graceMs: GRACE,
    });
    expect(plan.unreadable).toEqual([oid('2')]);
    expect(plan.deletePacks).toEqual([]);
    expect(plan.repack).toEqual([]);
  });
});

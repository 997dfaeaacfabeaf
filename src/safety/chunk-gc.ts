/**
 * What a remote gc does with chunked storage, decided as a pure function of what the remote holds, what
 * is still needed, and the clock (like gc-plan.ts for whole objects).
 *
 * Recipes: kept when their file is referenced, or younger than the grace period (a push may be about to
 * push the commit that references it); the rest are deleted, before anything they name.
 * Packs: kept while a kept recipe names any chunk in them; a pack no kept recipe names is deleted once it
 * is older than the grace period and, if a repack replaced it, once its retirement is older than the
 * grace period too (a push that read an old recipe may still refer to it). A kept pack that is older
 * than the grace period and mostly garbage is repacked: its live chunks go to a new pack, the recipes are
 * rewritten, and the old pack is retired.
 * Whole objects that kept recipes read chunks from are kept like referenced objects.
 * A kept recipe that cannot be read means its packs are unknown: then no pack is deleted or repacked.
 */
import pLimit from 'p-limit';
import { oidFromHex, type Oid } from '../cache/oid.js';
import type { ChunkStore, StoredChunkItem } from '../chunk/chunk-store.js';
import { MAX_RECIPE_BYTES, parseRecipe, type Recipe } from '../chunk/recipe.js';
import { MvError } from '../errors.js';
import { liveBytes } from '../chunk/repack.js';
import { packSource, parseSource } from '../chunk/sources.js';

/** A pack whose live chunks are less than this share of its size is repacked. */
export const REPACK_BELOW = 0.5;

export interface StoredRecipe {
  oid: Oid;
  size: number;
  modifiedMs: number;
  /** Undefined when it could not be read or parsed. */
  recipe: Recipe | undefined;
}

export interface ChunkGcInput {
  recipes: StoredRecipe[];
  packs: StoredChunkItem[];
  retired: StoredChunkItem[];
  /** Every file something references. */
  referenced: Set<Oid>;
  nowMs: number;
  graceMs: number;
  repackBelow?: number;
}

export interface ChunkGcPlan {
  /** Recipes to delete (before anything else). */
  deleteRecipes: StoredRecipe[];
  /** Readable kept recipes, by file oid. */
  kept: Map<Oid, Recipe>;
  /** Whole objects that kept recipes read chunks from. */
  sourceObjects: Set<Oid>;
  deletePacks: StoredChunkItem[];
  /** Packs to repack (kept, old, mostly garbage), with their live bytes. */
  repack: Array<StoredChunkItem & { live: number }>;
  /** Retirement marks to remove (after the packs): their pack is gone or deleted, or kept recipes name it again. */
  unmark: string[];
  /** Kept recipes that could not be read: while there are any, no pack is deleted or repacked. */
  unreadable: Oid[];
  counts: { recipes: number; keptRecipes: { referenced: number; young: number }; packs: number; keptPacks: { live: number; young: number; retired: number } };
  /** Bytes the deletions free (recipes and packs). */
  bytes: number;
}

export function planChunkGc(input: ChunkGcInput): ChunkGcPlan {
  const cutoff = input.nowMs - input.graceMs;
  const repackBelow = input.repackBelow ?? REPACK_BELOW;
  const plan: ChunkGcPlan = {
    deleteRecipes: [],
    kept: new Map(),
    sourceObjects: new Set(),
    deletePacks: [],
    repack: [],
    unmark: [],
    unreadable: [],
    counts: { recipes: input.recipes.length, keptRecipes: { referenced: 0, young: 0 }, packs: input.packs.length, keptPacks: { live: 0, young: 0, retired: 0 } },
    bytes: 0,
  };
  for (const stored of input.recipes) {
    const referenced = input.referenced.has(stored.oid);
    if (!referenced && stored.modifiedMs <= cutoff) {
      plan.deleteRecipes.push(stored);
      continue;
    }
    if (referenced) plan.counts.keptRecipes.referenced++;
    else plan.counts.keptRecipes.young++;
    if (stored.recipe) plan.kept.set(stored.oid, stored.recipe);
    else plan.unreadable.push(stored.oid);
  }
  const live = liveBytes(plan.kept.values());
  for (const key of live.keys()) {
    const source = parseSource(key);
    if (source.kind === 'object') plan.sourceObjects.add(source.oid);
  }
  const retired = new Map(input.retired.map((r) => [r.id, r.modifiedMs]));
  const packIds = new Set(input.packs.map((p) => p.id));
  for (const mark of input.retired) if (!packIds.has(mark.id)) plan.unmark.push(mark.id);
  for (const pack of input.packs) {
    const used = live.get(packSource(pack.id)) ?? 0;
    const retiredAt = retired.get(pack.id);
    if (used > 0) {
      plan.counts.keptPacks.live++;
      if (retiredAt !== undefined) plan.unmark.push(pack.id);
      else if (plan.unreadable.length === 0 && pack.modifiedMs <= cutoff && used < repackBelow * pack.size) plan.repack.push({ ...pack, live: used });
      continue;
    }
    if (pack.modifiedMs > cutoff) plan.counts.keptPacks.young++;
    else if (retiredAt !== undefined && retiredAt > cutoff) plan.counts.keptPacks.retired++;
    else if (plan.unreadable.length > 0) plan.counts.keptPacks.live++;
    else {
      plan.deletePacks.push(pack);
      if (retiredAt !== undefined) plan.unmark.push(pack.id);
    }
  }
  plan.bytes = plan.deleteRecipes.reduce((sum, r) => sum + r.size, 0) + plan.deletePacks.reduce((sum, p) => sum + p.size, 0);
  return plan;
}

/** Whole objects a gc must keep: those referenced, and those kept recipes read chunks from. */
export function withSourceObjects(referenced: Set<Oid>, plan: Pick<ChunkGcPlan, 'sourceObjects'>): Set<Oid> {
  return new Set([...referenced, ...plan.sourceObjects]);
}

/**
 * What a remote holds in chunked form, with the recipes a gc keeps read and parsed (those it deletes are
 * not read). A recipe of a newer format stops the gc: it cannot tell which packs that recipe needs.
 */
export async function readChunkInventory(chunks: ChunkStore, keep: (oid: Oid, modifiedMs: number) => boolean, options: { concurrency: number }): Promise<Omit<ChunkGcInput, 'referenced' | 'nowMs' | 'graceMs'>> {
  const listed: StoredChunkItem[] = [];
  for await (const item of chunks.listRecipes()) listed.push(item);
  const packs: StoredChunkItem[] = [];
  for await (const item of chunks.listPacks()) packs.push(item);
  const retired: StoredChunkItem[] = [];
  for await (const item of chunks.listRetired()) retired.push(item);
  const recipes: StoredRecipe[] = listed.map((item) => ({ oid: oidFromHex(item.id), size: item.size, modifiedMs: item.modifiedMs, recipe: undefined }));
  const limit = pLimit(options.concurrency);
  await Promise.all(
    recipes.map((stored) =>
      limit(async () => {
        if (!keep(stored.oid, stored.modifiedMs)) return;
        try {
          const bytes = await chunks.getRecipe(stored.oid, MAX_RECIPE_BYTES);
          if (bytes) stored.recipe = parseRecipe(bytes, stored.oid, `${stored.oid} on ${chunks.location}`);
        } catch (error) {
          if (!(error instanceof MvError) || error.code !== 'INVALID_RECIPE') throw error;
        }
      }),
    ),
  );
  return { recipes, packs, retired };
}

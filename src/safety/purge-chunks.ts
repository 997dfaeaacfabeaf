/**
 * Purging a version's chunked storage on a remote. The version's recipes go, and so does every pack or
 * whole object they read from, unless another recipe still reads from it: then the chunks that recipe
 * needs are first copied to new packs and the recipe rewritten (repack.ts), and the old pack or object
 * goes anyway, so no byte that only the purged version had stays on the remote. Whole objects of files
 * other versions still need are never touched. Unlike gc, a purge does not wait for a grace period: it
 * is the explicit, recorded removal of those bytes.
 */
import type { Oid } from '../cache/oid.js';
import type { ChunkStore } from '../chunk/chunk-store.js';
import { MAX_RECIPE_BYTES, parseRecipe, recipeSources, type Recipe } from '../chunk/recipe.js';
import { applyRepack, planRepack, recipesUsing } from '../chunk/repack.js';
import { objectSource, parseSource, type SourceKey } from '../chunk/sources.js';
import { MvError } from '../errors.js';

export interface ChunkPurgePlan {
  /** Recipes of the purged files. */
  recipes: Oid[];
  /** Packs to delete (after the repack); whole objects are deleted by the caller, as before. */
  packs: string[];
  /** Of those, the ones other recipes read from: their chunks are repacked first. */
  shared: SourceKey[];
  /** Other recipes that could not be read: what they read from is kept, and said so. */
  unreadable: Oid[];
  /** The other recipes, parsed (the ones a repack rewrites are among them). */
  others: Map<Oid, Recipe>;
}

/**
 * `purged`: the files being removed; `wholeOnRemote`: those of them the remote holds whole (their objects
 * are removed by the caller, after this plan's repack).
 */
/** Undefined when the remote holds no recipes at all (no chunked storage there). */
export async function planChunkPurge(chunks: ChunkStore, purged: ReadonlySet<Oid>, wholeOnRemote: readonly Oid[]): Promise<ChunkPurgePlan | undefined> {
  const plan: ChunkPurgePlan = { recipes: [], packs: [], shared: [], unreadable: [], others: new Map() };
  const all: Oid[] = [];
  for await (const item of chunks.listRecipes()) all.push(`sha256:${item.id}`);
  if (all.length === 0) return undefined;
  const read = async (oid: Oid): Promise<Recipe | undefined> => {
    try {
      const bytes = await chunks.getRecipe(oid, MAX_RECIPE_BYTES);
      return bytes ? parseRecipe(bytes, oid, `${oid} on ${chunks.location}`) : undefined;
    } catch (error) {
      if (error instanceof MvError && error.code === 'INVALID_RECIPE') return undefined;
      throw error;
    }
  };
  const candidates = new Set<SourceKey>(wholeOnRemote.map((oid) => objectSource(oid)));
  for (const oid of all) {
    const recipe = await read(oid);
    if (purged.has(oid)) {
      plan.recipes.push(oid);
      if (recipe) for (const source of recipeSources(recipe)) candidates.add(source);
    } else if (recipe) plan.others.set(oid, recipe);
    else plan.unreadable.push(oid);
  }
  // While another recipe cannot be read, what it reads from is unknown: no pack is deleted.
  if (plan.unreadable.length > 0) return plan;
  for (const source of candidates) {
    const parsed = parseSource(source);
    // A whole object of a file that stays (not purged) is not this purge's to remove.
    if (parsed.kind === 'object' && !purged.has(parsed.oid)) continue;
    if (recipesUsing(plan.others, new Set([source])).length > 0) plan.shared.push(source);
    if (parsed.kind === 'pack') plan.packs.push(parsed.id);
  }
  return plan;
}

/** Repacks the shared sources, deletes the purged recipes, then the packs (whole objects are the caller's). */
export async function applyChunkPurge(chunks: ChunkStore, plan: ChunkPurgePlan, options: { signal?: AbortSignal } = {}): Promise<{ repacked: number; recipes: number; packs: number }> {
  let repacked = 0;
  if (plan.shared.length > 0) {
    const repack = planRepack(plan.others.values(), new Set(plan.shared));
    await applyRepack(chunks, repack, options);
    repacked = plan.shared.length;
  }
  for (const oid of plan.recipes) await chunks.deleteRecipe(oid);
  for (const id of plan.packs) {
    await chunks.deletePack(id);
    await chunks.unmarkRetired(id);
  }
  return { repacked, recipes: plan.recipes.length, packs: plan.packs.length };
}

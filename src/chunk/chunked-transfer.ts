/**
 * One chunked file to or from a remote, in the order that keeps the remote consistent: an upload writes
 * its packs, confirms that the packs it reuses are still there, and only then the recipe that names them,
 * so an interrupted push never leaves a recipe pointing at a missing chunk; a resumed one finds the packs
 * it already wrote and skips them. A download fetches and checks the recipe, plans, then rebuilds and
 * verifies the file in a temp file that the caller moves into the cache.
 */
import { MvError } from '../errors.js';
import { shortOid, type Oid } from '../cache/oid.js';
import { assembleFile, type AssembleResult } from './assemble.js';
import type { ChunkStore } from './chunk-store.js';
import type { ChunkRecord } from './chunker.js';
import { packStream } from './pack-stream.js';
import { runLimited } from './run-limited.js';
import { planAssembly, type AssemblyPlan, type LocalChunks } from './plan-assembly.js';
import type { UploadPlan } from './plan-upload.js';
import { maxRecipeBytes, parseRecipe, type Recipe } from './recipe.js';

export interface StoreResult {
  packsWritten: number;
  /** Packs of the plan that were on the remote already (written by an interrupted push). */
  packsPresent: number;
  bytesSent: number;
  /** False when the remote had a recipe for the file already (left as it was). */
  recipeWritten: boolean;
}

export async function storeChunkedFile(store: ChunkStore, plan: UploadPlan, sourcePath: string, options: { concurrency?: number; signal?: AbortSignal } = {}): Promise<StoreResult> {
  const result: StoreResult = { packsWritten: 0, packsPresent: 0, bytesSent: 0, recipeWritten: false };
  await runLimited(plan.packs, options, async (pack, signal) => {
    if (await store.hasPack(pack.id)) {
      result.packsPresent++;
      return;
    }
    await store.putPack(pack.id, pack.size, () => packStream(sourcePath, pack), signal);
    result.packsWritten++;
    result.bytesSent += pack.size;
  });
  await commitRecipe(store, plan, result);
  return result;
}

/**
 * The last step of every upload, once its packs are stored: the packs it reuses must still be there, and
 * only then is the recipe written (never over an existing one).
 */
export async function commitRecipe(store: ChunkStore, plan: UploadPlan, result: StoreResult): Promise<void> {
  const missing: string[] = [];
  for (const id of plan.reusedPacks) if (!(await store.hasPack(id))) missing.push(id);
  if (missing.length > 0) {
    throw new MvError('PACK_MISSING', `${missing.length} pack(s) holding chunks of earlier versions are gone from ${store.location}; the recipe of ${shortOid(plan.recipe.oid)} was not written.`, {
      hint: 'Push again: the chunks are then sent afresh.',
      details: { packs: missing, oid: plan.recipe.oid },
    });
  }
  if (!(await store.hasRecipe(plan.recipe.oid))) {
    await store.putRecipe(plan.recipe.oid, plan.recipeBytes);
    result.recipeWritten = true;
    result.bytesSent += plan.recipeBytes.length;
  }
}

/** The recipe of `oid` on the remote, checked; undefined when the file is not stored as chunks there. */
export async function fetchRecipe(store: ChunkStore, oid: Oid, size: number): Promise<Recipe | undefined> {
  const bytes = await store.getRecipe(oid, maxRecipeBytes(size));
  if (!bytes) return undefined;
  const recipe = parseRecipe(bytes, oid, `${shortOid(oid)} on ${store.location}`);
  if (recipe.size !== size) {
    throw new MvError('INVALID_RECIPE', `Recipe ${shortOid(oid)} on ${store.location} describes ${recipe.size} bytes, but the version records ${size}.`, {
      hint: 'Run `mv verify -r <remote>`.',
    });
  }
  return recipe;
}

/** Where each chunk of a local file is, from its chunk list (a cached earlier version). */
export function localChunks(sources: Iterable<{ path: string; chunks: readonly ChunkRecord[] }>): Map<string, { path: string; offset: number }> {
  const local = new Map<string, { path: string; offset: number }>();
  for (const source of sources) for (const chunk of source.chunks) if (!local.has(chunk.hash)) local.set(chunk.hash, { path: source.path, offset: chunk.offset });
  return local;
}

export interface RebuildOptions {
  local: LocalChunks;
  temp: string;
  maxGap?: number;
  concurrency?: number;
  signal?: AbortSignal;
  onBytes?: (bytes: number) => void;
}

/** Rebuilds the file of `recipe` in `options.temp`, verified; the caller moves it into the cache. */
export async function rebuildFile(store: ChunkStore, recipe: Recipe, options: RebuildOptions): Promise<AssembleResult & { plan: AssemblyPlan }> {
  const plan = planAssembly(recipe, options.local, options.maxGap === undefined ? {} : { maxGap: options.maxGap });
  const result = await assembleFile(plan, {
    store,
    temp: options.temp,
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onBytes ? { onBytes: options.onBytes } : {}),
  });
  return { ...result, plan };
}

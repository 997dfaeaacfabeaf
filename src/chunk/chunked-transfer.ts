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
import type { ChunkRecord } from './chunk-table.js';
import { packStream } from './pack-stream.js';
import { runLimited } from './run-limited.js';
import { planAssembly, type AssemblyPlan, type LocalChunks } from './plan-assembly.js';
import type { UploadPlan } from './plan-upload.js';
import { maxRecipeBytes, readRecipeTable, recipeFromTable, type Recipe, type RecipeTable } from './recipe.js';
import { describeSource, type SourceKey } from './sources.js';

export interface StoreResult {
  packsWritten: number;
  /** Packs of the plan that were on the remote already (written by an interrupted push). */
  packsPresent: number;
  bytesSent: number;
  /** False when the remote had a recipe for the file already (left as it was). */
  recipeWritten: boolean;
}

export async function storeChunkedFile(store: ChunkStore, plan: UploadPlan, sourcePath: string, options: { concurrency?: number; signal?: AbortSignal; replace?: boolean } = {}): Promise<StoreResult> {
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
  await commitRecipe(store, plan, result, options.replace ? { replace: true } : {});
  return result;
}

/**
 * The last step of every upload, once its packs are stored: the sources it reuses must still be there,
 * and only then is the recipe written (never over an existing one, unless `replace`: a damaged recipe).
 */
export async function commitRecipe(store: ChunkStore, plan: Pick<UploadPlan, 'recipe' | 'recipeBytes' | 'reusedSources'>, result: StoreResult, options: { replace?: boolean } = {}): Promise<void> {
  const missing: SourceKey[] = [];
  for (const key of plan.reusedSources) if (!(await store.hasSource(key))) missing.push(key);
  if (missing.length > 0) {
    throw new MvError('PACK_MISSING', `${missing.length} pack(s) or object(s) holding chunks of earlier versions are gone from ${store.location} (${missing.slice(0, 3).map(describeSource).join(', ')}); the recipe of ${shortOid(plan.recipe.oid)} was not written.`, {
      hint: 'Push again with --recheck: the chunks are then sent afresh.',
      details: { sources: missing, oid: plan.recipe.oid },
    });
  }
  if (options.replace || !(await store.hasRecipe(plan.recipe.oid))) {
    await store.putRecipe(plan.recipe.oid, plan.recipeBytes, options.replace ? { replace: true } : {});
    result.recipeWritten = true;
    result.bytesSent += plan.recipeBytes.length;
  }
}

/** The recipe of `oid` on the remote, checked; undefined when the file is not stored as chunks there. */
export async function fetchRecipe(store: ChunkStore, oid: Oid, size: number): Promise<Recipe | undefined> {
  const recipe = await fetchRecipeTable(store, oid, size);
  return recipe && recipeFromTable(recipe);
}

/** `fetchRecipe`, in the flat form (a push keeps the recipes of related files). */
export async function fetchRecipeTable(store: ChunkStore, oid: Oid, size: number): Promise<RecipeTable | undefined> {
  const bytes = await store.getRecipe(oid, maxRecipeBytes(size));
  if (!bytes) return undefined;
  const recipe = readRecipeTable(bytes, oid, `${shortOid(oid)} on ${store.location}`);
  if (recipe.size !== size) {
    throw new MvError('INVALID_RECIPE', `Recipe ${shortOid(oid)} on ${store.location} describes ${recipe.size} bytes, but the version records ${size}.`, {
      hint: 'Run `mvr verify -r <remote>`.',
    });
  }
  return recipe;
}

/** Where each chunk of a local file is, from its chunk list (a cached earlier version). */
export function localChunks(sources: Iterable<{ path: string; chunks: readonly Pick<ChunkRecord, 'hash' | 'offset'>[] }>): Map<string, { path: string; offset: number }> {
  const local = new Map<string, { path: string; offset: number }>();
  for (const source of sources) for (const chunk of source.chunks) if (!local.has(chunk.hash)) local.set(chunk.hash, { path: source.path, offset: chunk.offset });
  return local;
}

/** A file's chunks with their offsets in it, from its recipe (whose chunks are the file, in order). */
export function recipeLayout(recipe: Recipe): Array<Pick<ChunkRecord, 'hash' | 'offset' | 'length'>> {
  let offset = 0;
  return recipe.chunks.map((c) => {
    const at = offset;
    offset += c.length;
    return { hash: c.hash, offset: at, length: c.length };
  });
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

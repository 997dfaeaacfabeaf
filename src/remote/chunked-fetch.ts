/**
 * Fetching large files that the remote holds as chunks: the file's recipe says which chunks it is made
 * of; those already on this machine (in related files — earlier versions in the cache, or an earlier
 * `mv get`'s files — and in the rebuild a killed fetch left behind) are copied from there, the rest are
 * read from the remote's packs and objects as byte ranges. The file is rebuilt in a temp file in the
 * cache's file system, every chunk checked against its hash and the whole file against its oid, and only
 * then moved into the cache. A file with a recipe but nothing on this machine to reuse, stored whole on
 * the remote, is downloaded whole (resumable, as before).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isAbandonedTemp } from '../atomic-file.js';
import type { LocalCache } from '../cache/local-cache.js';
import type { ObjectStore } from '../cache/object-store.js';
import { oidHex, type Oid } from '../cache/oid.js';
import { assembleFile } from '../chunk/assemble.js';
import type { ChunkStore } from '../chunk/chunk-store.js';
import { fetchRecipe, localChunks, recipeLayout } from '../chunk/chunked-transfer.js';
import { CHUNKED_MIN_FILE } from '../chunk/params.js';
import { planAssembly } from '../chunk/plan-assembly.js';
import { recipeSources, type Recipe } from '../chunk/recipe.js';
import { objectSource } from '../chunk/sources.js';
import { MvError, errnoCode } from '../errors.js';
import type { TransferPools } from './concurrency.js';
import type { RelatedFile } from './related-files.js';
import type { TransferItem } from './transfer-run.js';

/** A file on this machine that may share chunks with files being fetched. */
export interface LocalFile extends RelatedFile {
  /** Where its bytes are (a cache object, or a file an earlier `mv get` wrote). */
  local: string;
}

export interface ChunkedFetchOptions {
  /** The remote's whole objects: where a file goes whose recipe is damaged but whose object is there. */
  store: ObjectStore;
  chunks: ChunkStore;
  pools: TransferPools;
  /** Files on this machine related to `item` (nearest first). */
  localFiles: (item: TransferItem) => LocalFile[] | Promise<LocalFile[]>;
}

/** What one chunked fetch did. */
export interface ChunkedFetch {
  /** Bytes read from the remote: the recipes and the chunks this machine lacked. */
  fetched: number;
  /** Bytes of the file copied from files on this machine. */
  reused: number;
}

/** Leftovers of a rebuild killed midway: `<pid>-<tag>-<oid hex>.partial` in the cache's temp folder. */
const REBUILD = /^\d+-[0-9a-f]+-([0-9a-f]{64})\.partial$/;

export class ChunkedFetcher {
  private readonly recipes = new Map<Oid, Promise<Recipe | undefined>>();
  /** Bytes of recipes read for related files (counted once, in the fetch that needed them). */
  private recipeBytes = 0;
  readonly notes: string[] = [];

  constructor(private readonly options: ChunkedFetchOptions) {}

  static handles(item: TransferItem): boolean {
    return item.size !== undefined && item.size >= CHUNKED_MIN_FILE;
  }

  /**
   * Fetches `item` into `cache` from its chunks; false when the remote has no recipe for it, or when
   * nothing on this machine can be reused and the file is there whole (the caller downloads it whole).
   */
  async fetch(item: TransferItem & { size: number }, cache: LocalCache, context: { signal: AbortSignal; onBytes: (n: number) => void }): Promise<ChunkedFetch | false> {
    let recipe: Recipe | undefined;
    try {
      recipe = await this.recipeOf(item.oid, item.size);
    } catch (error) {
      // A damaged recipe of a file the remote also holds whole costs only the reuse of local chunks.
      if (error instanceof MvError && error.code === 'INVALID_RECIPE' && (await this.options.store.has(item.oid))) {
        this.notes.push(`The recipe of ${item.path} on ${this.options.chunks.location} is damaged; the file was downloaded whole. \`mvr verify -r <remote> --rehash-remote\` reports it.`);
        return false;
      }
      throw error;
    }
    if (!recipe) return false;
    const sources: Array<{ path: string; chunks: ReturnType<typeof recipeLayout> }> = [];
    for (const file of await this.options.localFiles(item)) {
      if (file.oid === item.oid) continue;
      const related = await this.recipeOf(file.oid, file.size).catch((error: unknown) => {
        if (error instanceof MvError && error.code === 'INVALID_RECIPE') return undefined;
        throw error;
      });
      if (related) sources.push({ path: file.local, chunks: recipeLayout(related) });
    }
    // Complete files first; a killed rebuild's leftover has holes, which are fetched again.
    const leftovers = await rebuildLeftovers(cache, item.oid);
    for (const path of leftovers) sources.push({ path, chunks: recipeLayout(recipe) });
    const wholeThere = recipeSources(recipe).every((source) => source === objectSource(item.oid));
    if (sources.length === 0 && wholeThere) return false;
    const plan = planAssembly(recipe, localChunks(sources));
    if (plan.localBytes === 0 && wholeThere) return false;
    await mkdir(cache.tempDir, { recursive: true });
    const temp = join(cache.tempDir, `${process.pid}-${randomBytes(4).toString('hex')}-${oidHex(item.oid)}.partial`);
    const built = await assembleFile(plan, { store: this.options.chunks, temp, concurrency: this.options.pools.requests, signal: context.signal, onBytes: context.onBytes });
    await cache.adoptVerified(item.oid, temp);
    for (const leftover of leftovers) await rm(leftover, { force: true });
    const recipeBytes = this.recipeBytes;
    this.recipeBytes = 0;
    if (built.refetched > 0) this.notes.push(`${built.refetched} chunk(s) of ${item.path} were damaged on this machine and were fetched again.`);
    return { fetched: built.remoteBytes + recipeBytes, reused: built.localBytes };
  }

  private recipeOf(oid: Oid, size: number): Promise<Recipe | undefined> {
    let pending = this.recipes.get(oid);
    if (!pending) {
      pending = fetchRecipe(this.options.chunks, oid, size).then((recipe) => {
        if (recipe) this.recipeBytes += encodedSize(recipe);
        return recipe;
      });
      this.recipes.set(oid, pending);
      pending.catch(() => this.recipes.delete(oid));
    }
    return pending;
  }
}

/** A recipe's encoded size, from its counts (see recipe.ts). */
function encodedSize(recipe: Recipe): number {
  return 96 + 36 * recipeSources(recipe).length + 48 * recipe.chunks.length;
}

/** Rebuilds of `oid` that killed processes left in the cache's temp folder; their good chunks are reused. */
async function rebuildLeftovers(cache: LocalCache, oid: Oid): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(cache.tempDir);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return [];
    throw error;
  }
  const hex = oidHex(oid);
  return names.filter((name) => REBUILD.exec(name)?.[1] === hex && isAbandonedTemp(name)).map((name) => join(cache.tempDir, name));
}

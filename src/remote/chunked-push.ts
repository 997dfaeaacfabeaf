/**
 * Pushing large files as chunks, only where that saves bytes. A file is stored as chunks when related
 * files (earlier versions, see related-files.ts) are on the remote: their recipes say which chunks are
 * there, and only the others are sent, in new packs, before the file's recipe. A file with nothing to
 * share is sent whole, as before (as fast as a plain copy); when a later version arrives, the whole
 * object is indexed then — its chunks are computed from the cached copy and a recipe that points into the
 * object is written (its bytes are not sent again) — and the new version refers to its chunks.
 */
import pLimit, { type LimitFunction } from 'p-limit';
import type { LocalCache } from '../cache/local-cache.js';
import type { ObjectStore } from '../cache/object-store.js';
import { shortOid, type Oid } from '../cache/oid.js';
import type { ChunkStore } from '../chunk/chunk-store.js';
import { chunkAndStore } from '../chunk/chunk-upload.js';
import { fetchRecipeTable } from '../chunk/chunked-transfer.js';
import { chunkFile } from '../chunk/chunker.js';
import { CHUNKED_MIN_FILE } from '../chunk/params.js';
import { KnownChunks, wholeObjectRecipe } from '../chunk/plan-upload.js';
import { encodeRecipeTable, maxRecipeBytes, type RecipeTable } from '../chunk/recipe.js';
import type { SourceKey } from '../chunk/sources.js';
import { MvError } from '../errors.js';
import { modelBoundaries } from '../model-files/read-layout.js';
import type { TransferPools } from './concurrency.js';
import type { RelatedFiles } from './related-files.js';
import { FATAL_CODES } from './s3-errors.js';
import type { TransferItem } from './transfer-run.js';

export interface ChunkedPushOptions {
  store: ObjectStore;
  chunks: ChunkStore;
  cache: LocalCache;
  /** The related files of what this push sends (looked up when first asked). */
  related: () => Promise<RelatedFiles>;
  pools: TransferPools;
  /** Push --recheck: recipes found on the remote are read and checked, and a damaged one is replaced. */
  recheck: boolean;
}

/** What one file's chunked upload did. */
export interface ChunkedStore {
  /** Bytes sent: new packs (index and trailer included), the recipe, and any index recipe written for it. */
  sent: number;
  /** Bytes of the file stored anew (each new chunk once). */
  newBytes: number;
}

/** A recipe on the remote, as push sees it. */
type RecipeState = { kind: 'absent' } | { kind: 'ok'; recipe?: RecipeTable } | { kind: 'damaged'; reason: string };

export class ChunkedPush {
  /** Recipes of files on the remote (read, indexed or written by this push), flat: a 10 GiB file's is about 8 MB. */
  private readonly recipes = new Map<Oid, Promise<RecipeTable | undefined>>();
  private readonly inFlight = new Map<Oid, { order: number; done: Promise<unknown> }>();
  private readonly chunking: LimitFunction;
  private readonly replace = new Set<Oid>();
  private order = 0;
  /** Bytes of index recipes written and not yet counted in a file's `sent`. */
  private indexBytes = 0;
  /** Notes for the user (a related version whose recipe could not be used). */
  readonly notes: string[] = [];

  constructor(private readonly options: ChunkedPushOptions) {
    this.chunking = pLimit(options.pools.chunkings);
  }

  /** Whether a file of this size is considered for chunked storage at all. */
  static handles(item: TransferItem): boolean {
    return item.size !== undefined && item.size >= CHUNKED_MIN_FILE;
  }

  /**
   * Whether the remote holds `oid` as chunks: a recipe is there (with --recheck, one that parses and
   * whose sources are all there; a damaged one is replaced by this push).
   */
  async holdsChunked(item: TransferItem): Promise<boolean> {
    const state = await this.recipeState(item);
    if (state.kind === 'damaged') {
      this.replace.add(item.oid);
      this.notes.push(`The recipe of ${item.path} (${shortOid(item.oid)}) on ${this.options.chunks.location} ${state.reason}; it is replaced.`);
      return false;
    }
    return state.kind === 'ok';
  }

  /** Registers the files this push sends, in order: a file waits for earlier related files of the same push. */
  planned(items: TransferItem[], done: (oid: Oid) => Promise<unknown>): void {
    for (const item of items) if (ChunkedPush.handles(item)) this.inFlight.set(item.oid, { order: this.order++, done: done(item.oid) });
  }

  /**
   * Stores a large file as chunks when related files on the remote share some; undefined when nothing
   * can be shared, and the caller sends the file whole.
   */
  async store(item: TransferItem, context: { signal: AbortSignal; onBytes: (n: number) => void }): Promise<ChunkedStore | undefined> {
    const related = (await this.options.related()).of(item.oid, item.path);
    const mine = this.inFlight.get(item.oid)?.order ?? Number.POSITIVE_INFINITY;
    // Related files sent earlier in this push are on the remote once they are done; later ones are not waited for.
    await Promise.allSettled(related.map((r) => this.inFlight.get(r.oid)).filter((f) => f !== undefined && f.order < mine).map((f) => f!.done));
    const known = new KnownChunks();
    for (const file of related) {
      const recipe = await this.recipeOf(file, context.signal).catch((error: unknown) => {
        // A related file that cannot be read or indexed only means fewer chunks to reuse; a failure of
        // the remote itself, or a newer format, stops the push.
        if (!(error instanceof MvError) || FATAL_CODES.has(error.code) || error.code === 'UPGRADE_REQUIRED') throw error;
        this.notes.push(`${file.path} (${shortOid(file.oid)}) could not be used to find shared chunks: ${error.message}`);
        return undefined;
      });
      if (recipe) known.add(recipe);
    }
    if (known.size === 0) return undefined;
    const path = this.options.cache.path(item.oid);
    return this.chunking(async () => {
      context.signal.throwIfAborted();
      const boundaries = await modelBoundaries(path);
      const upload = (chunksKnown: KnownChunks) =>
        chunkAndStore(this.options.chunks, { path, oid: item.oid }, { known: chunksKnown, boundaries, publishing: this.options.pools.requests, signal: context.signal, onBytes: context.onBytes, replace: this.replace.has(item.oid) });
      let result;
      try {
        result = await upload(known);
      } catch (error) {
        // A reused pack or object vanished since its recipe was read (gc, purge): plan again without it.
        const gone = error instanceof MvError && error.code === 'PACK_MISSING' ? (error.details?.sources as SourceKey[] | undefined) : undefined;
        if (!gone?.length) throw error;
        result = await upload(known.without(new Set(gone)));
      }
      if (result.tooFine) {
        this.notes.push(`${item.path} has too many small tensors to be stored as chunks (its recipe would be larger than readers accept); it was sent whole.`);
        return undefined;
      }
      this.recipes.set(item.oid, Promise.resolve(result.plan.recipe));
      const indexes = this.indexBytes;
      this.indexBytes = 0;
      return { sent: result.bytesSent + indexes, newBytes: result.plan.newBytes };
    });
  }

  /** Remembers a file this push sent whole: a later related file may index it. */
  sentWhole(item: TransferItem): void {
    this.recipes.delete(item.oid);
  }

  private async recipeState(item: TransferItem): Promise<RecipeState> {
    const { chunks } = this.options;
    if (!this.options.recheck) return (await chunks.hasRecipe(item.oid)) ? { kind: 'ok' } : { kind: 'absent' };
    let recipe: RecipeTable | undefined;
    try {
      recipe = await fetchRecipeTable(chunks, item.oid, item.size!);
    } catch (error) {
      if (error instanceof MvError && (error.code === 'INVALID_RECIPE')) return { kind: 'damaged', reason: 'is damaged' };
      throw error;
    }
    if (!recipe) return { kind: 'absent' };
    for (const source of recipe.sources) if (!(await chunks.hasSource(source))) return { kind: 'damaged', reason: 'names a pack that is gone' };
    this.recipes.set(item.oid, Promise.resolve(recipe));
    return { kind: 'ok', recipe };
  }

  /**
   * The recipe of a related file on the remote: read from there, or, for a file the remote holds whole
   * and this cache has, computed from the cached copy and written (the index of the whole object).
   */
  private recipeOf(file: { oid: Oid; size: number; path: string }, signal: AbortSignal): Promise<RecipeTable | undefined> {
    let pending = this.recipes.get(file.oid);
    if (!pending) {
      pending = this.readOrIndex(file, signal);
      this.recipes.set(file.oid, pending);
      // A failure is not remembered: the next file that needs this one tries again.
      pending.catch(() => this.recipes.delete(file.oid));
    }
    return pending;
  }

  private async readOrIndex(file: { oid: Oid; size: number; path: string }, signal: AbortSignal): Promise<RecipeTable | undefined> {
    const { chunks, cache, store } = this.options;
    try {
      const found = await fetchRecipeTable(chunks, file.oid, file.size);
      if (found) return found;
    } catch (error) {
      if (!(error instanceof MvError && error.code === 'INVALID_RECIPE')) throw error;
      this.notes.push(`The recipe of ${file.path} (${shortOid(file.oid)}) on ${chunks.location} is damaged, so its chunks were not reused; \`mvr verify -r\` reports it.`);
      return undefined;
    }
    if (!(await store.has(file.oid)) || !(await cache.has(file.oid, file.size))) return undefined;
    return this.chunking(async () => {
      signal.throwIfAborted();
      const path = cache.path(file.oid);
      const chunked = await chunkFile(path, { expect: file.oid, boundaries: await modelBoundaries(path), signal });
      const recipe = wholeObjectRecipe({ oid: file.oid, size: chunked.size, chunks: chunked.chunks });
      const bytes = encodeRecipeTable(recipe);
      // Readers refuse a recipe this large for the file's size: the file stays whole, unindexed.
      if (bytes.length > maxRecipeBytes(file.size)) return undefined;
      await chunks.putRecipe(file.oid, bytes);
      this.indexBytes += bytes.length;
      return recipe;
    });
  }
}

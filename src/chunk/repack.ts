/**
 * Repacking: the chunks that kept recipes still need from some sources (mostly-garbage packs, or the
 * packs and objects of a purged version) are copied into new packs, and every recipe that named those
 * sources is rewritten to name the new packs instead. New packs are written first, then the rewritten
 * recipes; the caller retires or deletes the old sources only after that, so a recipe never names a
 * missing chunk, whenever the work is cut short. Every chunk is checked against its hash as it is copied.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Oid } from '../cache/oid.js';
import { MvError } from '../errors.js';
import type { ChunkStore } from './chunk-store.js';
import { encodePackTail, packSize } from './pack-format.js';
import { PACK_MAX_BYTES } from './params.js';
import { encodeRecipe, type Recipe } from './recipe.js';
import { describeSource, packSource, type SourceKey } from './sources.js';

/** Adjacent chunks are read together up to this many bytes (memory stays at one run). */
const RUN_BYTES = 8 * 1024 * 1024;

/** A chunk to copy: where it is now. */
export interface MovedChunk {
  hash: string;
  length: number;
  source: SourceKey;
  offset: number;
}

export interface NewPack {
  id: string;
  size: number;
  chunks: MovedChunk[];
  tail: Buffer;
}

export interface RepackPlan {
  packs: NewPack[];
  /** The recipes that name a replaced source, as they are to be written. */
  recipes: Recipe[];
  /** Bytes copied into new packs. */
  bytes: number;
}

/**
 * Plans moving the chunks that `recipes` use from `replaced` sources into new packs (each chunk once, in
 * source and offset order, packs at most `packMaxBytes`), and the recipes rewritten to match. A pure
 * function: the same inputs give the same packs, so a repack cut short and run again writes them again
 * under the same ids.
 */
export function planRepack(recipes: Iterable<Recipe>, replaced: ReadonlySet<SourceKey>, options: { packMaxBytes?: number } = {}): RepackPlan {
  const packMax = options.packMaxBytes ?? PACK_MAX_BYTES;
  const needed = new Map<string, MovedChunk>();
  const affected: Recipe[] = [];
  for (const recipe of recipes) {
    let uses = false;
    for (const chunk of recipe.chunks) {
      if (!replaced.has(chunk.source)) continue;
      uses = true;
      if (!needed.has(chunk.hash)) needed.set(chunk.hash, { hash: chunk.hash, length: chunk.length, source: chunk.source, offset: chunk.offset });
    }
    if (uses) affected.push(recipe);
  }
  const ordered = [...needed.values()].sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : a.offset - b.offset));
  const packs: NewPack[] = [];
  let group: MovedChunk[] = [];
  let dataLength = 0;
  const close = () => {
    if (group.length === 0) return;
    const { id, tail } = encodePackTail(group);
    packs.push({ id, size: dataLength + tail.length, chunks: group, tail });
    group = [];
    dataLength = 0;
  };
  for (const chunk of ordered) {
    if (group.length > 0 && packSize(dataLength + chunk.length, group.length + 1) > packMax) close();
    group.push(chunk);
    dataLength += chunk.length;
  }
  close();
  const location = new Map<string, { source: SourceKey; offset: number }>();
  for (const pack of packs) {
    let offset = 0;
    for (const chunk of pack.chunks) {
      location.set(chunk.hash, { source: packSource(pack.id), offset });
      offset += chunk.length;
    }
  }
  const rewritten = affected.map((recipe) => ({
    ...recipe,
    chunks: recipe.chunks.map((chunk) => (replaced.has(chunk.source) ? { ...chunk, ...location.get(chunk.hash)! } : chunk)),
  }));
  return { packs, recipes: rewritten, bytes: packs.reduce((sum, p) => sum + p.size, 0) };
}

/** Writes the new packs (those not there yet), then the rewritten recipes. */
export async function applyRepack(store: ChunkStore, plan: RepackPlan, options: { signal?: AbortSignal } = {}): Promise<{ packsWritten: number; recipesRewritten: number }> {
  let packsWritten = 0;
  for (const pack of plan.packs) {
    options.signal?.throwIfAborted();
    if (await store.hasPack(pack.id)) continue;
    await store.putPack(pack.id, pack.size, () => Readable.from(copiedBytes(store, pack, options.signal), { objectMode: false }), options.signal);
    packsWritten++;
  }
  for (const recipe of plan.recipes) {
    options.signal?.throwIfAborted();
    await store.putRecipe(recipe.oid, encodeRecipe(recipe), { replace: true });
  }
  return { packsWritten, recipesRewritten: plan.recipes.length };
}

/** The new pack's bytes: each chunk read from where it is now and checked, then the index and trailer. */
async function* copiedBytes(store: ChunkStore, pack: NewPack, signal: AbortSignal | undefined): AsyncGenerator<Buffer> {
  let i = 0;
  while (i < pack.chunks.length) {
    // Chunks adjacent in their source are read in one request.
    let j = i + 1;
    let runBytes = pack.chunks[i]!.length;
    const adjacent = (k: number) => pack.chunks[k]!.source === pack.chunks[i]!.source && pack.chunks[k]!.offset === pack.chunks[k - 1]!.offset + pack.chunks[k - 1]!.length;
    while (j < pack.chunks.length && adjacent(j) && runBytes + pack.chunks[j]!.length <= RUN_BYTES) runBytes += pack.chunks[j++]!.length;
    const run = pack.chunks.slice(i, j);
    const start = run[0]!.offset;
    const end = run[run.length - 1]!.offset + run[run.length - 1]!.length;
    const parts: Buffer[] = [];
    for await (const block of await store.readRange(run[0]!.source, start, end, signal)) parts.push(block as Buffer);
    const bytes = Buffer.concat(parts);
    if (bytes.length !== end - start) throw new MvError('INCOMPLETE_TRANSFER', `${store.location} sent less of ${describeSource(run[0]!.source)} than asked for.`, { hint: 'Run the command again.' });
    for (const chunk of run) {
      const data = bytes.subarray(chunk.offset - start, chunk.offset - start + chunk.length);
      if (createHash('sha256').update(data).digest('hex') !== chunk.hash) {
        throw new MvError('CORRUPT_CHUNK', `Chunk ${chunk.hash.slice(0, 12)}… in ${describeSource(chunk.source)} on ${store.location} has the wrong content; it was not copied, and nothing was repacked from it.`, {
          hint: 'Run `mvr verify -r <remote> --rehash-remote` to see which versions it damages, and push them again from a clone that has them.',
          details: { chunk: chunk.hash, source: chunk.source },
        });
      }
      yield Buffer.from(data);
    }
    i = j;
  }
  yield pack.tail;
}

/** Bytes of each source that `recipes` use (each distinct chunk once). */
export function liveBytes(recipes: Iterable<Recipe>): Map<SourceKey, number> {
  const seen = new Set<string>();
  const live = new Map<SourceKey, number>();
  for (const recipe of recipes) {
    for (const chunk of recipe.chunks) {
      const key = `${chunk.source}@${chunk.offset}`;
      if (seen.has(key)) continue;
      seen.add(key);
      live.set(chunk.source, (live.get(chunk.source) ?? 0) + chunk.length);
    }
  }
  return live;
}

/** The recipes, by file oid, that name any of `sources`. */
export function recipesUsing(recipes: ReadonlyMap<Oid, Recipe>, sources: ReadonlySet<SourceKey>): Recipe[] {
  return [...recipes.values()].filter((r) => r.chunks.some((c) => sources.has(c.source)));
}

/**
 * Planning a chunked upload, as a pure function: given a file's chunks and the chunks known to be on the
 * remote already (from the recipes of earlier versions), which chunks go into new packs, how they are
 * grouped, and the recipe that rebuilds the file. Chunks are packed in file order, each new chunk once
 * (a chunk repeated within the file is stored once), and a pack is closed before it would exceed
 * `PACK_MAX_BYTES`. The plan depends only on its inputs, so a push interrupted after some packs were
 * written plans the same packs again when resumed, finds them on the remote and does not resend them.
 */
import type { Oid } from '../cache/oid.js';
import type { ChunkRecord } from './chunker.js';
import { encodePackTail, packSize } from './pack-format.js';
import { PACK_MAX_BYTES } from './params.js';
import { encodeRecipe, type Recipe, type RecipeChunk } from './recipe.js';

export interface ChunkLocation {
  pack: string;
  offset: number;
  length: number;
}

/** Chunk hash → where the remote holds that chunk. */
export type KnownChunks = ReadonlyMap<string, ChunkLocation>;

/** Every chunk the given recipes locate (the first location wins when several recipes name one chunk). */
export function knownChunksFromRecipes(recipes: Iterable<Recipe>): Map<string, ChunkLocation> {
  const known = new Map<string, ChunkLocation>();
  for (const recipe of recipes) {
    for (const chunk of recipe.chunks) {
      if (!known.has(chunk.hash)) known.set(chunk.hash, { pack: chunk.pack, offset: chunk.offset, length: chunk.length });
    }
  }
  return known;
}

export interface PackPlanChunk {
  hash: string;
  length: number;
  /** Where the chunk's bytes are in the file being uploaded. */
  source: number;
}

export interface PackPlan {
  id: string;
  chunks: PackPlanChunk[];
  dataLength: number;
  /** The whole pack's size: data, index and trailer. */
  size: number;
  /** The index and trailer, written after the data. */
  tail: Buffer;
}

export interface UploadPlan {
  recipe: Recipe;
  /** The encoded recipe, written only after every pack it names is on the remote. */
  recipeBytes: Buffer;
  /** Packs to write, in order. */
  packs: PackPlan[];
  /** Packs the recipe names that this plan does not write: they must still be on the remote. */
  reusedPacks: string[];
  /** Bytes of the file stored in new packs (each new chunk once). */
  newBytes: number;
  /** Bytes of the file covered by chunks the remote has or that occur earlier in the file. */
  sharedBytes: number;
  /** What the upload sends: the new packs and the recipe. */
  sentBytes: number;
}

export interface PlanUploadOptions {
  /** Largest pack, index and trailer included (tests use small packs). */
  packMaxBytes?: number;
}

export function planUpload(file: { oid: Oid; size: number; chunks: readonly ChunkRecord[] }, known: KnownChunks, options: PlanUploadOptions = {}): UploadPlan {
  const packMax = options.packMaxBytes ?? PACK_MAX_BYTES;
  const packs: PackPlan[] = [];
  // A chunk placed in the pack being filled has no pack id yet: its recipe entries point at the builder.
  type Open = { chunks: PackPlanChunk[]; dataLength: number; plan?: PackPlan };
  const placed = new Map<string, { pack: Open; offset: number; length: number }>();
  const entries: Array<{ hash: string; length: number; known?: ChunkLocation; pack?: Open; offset: number }> = [];
  const reused = new Set<string>();
  let open: Open = { chunks: [], dataLength: 0 };
  let newBytes = 0;
  let sharedBytes = 0;

  const close = () => {
    if (open.chunks.length === 0) return;
    const { id, tail, dataLength } = encodePackTail(open.chunks);
    open.plan = { id, chunks: open.chunks, dataLength, size: dataLength + tail.length, tail };
    packs.push(open.plan);
    open = { chunks: [], dataLength: 0 };
  };

  let expectedOffset = 0;
  for (const chunk of file.chunks) {
    if (chunk.offset !== expectedOffset) throw new Error('chunks do not cover the file in order');
    expectedOffset += chunk.length;
    const location = known.get(chunk.hash);
    // A known chunk of another length is a forged or damaged recipe: the chunk is stored afresh.
    if (location && location.length === chunk.length) {
      entries.push({ hash: chunk.hash, length: chunk.length, known: location, offset: location.offset });
      reused.add(location.pack);
      sharedBytes += chunk.length;
      continue;
    }
    const earlier = placed.get(chunk.hash);
    if (earlier) {
      entries.push({ hash: chunk.hash, length: chunk.length, pack: earlier.pack, offset: earlier.offset });
      sharedBytes += chunk.length;
      continue;
    }
    if (open.chunks.length > 0 && packSize(open.dataLength + chunk.length, open.chunks.length + 1) > packMax) close();
    const offset = open.dataLength;
    open.chunks.push({ hash: chunk.hash, length: chunk.length, source: chunk.offset });
    open.dataLength += chunk.length;
    placed.set(chunk.hash, { pack: open, offset, length: chunk.length });
    entries.push({ hash: chunk.hash, length: chunk.length, pack: open, offset });
    newBytes += chunk.length;
  }
  if (expectedOffset !== file.size) throw new Error('chunks do not add up to the file size');
  close();

  const chunks: RecipeChunk[] = entries.map((e) => ({ hash: e.hash, length: e.length, pack: e.known ? e.known.pack : e.pack!.plan!.id, offset: e.offset }));
  const recipe: Recipe = { oid: file.oid, size: file.size, chunks };
  const recipeBytes = encodeRecipe(recipe);
  const written = new Set(packs.map((p) => p.id));
  return {
    recipe,
    recipeBytes,
    packs,
    reusedPacks: [...reused].filter((id) => !written.has(id)),
    newBytes,
    sharedBytes,
    sentBytes: packs.reduce((sum, p) => sum + p.size, 0) + recipeBytes.length,
  };
}

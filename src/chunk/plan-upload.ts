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
import { objectSource, packSource, type SourceKey } from './sources.js';

export interface ChunkLocation {
  source: SourceKey;
  offset: number;
  length: number;
}

/** Chunk hash → where the remote holds that chunk. */
export type KnownChunks = ReadonlyMap<string, ChunkLocation>;

/** Every chunk the given recipes locate (the first location wins when several recipes name one chunk). */
export function knownChunksFromRecipes(recipes: Iterable<Recipe>): Map<string, ChunkLocation> {
  const known = new Map<string, ChunkLocation>();
  for (const recipe of recipes) addKnownChunks(known, recipe);
  return known;
}

/**
 * Adds the chunks a recipe locates to `known`, keeping locations already there. A recipe's chunk is its
 * own location: a large file has 16,000 chunks a GiB, and a copy of each would be memory for nothing.
 */
export function addKnownChunks(known: Map<string, ChunkLocation>, recipe: Recipe): void {
  for (const chunk of recipe.chunks) if (!known.has(chunk.hash)) known.set(chunk.hash, chunk);
}

/**
 * The recipe of a file the remote holds whole: every chunk inside the file's own object, at its offset in
 * the file (a chunk repeated in the file at its first offset). It indexes the object's chunks so that
 * later versions refer to them instead of sending them again.
 */
export function wholeObjectRecipe(file: { oid: Oid; size: number; chunks: readonly ChunkRecord[] }): Recipe {
  const source = objectSource(file.oid);
  const first = new Map<string, number>();
  const chunks = file.chunks.map((c) => {
    if (!first.has(c.hash)) first.set(c.hash, c.offset);
    return { hash: c.hash, length: c.length, source, offset: first.get(c.hash)! };
  });
  return { oid: file.oid, size: file.size, chunks };
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
  /** Sources (packs, whole objects) the recipe names that this plan does not write: they must still be on the remote. */
  reusedSources: SourceKey[];
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

/** What the planner decided for one chunk. */
export interface ChunkDecision {
  /** The chunk's bytes go into the pack being filled (otherwise the remote or an earlier chunk has them). */
  store: boolean;
  /** A pack closed before this chunk: its bytes are complete, and it can be written out. */
  closed?: PackPlan;
}

/**
 * The upload plan built one chunk at a time, in file order, so that packs can be written while the file
 * is still being chunked (each chunk's bytes are at hand once, in the chunker's buffer). `planUpload` runs
 * it over a whole chunk list; both give the same packs and recipe.
 */
export class UploadPlanner {
  private readonly packMax: number;
  private readonly packs: PackPlan[] = [];
  private readonly placed = new Map<string, { pack: OpenPack; offset: number }>();
  /**
   * The recipe in file order: a chunk the remote has is its known location when that is a recipe chunk
   * of the same hash (no copy per chunk: a large file has 16,000 a GiB); a chunk in a pack of this upload
   * waits for the pack's id.
   */
  private readonly entries: Array<RecipeChunk | { hash: string; length: number; pack: OpenPack; offset: number }> = [];
  private readonly reused = new Set<SourceKey>();
  private open: OpenPack = { chunks: [], dataLength: 0 };
  private size = 0;
  private newBytes = 0;
  private sharedBytes = 0;

  constructor(
    private readonly oid: Oid,
    private readonly known: KnownChunks,
    options: PlanUploadOptions = {},
  ) {
    this.packMax = options.packMaxBytes ?? PACK_MAX_BYTES;
  }

  add(chunk: ChunkRecord): ChunkDecision {
    if (chunk.offset !== this.size) throw new Error('chunks do not cover the file in order');
    this.size += chunk.length;
    const location = this.known.get(chunk.hash);
    // A known chunk of another length is a forged or damaged recipe: the chunk is stored afresh.
    if (location && location.length === chunk.length) {
      this.entries.push(isRecipeChunk(location, chunk.hash) ? location : { hash: chunk.hash, length: chunk.length, source: location.source, offset: location.offset });
      this.reused.add(location.source);
      this.sharedBytes += chunk.length;
      return { store: false };
    }
    const earlier = this.placed.get(chunk.hash);
    if (earlier) {
      this.entries.push({ hash: chunk.hash, length: chunk.length, pack: earlier.pack, offset: earlier.offset });
      this.sharedBytes += chunk.length;
      return { store: false };
    }
    let closed: PackPlan | undefined;
    if (this.open.chunks.length > 0 && packSize(this.open.dataLength + chunk.length, this.open.chunks.length + 1) > this.packMax) closed = this.close();
    const offset = this.open.dataLength;
    this.open.chunks.push({ hash: chunk.hash, length: chunk.length, source: chunk.offset });
    this.open.dataLength += chunk.length;
    this.placed.set(chunk.hash, { pack: this.open, offset });
    this.entries.push({ hash: chunk.hash, length: chunk.length, pack: this.open, offset });
    this.newBytes += chunk.length;
    return closed ? { store: true, closed } : { store: true };
  }

  /** Closes the last pack (returned in `plan.packs` like the others) and builds the recipe. */
  finish(): UploadPlan & { last?: PackPlan } {
    const last = this.close();
    const chunks: RecipeChunk[] = this.entries.map((e) => ('pack' in e ? { hash: e.hash, length: e.length, source: packSource(e.pack.plan!.id), offset: e.offset } : e));
    const recipe: Recipe = { oid: this.oid, size: this.size, chunks };
    const recipeBytes = encodeRecipe(recipe);
    const written = new Set(this.packs.map((p) => packSource(p.id)));
    return {
      recipe,
      recipeBytes,
      packs: this.packs,
      reusedSources: [...this.reused].filter((key) => !written.has(key)),
      newBytes: this.newBytes,
      sharedBytes: this.sharedBytes,
      sentBytes: this.packs.reduce((sum, p) => sum + p.size, 0) + recipeBytes.length,
      ...(last ? { last } : {}),
    };
  }

  private close(): PackPlan | undefined {
    if (this.open.chunks.length === 0) return undefined;
    const { id, tail, dataLength } = encodePackTail(this.open.chunks);
    const plan: PackPlan = { id, chunks: this.open.chunks, dataLength, size: dataLength + tail.length, tail };
    this.open.plan = plan;
    this.packs.push(plan);
    this.open = { chunks: [], dataLength: 0 };
    return plan;
  }
}

function isRecipeChunk(location: ChunkLocation, hash: string): location is RecipeChunk {
  return (location as Partial<RecipeChunk>).hash === hash;
}

/** A pack being filled: recipe entries of its chunks point at it until it closes and has an id. */
interface OpenPack {
  chunks: PackPlanChunk[];
  dataLength: number;
  plan?: PackPlan;
}

export function planUpload(file: { oid: Oid; size: number; chunks: readonly ChunkRecord[] }, known: KnownChunks, options: PlanUploadOptions = {}): UploadPlan {
  const planner = new UploadPlanner(file.oid, known, options);
  for (const chunk of file.chunks) planner.add(chunk);
  const { last: _last, ...plan } = planner.finish();
  if (plan.recipe.size !== file.size) throw new Error('chunks do not add up to the file size');
  return plan;
}

/**
 * Planning a chunked upload, as a pure function: given a file's chunks and the chunks known to be on the
 * remote already (from the recipes of earlier versions), which chunks go into new packs, how they are
 * grouped, and the recipe that rebuilds the file. Chunks are packed in file order, each new chunk once
 * (a chunk repeated within the file is stored once), and a pack is closed before it would exceed
 * `PACK_MAX_BYTES`. The plan depends only on its inputs, so a push interrupted after some packs were
 * written plans the same packs again when resumed, finds them on the remote and does not resend them.
 */
import type { Oid } from '../cache/oid.js';
import { ChunkTable } from './chunk-table.js';
import { HashIndex } from './hash-index.js';
import { encodePackTail, packSize } from './pack-format.js';
import { PACK_MAX_BYTES } from './params.js';
import { encodeRecipeTable, type RecipeTable } from './recipe.js';
import { objectSource, packSource, type SourceKey } from './sources.js';

export interface ChunkLocation {
  source: SourceKey;
  offset: number;
  length: number;
}

/**
 * The chunks the remote is known to hold, found by hash: the recipes of earlier versions, kept as they
 * are (the first location wins when several name one chunk), with an index of about 16 bytes a chunk.
 */
export class KnownChunks {
  private readonly recipes: RecipeTable[] = [];
  /** Entry `starts[r] + row` is row `row` of `recipes[r]`. */
  private readonly starts: number[] = [];
  private readonly index = new HashIndex((entry, hash, at) => {
    const [recipe, row] = this.row(entry);
    return recipe.chunks.hashEquals(row, hash, at);
  });
  private entries = 0;

  /** The number of distinct chunks known. */
  get size(): number {
    return this.index.size;
  }

  /** Adds the chunks `recipe` locates, except those in `without`, keeping locations already there. */
  add(recipe: RecipeTable, without?: ReadonlySet<SourceKey>): void {
    const start = this.entries;
    this.recipes.push(recipe);
    this.starts.push(start);
    this.entries += recipe.chunks.count;
    const { chunks, sources } = recipe;
    for (let row = 0; row < chunks.count; row++) {
      if (without?.has(sources[chunks.source(row)]!)) continue;
      this.index.addIfAbsent(start + row, chunks.hash(row));
    }
  }

  /** The same chunks, less those in `sources` (found gone from the remote). */
  without(sources: ReadonlySet<SourceKey>): KnownChunks {
    const known = new KnownChunks();
    for (const recipe of this.recipes) known.add(recipe, sources);
    return known;
  }

  /** Where the remote holds the chunk of hash `hash[at, at + 32)`. */
  locate(hash: Uint8Array, at = 0): ChunkLocation | undefined {
    const entry = this.index.find(hash, at);
    if (entry < 0) return undefined;
    const [recipe, row] = this.row(entry);
    return { source: recipe.sources[recipe.chunks.source(row)]!, offset: recipe.chunks.offset(row), length: recipe.chunks.length(row) };
  }

  private row(entry: number): [RecipeTable, number] {
    let r = this.starts.length - 1;
    while (this.starts[r]! > entry) r--;
    return [this.recipes[r]!, entry - this.starts[r]!];
  }
}

/** Every chunk the given recipes locate (the first location wins when several recipes name one chunk). */
export function knownChunksFromRecipes(recipes: Iterable<RecipeTable>): KnownChunks {
  const known = new KnownChunks();
  for (const recipe of recipes) known.add(recipe);
  return known;
}

/**
 * The recipe of a file the remote holds whole: every chunk inside the file's own object, at its offset in
 * the file (a chunk repeated in the file at its first offset). It indexes the object's chunks so that
 * later versions refer to them instead of sending them again. The recipe takes over `file.chunks`, whose
 * rows it rewrites: the chunk list is not needed once the recipe exists.
 */
export function wholeObjectRecipe(file: { oid: Oid; size: number; chunks: ChunkTable }): RecipeTable {
  const { chunks } = file;
  const first = chunks.rowsByHash();
  for (let row = 0; row < chunks.count; row++) {
    // The chunker's rows are in source 0 at their offset in the file already: only repeats move.
    const earlier = first.addIfAbsent(row, chunks.hash(row));
    if (earlier >= 0) chunks.setLocation(row, 0, chunks.offset(earlier));
  }
  return { oid: file.oid, size: file.size, sources: [objectSource(file.oid)], chunks };
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
  recipe: RecipeTable;
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
  /**
   * The recipe in file order. Its source numbers are slots: a source the remote has, or a pack of this
   * upload, whose key is known once the pack closes.
   */
  private readonly recipe = new ChunkTable();
  private readonly slots: Array<SourceKey | OpenPack> = [];
  private readonly slotOf = new Map<SourceKey | OpenPack, number>();
  /** Recipe rows of the chunks stored in this upload's packs, by hash. */
  private readonly placed = new HashIndex((row, hash, at) => this.recipe.hashEquals(row, hash, at));
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

  /** Plans row `row` of `chunks` (the chunker's table: offsets in the file), the next chunk of the file. */
  add(chunks: ChunkTable, row: number): ChunkDecision {
    const length = chunks.length(row);
    if (chunks.offset(row) !== this.size) throw new Error('chunks do not cover the file in order');
    this.size += length;
    const hash = chunks.hash(row);
    const location = this.known.locate(hash);
    // A known chunk of another length is a forged or damaged recipe: the chunk is stored afresh.
    if (location && location.length === length) {
      this.recipe.setHash(this.recipe.append(location.offset, length, this.slot(location.source)), hash);
      this.reused.add(location.source);
      this.sharedBytes += length;
      return { store: false };
    }
    const earlier = this.placed.find(hash);
    if (earlier >= 0) {
      this.recipe.setHash(this.recipe.append(this.recipe.offset(earlier), length, this.recipe.source(earlier)), hash);
      this.sharedBytes += length;
      return { store: false };
    }
    let closed: PackPlan | undefined;
    if (this.open.chunks.length > 0 && packSize(this.open.dataLength + length, this.open.chunks.length + 1) > this.packMax) closed = this.close();
    const offset = this.open.dataLength;
    this.open.chunks.push({ hash: chunks.hashHex(row), length, source: chunks.offset(row) });
    this.open.dataLength += length;
    const placed = this.recipe.append(offset, length, this.slot(this.open));
    this.recipe.setHash(placed, hash);
    this.placed.add(placed, hash);
    this.newBytes += length;
    return closed ? { store: true, closed } : { store: true };
  }

  /** Closes the last pack (returned in `plan.packs` like the others) and builds the recipe. */
  finish(): UploadPlan & { last?: PackPlan } {
    const last = this.close();
    this.recipe.trim();
    const sources = this.slots.map((slot) => (typeof slot === 'string' ? slot : packSource(slot.plan!.id)));
    const recipe: RecipeTable = { oid: this.oid, size: this.size, sources, chunks: this.recipe };
    const recipeBytes = encodeRecipeTable(recipe);
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

  private slot(source: SourceKey | OpenPack): number {
    let slot = this.slotOf.get(source);
    if (slot === undefined) {
      slot = this.slots.push(source) - 1;
      this.slotOf.set(source, slot);
    }
    return slot;
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

/** A pack being filled: recipe entries of its chunks point at it until it closes and has an id. */
interface OpenPack {
  chunks: PackPlanChunk[];
  dataLength: number;
  plan?: PackPlan;
}

export function planUpload(file: { oid: Oid; size: number; chunks: ChunkTable }, known: KnownChunks, options: PlanUploadOptions = {}): UploadPlan {
  const planner = new UploadPlanner(file.oid, known, options);
  for (let row = 0; row < file.chunks.count; row++) planner.add(file.chunks, row);
  const { last: _last, ...plan } = planner.finish();
  if (plan.recipe.size !== file.size) throw new Error('chunks do not add up to the file size');
  return plan;
}

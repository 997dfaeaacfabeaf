/**
 * Recipes: how to rebuild one file from chunks, stored on a remote under the file's oid.
 *
 *   recipe = "MVRECIPE" ‖ version u32le (1) ‖ flags u32le (0) ‖ file sha256 (32) ‖ file size u64le
 *            ‖ source count u32le ‖ chunk count u32le
 *            ‖ source count × (kind u32le ‖ id (32))       kind 1: a pack (its id); 2: a whole-file object (its oid)
 *            ‖ chunk count × (chunk sha256 (32) ‖ length u32le ‖ source number u32le ‖ offset in the source u64le)
 *            ‖ sha256 of all the bytes before it (32)
 *
 * One valid encoding per recipe: sources are listed in the order the chunks first use them, each once and
 * each used; a chunk that occurs several times has one location. A reader rejects anything else, and a
 * newer version with an "upgrade" error. The trailing checksum catches a damaged recipe before any
 * chunk is fetched; the file's own SHA-256 still decides whether a rebuilt file is used.
 */
import { createHash } from 'node:crypto';
import { oidFromHex, oidHex, type Oid } from '../cache/oid.js';
import { ChunkTable } from './chunk-table.js';
import { asBuffer, HEX_HASH, invalidRecipe, newerFormat, readSafeU64 } from './format-errors.js';
import { MAX_CHUNK_LENGTH, MAX_PACK_DATA } from './pack-format.js';
import { parseSource, type SourceKey } from './sources.js';

export const RECIPE_VERSION = 1;
const MAGIC = Buffer.from('MVRECIPE', 'latin1');
const HEADER = 64;
const SOURCE_ENTRY = 36;
const CHUNK_ENTRY = 48;
const CHECKSUM = 32;
const KIND_PACK = 1;
const KIND_OBJECT = 2;
/** Recipes are read whole: none is accepted above this size. */
export const MAX_RECIPE_BYTES = 256 * 1024 * 1024;

export interface RecipeChunk {
  hash: string;
  length: number;
  /** Where the chunk is: a pack or a whole-file object. */
  source: SourceKey;
  /** Where the chunk starts in its source. */
  offset: number;
}

/** A recipe as objects, one per chunk: for reading a file back, checking and repacking. */
export interface Recipe {
  oid: Oid;
  size: number;
  chunks: RecipeChunk[];
}

/**
 * A recipe held flat, as a push keeps the recipes of large files: row `i` of `chunks` is the file's
 * `i`-th chunk, its offset within `sources[chunks.source(i)]`. `sources` may hold a key twice or one no
 * chunk uses; the encoding lists each used source once.
 */
export interface RecipeTable {
  oid: Oid;
  size: number;
  sources: SourceKey[];
  chunks: ChunkTable;
}

/** The largest recipe a file of `size` bytes can need (chunks average at least 512 bytes), for downloads. */
export function maxRecipeBytes(size: number): number {
  return Math.min(MAX_RECIPE_BYTES, 1024 * 1024 + CHUNK_ENTRY * Math.ceil(size / 512));
}

/** The sources a recipe reads from, in the order of first use. */
export function recipeSources(recipe: Recipe): SourceKey[] {
  return [...new Set(recipe.chunks.map((c) => c.source))];
}

/** The flat form of a recipe; throws a plain Error on a chunk no writer may produce. */
export function recipeTable(recipe: Recipe): RecipeTable {
  const numbers = new Map<SourceKey, number>();
  const chunks = new ChunkTable(Math.max(1, recipe.chunks.length));
  recipe.chunks.forEach((chunk, i) => {
    if (!HEX_HASH.test(chunk.hash)) throw new Error(`recipe chunk ${i} has an invalid hash`);
    // Checked before the typed column would truncate it.
    if (!Number.isInteger(chunk.length) || chunk.length < 1 || chunk.length > MAX_CHUNK_LENGTH) throw new Error(`recipe chunk ${i} has an invalid length`);
    if (!numbers.has(chunk.source)) numbers.set(chunk.source, numbers.size);
    chunks.setHash(chunks.append(chunk.offset, chunk.length, numbers.get(chunk.source)), Buffer.from(chunk.hash, 'hex'));
  });
  return { oid: recipe.oid, size: recipe.size, sources: [...numbers.keys()], chunks };
}

/** The object form of a flat recipe (a chunk that occurs several times is one object). */
export function recipeFromTable(recipe: RecipeTable): Recipe {
  const { chunks: table, sources } = recipe;
  // The table's writer or reader has checked that a repeated hash has one location.
  const byHash = new Map<string, RecipeChunk>();
  const chunks: RecipeChunk[] = [];
  for (let row = 0; row < table.count; row++) {
    const hash = table.hashHex(row);
    let chunk = byHash.get(hash);
    if (!chunk) byHash.set(hash, (chunk = { hash, length: table.length(row), source: sources[table.source(row)]!, offset: table.offset(row) }));
    chunks.push(chunk);
  }
  return { oid: recipe.oid, size: recipe.size, chunks };
}

/** Encodes a recipe; throws a plain Error on a recipe no writer may produce (a bug, not bad input). */
export function encodeRecipe(recipe: Recipe): Buffer {
  return encodeRecipeTable(recipeTable(recipe));
}

/** Encodes a flat recipe; throws a plain Error on a recipe no writer may produce (a bug, not bad input). */
export function encodeRecipeTable(recipe: RecipeTable): Buffer {
  const { chunks } = recipe;
  // The table's source numbers, renumbered in the order of first use, one number per key.
  const numbers = new Map<SourceKey, number>();
  const renumbered = new Int32Array(recipe.sources.length).fill(-1);
  const limits: number[] = [];
  const first = chunks.rowsByHash();
  let total = 0;
  for (let i = 0; i < chunks.count; i++) {
    const own = chunks.source(i);
    if (own >= recipe.sources.length) throw new Error(`recipe chunk ${i} has no source`);
    if (renumbered[own] === -1) {
      const key = recipe.sources[own]!;
      if (!numbers.has(key)) {
        numbers.set(key, numbers.size);
        limits.push(parseSource(key).kind === 'pack' ? MAX_PACK_DATA : Number.MAX_SAFE_INTEGER);
      }
      renumbered[own] = numbers.get(key)!;
    }
    const source = renumbered[own]!;
    const length = chunks.length(i);
    const offset = chunks.offset(i);
    if (!Number.isInteger(length) || length < 1 || length > MAX_CHUNK_LENGTH) throw new Error(`recipe chunk ${i} has an invalid length`);
    if (!Number.isSafeInteger(offset) || offset < 0 || offset + length > limits[source]!) throw new Error(`recipe chunk ${i} has an invalid offset`);
    const earlier = first.addIfAbsent(i, chunks.hash(i));
    if (earlier >= 0 && (renumbered[chunks.source(earlier)] !== source || chunks.offset(earlier) !== offset || chunks.length(earlier) !== length)) throw new Error(`recipe chunk ${chunks.hashHex(i)} has two locations`);
    total += length;
  }
  if (chunks.count === 0 || total !== recipe.size) throw new Error('recipe chunks do not add up to the file size');
  const bytes = Buffer.alloc(HEADER + SOURCE_ENTRY * numbers.size + CHUNK_ENTRY * chunks.count + CHECKSUM);
  MAGIC.copy(bytes, 0);
  bytes.writeUInt32LE(RECIPE_VERSION, 8);
  bytes.writeUInt32LE(0, 12);
  bytes.write(oidHex(recipe.oid), 16, 'hex');
  bytes.writeBigUInt64LE(BigInt(recipe.size), 48);
  bytes.writeUInt32LE(numbers.size, 56);
  bytes.writeUInt32LE(chunks.count, 60);
  let at = HEADER;
  for (const key of numbers.keys()) {
    const source = parseSource(key);
    bytes.writeUInt32LE(source.kind === 'pack' ? KIND_PACK : KIND_OBJECT, at);
    bytes.write(source.id, at + 4, 'hex');
    at += SOURCE_ENTRY;
  }
  for (let i = 0; i < chunks.count; i++) {
    chunks.hash(i).copy(bytes, at);
    bytes.writeUInt32LE(chunks.length(i), at + 32);
    bytes.writeUInt32LE(renumbered[chunks.source(i)]!, at + 36);
    writeU64(bytes, chunks.offset(i), at + 40);
    at += CHUNK_ENTRY;
  }
  createHash('sha256').update(bytes.subarray(0, at)).digest().copy(bytes, at);
  return bytes;
}

/** A safe integer as u64le, without a BigInt per call. */
function writeU64(bytes: Buffer, value: number, at: number): void {
  bytes.writeUInt32LE(value % 2 ** 32, at);
  bytes.writeUInt32LE(Math.floor(value / 2 ** 32), at + 4);
}

/**
 * Parses a recipe fetched for the file `expected` (the oid it is stored under) and rejects anything a
 * writer would not produce.
 */
export function parseRecipe(input: Uint8Array, expected: Oid, where: string): Recipe {
  return recipeFromTable(readRecipeTable(input, expected, where));
}

/** `parseRecipe`, into the flat form: the same checks, no object per chunk. */
export function readRecipeTable(input: Uint8Array, expected: Oid, where: string): RecipeTable {
  const bytes = asBuffer(input);
  if (bytes.length < HEADER + CHECKSUM || !bytes.subarray(0, 8).equals(MAGIC)) throw invalidRecipe(where, 'is not a recipe');
  if (bytes.length > MAX_RECIPE_BYTES) throw invalidRecipe(where, 'is too large');
  // Integrity first (every version ends with this checksum): a damaged version field is damage, not a
  // reason to ask for an upgrade.
  const body = bytes.subarray(0, bytes.length - CHECKSUM);
  if (!createHash('sha256').update(body).digest().equals(bytes.subarray(bytes.length - CHECKSUM))) throw invalidRecipe(where, 'is damaged (its checksum does not match)');
  const version = bytes.readUInt32LE(8);
  if (version > RECIPE_VERSION) throw newerFormat('recipe', where, version, RECIPE_VERSION);
  if (version !== RECIPE_VERSION) throw invalidRecipe(where, `has an unknown version ${version}`);
  if (bytes.readUInt32LE(12) !== 0) throw invalidRecipe(where, 'has flags this mv does not know');
  const oid = oidFromHex(bytes.toString('hex', 16, 48));
  if (oid !== expected) throw invalidRecipe(where, `describes ${oid}, not ${expected}`);
  const size = readSafeU64(bytes, 48);
  const sourceCount = bytes.readUInt32LE(56);
  const chunkCount = bytes.readUInt32LE(60);
  if (size === undefined || size === 0 || chunkCount === 0 || sourceCount === 0) throw invalidRecipe(where, 'is empty or has an absurd size');
  if (bytes.length !== HEADER + SOURCE_ENTRY * sourceCount + CHUNK_ENTRY * chunkCount + CHECKSUM) throw invalidRecipe(where, 'has the wrong length for its counts');

  const sources: SourceKey[] = [];
  const seen = new Set<SourceKey>();
  let at = HEADER;
  for (let i = 0; i < sourceCount; i++, at += SOURCE_ENTRY) {
    const kind = bytes.readUInt32LE(at);
    if (kind !== KIND_PACK && kind !== KIND_OBJECT) throw invalidRecipe(where, `has source ${i} of unknown kind ${kind}`);
    const key: SourceKey = `${kind === KIND_PACK ? 'pack' : 'object'}:${bytes.toString('hex', at + 4, at + SOURCE_ENTRY)}`;
    if (seen.has(key)) throw invalidRecipe(where, `lists ${key} twice`);
    seen.add(key);
    sources.push(key);
  }
  const limits = sources.map((source) => (source.startsWith('pack:') ? MAX_PACK_DATA : Number.MAX_SAFE_INTEGER));
  const chunks = new ChunkTable(chunkCount);
  const first = chunks.rowsByHash(chunkCount);
  let used = 0;
  let total = 0;
  for (let i = 0; i < chunkCount; i++, at += CHUNK_ENTRY) {
    const length = bytes.readUInt32LE(at + 32);
    const sourceNumber = bytes.readUInt32LE(at + 36);
    const offset = readSafeU64(bytes, at + 40);
    if (length < 1 || length > MAX_CHUNK_LENGTH) throw invalidRecipe(where, `has chunk ${i} of invalid length ${length}`);
    // Sources appear in the order of first use: a chunk names a source already used, or the next one.
    if (sourceNumber > used || sourceNumber >= sourceCount) throw invalidRecipe(where, `has chunk ${i} in source ${sourceNumber} out of order`);
    if (sourceNumber === used) used++;
    if (offset === undefined || offset + length > limits[sourceNumber]!) throw invalidRecipe(where, `has chunk ${i} beyond the end of its source`);
    const row = chunks.append(offset, length, sourceNumber);
    chunks.setHash(row, bytes, at);
    const earlier = first.addIfAbsent(row, bytes, at);
    if (earlier >= 0 && (chunks.source(earlier) !== sourceNumber || chunks.offset(earlier) !== offset || chunks.length(earlier) !== length)) {
      throw invalidRecipe(where, `gives chunk ${bytes.toString('hex', at, at + 32)} two locations`);
    }
    total += length;
  }
  if (used !== sourceCount) throw invalidRecipe(where, 'lists a source that no chunk uses');
  if (total !== size) throw invalidRecipe(where, `has chunks adding up to ${total} bytes, not ${size}`);
  return { oid, size, sources, chunks };
}

/**
 * Recipes: how to rebuild one file from chunks in packs, stored on a remote under the file's oid.
 *
 *   recipe = "MVRECIPE" ‖ version u32le (1) ‖ flags u32le (0) ‖ file sha256 (32) ‖ file size u64le
 *            ‖ pack count u32le ‖ chunk count u32le
 *            ‖ pack count × pack id (32)
 *            ‖ chunk count × (chunk sha256 (32) ‖ length u32le ‖ pack number u32le ‖ offset in pack u32le)
 *            ‖ sha256 of all the bytes before it (32)
 *
 * One valid encoding per recipe: packs are listed in the order the chunks first use them, each once and
 * each used; a chunk that occurs several times has one location. A reader rejects anything else, and a
 * newer version with an "upgrade" error. The trailing checksum catches a damaged recipe before any
 * chunk is fetched; the file's own SHA-256 still decides whether a rebuilt file is used.
 */
import { createHash } from 'node:crypto';
import { oidFromHex, oidHex, type Oid } from '../cache/oid.js';
import { asBuffer, HEX_HASH, invalidRecipe, newerFormat, readSafeU64 } from './format-errors.js';
import { MAX_CHUNK_LENGTH, MAX_PACK_DATA } from './pack-format.js';

export const RECIPE_VERSION = 1;
const MAGIC = Buffer.from('MVRECIPE', 'latin1');
const HEADER = 64;
const PACK_ID = 32;
const CHUNK_ENTRY = 44;
const CHECKSUM = 32;
/** Recipes are read whole: none is accepted above this size. */
export const MAX_RECIPE_BYTES = 256 * 1024 * 1024;

export interface RecipeChunk {
  hash: string;
  length: number;
  /** The id of the pack that holds the chunk (hex). */
  pack: string;
  /** Where the chunk starts in that pack. */
  offset: number;
}

export interface Recipe {
  oid: Oid;
  size: number;
  chunks: RecipeChunk[];
}

/** The largest recipe a file of `size` bytes can need (chunks average at least 512 bytes), for downloads. */
export function maxRecipeBytes(size: number): number {
  return Math.min(MAX_RECIPE_BYTES, 1024 * 1024 + CHUNK_ENTRY * Math.ceil(size / 512));
}

/** Encodes a recipe; throws a plain Error on a recipe no writer may produce (a bug, not bad input). */
export function encodeRecipe(recipe: Recipe): Buffer {
  const packs = new Map<string, number>();
  const locations = new Map<string, string>();
  let total = 0;
  recipe.chunks.forEach((chunk, i) => {
    if (!HEX_HASH.test(chunk.hash) || !HEX_HASH.test(chunk.pack)) throw new Error(`recipe chunk ${i} has an invalid hash or pack id`);
    if (!Number.isInteger(chunk.length) || chunk.length < 1 || chunk.length > MAX_CHUNK_LENGTH) throw new Error(`recipe chunk ${i} has an invalid length`);
    if (!Number.isInteger(chunk.offset) || chunk.offset < 0 || chunk.offset + chunk.length > MAX_PACK_DATA) throw new Error(`recipe chunk ${i} has an invalid offset`);
    const location = `${chunk.pack}:${chunk.offset}:${chunk.length}`;
    if ((locations.get(chunk.hash) ?? location) !== location) throw new Error(`recipe chunk ${chunk.hash} has two locations`);
    locations.set(chunk.hash, location);
    if (!packs.has(chunk.pack)) packs.set(chunk.pack, packs.size);
    total += chunk.length;
  });
  if (recipe.chunks.length === 0 || total !== recipe.size) throw new Error('recipe chunks do not add up to the file size');
  const bytes = Buffer.alloc(HEADER + PACK_ID * packs.size + CHUNK_ENTRY * recipe.chunks.length + CHECKSUM);
  MAGIC.copy(bytes, 0);
  bytes.writeUInt32LE(RECIPE_VERSION, 8);
  bytes.writeUInt32LE(0, 12);
  bytes.write(oidHex(recipe.oid), 16, 'hex');
  bytes.writeBigUInt64LE(BigInt(recipe.size), 48);
  bytes.writeUInt32LE(packs.size, 56);
  bytes.writeUInt32LE(recipe.chunks.length, 60);
  let at = HEADER;
  for (const pack of packs.keys()) {
    bytes.write(pack, at, 'hex');
    at += PACK_ID;
  }
  for (const chunk of recipe.chunks) {
    bytes.write(chunk.hash, at, 'hex');
    bytes.writeUInt32LE(chunk.length, at + 32);
    bytes.writeUInt32LE(packs.get(chunk.pack)!, at + 36);
    bytes.writeUInt32LE(chunk.offset, at + 40);
    at += CHUNK_ENTRY;
  }
  createHash('sha256').update(bytes.subarray(0, at)).digest().copy(bytes, at);
  return bytes;
}

/**
 * Parses a recipe fetched for the file `expected` (the oid it is stored under) and rejects anything a
 * writer would not produce.
 */
export function parseRecipe(input: Uint8Array, expected: Oid, where: string): Recipe {
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
  const packCount = bytes.readUInt32LE(56);
  const chunkCount = bytes.readUInt32LE(60);
  if (size === undefined || size === 0 || chunkCount === 0 || packCount === 0) throw invalidRecipe(where, 'is empty or has an absurd size');
  if (bytes.length !== HEADER + PACK_ID * packCount + CHUNK_ENTRY * chunkCount + CHECKSUM) throw invalidRecipe(where, 'has the wrong length for its counts');

  const packs: string[] = [];
  const packSet = new Set<string>();
  let at = HEADER;
  for (let i = 0; i < packCount; i++, at += PACK_ID) {
    const id = bytes.toString('hex', at, at + PACK_ID);
    if (packSet.has(id)) throw invalidRecipe(where, `lists pack ${id} twice`);
    packSet.add(id);
    packs.push(id);
  }
  const chunks: RecipeChunk[] = [];
  const locations = new Map<string, RecipeChunk>();
  let used = 0;
  let total = 0;
  for (let i = 0; i < chunkCount; i++, at += CHUNK_ENTRY) {
    const hash = bytes.toString('hex', at, at + 32);
    const length = bytes.readUInt32LE(at + 32);
    const packNumber = bytes.readUInt32LE(at + 36);
    const offset = bytes.readUInt32LE(at + 40);
    if (length < 1 || length > MAX_CHUNK_LENGTH) throw invalidRecipe(where, `has chunk ${i} of invalid length ${length}`);
    if (offset + length > MAX_PACK_DATA) throw invalidRecipe(where, `has chunk ${i} beyond the end of any pack`);
    // Packs appear in the order of first use: a chunk names a pack already used, or the next one.
    if (packNumber > used || packNumber >= packCount) throw invalidRecipe(where, `has chunk ${i} in pack ${packNumber} out of order`);
    if (packNumber === used) used++;
    const chunk: RecipeChunk = { hash, length, pack: packs[packNumber]!, offset };
    const earlier = locations.get(hash);
    if (earlier && (earlier.pack !== chunk.pack || earlier.offset !== offset || earlier.length !== length)) throw invalidRecipe(where, `gives chunk ${hash} two locations`);
    if (!earlier) locations.set(hash, chunk);
    chunks.push(earlier ?? chunk);
    total += length;
  }
  if (used !== packCount) throw invalidRecipe(where, 'lists a pack that no chunk uses');
  if (total !== size) throw invalidRecipe(where, `has chunks adding up to ${total} bytes, not ${size}`);
  return { oid, size, chunks };
}

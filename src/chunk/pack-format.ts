/**
 * Packs: many chunks in one remote object, so that a large file costs a few requests, not one per chunk.
 *
 *   pack    = data ‖ index ‖ trailer
 *   data    = the chunks' bytes back to back, in index order (chunk i starts at the sum of the lengths before it)
 *   index   = "MVPACKIX" ‖ version u32le (1) ‖ count u32le ‖ count × (sha256 32 bytes ‖ length u32le)
 *   trailer = data length u64le ‖ index length u32le ‖ "MVPK"
 *
 * A pack's id is the SHA-256 of its index, which names every chunk by its hash: the id commits to all the
 * bytes without a second pass over them, and is known as soon as the pack's chunks are chosen. The
 * trailer's layout never changes, so any reader finds the index and its version. The index is inside the
 * pack (never beside it): one write-once object, and a reader that holds the pack holds its index.
 */
import { createHash } from 'node:crypto';
import { asBuffer, HEX_HASH, invalidPack, newerFormat, readSafeU64 } from './format-errors.js';

export const PACK_VERSION = 1;
const INDEX_MAGIC = Buffer.from('MVPACKIX', 'latin1');
const TRAILER_MAGIC = Buffer.from('MVPK', 'latin1');
const INDEX_HEADER = 16;
const INDEX_ENTRY = 36;
export const PACK_TRAILER = 16;
/** Format limits (a writer stays far below them): chunk length, and the data section (u32 offsets). */
export const MAX_CHUNK_LENGTH = 16 * 1024 * 1024;
export const MAX_PACK_DATA = 0xffffffff;

export interface PackChunk {
  /** SHA-256 of the chunk's bytes, 64 lowercase hex digits. */
  hash: string;
  length: number;
}

export interface PackEntry extends PackChunk {
  /** Where the chunk starts in the pack (its data section starts the pack). */
  offset: number;
}

export interface PackIndex {
  /** The pack's id: SHA-256 of the index bytes, hex. */
  id: string;
  entries: PackEntry[];
  dataLength: number;
}

export interface EncodedPackTail {
  id: string;
  /** Index and trailer, which follow the data section. */
  tail: Buffer;
  dataLength: number;
}

/** The bytes that follow a pack's data, and its id. Throws a plain Error on input no writer may produce. */
export function encodePackTail(chunks: readonly PackChunk[]): EncodedPackTail {
  if (chunks.length === 0) throw new Error('a pack holds at least one chunk');
  const index = Buffer.alloc(INDEX_HEADER + INDEX_ENTRY * chunks.length);
  INDEX_MAGIC.copy(index, 0);
  index.writeUInt32LE(PACK_VERSION, 8);
  index.writeUInt32LE(chunks.length, 12);
  const seen = new Set<string>();
  let dataLength = 0;
  chunks.forEach((chunk, i) => {
    if (!HEX_HASH.test(chunk.hash)) throw new Error(`chunk ${i} has no valid hash`);
    if (!Number.isInteger(chunk.length) || chunk.length < 1 || chunk.length > MAX_CHUNK_LENGTH) throw new Error(`chunk ${i} has an invalid length`);
    if (seen.has(chunk.hash)) throw new Error(`chunk ${chunk.hash} is listed twice in one pack`);
    seen.add(chunk.hash);
    const at = INDEX_HEADER + INDEX_ENTRY * i;
    index.write(chunk.hash, at, 'hex');
    index.writeUInt32LE(chunk.length, at + 32);
    dataLength += chunk.length;
  });
  if (dataLength > MAX_PACK_DATA) throw new Error('pack data exceeds 4 GiB');
  const trailer = Buffer.alloc(PACK_TRAILER);
  trailer.writeBigUInt64LE(BigInt(dataLength), 0);
  trailer.writeUInt32LE(index.length, 8);
  TRAILER_MAGIC.copy(trailer, 12);
  return { id: createHash('sha256').update(index).digest('hex'), tail: Buffer.concat([index, trailer]), dataLength };
}

/** The size of a pack holding chunks of `dataLength` bytes in total, `count` of them. */
export function packSize(dataLength: number, count: number): number {
  return dataLength + INDEX_HEADER + INDEX_ENTRY * count + PACK_TRAILER;
}

/** Where the index of a pack of `packSize` bytes is, from its last 16 bytes. */
export function parsePackTrailer(trailer: Uint8Array, size: number, where: string): { dataLength: number; indexLength: number } {
  const bytes = asBuffer(trailer);
  if (bytes.length !== PACK_TRAILER || size < PACK_TRAILER + INDEX_HEADER) throw invalidPack(where, 'is too short to be a pack');
  if (!bytes.subarray(12, 16).equals(TRAILER_MAGIC)) throw invalidPack(where, 'does not end with a pack trailer');
  const dataLength = readSafeU64(bytes, 0);
  const indexLength = bytes.readUInt32LE(8);
  if (dataLength === undefined || dataLength + indexLength + PACK_TRAILER !== size) throw invalidPack(where, 'has a trailer that does not match its size');
  return { dataLength, indexLength };
}

/**
 * Parses a pack's index and checks it against the pack's id and data length (from the trailer). Rejects
 * anything a writer would not produce; a newer version is refused with an "upgrade" error.
 */
export function parsePackIndex(index: Uint8Array, expected: { id: string; dataLength: number }, where: string): PackIndex {
  const bytes = asBuffer(index);
  if (bytes.length < INDEX_HEADER || !bytes.subarray(0, 8).equals(INDEX_MAGIC)) throw invalidPack(where, 'has no pack index');
  // Integrity first (in every version the id is the index's SHA-256): a damaged version field is damage,
  // not a reason to ask for an upgrade.
  if (createHash('sha256').update(bytes).digest('hex') !== expected.id) throw invalidPack(where, 'has an index that does not hash to its id');
  const version = bytes.readUInt32LE(8);
  if (version > PACK_VERSION) throw newerFormat('pack', where, version, PACK_VERSION);
  if (version !== PACK_VERSION) throw invalidPack(where, `has an unknown index version ${version}`);
  const count = bytes.readUInt32LE(12);
  if (count === 0 || bytes.length !== INDEX_HEADER + INDEX_ENTRY * count) throw invalidPack(where, 'has an index of the wrong length');
  const entries: PackEntry[] = [];
  const seen = new Set<string>();
  let offset = 0;
  for (let i = 0; i < count; i++) {
    const at = INDEX_HEADER + INDEX_ENTRY * i;
    const hash = bytes.toString('hex', at, at + 32);
    const length = bytes.readUInt32LE(at + 32);
    if (length < 1 || length > MAX_CHUNK_LENGTH) throw invalidPack(where, `has chunk ${i} of invalid length ${length}`);
    if (seen.has(hash)) throw invalidPack(where, `lists chunk ${hash} twice`);
    seen.add(hash);
    entries.push({ hash, length, offset });
    offset += length;
  }
  if (offset !== expected.dataLength) throw invalidPack(where, 'has an index whose chunks do not fill its data section');
  return { id: expected.id, entries, dataLength: offset };
}

/** A whole pack in memory, checked completely: trailer, index, id and every chunk's hash. */
export function verifyPackBytes(pack: Uint8Array, id: string, where: string): PackIndex {
  const bytes = asBuffer(pack);
  const { dataLength, indexLength } = parsePackTrailer(bytes.subarray(bytes.length - PACK_TRAILER), bytes.length, where);
  const parsed = parsePackIndex(bytes.subarray(dataLength, dataLength + indexLength), { id, dataLength }, where);
  for (const entry of parsed.entries) {
    const actual = createHash('sha256').update(bytes.subarray(entry.offset, entry.offset + entry.length)).digest('hex');
    if (actual !== entry.hash) throw invalidPack(where, `has chunk ${entry.hash} with the wrong content`);
  }
  return parsed;
}

/**
 * What chunked transfers need from a remote: packs (write-once, read by byte range) and recipes. A folder
 * remote implements it in folder-chunk-store.ts; every remote keeps them under `chunks/` (keys.ts).
 */
import type { Readable } from 'node:stream';
import type { Oid } from '../cache/oid.js';

export interface ChunkStore {
  /** Where the store is, for messages. */
  readonly location: string;
  hasPack(id: string): Promise<boolean>;
  /**
   * Stores a pack of `size` bytes from the stream `open()` returns (it fails on bytes that do not match
   * the pack's index). Nothing is left under the pack's name unless all of it arrived.
   */
  putPack(id: string, size: number, open: () => Readable, signal?: AbortSignal): Promise<void>;
  /**
   * Starts a pack whose bytes arrive as the file is chunked (its id is known only at the end). Nothing is
   * visible under a pack name until `finish`.
   */
  beginPack(): Promise<PackWrite>;
  /** Bytes `[start, end)` of a pack; fails with `PACK_MISSING` when the pack is absent. */
  readPackRange(id: string, start: number, end: number, signal?: AbortSignal): Promise<Readable>;
  hasRecipe(oid: Oid): Promise<boolean>;
  /** A recipe's bytes, unparsed; undefined when there is none; refused above `maxBytes`. */
  getRecipe(oid: Oid, maxBytes: number): Promise<Buffer | undefined>;
  /** Stores a recipe (write-once: an existing recipe for the oid is left as it is). */
  putRecipe(oid: Oid, bytes: Buffer): Promise<void>;
}

export interface PackWrite {
  /** Appends chunk bytes (the data section, in order). */
  write(bytes: Uint8Array): Promise<void>;
  /**
   * Appends the index and trailer and stores the pack under its id; false when the remote had it already
   * (an interrupted push wrote it), in which case these bytes are dropped.
   */
  finish(pack: { id: string; size: number; tail: Uint8Array }, signal?: AbortSignal): Promise<boolean>;
  /** Drops what was written (after a failure elsewhere). */
  abandon(): Promise<void>;
}

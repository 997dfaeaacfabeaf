/**
 * What chunked transfers need from a remote: packs (write-once, read by byte range), whole-file objects
 * read by byte range, and recipes; and what gc and verify need to see and prune them. A folder remote
 * implements it in folder-chunk-store.ts, S3 in remote/s3-chunk-store.ts; every remote keeps them under
 * `chunks/` (keys.ts).
 */
import type { Readable } from 'node:stream';
import type { Oid } from '../cache/oid.js';
import type { SourceKey } from './sources.js';

/** A pack, recipe or retirement mark in a listing, with what gc needs to know about it. */
export interface StoredChunkItem {
  /** The pack id (hex) or the recipe's file oid. */
  id: string;
  size: number;
  /** When it was written (or last refreshed), Unix milliseconds. */
  modifiedMs: number;
}

export interface ChunkStore {
  /** Where the store is, for messages. */
  readonly location: string;
  hasPack(id: string): Promise<boolean>;
  /** Whether a source (a pack, or a whole object) is there. */
  hasSource(source: SourceKey): Promise<boolean>;
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
  /** Bytes `[start, end)` of a source; fails with `PACK_MISSING` (or `OBJECT_MISSING`) when it is absent. */
  readRange(source: SourceKey, start: number, end: number, signal?: AbortSignal): Promise<Readable>;
  hasRecipe(oid: Oid): Promise<boolean>;
  /** A recipe's bytes, unparsed; undefined when there is none; refused above `maxBytes`. */
  getRecipe(oid: Oid, maxBytes: number): Promise<Buffer | undefined>;
  /** Stores a recipe (write-once: an existing recipe for the oid is left as it is, unless `replace`). */
  putRecipe(oid: Oid, bytes: Buffer, options?: { replace?: boolean }): Promise<void>;
  listPacks(): AsyncIterable<StoredChunkItem>;
  listRecipes(): AsyncIterable<StoredChunkItem>;
  deletePack(id: string): Promise<void>;
  deleteRecipe(oid: Oid): Promise<void>;
  /**
   * Packs that a repack replaced: each mark's age says how long the pack has been unreferenced, so gc
   * deletes it only a grace period after the recipes stopped naming it.
   */
  listRetired(): AsyncIterable<StoredChunkItem>;
  markRetired(id: string): Promise<void>;
  unmarkRetired(id: string): Promise<void>;
  /**
   * Removes temp files that killed writers left in the remote (packs being written, partial uploads) and
   * that are older than `cutoffMs`; returns how many. Only remotes that keep such files implement it.
   */
  removeStaleTemps?(cutoffMs: number): Promise<number>;
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

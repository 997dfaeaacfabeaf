/**
 * The one interface shared by the local cache and every remote (directory, S3). All stores use the same
 * layout, `objects/ab/cdef…`, so an object's key never depends on where it lives.
 */
import type { Readable } from 'node:stream';
import type { ChunkStore } from '../chunk/chunk-store.js';
import type { Oid } from './oid.js';

export interface ReadOptions {
  /** Byte offset to start at (resuming a download); 0 by default. */
  start?: number;
  /** Byte offset to stop before (a ranged read); the end of the object by default. */
  end?: number | undefined;
  signal?: AbortSignal | undefined;
  /** `readBuffer`: refuse an object of more bytes than this (the size its pointer records, or a bound). */
  maxBytes?: number | undefined;
}

export interface PutOptions {
  signal?: AbortSignal;
  /** Called with the number of bytes just sent, for progress. */
  onBytes?: (bytes: number) => void;
}

export interface ListOptions {
  /** Only objects in this 2-hex fan-out folder (`ab`). */
  fanout?: string;
}

/** An object in a listing, with what garbage collection needs to know about it. */
export interface StoredObjectInfo {
  oid: Oid;
  size: number;
  /** When it was stored (or last linked into place), Unix milliseconds. */
  modifiedMs: number;
}

export interface ObjectStore {
  /** Where the store is, for messages (never with credentials). */
  readonly location: string;
  /**
   * How many keys one listing request returns (`Infinity` when a fan-out folder is listed in one
   * go): transfers weigh listing against one existence check per object with it.
   */
  readonly listPageSize: number;
  has(oid: Oid): Promise<boolean>;
  /** The object's bytes (from `start`); fails with `OBJECT_MISSING` when absent. */
  read(oid: Oid, options?: ReadOptions): Promise<Readable>;
  /** The object's file, for stores on a local or mounted file system (fast copies of small objects). */
  localPath?(oid: Oid): string;
  /** Whether an object of `size` bytes is copied by worker threads in batches (so many may be queued at once). */
  copiesInBatches?(size: number | undefined): boolean;
  /** A small object's bytes, whole (unverified; callers check them against the oid). */
  readBuffer?(oid: Oid, options?: ReadOptions): Promise<Buffer>;
  /**
   * Stores the object from a local file whose content should hash to `oid`. Never leaves a partial or
   * mismatching object under the final name: a source whose bytes do not hash to `oid` is refused.
   */
  put(oid: Oid, sourcePath: string, size: number, options?: PutOptions): Promise<void>;
  list(options?: ListOptions): AsyncIterable<Oid>;
  /** Like `list`, with each object's size and age (for gc); stores that cannot tell do not offer it. */
  listDetailed?(options?: ListOptions): AsyncIterable<StoredObjectInfo>;
  delete(oid: Oid): Promise<void>;
  /**
   * The remote's chunked storage (packs and recipes beside `objects/`); `spoolDir` is a local folder for
   * packs being written. Remotes only: the local cache keeps whole files.
   */
  chunks?(options: { spoolDir: string }): ChunkStore;
  /** Releases connections (network stores); the store is not used afterwards. */
  close?(): void;
}

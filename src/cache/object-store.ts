/**
 * The one interface shared by the local cache and every remote (directory, S3). All stores use the same
 * layout, `objects/ab/cdef…`, so an object's key never depends on where it lives.
 */
import type { Readable } from 'node:stream';
import type { Oid } from './oid.js';

export interface ObjectStore {
  /** Where the store is, for messages (never with credentials). */
  readonly location: string;
  has(oid: Oid): Promise<boolean>;
  /** The object's bytes; fails with `OBJECT_MISSING` when absent. */
  read(oid: Oid): Promise<Readable>;
  /** Stores the object from a local file whose content is known to hash to `oid`. */
  put(oid: Oid, sourcePath: string, size: number): Promise<void>;
  list(): AsyncIterable<Oid>;
  delete(oid: Oid): Promise<void>;
}

/**
 * Verified copies of small objects between local file systems (cache ↔ folder remote): each is read whole,
 * hashed, written to a temp file beside its target (same folder, so the rename is cheap) and renamed into
 * place only if the bytes hash to the oid. They run on the file pool's threads (cache/file-pool.ts).
 */
import { SmallCopies, type CopyItem } from '../cache/file-pool.js';

export type LocalCopy = CopyItem;

let shared: SmallCopies | undefined;

/** The process-wide copier, copying on at most `threads` threads (`TransferPools.copierThreads`). */
export function localCopier(threads: number): SmallCopies {
  shared ??= new SmallCopies();
  return shared.limit(threads);
}

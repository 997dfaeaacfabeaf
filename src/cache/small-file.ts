/**
 * Small files: read whole, hashed and written with a handful of synchronous system calls. For files of a
 * few KiB, handing each call to libuv's thread pool costs far more than the calls themselves, so this code
 * runs on the main thread or on the file pool's worker threads (file-pool.ts), never in between.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { displayPath } from '../display-text.js';
import { MvError } from '../errors.js';
import { statData } from '../stat-data.js';
import { hashBuffer } from './hash.js';
import { readRegularSync } from './regular-file.js';
import { shortOid, type Oid } from './oid.js';
import type { FileStamp } from './stat-cache.js';

/**
 * Files and objects up to this size are small: read whole (never streamed), hashed in memory, copied in
 * batches by worker threads, and written only when the destination lacks them.
 */
export const SMALL_FILE = 1024 * 1024;

/**
 * Copies the small file `source`, whose bytes must hash to `expected.oid` (and be `expected.size` bytes
 * when given), to `dest`, a new file (it must not exist yet) with `mode`. Fails with `CORRUPT_COPY`, and
 * writes nothing, when the bytes are not the object's; a write that fails leaves no `dest` behind.
 */
export function copyVerifiedSync(source: string, dest: string, expected: { oid: Oid; size?: number }, mode: number): void {
  // Never more than the object's size is read: the source may be a remote's file anyone could replace.
  let data: Buffer;
  try {
    data = readRegularSync(source, expected.size === undefined ? {} : { maxBytes: expected.size });
  } catch (error) {
    if (error instanceof MvError && error.code === 'UNEXPECTED_FILE') throw new MvError('CORRUPT_COPY', `${error.message} It does not hold ${expected.oid}, and was not copied.`, { details: { oid: expected.oid }, cause: error });
    throw error;
  }
  const oid = hashBuffer(data);
  if (oid !== expected.oid || (expected.size !== undefined && data.byteLength !== expected.size)) {
    throw new MvError('CORRUPT_COPY', `${displayPath(source)} does not hold ${expected.oid} (it hashes to ${shortOid(oid)}, ${data.byteLength} bytes); it was not copied.`, {
      details: { oid: expected.oid },
    });
  }
  try {
    writeFileSync(dest, data, { flag: 'wx', mode });
  } catch (error) {
    rmSync(dest, { force: true });
    throw error;
  }
}

/** The stat data the stat cache keeps, of the file at `path`. */
export function fileStamp(path: string): FileStamp {
  const { ino, size, mtimeMs, ctimeMs } = statData(path);
  return { ino, size, mtimeMs, ctimeMs };
}

/**
 * Copies a small cache object to `dest` (a new file, created exclusively) after checking it hashes to
 * `oid`, and returns its stat data for the stat cache.
 */
export function writeSmallSync(source: string, dest: string, mode: number, oid: Oid): FileStamp {
  try {
    copyVerifiedSync(source, dest, { oid }, mode);
  } catch (error) {
    if (error instanceof MvError && error.code === 'CORRUPT_COPY') {
      throw new MvError('CORRUPT_OBJECT', `Cache object ${oid} (${source}) does not match its content; it was not checked out.`, {
        hint: 'Run `mvr verify` to move damaged objects aside, then `mvr fetch` the version from a remote (or add it again).',
      });
    }
    throw error;
  }
  return fileStamp(dest);
}

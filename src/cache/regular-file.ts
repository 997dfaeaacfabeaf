/**
 * Reading a file someone else controls (a folder remote's objects, recipes and packs): only a regular file
 * is read, opened without following a final link and without waiting on a pipe, and never past what the
 * caller can expect of it. A link to `/dev/zero`, a FIFO or a sparse file of terabytes in a shared folder
 * is refused at once instead of filling memory or hanging the command.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { Readable } from 'node:stream';
import { STREAM_CHUNK } from './hash.js';
import { open, type FileHandle } from 'node:fs/promises';
import { displayPath } from '../display-text.js';
import { MvError } from '../errors.js';

/** How a file is opened for reading: no final link followed, no wait for a pipe's writer. */
export const READ_REGULAR_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

export interface Bounds {
  /** The size the file must have, when it is known. */
  size?: number | undefined;
  /** The most bytes the file may hold. */
  maxBytes?: number | undefined;
}

/** The error for a file that is not a regular file of the expected size; `ELOOP` from a final link is one. */
export function unexpectedFile(path: string, what: string): MvError {
  return new MvError('UNEXPECTED_FILE', `${displayPath(path)} is ${what}; it was not read.`, {
    hint: 'The folder holds something mv did not write there: run `mvr verify -r <remote> --rehash-remote`, and push the versions it names again from a clone that holds them.',
    details: { path },
  });
}

/** Checks what an opened file is; throws `unexpectedFile` unless it is a regular file within `bounds`. */
export function checkOpened(path: string, info: Stats, bounds: Bounds = {}): void {
  if (!info.isFile()) throw unexpectedFile(path, info.isFIFO() ? 'a pipe, not a file' : info.isCharacterDevice() || info.isBlockDevice() ? 'a device, not a file' : info.isDirectory() ? 'a folder, not a file' : 'not a regular file');
  if (bounds.size !== undefined && info.size !== bounds.size) throw unexpectedFile(path, `${info.size} bytes where ${bounds.size} were expected`);
  if (bounds.maxBytes !== undefined && info.size > bounds.maxBytes) throw unexpectedFile(path, `${info.size} bytes, more than the ${bounds.maxBytes} it may hold`);
}

/** `fs` errors of opening a final link with O_NOFOLLOW, as `unexpectedFile`; others as they are. */
function linkRefused(error: unknown, path: string): unknown {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ELOOP' ? unexpectedFile(path, 'a symbolic link, not a file') : error;
}

/** Opens `path` for reading if it is a regular file within `bounds`; the caller closes the handle. */
export async function openRegular(path: string, bounds: Bounds = {}): Promise<{ handle: FileHandle; size: number }> {
  const handle = await open(path, READ_REGULAR_FLAGS).catch((error: unknown) => {
    throw linkRefused(error, path);
  });
  try {
    const info = await handle.stat();
    checkOpened(path, info, bounds);
    return { handle, size: info.size };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** Throws unless `path` is a regular file within `bounds` (nothing of it is read). */
export async function requireRegular(path: string, bounds: Bounds = {}): Promise<void> {
  await (await openRegular(path, bounds)).handle.close();
}

/** The bytes of the regular file `path` (at most its size when opened, so a file that grows is not followed). */
export async function readRegular(path: string, bounds: Bounds = {}): Promise<Buffer> {
  const { handle, size } = await openRegular(path, bounds);
  try {
    const buffer = Buffer.alloc(size);
    let filled = 0;
    while (filled < size) {
      const { bytesRead } = await handle.read(buffer, filled, size - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return filled === size ? buffer : buffer.subarray(0, filled);
  } finally {
    await handle.close();
  }
}

/** `readRegular`, synchronously (the file pool's workers). */
export function readRegularSync(path: string, bounds: Bounds = {}): Buffer {
  let fd: number;
  try {
    fd = openSync(path, READ_REGULAR_FLAGS);
  } catch (error) {
    throw linkRefused(error, path);
  }
  try {
    const info = fstatSync(fd);
    checkOpened(path, info, bounds);
    const buffer = Buffer.alloc(info.size);
    let filled = 0;
    while (filled < info.size) {
      const read = readSync(fd, buffer, filled, info.size - filled, filled);
      if (read === 0) break;
      filled += read;
    }
    return filled === info.size ? buffer : buffer.subarray(0, filled);
  } finally {
    closeSync(fd);
  }
}

/**
 * A stream of the regular file `path` from `start` to before `end` (its end by default), opened and checked
 * before it is returned, so that a missing file or one of the wrong kind fails here and not mid-pipeline.
 * The stream closes the file when it ends or is destroyed.
 */
export async function openRegularStream(path: string, range: { start?: number; end?: number; signal?: AbortSignal | undefined } = {}): Promise<Readable> {
  range.signal?.throwIfAborted();
  const { handle } = await openRegular(path);
  try {
    range.signal?.throwIfAborted();
    const start = range.start ?? 0;
    // An empty range is an empty stream (a read stream takes `end` inclusive, so it cannot say "none").
    if (range.end !== undefined && range.end <= start) {
      await handle.close();
      return Readable.from([]);
    }
    return handle.createReadStream({ start, ...(range.end === undefined ? {} : { end: range.end - 1 }), highWaterMark: STREAM_CHUNK, ...(range.signal ? { signal: range.signal } : {}) });
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/**
 * Writing one object to a file, verified, then renamed into place. Large objects are written to a
 * partial file named after the object, which survives an interrupted transfer: the next try hashes the
 * bytes already there and asks the source only for the rest. Bytes that turn out wrong are never renamed
 * into place, and a partial file that produced a corrupt object is deleted so the next try starts afresh.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MvError, errnoCode } from '../errors.js';
import { STREAM_CHUNK } from '../cache/hash.js';
import { oidFromHex, type Oid } from '../cache/oid.js';
import { StallGuard, VerifyingStream, corrupt } from './transfer-streams.js';

/** Objects at least this large are transferred through a partial file that survives interruption. */
export const RESUMABLE_SIZE = 8 * 1024 * 1024;

export interface VerifiedWrite {
  oid: Oid;
  size: number;
  /** The file the bytes go to before `finish` moves them into place; kept after a failure when `resumable`. */
  temp: string;
  resumable: boolean;
  /** Where the bytes come from, for messages (a remote, never with credentials). */
  where: string;
  /** Opens the source at byte `start`. */
  open: (start: number) => Promise<Readable>;
  /** Moves the complete, verified temp file into place. */
  finish: (temp: string) => Promise<void>;
  stallTimeoutMs: number;
  onBytes?: ((bytes: number) => void) | undefined;
  signal?: AbortSignal | undefined;
}

export async function writeVerified(write: VerifiedWrite): Promise<void> {
  const have = write.resumable ? await existingBytes(write.temp, write.size) : 0;
  const hash = createHash('sha256');
  try {
    if (have > 0) {
      await pipeline(createReadStream(write.temp, { start: 0, end: have - 1, highWaterMark: STREAM_CHUNK }), async (source: AsyncIterable<Buffer>) => {
        for await (const chunk of source) hash.update(chunk);
      });
      write.onBytes?.(have);
    }
    if (have < write.size || write.size === 0) {
      const source = await write.open(have);
      await pipeline(
        source,
        new StallGuard(write.stallTimeoutMs, `The transfer of ${write.oid} from ${write.where}`),
        new VerifyingStream(write.oid, write.size, write.where, { resume: { hash, bytes: have }, onBytes: write.onBytes }),
        createWriteStream(write.temp, { flags: write.resumable ? 'a' : 'wx', mode: 0o644, highWaterMark: STREAM_CHUNK }),
        ...(write.signal ? [{ signal: write.signal }] : []),
      );
    } else if (oidFromHex(hash.digest('hex')) !== write.oid) {
      throw corrupt(write.oid, write.where, 'a partial download that does not match');
    }
    await write.finish(write.temp);
  } catch (error) {
    const keep = write.resumable && !(error instanceof MvError && error.code === 'CORRUPT_DOWNLOAD');
    if (!keep) await rm(write.temp, { force: true });
    throw error;
  }
}

async function existingBytes(path: string, size: number): Promise<number> {
  try {
    const found = (await stat(path)).size;
    if (found <= size) return found;
    await rm(path, { force: true });
    return 0;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return 0;
    throw error;
  }
}

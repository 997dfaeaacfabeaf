/** Streaming SHA-256: constant memory whatever the file size. */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { open } from 'node:fs/promises';
import { oidFromHex, type Oid } from './oid.js';

/** Read size for streaming: large enough that per-chunk overhead vanishes next to hashing. */
export const STREAM_CHUNK = 4 * 1024 * 1024;

export interface Hashed {
  oid: Oid;
  size: number;
}

export function hashBuffer(data: Uint8Array | string): Oid {
  return oidFromHex(createHash('sha256').update(data).digest('hex'));
}

/** A pass-through stream that hashes and counts what flows through it. */
export class HashingStream extends Transform {
  private readonly hash: Hash = createHash('sha256');
  size = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    callback(null, chunk);
  }

  digest(): Hashed {
    return { oid: oidFromHex(this.hash.digest('hex')), size: this.size };
  }
}

/**
 * Hashes a file with two buffers in turn: the next chunk is read on the I/O threads while the current one
 * is hashed, so reading and hashing overlap (at most 16 MiB of memory whatever the file size). The
 * buffers are no larger than the file (and a byte, to see its end in one read): re-hashing a cache of
 * small objects must not allocate 16 MiB for each. An aborted `signal` stops it at the next chunk.
 */
export async function hashFile(path: string, signal?: AbortSignal): Promise<Hashed> {
  const file = await open(path, 'r');
  try {
    const hash = createHash('sha256');
    const length = Math.min(STREAM_CHUNK * 2, (await file.stat()).size + 1);
    const buffers = [Buffer.allocUnsafe(length), Buffer.allocUnsafe(length)];
    let size = 0;
    let turn = 0;
    let reading = file.read(buffers[0]!, 0, buffers[0]!.length, 0);
    for (;;) {
      const { bytesRead } = await reading;
      signal?.throwIfAborted();
      if (bytesRead === 0) break;
      const current = buffers[turn % 2]!;
      size += bytesRead;
      reading = file.read(buffers[(turn + 1) % 2]!, 0, current.length, size);
      hash.update(current.subarray(0, bytesRead));
      turn++;
    }
    return { oid: oidFromHex(hash.digest('hex')), size };
  } finally {
    await file.close();
  }
}

/** Streaming SHA-256: constant memory whatever the file size. */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
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

export async function hashFile(path: string): Promise<Hashed> {
  const hash = createHash('sha256');
  let size = 0;
  await pipeline(createReadStream(path, { highWaterMark: STREAM_CHUNK }), async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) {
      hash.update(chunk);
      size += chunk.length;
    }
  });
  return { oid: oidFromHex(hash.digest('hex')), size };
}

/** A stream step that fails past a number of bytes: for reads whose source could send without end. */
import { Transform, type Readable, type TransformCallback } from 'node:stream';

/** Fails a stream past `max` bytes (an object past its recorded size, or past a bound when none is recorded). */
export class ByteLimit extends Transform {
  private seen = 0;

  constructor(
    private readonly max: number,
    private readonly tooLarge: () => Error,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.seen += chunk.byteLength;
    if (this.seen > this.max) return done(this.tooLarge());
    done(null, chunk);
  }
}

/**
 * All of `source` in one buffer, failing with `tooLarge()` past `max` bytes (undefined: no bound); the
 * source is destroyed then, so nothing more is read.
 */
export async function collectAtMost(source: Readable, max: number | undefined, tooLarge: () => Error): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of source) {
    length += (chunk as Buffer).byteLength;
    if (max !== undefined && length > max) {
      source.destroy();
      throw tooLarge();
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, length);
}

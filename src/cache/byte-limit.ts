/** A stream step that fails past a number of bytes: for reads whose source could send without end. */
import { Transform, type TransformCallback } from 'node:stream';

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

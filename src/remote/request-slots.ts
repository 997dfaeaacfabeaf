/**
 * The requests a command has in flight, as one pool shared by every transfer: whole objects, multipart
 * parts, packs and ranged reads each hold a slot for as long as their bytes move, so `-j N` bounds what
 * is on the wire however the work is split (see concurrency.ts).
 */
import type { Readable } from 'node:stream';
import pLimit, { type LimitFunction } from 'p-limit';

export class RequestSlots {
  private readonly limit: LimitFunction;

  constructor(readonly size: number) {
    this.limit = pLimit(size);
  }

  /** Runs a request whose bytes have all moved when its promise settles. */
  run<T>(request: () => Promise<T>): Promise<T> {
    return this.limit(request);
  }

  /** Opens a response body: the slot is held until the stream closes (consumed, failed or destroyed). */
  async stream(open: () => Promise<Readable>): Promise<Readable> {
    const release = await this.acquire();
    let stream: Readable;
    try {
      stream = await open();
    } catch (error) {
      release();
      throw error;
    }
    if (stream.closed || stream.destroyed) release();
    else stream.once('close', release);
    return stream;
  }

  /** A slot, held until the returned function is called (once; later calls do nothing). */
  acquire(): Promise<() => void> {
    return new Promise((granted) => {
      void this.limit(
        () =>
          new Promise<void>((done) => {
            let released = false;
            granted(() => {
              if (released) return;
              released = true;
              done();
            });
          }),
      );
    });
  }
}

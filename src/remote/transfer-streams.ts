/**
 * Streams that guard a transfer: `VerifyingStream` hashes what passes and withholds the last chunk until
 * the bytes are known to hash to the expected oid, so a receiver that needs the declared length (an HTTP
 * upload, a file renamed on completion) never gets a complete but wrong object; `StallGuard` fails a
 * transfer that stops moving.
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { MvError } from '../errors.js';
import { oidFromHex, shortOid, type Oid } from '../cache/oid.js';

export class VerifyingStream extends Transform {
  private readonly hash: Hash;
  private seen: number;

  /** `resume`: the hash state and count of bytes that came before this stream (a resumed transfer). */
  constructor(
    private readonly oid: Oid,
    private readonly size: number,
    private readonly where: string,
    options: { resume?: { hash: Hash; bytes: number }; onBytes?: ((bytes: number) => void) | undefined } = {},
  ) {
    super();
    this.hash = options.resume?.hash ?? createHash('sha256');
    this.seen = options.resume?.bytes ?? 0;
    this.onBytes = options.onBytes;
  }

  private readonly onBytes: ((bytes: number) => void) | undefined;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.seen += chunk.length;
    this.hash.update(chunk);
    this.onBytes?.(chunk.length);
    if (this.seen > this.size) return callback(corrupt(this.oid, this.where, `more than the expected ${this.size} bytes`));
    if (this.seen === this.size) {
      const problem = this.check();
      if (problem) return callback(problem);
    }
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.seen < this.size) return callback(incomplete(this.oid, this.where, this.seen, this.size));
    // A zero-byte object has no chunk to check in _transform.
    callback(this.size === 0 ? this.check() : null);
  }

  private check(): MvError | null {
    const got = oidFromHex(this.hash.digest('hex'));
    return got === this.oid ? null : corrupt(this.oid, this.where, `content that hashes to ${shortOid(got)}`);
  }
}

/**
 * The least a transfer must move in each stall timeout: a sender that drips a few bytes at a time would
 * otherwise hold a command forever without ever stalling.
 */
export const MIN_PROGRESS = 16 * 1024;

export class StallGuard extends Transform {
  private timer: NodeJS.Timeout | undefined;
  /** Bytes since the timer was last armed. */
  private moved = 0;

  constructor(
    private readonly timeoutMs: number,
    private readonly what: string,
  ) {
    super();
    this.arm();
    this.once('close', () => clearTimeout(this.timer));
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.moved += chunk.byteLength;
    if (this.moved >= MIN_PROGRESS) this.arm();
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    clearTimeout(this.timer);
    callback();
  }

  private arm(): void {
    clearTimeout(this.timer);
    this.moved = 0;
    this.timer = setTimeout(() => {
      this.destroy(stalled(`${this.what} received less than ${MIN_PROGRESS / 1024} KiB in ${Math.round(this.timeoutMs / 1000)} s.`));
    }, this.timeoutMs);
    this.timer.unref();
  }
}

function stalled(message: string): MvError {
  return new MvError('STALLED_TRANSFER', message, { hint: 'Check the network or the storage service, then run the command again; it resumes.' });
}

export function corrupt(oid: Oid, where: string, what: string): MvError {
  return new MvError('CORRUPT_DOWNLOAD', `Object ${shortOid(oid)} from ${where} has the wrong content (${what}); it was not stored.`, {
    hint: 'Run the command again; if it persists, the object on the remote is damaged: push it again from a clone that has it.',
    details: { oid, remote: where },
  });
}

export function incomplete(oid: Oid, where: string, got: number, size: number): MvError {
  return new MvError('INCOMPLETE_TRANSFER', `Object ${shortOid(oid)} from ${where} ended after ${got} of ${size} bytes.`, {
    hint: 'Run the command again; it resumes where it stopped.',
    details: { oid, remote: where },
  });
}

/** A cache object that does not hash to its oid while it is uploaded: nothing was stored on the remote. */
export function corruptSource(oid: Oid, where: string): MvError {
  return new MvError('CORRUPT_OBJECT', `The cache object ${oid} does not match its content; it was not uploaded to ${where}.`, {
    hint: 'Run `mvr verify` to find damaged cache objects, then re-add or fetch them.',
    details: { oid },
  });
}

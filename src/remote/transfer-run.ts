/**
 * Carrying out one batch of object transfers: bounded parallelism, retries per object, progress, and
 * every failure collected (named by object, path and remote) instead of stopping at the first. A failure
 * that will repeat for every object (no credentials, no bucket, disk full, Ctrl-C) stops the batch.
 */
import { setMaxListeners } from 'node:events';
import pLimit from 'p-limit';
import { MvError, type ErrorCode } from '../errors.js';
import type { Oid } from '../cache/oid.js';
import type { TransferPools } from './concurrency.js';
import { isEnvironmentFailure, withRetry, type RetryPolicy } from './retry.js';
import { FATAL_CODES, describeFailure } from './s3-errors.js';

export interface TransferItem {
  oid: Oid;
  /** Repository-relative path, for messages. */
  path: string;
  size: number | undefined;
}

export interface TransferFailure {
  oid: Oid;
  path: string;
  remote: string;
  code: ErrorCode;
  message: string;
}

export interface TransferProgress {
  phase: 'checking' | 'uploading' | 'downloading';
  objects: number;
  totalObjects: number;
  bytes: number;
  totalBytes: number;
}

export interface TransferRunOptions {
  remote: string;
  pools: TransferPools;
  policy: RetryPolicy;
  signal?: AbortSignal | undefined;
  onProgress?: ((progress: TransferProgress) => void) | undefined;
  onRetry?: ((item: TransferItem, error: unknown, delayMs: number) => void) | undefined;
  /**
   * Items whose work is handed to worker threads in batches (small copies between local file systems):
   * `pools.queuedCopies` of them are queued, so that each thread always has a batch in hand.
   */
  batched?: ((item: TransferItem) => boolean) | undefined;
}

/** One transfer; it may return the bytes it actually sent when that is not the item's size (chunked uploads). */
export type TransferWork<T extends TransferItem> = (item: T, context: { signal: AbortSignal; onBytes: (bytes: number) => void }) => Promise<void | { bytes: number }>;

export class TransferRun {
  readonly failures: TransferFailure[] = [];
  /** The failure that stopped the batch, if one did: an MvError, or a bug (any other error), passed on as it is. */
  fatal: unknown;
  bytes = 0;
  objects = 0;
  private readonly stop = new AbortController();
  private readonly signal: AbortSignal;

  constructor(private readonly options: TransferRunOptions) {
    this.signal = options.signal ? AbortSignal.any([options.signal, this.stop.signal]) : this.stop.signal;
    // Every request in flight listens for the stop.
    setMaxListeners(0, this.signal);
  }

  /**
   * Transfers `items` with `work`; returns the oids that succeeded. `settled` hears of each item once it
   * is done with, whether it succeeded, failed or was skipped after a stop.
   */
  async run<T extends TransferItem>(phase: TransferProgress['phase'], items: T[], work: TransferWork<T>, settled?: (item: T) => void): Promise<Set<Oid>> {
    const done = new Set<Oid>();
    const totalBytes = items.reduce((sum, item) => sum + (item.size ?? 0), 0);
    let objects = 0;
    let bytes = 0;
    const report = () => this.options.onProgress?.({ phase, objects, totalObjects: items.length, bytes, totalBytes });
    const limit = pLimit(this.options.pools.transfers);
    const wide = pLimit(this.options.pools.queuedCopies);
    report();
    await Promise.all(
      items.map((item) =>
        (this.options.batched?.(item) ? wide : limit)(async () => {
          try {
            if (this.signal.aborted) return;
            let attemptBytes = 0;
            const onBytes = (n: number) => {
              attemptBytes += n;
              bytes += n;
              report();
            };
            try {
              const outcome = await withRetry(
                async () => {
                  bytes -= attemptBytes;
                  attemptBytes = 0;
                  return work(item, { signal: this.signal, onBytes });
                },
                { policy: this.options.policy, signal: this.signal, onRetry: (error, delay) => this.options.onRetry?.(item, error, delay) },
              );
              done.add(item.oid);
              objects++;
              this.objects++;
              this.bytes += outcome ? outcome.bytes : (item.size ?? attemptBytes);
              report();
            } catch (error) {
              this.fail(item, error);
            }
          } finally {
            settled?.(item);
          }
        }),
      ),
    );
    return done;
  }

  /** Records a failure for `item` (also used for objects that could not even be attempted). */
  fail(item: TransferItem, error: unknown): void {
    if (this.options.signal?.aborted) {
      this.fatal ??= asMvError(this.options.signal.reason);
      return;
    }
    // Once stopped, later errors are consequences of the stop.
    if (this.fatal !== undefined) return;
    // A bug stops the batch and surfaces as itself, never as one more object that did not transfer.
    if ((error instanceof MvError && FATAL_CODES.has(error.code)) || !isEnvironmentFailure(error)) {
      this.fatal = error;
      this.stop.abort(error);
      return;
    }
    this.failures.push({
      oid: item.oid,
      path: item.path,
      remote: this.options.remote,
      code: error instanceof MvError ? error.code : 'TRANSFER_ERROR',
      message: describeFailure(error),
    });
  }

  /** Throws the stopping failure, or one error listing every failed object, if anything failed. */
  throwIfFailed(verb: 'pushed to' | 'fetched from', summary: Record<string, unknown>): void {
    if (this.fatal instanceof MvError) {
      throw new MvError(this.fatal.code, this.fatal.message, { ...(this.fatal.hint ? { hint: this.fatal.hint } : {}), details: { ...this.fatal.details, ...summary } });
    }
    // A bug is passed on as it was thrown, to be reported as one.
    // eslint-disable-next-line @typescript-eslint/only-throw-error
    if (this.fatal !== undefined) throw this.fatal;
    if (this.failures.length === 0) return;
    const shown = this.failures.slice(0, 10).map((f) => `\n  ${f.path} (${f.oid}): ${f.message}`).join('');
    const more = this.failures.length > 10 ? `\n  … and ${this.failures.length - 10} more` : '';
    throw new MvError('TRANSFER_FAILED', `${this.failures.length} object(s) could not be ${verb} ${this.options.remote}:${shown}${more}`, {
      hint: failureHint(verb, this.failures),
      details: { remote: this.options.remote, failures: this.failures, ...summary },
    });
  }
}

function asMvError(reason: unknown): MvError {
  return reason instanceof MvError ? reason : new MvError('INTERRUPTED', 'Interrupted; nothing was left half-written.', { hint: 'Run the command again to finish.' });
}

/** What to do about failed objects: retrying cannot bring back what the remote never had or holds damaged, nor what this clone lacks. */
function failureHint(verb: 'pushed to' | 'fetched from', failures: Array<{ code: string }>): string {
  const all = (...codes: string[]) => failures.every((f) => codes.includes(f.code));
  if (verb === 'fetched from' && all('CORRUPT_DOWNLOAD', 'UNEXPECTED_FILE')) {
    return 'The remote holds these objects damaged: `mvr verify -r <remote> --rehash-remote` removes them from it and names the versions; then `mvr push <version> --recheck` from a clone that holds them, and fetch again.';
  }
  if (!all('OBJECT_MISSING')) return 'Run the command again: objects that arrived are not sent again, and large ones resume. Use --json for the full list.';
  return verb === 'fetched from'
    ? 'The remote never received these objects: push the version from a clone that has them (`mvr push <ref>`, or `mvr push --all`), then fetch again.'
    : "This clone's cache lacks these objects: fetch them first (`mvr fetch <ref>`), or push from a clone that has them.";
}

/**
 * Many small files on several threads: the one pool of worker threads that runs the synchronous file work
 * of file-jobs.ts — storing files into the cache, placing cache objects into the work tree, and verified
 * copies between the cache and a folder remote. For thousands of small files the cost is per-file
 * system-call latency, not hashing: it divides across cores, and threads overlap the waits of a network
 * share. The threads are started when first needed and kept (unref'd, so an idle pool never keeps the
 * process alive).
 *
 * The worker is the compiled `file-worker.js` beside this module (dist/, or the bundle's own entry).
 * Running from the TypeScript sources (the library's tests) there is none, and the same jobs run on the
 * calling thread.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { isErrorCode, MvError } from '../errors.js';
import type { LinkMode } from './adopt.js';
import { runJob, type CopyItem, type JobFailure, type PlaceItem, type PoolJob, type PoolReply } from './file-jobs.js';
import type { Hashed } from './hash.js';
import type { FileStamp } from './stat-cache.js';

export type { CopyItem, PlaceItem };

/** Below this many files a pool costs more to start than it saves. */
export const POOL_THRESHOLD = 2000;
const BATCH = 256;
/** Threads at most: the work is short, and the machine's cores are shared with the rest of the command. */
const MAX_THREADS = 4;

const WORKER = new URL('./file-worker.js', import.meta.url);

class FilePool {
  private readonly idle: Worker[] = [];
  private readonly waiting: Array<(worker: Worker | undefined) => void> = [];
  private started = 0;
  private readonly inline = !existsSync(fileURLToPath(WORKER));

  /** Runs one job on a free thread (starting one while fewer than MAX_THREADS run); `stop` is the run's abort flag. */
  async run(job: PoolJob, stop: SharedArrayBuffer): Promise<PoolReply> {
    if (this.inline) return runJob(job, new Int32Array(stop));
    const worker = await this.acquire();
    worker.ref();
    let reply: PoolReply;
    try {
      reply = await new Promise<PoolReply>((resolve, reject) => {
        const onMessage = (message: PoolReply) => {
          worker.off('error', onError);
          resolve(message);
        };
        const onError = (error: Error) => {
          worker.off('message', onMessage);
          reject(error);
        };
        worker.once('message', onMessage);
        worker.once('error', onError);
        worker.postMessage({ job, stop });
      });
    } catch (error) {
      // A thread that failed (out of memory, killed) is not used again.
      this.started--;
      void worker.terminate();
      this.hand(undefined);
      throw error;
    } finally {
      worker.unref();
    }
    this.hand(worker);
    return reply;
  }

  private hand(worker: Worker | undefined): void {
    const next = this.waiting.shift();
    if (next) next(worker);
    else if (worker) this.idle.push(worker);
  }

  private async acquire(): Promise<Worker> {
    const ready = this.idle.pop();
    if (ready) return ready;
    if (this.started < MAX_THREADS) {
      this.started++;
      const worker = new Worker(WORKER);
      worker.unref();
      return worker;
    }
    const handed = await new Promise<Worker | undefined>((resolve) => this.waiting.push(resolve));
    return handed ?? this.acquire();
  }
}

const pool = new FilePool();

interface PoolOptions {
  /** Batches in flight at most (the command's `TransferPools.copierThreads`); the pool's own cap by default. */
  threads?: number;
  /** Called after each batch with the index of its first item and its length. */
  onBatch?: (start: number, count: number) => void;
  signal?: AbortSignal;
}

/** The error a failed item of a job stands for, in the calling thread. */
function jobError(failed: JobFailure, index: number): Error {
  return failed.mv
    ? new MvError(isErrorCode(failed.code) ? failed.code : 'FILE_OPERATION_FAILED', failed.message, { hint: failed.hint, details: failed.details })
    : Object.assign(new Error(failed.message), { code: failed.code, index });
}

/**
 * Runs `items` in batches on the pool; results come back in the order of `items`. After a failure no new
 * batch starts, and the error is thrown once every batch in flight has ended, so the caller can clean up
 * knowing that nothing is still writing. An abort stops each thread before its next file (a file in hand
 * is finished or removed whole), so a stop does not wait for the rest of a batch.
 */
async function runBatches<I, R>(items: I[], makeJob: (batch: I[]) => PoolJob, options: PoolOptions): Promise<R[]> {
  options.signal?.throwIfAborted();
  const results = new Array<R>(items.length);
  const lanes = Math.max(1, Math.min(availableParallelism(), options.threads ?? MAX_THREADS, Math.ceil(items.length / BATCH)));
  let next = 0;
  let failed: { error: unknown } | undefined;
  const stop = new SharedArrayBuffer(4);
  const raiseStop = () => Atomics.store(new Int32Array(stop), 0, 1);
  options.signal?.addEventListener('abort', raiseStop, { once: true });
  const lane = async () => {
    while (next < items.length && !failed && !options.signal?.aborted) {
      const start = next;
      next += BATCH;
      let reply: PoolReply;
      try {
        reply = await pool.run(makeJob(items.slice(start, start + BATCH)), stop);
      } catch (error) {
        failed ??= { error };
        return;
      }
      if (reply.ok === true) {
        reply.results.forEach((r, i) => (results[start + i] = r as R));
        options.onBatch?.(start, reply.results.length);
      } else if (reply.ok === false) {
        failed ??= { error: 'aborted' in reply ? (options.signal?.reason ?? new Error('file pool stopped')) : jobError(reply, start + reply.index) };
      } else {
        throw new Error('a batch job got a per-item reply');
      }
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane)).finally(() => options.signal?.removeEventListener('abort', raiseStop));
  if (failed) throw failed.error;
  options.signal?.throwIfAborted();
  return results;
}

/** Stores `paths` (absolute, each at most SMALL_FILE bytes) into the cache at `cacheDir`. */
export function ingestMany(job: { cacheDir: string; fsync: boolean; paths: string[]; link?: LinkMode }, options: PoolOptions = {}): Promise<Hashed[]> {
  return runBatches<string, Hashed>(job.paths, (paths) => ({ kind: 'ingest', cacheDir: job.cacheDir, fsync: job.fsync, paths, link: job.link }), options);
}

/** Copies cache objects to their work-tree targets (folders already prepared); returns each target's stat data. */
export function placeMany(items: PlaceItem[], options: PoolOptions = {}): Promise<FileStamp[]> {
  return runBatches<PlaceItem, FileStamp>(items, (batch) => ({ kind: 'place', items: batch }), options);
}

/**
 * Verified copies of small objects, one promise each, as transfers ask for them: whatever is queued when a
 * thread comes free is shared out among the threads, so many waiting copies cost few messages. A copy
 * whose bytes do not hash to its oid fails with `CORRUPT_COPY`, and nothing is written.
 */
export class SmallCopies {
  private readonly queue: Array<{ item: CopyItem; resolve: () => void; reject: (error: unknown) => void }> = [];
  private running = 0;
  private lanes = MAX_THREADS;
  /** Copies are never stopped midway: each is small, and a stop waits for the ones in hand. */
  private readonly noStop = new SharedArrayBuffer(4);

  /** From now on at most `threads` jobs in flight (the pool's own cap still holds). */
  limit(threads: number): this {
    this.lanes = Math.max(1, Math.min(MAX_THREADS, threads));
    return this;
  }

  copy(item: CopyItem): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.running < this.lanes) void this.lane();
    });
  }

  private async lane(): Promise<void> {
    this.running++;
    try {
      while (this.queue.length) {
        const share = this.queue.splice(0, Math.max(1, Math.ceil(this.queue.length / this.running)));
        try {
          const reply = await pool.run({ kind: 'copy', items: share.map((s) => s.item) }, this.noStop);
          if (reply.ok !== 'each') throw new Error('a copy job got a batch reply');
          share.forEach((s, i) => {
            const failed = reply.failures[i];
            if (failed) s.reject(jobError(failed, i));
            else s.resolve();
          });
        } catch (error) {
          for (const s of share) s.reject(error);
        }
      }
    } finally {
      this.running--;
    }
  }
}

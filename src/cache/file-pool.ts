/**
 * Many small files on several cores: batches go to worker threads that run the same synchronous code as
 * the main thread would — storing files into the cache (`LocalCache.ingestSmallSync`) or placing cache
 * objects into the work tree (`writeSmallSync`). For folders of thousands of small files the cost is
 * per-file system-call latency, not hashing, and it divides across cores.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { isErrorCode, MvError } from '../errors.js';
import type { Hashed } from './hash.js';
import type { Oid } from './oid.js';
import type { LinkMode } from './adopt.js';

/** Stat data as decimal strings: [inode, size, mtime ns, ctime ns]. */
export type StatTuple = [string, string, string, string];

export interface PlaceItem {
  source: string;
  /** A new file to create (a temp name beside the work-tree file, or the file inside a folder built aside). */
  target: string;
  mode: number;
  /** What the source must hash to; a damaged object is refused. */
  oid: Oid;
}

export type PoolJob =
  | { kind: 'ingest'; cacheDir: string; fsync: boolean; paths: string[]; link?: LinkMode }
  | { kind: 'place'; items: PlaceItem[] };

export type PoolReply =
  | { ok: true; results: Array<Hashed | StatTuple> }
  | { ok: false; index: number; message: string; code?: string; mv?: boolean; hint?: string }
  /** The batch stopped before item `index` because the run was aborted. */
  | { ok: false; index: number; aborted: true };

/** What a worker is started with: a shared flag, set to 1 when the run is aborted, checked before each file. */
export interface PoolWorkerData {
  stop: SharedArrayBuffer;
}

/** Below this many files a pool costs more to start than it saves. */
export const POOL_THRESHOLD = 2000;
const BATCH = 256;

interface PoolOptions {
  /** Called after each batch with the index of its first item and its length. */
  onBatch?: (start: number, count: number) => void;
  signal?: AbortSignal;
}

/**
 * Runs `items` through workers in batches; results come back in the order of `items`. After a failure no
 * new batch starts, and the error is thrown once every worker has stopped, so the caller can clean up
 * knowing that nothing is still writing. An abort stops each worker before its next file (a file in
 * hand is finished or removed whole), so a stop does not wait for the rest of a batch.
 */
async function runPool<I, R>(items: I[], makeJob: (batch: I[]) => PoolJob, options: PoolOptions): Promise<R[]> {
  options.signal?.throwIfAborted();
  const results = new Array<R>(items.length);
  const workerCount = Math.max(1, Math.min(availableParallelism(), 4, Math.ceil(items.length / BATCH)));
  let next = 0;
  let failed: { error: unknown } | undefined;
  const stopFlag = new SharedArrayBuffer(4);
  const raiseStop = () => Atomics.store(new Int32Array(stopFlag), 0, 1);
  options.signal?.addEventListener('abort', raiseStop, { once: true });
  const runWorker = () =>
    new Promise<void>((resolve) => {
      const worker = new Worker(new URL('./file-worker.js', import.meta.url), { workerData: { stop: stopFlag } satisfies PoolWorkerData });
      let current = -1;
      const stop = () => void worker.terminate().then(() => resolve());
      const dispatch = () => {
        if (next >= items.length || failed || options.signal?.aborted) return stop();
        current = next;
        next += BATCH;
        worker.postMessage(makeJob(items.slice(current, current + BATCH)));
      };
      worker.on('message', (reply: PoolReply) => {
        if (!reply.ok && 'aborted' in reply) {
          failed ??= { error: options.signal?.reason ?? new Error('file pool stopped') };
          return stop();
        }
        if (!reply.ok) {
          // A user-facing error keeps its code and hint; a system error keeps its errno code for the caller to map.
          failed ??= {
            error: reply.mv
              ? new MvError(isErrorCode(reply.code) ? reply.code : 'FILE_OPERATION_FAILED', reply.message, reply.hint ? { hint: reply.hint } : {})
              : Object.assign(new Error(reply.message), { code: reply.code, index: current + reply.index }),
          };
          return stop();
        }
        reply.results.forEach((r, i) => (results[current + i] = r as R));
        options.onBatch?.(current, reply.results.length);
        dispatch();
      });
      worker.on('error', (error) => {
        failed ??= { error };
        resolve();
      });
      dispatch();
    });
  await Promise.all(Array.from({ length: workerCount }, runWorker)).finally(() => options.signal?.removeEventListener('abort', raiseStop));
  if (failed) throw failed.error;
  options.signal?.throwIfAborted();
  return results;
}

/** Stores `paths` (absolute, each at most SMALL_FILE bytes) into the cache at `cacheDir`. */
export function ingestMany(job: { cacheDir: string; fsync: boolean; paths: string[]; link?: LinkMode }, options: PoolOptions = {}): Promise<Hashed[]> {
  return runPool<string, Hashed>(job.paths, (paths) => ({ kind: 'ingest', cacheDir: job.cacheDir, fsync: job.fsync, paths, ...(job.link ? { link: job.link } : {}) }), options);
}

/** Copies cache objects to their work-tree targets (folders already prepared); returns each target's stat data. */
export function placeMany(items: PlaceItem[], options: PoolOptions = {}): Promise<StatTuple[]> {
  return runPool<PlaceItem, StatTuple>(items, (batch) => ({ kind: 'place', items: batch }), options);
}

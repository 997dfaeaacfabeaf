/**
 * Storing many small files on several cores: batches of paths go to worker threads, each hashing and
 * storing with the same write-once code as the main thread (`LocalCache.ingestSmallSync`). Used for folders
 * with thousands of new small files, where per-file system-call latency, not hashing, is the cost.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { MvError } from '../errors.js';
import type { Hashed } from './hash.js';

export interface IngestJob {
  cacheDir: string;
  fsync: boolean;
  paths: string[];
}

export type IngestReply =
  | { ok: true; results: Hashed[] }
  | { ok: false; index: number; message: string; code?: string; mv?: boolean; hint?: string };

/** Below this many files a pool costs more to start than it saves. */
export const POOL_THRESHOLD = 2000;
const BATCH = 256;

/**
 * Ingests `paths` (absolute, each at most SMALL_FILE bytes) into the cache at `cacheDir`; results are in
 * the same order as `paths`. `onBatch` reports progress; `signal` stops handing out new batches.
 */
export async function ingestMany(
  job: { cacheDir: string; fsync: boolean; paths: string[] },
  options: { onBatch?: (count: number, bytes: number) => void; signal?: AbortSignal } = {},
): Promise<Hashed[]> {
  const results = new Array<Hashed>(job.paths.length);
  const workerCount = Math.max(1, Math.min(availableParallelism(), 4, Math.ceil(job.paths.length / BATCH)));
  let next = 0;
  const runWorker = () =>
    new Promise<void>((resolve, reject) => {
      const worker = new Worker(new URL('./ingest-worker.js', import.meta.url));
      let current = -1;
      const dispatch = () => {
        if (next >= job.paths.length || options.signal?.aborted) {
          void worker.terminate().then(() => resolve());
          return;
        }
        current = next;
        next += BATCH;
        const message: IngestJob = { cacheDir: job.cacheDir, fsync: job.fsync, paths: job.paths.slice(current, current + BATCH) };
        worker.postMessage(message);
      };
      worker.on('message', (reply: IngestReply) => {
        if (!reply.ok) {
          void worker.terminate();
          // A user-facing error keeps its code and hint; a system error keeps its errno code for the caller to map.
          reject(
            reply.mv
              ? new MvError(reply.code ?? 'INGEST_FAILED', reply.message, reply.hint ? { hint: reply.hint } : {})
              : Object.assign(new Error(reply.message), { code: reply.code, path: job.paths[current + reply.index] }),
          );
          return;
        }
        reply.results.forEach((r, i) => (results[current + i] = r));
        options.onBatch?.(reply.results.length, reply.results.reduce((sum, r) => sum + r.size, 0));
        dispatch();
      });
      worker.on('error', reject);
      dispatch();
    });
  await Promise.all(Array.from({ length: workerCount }, runWorker));
  options.signal?.throwIfAborted();
  return results;
}

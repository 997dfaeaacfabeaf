/**
 * `-j N`: at most N transfers in flight, whatever the command. Every bound on parallel work (sockets,
 * multipart parts, small copies, presence checks, deletions, ranged reads, files hashed or written here)
 * is derived from that one number by `transferPools`, and nowhere else.
 */
import { UsageError } from '../errors.js';

export const MAX_JOBS = 256;

/** `-j` when neither the command line nor the remote's `jobs` setting gives one. */
export const DEFAULT_JOBS = { directory: 8, s3: 16, local: 8 } as const;

/** Small copies are handed to threads in batches: each thread keeps this many per job queued. */
const QUEUE_PER_JOB = 32;
/** The copies are a few system calls each; more threads than this only add start-up cost. */
const MAX_COPIER_THREADS = 4;
/**
 * Chunking is CPU work, and its cut runs on the main thread, so a second file chunked at once is not
 * chunked faster; it only doubles the buffers and chunk records held (a 10 GiB push of two related files
 * peaked at 376 MiB with two at once, 312 MiB with one, in the same time: bench/README.md). Packs are
 * spooled and uploaded while the chunking goes on, so one file at a time does not wait on the network.
 */
const MAX_CHUNKINGS = 1;

export interface TransferPools {
  jobs: number;
  /** Objects one transfer run moves at once (each one request, or several that share `requests`). */
  transfers: number;
  /**
   * Requests that move bytes, in flight at once across the whole command: whole objects, multipart
   * parts, packs and ranged reads draw from one pool of this size, so one large object can use all of
   * it and many objects share it.
   */
  requests: number;
  /** HTTP connections to an S3 remote: one per request in flight. */
  sockets: number;
  /** Parts of one multipart upload sent at once (within `requests`). */
  uploadParts: number;
  /** Threads that copy small objects between local file systems, and how many copies wait for them. */
  copierThreads: number;
  queuedCopies: number;
  /** Existence checks or listings in flight while finding what a store has. */
  checks: number;
  /** Objects deleted at once (gc, purge). */
  deletions: number;
  /** Files chunked at once during a push. */
  chunkings: number;
  /** Files read, hashed or written at once on this machine (verify, checkout, the cache's gc). */
  localFiles: number;
}

export function transferPools(jobs: number): TransferPools {
  const n = checkJobs(jobs);
  return {
    jobs: n,
    transfers: n,
    requests: n,
    sockets: n,
    uploadParts: n,
    copierThreads: Math.min(n, MAX_COPIER_THREADS),
    queuedCopies: n * QUEUE_PER_JOB,
    checks: n,
    deletions: n,
    chunkings: Math.min(n, MAX_CHUNKINGS),
    localFiles: n,
  };
}

/**
 * The number of transfers a command runs at once: the caller's `jobs` (-j), else the remote's `jobs`
 * setting, else the backend's default. A caller's value that is not a whole number from 1 to 256 is a
 * usage error naming the option.
 */
export function resolveJobs(given: unknown, configured: number | undefined, kind: keyof typeof DEFAULT_JOBS): number {
  if (given !== undefined) return checkJobs(given);
  return configured ?? DEFAULT_JOBS[kind];
}

export function checkJobs(value: unknown, option = 'jobs'): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_JOBS) {
    throw new UsageError(`${option} must be a whole number from 1 to ${MAX_JOBS} (got ${describe(value)}).`, `Pass -j N with N the number of transfers to run at once, e.g. -j 8.`);
  }
  return value;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 40));
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  return typeof value;
}

/**
 * The work of the file pool (file-pool.ts), the same whether a worker thread or the main thread runs it:
 * storing small files into the cache, placing cache objects into the work tree, and verified copies of
 * small objects between local file systems (cache ↔ folder remote).
 */
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { MvError, errnoCode } from '../errors.js';
import { adoptSmallSync, type LinkMode } from './adopt.js';
import type { Hashed } from './hash.js';
import { LocalCache } from './local-cache.js';
import type { Oid } from './oid.js';
import { copyVerifiedSync, writeSmallSync } from './small-file.js';
import type { FileStamp } from './stat-cache.js';

export interface PlaceItem {
  source: string;
  /** A new file to create (a temp name beside the work-tree file, or the file inside a folder built aside). */
  target: string;
  mode: number;
  /** What the source must hash to; a damaged object is refused. */
  oid: Oid;
}

/** A verified copy of a small object: written beside `target` under a temp name, renamed into place. */
export interface CopyItem {
  source: string;
  target: string;
  oid: Oid;
  size: number;
}

export type PoolJob =
  | { kind: 'ingest'; cacheDir: string; fsync: boolean; paths: string[]; link?: LinkMode }
  | { kind: 'place'; items: PlaceItem[] }
  | { kind: 'copy'; items: CopyItem[] };

/** A failure as it crosses a thread boundary: a user-facing error keeps its code and hint, a system error its errno code. */
export interface JobFailure {
  message: string;
  code?: string;
  mv?: boolean;
  hint?: string;
  details?: Record<string, unknown>;
}

export type PoolReply =
  | { ok: true; results: Array<Hashed | FileStamp> }
  /** ingest and place stop at the first failure, at item `index`. */
  | ({ ok: false; index: number } & JobFailure)
  /** The batch stopped before item `index` because the run was aborted. */
  | { ok: false; index: number; aborted: true }
  /** copy goes on after a failure: one outcome per item, undefined for a copy that was made. */
  | { ok: 'each'; failures: Array<JobFailure | undefined> };

let cache: { key: string; cache: LocalCache } | undefined;
/** Folders this thread has made: a copy into one of them skips the mkdir (one system call in eight). */
const madeFolders = new Set<string>();
let tempCounter = 0;

function failure(error: unknown): JobFailure {
  if (error instanceof MvError) return { message: error.message, code: error.code, mv: true, hint: error.hint, details: error.details };
  const code = errnoCode(error);
  return { message: error instanceof Error ? error.message : String(error), ...(code ? { code } : {}) };
}

function copyOne(item: CopyItem, retry = true): void {
  const folder = dirname(item.target);
  if (!madeFolders.has(folder)) {
    mkdirSync(folder, { recursive: true });
    madeFolders.add(folder);
  }
  const temp = join(folder, `.mv-tmp-${process.pid}-${threadId}-${tempCounter++}`);
  try {
    copyVerifiedSync(item.source, temp, item, 0o444);
    renameSync(temp, item.target);
  } catch (error) {
    rmSync(temp, { force: true });
    // A folder made earlier was removed since (gc of an empty fan-out folder): make it again.
    if (retry && errnoCode(error) === 'ENOENT' && !existsSync(folder)) {
      madeFolders.delete(folder);
      return copyOne(item, false);
    }
    throw error;
  }
}

/** Runs one job; `stop` is a shared flag set to 1 when the run is aborted, checked before each file. */
export function runJob(job: PoolJob, stop: Int32Array): PoolReply {
  if (job.kind === 'copy') {
    return {
      ok: 'each',
      failures: job.items.map((item) => {
        try {
          copyOne(item);
          return undefined;
        } catch (error) {
          return failure(error);
        }
      }),
    };
  }
  const results: Array<Hashed | FileStamp> = [];
  const count = job.kind === 'ingest' ? job.paths.length : job.items.length;
  for (let index = 0; index < count; index++) {
    if (Atomics.load(stop, 0) === 1) return { ok: false, index, aborted: true };
    try {
      if (job.kind === 'ingest') {
        const key = `${job.cacheDir}\0${job.fsync}`;
        if (cache?.key !== key) cache = { key, cache: new LocalCache(job.cacheDir, { fsync: job.fsync }) };
        const path = job.paths[index]!;
        results.push(job.link ? adoptSmallSync(cache.cache, path, job.link) : cache.cache.ingestSmallSync(path));
      } else {
        const item = job.items[index]!;
        results.push(writeSmallSync(item.source, item.target, item.mode, item.oid));
      }
    } catch (error) {
      return { ok: false, index, ...failure(error) };
    }
  }
  return { ok: true, results };
}

/** Worker side of `file-pool.ts`: runs each batch it is sent and replies with the results in order. */
import { parentPort, workerData } from 'node:worker_threads';
import { MvError, errnoCode } from '../errors.js';
import { writeSmallSync } from '../workspace/materialize.js';
import type { PoolJob, PoolReply, PoolWorkerData } from './file-pool.js';
import { LocalCache } from './local-cache.js';
import { adoptSmallSync } from './adopt.js';

let cache: LocalCache | undefined;
const stopFlag = new Int32Array((workerData as PoolWorkerData).stop);

function failure(error: unknown, index: number): PoolReply {
  return error instanceof MvError
    ? { ok: false, index, message: error.message, code: error.code, mv: true, ...(error.hint ? { hint: error.hint } : {}) }
    : { ok: false, index, message: error instanceof Error ? error.message : String(error), ...(errnoCode(error) ? { code: errnoCode(error) } : {}) };
}

parentPort?.on('message', (job: PoolJob) => {
  const results: NonNullable<Extract<PoolReply, { ok: true }>['results']> = [];
  const items = job.kind === 'ingest' ? job.paths : job.items;
  for (let index = 0; index < items.length; index++) {
    if (Atomics.load(stopFlag, 0) === 1) {
      parentPort?.postMessage({ ok: false, index, aborted: true } satisfies PoolReply);
      return;
    }
    try {
      if (job.kind === 'ingest') {
        cache ??= new LocalCache(job.cacheDir, { fsync: job.fsync });
        results.push(job.link ? adoptSmallSync(cache, job.paths[index]!, job.link) : cache.ingestSmallSync(job.paths[index]!));
      } else {
        const item = job.items[index]!;
        results.push(writeSmallSync(item.source, item.target, item.mode, item.oid));
      }
    } catch (error) {
      parentPort?.postMessage(failure(error, index));
      return;
    }
  }
  parentPort?.postMessage({ ok: true, results } satisfies PoolReply);
});

/** Worker side of `ingest-pool.ts`: stores each batch of small files it is sent and replies with their oids. */
import { parentPort } from 'node:worker_threads';
import { MvError, errnoCode } from '../errors.js';
import type { IngestJob, IngestReply } from './ingest-pool.js';
import { LocalCache } from './local-cache.js';

let cache: LocalCache | undefined;

parentPort?.on('message', (job: IngestJob) => {
  cache ??= new LocalCache(job.cacheDir, { fsync: job.fsync });
  const results = [];
  for (const [index, path] of job.paths.entries()) {
    try {
      results.push(cache.ingestSmallSync(path));
    } catch (error) {
      const reply: IngestReply =
        error instanceof MvError
          ? { ok: false, index, message: error.message, code: error.code, mv: true, ...(error.hint ? { hint: error.hint } : {}) }
          : { ok: false, index, message: error instanceof Error ? error.message : String(error), ...(errnoCode(error) ? { code: errnoCode(error) } : {}) };
      parentPort?.postMessage(reply);
      return;
    }
  }
  const reply: IngestReply = { ok: true, results };
  parentPort?.postMessage(reply);
});

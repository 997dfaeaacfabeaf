/** Worker side of `file-pool.ts`: runs each job it is sent and replies with the results in order. */
import { parentPort } from 'node:worker_threads';
import { runJob, type PoolJob } from './file-jobs.js';

parentPort?.on('message', ({ job, stop }: { job: PoolJob; stop: SharedArrayBuffer }) => {
  parentPort?.postMessage(runJob(job, new Int32Array(stop)));
});

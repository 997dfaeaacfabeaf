/** The `-j N` option of every command that does parallel I/O: N transfers (or file operations) at once. */
import { InvalidArgumentError, Option } from 'commander';
import { MAX_JOBS } from '../remote/concurrency.js';

export function parseJobs(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_JOBS) throw new InvalidArgumentError(`must be a whole number from 1 to ${MAX_JOBS}.`);
  return n;
}

export const jobsFlag = (what = "parallel transfers (default: the remote's jobs setting, else 8 for folders, 16 for S3)") => new Option('-j, --jobs <n>', what).argParser(parseJobs);

/** Opening the store of a resolved remote: the backend is picked by the URL's scheme. */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { ObjectStore } from '../cache/object-store.js';
import { UsageError } from '../errors.js';
import { resolveJobs, transferPools, type TransferPools } from './concurrency.js';
import { DirectoryStore } from './directory-store.js';
import { RequestSlots } from './request-slots.js';
import type { ResolvedRemote } from './resolve-remote.js';
import { describeSpec } from './url.js';

const DEFAULT_TIMEOUT_S = 60;

export interface OpenStoreOptions {
  /** Parallel transfers (-j); the remote's `jobs` setting, else a default per backend. */
  jobs?: number | undefined;
  /** The repository's state folder (`.git/mv/`), for resumable upload state; absent outside a repository. */
  stateDir?: string | undefined;
  env?: NodeJS.ProcessEnv;
  /** Test and tuning knobs for S3 multipart uploads. */
  multipartThreshold?: number | undefined;
  partSize?: number | undefined;
}

export interface OpenedStore {
  store: ObjectStore;
  jobs: number;
  /** Every bound on parallel work, derived from `jobs`. */
  pools: TransferPools;
  /** The requests in flight, shared by every transfer of the command. */
  slots: RequestSlots;
  /** Stable id of the remote's location, keying its state (presence index, uploads). */
  id: string;
  /** Where per-remote state lives, when there is a repository. */
  remoteStateDir: string | undefined;
  /** A transfer that moves no bytes for this long is dropped (and retried). */
  stallTimeoutMs: number;
}

export function remoteId(remote: ResolvedRemote, env: NodeJS.ProcessEnv = process.env): string {
  const endpoint = remote.spec.kind === 's3' ? (remote.settings.endpoint ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL ?? '') : '';
  return createHash('sha256').update(`${describeSpec(remote.spec)}\n${endpoint}`).digest('hex').slice(0, 24);
}

export async function openStore(remote: ResolvedRemote, options: OpenStoreOptions = {}): Promise<OpenedStore> {
  const env = options.env ?? process.env;
  const jobs = resolveJobs(options.jobs, remote.settings.jobs, remote.spec.kind);
  const pools = transferPools(jobs);
  const slots = new RequestSlots(pools.requests);
  const stallTimeoutMs = (remote.settings.timeout ?? DEFAULT_TIMEOUT_S) * 1000;
  const id = remoteId(remote, env);
  const remoteStateDir = options.stateDir ? join(options.stateDir, 'remotes', id) : undefined;
  const base = { jobs, pools, slots, id, remoteStateDir, stallTimeoutMs };
  if (remote.spec.kind === 'directory') return { ...base, store: new DirectoryStore(remote.spec.path, { stallTimeoutMs, copierThreads: pools.copierThreads, slots }) };
  const multipartThreshold = positiveSize(options.multipartThreshold, 'multipartThreshold') ?? 64 * 1024 * 1024;
  const partSize = positiveSize(options.partSize, 'partSize') ?? 16 * 1024 * 1024;
  const { connectS3 } = await import('./s3-client.js');
  const { S3Store } = await import('./s3-store.js');
  const connection = await connectS3(remote.settings, { sockets: pools.sockets, stallTimeoutMs, env });
  const store = new S3Store(connection.client, {
    bucket: remote.spec.bucket,
    prefix: remote.spec.prefix,
    multipartThreshold,
    partSize,
    partJobs: pools.uploadParts,
    slots,
    stallTimeoutMs,
    stateDir: remoteStateDir && join(remoteStateDir, 'uploads'),
  });
  return { ...base, store };
}

function positiveSize(value: unknown, option: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) throw new UsageError(`${option} must be a whole number of bytes above 0 (got ${typeof value === 'number' ? value : typeof value}).`);
  return value;
}

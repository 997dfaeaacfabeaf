/** Opening the store of a resolved remote: the backend is picked by the URL's scheme. */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { ObjectStore } from '../cache/object-store.js';
import { DirectoryStore } from './directory-store.js';
import type { ResolvedRemote } from './resolve-remote.js';
import { describeSpec } from './url.js';

export const DEFAULT_JOBS = { directory: 8, s3: 16 } as const;
const DEFAULT_TIMEOUT_S = 60;

export interface OpenStoreOptions {
  /** Parallel transfers (-j); the remote's `jobs` setting, else a default per backend. */
  jobs?: number | undefined;
  /** The repository's state folder (`.git/mv/`), for resumable upload state; absent outside a repository. */
  stateDir?: string | undefined;
  env?: NodeJS.ProcessEnv;
  /** Test and tuning knobs for S3 multipart uploads. */
  multipartThreshold?: number;
  partSize?: number;
}

export interface OpenedStore {
  store: ObjectStore;
  jobs: number;
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
  const jobs = options.jobs ?? remote.settings.jobs ?? DEFAULT_JOBS[remote.spec.kind];
  const stallTimeoutMs = (remote.settings.timeout ?? DEFAULT_TIMEOUT_S) * 1000;
  const id = remoteId(remote, env);
  const remoteStateDir = options.stateDir ? join(options.stateDir, 'remotes', id) : undefined;
  if (remote.spec.kind === 'directory') return { store: new DirectoryStore(remote.spec.path, { stallTimeoutMs }), jobs, id, remoteStateDir, stallTimeoutMs };
  const { connectS3 } = await import('./s3-client.js');
  const { S3Store } = await import('./s3-store.js');
  const connection = await connectS3(remote.settings, { sockets: jobs * 2, stallTimeoutMs, env });
  const store = new S3Store(connection.client, {
    bucket: remote.spec.bucket,
    prefix: remote.spec.prefix,
    multipartThreshold: options.multipartThreshold ?? 64 * 1024 * 1024,
    partSize: options.partSize ?? 16 * 1024 * 1024,
    partJobs: Math.max(1, Math.min(jobs, 8)),
    stateDir: remoteStateDir && join(remoteStateDir, 'uploads'),
  });
  return { store, jobs, id, remoteStateDir, stallTimeoutMs };
}

/** A repository's remote, opened for one command: the resolved remote, its store and its presence index. */
import type { ObjectStore } from '../cache/object-store.js';
import type { Repo } from '../repo.js';
import type { TransferPools } from './concurrency.js';
import { checkJobs } from './concurrency.js';
import { openStore } from './open-store.js';
import { PresenceIndex } from './presence-index.js';
import type { RequestSlots } from './request-slots.js';
import { resolveRemote, type ResolvedRemote } from './resolve-remote.js';
import { retryPolicy, type RetryPolicy } from './retry.js';
import { checkRemoteOption } from './transfer-inputs.js';

export interface RemoteSessionOptions {
  /** -r: a remote name or URL. */
  remote?: string | undefined;
  jobs?: number | undefined;
  /** Ignore the presence index and ask the remote. */
  recheck?: boolean | undefined;
  retry?: Partial<RetryPolicy> | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  cwd?: string | undefined;
  /** Tuning for S3 multipart uploads (tests). */
  multipartThreshold?: number | undefined;
  partSize?: number | undefined;
}

export interface RemoteSession {
  remote: ResolvedRemote;
  store: ObjectStore;
  index: PresenceIndex;
  jobs: number;
  pools: TransferPools;
  slots: RequestSlots;
  policy: RetryPolicy;
  stallTimeoutMs: number;
  /** Per-remote state of this clone (`.git/mv/remotes/<id>`). */
  stateDir: string | undefined;
}

/** Checks the options a session takes (usage errors), for a command that may need no session at all. */
export function checkSessionOptions(options: RemoteSessionOptions): { policy: RetryPolicy; remote: string | undefined } {
  const policy = retryPolicy(options.retry);
  if (options.jobs !== undefined) checkJobs(options.jobs);
  return { policy, remote: checkRemoteOption(options.remote) };
}

/** `beforeOpen` runs once the remote is chosen and before anything is asked of it. */
export async function openRemoteSession(repo: Repo, options: RemoteSessionOptions, beforeOpen?: (remote: ResolvedRemote) => Promise<void>): Promise<RemoteSession> {
  const env = options.env ?? process.env;
  const { policy, remote: named } = checkSessionOptions(options);
  const remote = resolveRemote(repo.config, { remote: named, env, baseDir: repo.root, cwd: options.cwd ?? process.cwd() });
  await beforeOpen?.(remote);
  const opened = await openStore(remote, {
    jobs: options.jobs,
    stateDir: repo.stateDir,
    env,
    multipartThreshold: options.multipartThreshold,
    partSize: options.partSize,
  });
  const index = await PresenceIndex.load(opened.remoteStateDir, { ignore: options.recheck ?? false });
  return {
    remote,
    store: opened.store,
    index,
    jobs: opened.jobs,
    pools: opened.pools,
    slots: opened.slots,
    policy,
    stallTimeoutMs: opened.stallTimeoutMs,
    stateDir: opened.remoteStateDir,
  };
}

/**
 * `mv fetch <ref>…`: bring versions' objects from a remote into the cache (verified), and `mv pull`:
 * fetch, then check the versions out. Without refs, the pointers committed at HEAD. Only the artifact's
 * files are fetched unless `lineage` asks for its data, pipeline and params file too.
 */
import { checkout, type CheckoutResult } from './checkout.js';
import { UsageError } from '../errors.js';
import { ALL_ROLES, pointerObjects, type ObjectRole } from '../pointer/objects.js';
import { storedObjects } from '../pointer/stored.js';
import { openRepo, requireInitialized } from '../repo.js';
import { downloadObjects, type DownloadSummary } from '../remote/download.js';
import { chunkedFetch } from '../remote/chunk-session.js';
import { checkSessionOptions, openRemoteSession, type RemoteSessionOptions } from '../remote/remote-session.js';
import { checkRefs } from '../remote/transfer-inputs.js';
import type { TransferProgress } from '../remote/transfer-run.js';
import { allVersions, headVersions, versionsOfRefs } from '../remote/version-sources.js';
import { leftOutNote, throwIfPurged } from '../safety/purge-record.js';
import type { Oid } from '../cache/oid.js';

export interface FetchOptions extends RemoteSessionOptions {
  cwd?: string;
  refs?: string[];
  /** Every registered version, purged ones left out (fetch only: moving to a new remote, a backup). */
  all?: boolean;
  /** Also the data, pipeline and params objects of each version. */
  lineage?: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: TransferProgress) => void;
}

export interface FetchResult extends DownloadSummary {
  remoteName: string | undefined;
  versions: string[];
  warnings: string[];
}

export async function fetch(options: FetchOptions = {}): Promise<FetchResult> {
  return (await fetchObjects(options)).result;
}

async function fetchObjects(options: FetchOptions): Promise<{ result: FetchResult; verified: ReadonlySet<Oid> }> {
  checkRefs(options.refs);
  checkSessionOptions(options);
  const cwd = options.cwd ?? process.cwd();
  const repo = await openRepo(cwd);
  await requireInitialized(repo);
  if (options.all && options.refs?.length) throw new UsageError('Give refs or --all, not both.', 'mvr fetch churn@v1.2.0, or mvr fetch --all for every version.');
  const every = options.all ? await allVersions(repo.git) : undefined;
  const versions = every ? every.kept : options.refs?.length ? await versionsOfRefs(repo.git, repo.root, options.refs) : await headVersions(repo.git);
  const roles: readonly ObjectRole[] = options.lineage ? ALL_ROLES : ['file'];
  const wanted = versions.flatMap((v) => pointerObjects(v.pointer, v.file, roles));
  const ids = [...new Set(versions.map((v) => v.id))];
  const left = leftOutNote(every?.purged ?? []);
  const notes = left ? [`${left}.`] : [];
  // With every object in the cache already (folders' files included), nothing is fetched, so no remote
  // is needed unless one was named: a pull then only checks out.
  if (options.remote === undefined) {
    const stored = await storedObjects(repo.cache, wanted);
    if (stored.missing.length === 0) {
      const result: FetchResult = { remote: '', remoteName: undefined, objects: stored.objects, cached: stored.objects, downloaded: 0, bytes: 0, rebuilt: 0, reusedBytes: 0, notes, versions: ids, warnings: repo.warnings };
      return { result, verified: new Set() };
    }
  }
  const session = await openRemoteSession(repo, { ...options, cwd });
  const { run, verified, ...summary } = await (async () =>
    downloadObjects(
      wanted,
      {
        cache: repo.cache,
        store: session.store,
        index: session.index,
        pools: session.pools,
        policy: session.policy,
        stallTimeoutMs: session.stallTimeoutMs,
        chunked: chunkedFetch(session, { git: repo.git, cache: repo.cache, versions }),
        signal: options.signal,
        onProgress: options.onProgress,
      },
    ))().finally(() => session.store.close?.());
  const result: FetchResult = { ...summary, notes: [...summary.notes, ...notes], remote: session.remote.display, remoteName: session.remote.name, versions: ids, warnings: repo.warnings };
  await throwIfPurged(repo.git, run.failures, versions.map((v) => ({ artifact: v.pointer.name, version: v.pointer.version })));
  run.throwIfFailed('fetched from', { result });
  return { result, verified };
}

export interface PullOptions extends Omit<FetchOptions, 'all'> {
  force?: boolean;
}

export interface PullResult {
  fetch: FetchResult;
  checkout: CheckoutResult;
}

export async function pull(options: PullOptions = {}): Promise<PullResult> {
  const { result: fetched, verified } = await fetchObjects(options);
  // What the fetch just verified is copied into the work tree without being hashed again.
  const base = { cwd: options.cwd ?? process.cwd(), force: options.force ?? false, lineage: options.lineage ?? false, verified, ...(options.jobs !== undefined ? { jobs: options.jobs } : {}), ...(options.signal ? { signal: options.signal } : {}) };
  // Every ref in one checkout: a pull writes all of its versions or none.
  return { fetch: fetched, checkout: await checkout({ ...base, ...(options.refs?.length ? { refs: options.refs } : {}) }) };
}

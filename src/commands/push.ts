/**
 * `mv push [ref…] [--all]`: send the objects of versions to a remote, only those it lacks. Without refs,
 * the pointers committed at HEAD. Hooks call `push` with `pointers` to send exactly what a git push carries.
 */
import { UsageError } from '../errors.js';
import type { Oid } from '../cache/oid.js';
import { checkRefs } from '../remote/transfer-inputs.js';
import { ALL_ROLES, pointerObjects } from '../pointer/objects.js';
import type { LocatedPointer } from '../pointer/locate.js';
import { pinnedId } from '../registry/ref.js';
import { leftOutNote, purgedVersionError, splitPurged } from '../safety/purge-record.js';
import { openRepo, requireInitialized, type Repo } from '../repo.js';
import { chunkedPush } from '../remote/chunk-session.js';
import { checkDestination } from '../remote/destinations.js';
import { openRemoteSession, type RemoteSessionOptions } from '../remote/remote-session.js';
import type { TransferProgress } from '../remote/transfer-run.js';
import { uploadObjects, type UploadSummary } from '../remote/upload.js';
import { allVersions, headVersions, versionsOfRefs, type VersionSource } from '../remote/version-sources.js';

export interface PushOptions extends RemoteSessionOptions {
  cwd?: string;
  /** Versions or stages to push; without refs (and without `all`/`pointers`), HEAD's pointers. */
  refs?: string[];
  all?: boolean;
  /** Exactly these pointers (for hooks). */
  pointers?: LocatedPointer[];
  /** Look up what the remote lacks and report it; send nothing. */
  dryRun?: boolean;
  /** Accept a destination the committed config changed since this clone last pushed there. */
  trustRemote?: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: TransferProgress) => void;
}

export interface PushResult extends UploadSummary {
  /** Bytes of the versions' files, data, pipeline and params (each distinct object once, a folder's files included). */
  versionBytes: number;
  /** The remote as named for people (name and URL, no credentials). */
  remoteName: string | undefined;
  versions: string[];
  warnings: string[];
  /** Present (true) when nothing was sent because of `dryRun`. */
  dryRun?: true;
}

export async function push(options: PushOptions = {}): Promise<PushResult> {
  checkRefs(options.refs);
  const cwd = options.cwd ?? process.cwd();
  const repo = await openRepo(cwd);
  await requireInitialized(repo);
  if (options.all && options.refs?.length) throw new UsageError('Give refs or --all, not both.', 'mvr push churn@v1.2.0, or mvr push --all for every version.');
  // A purged version's bytes were removed on purpose: no push sends them back (objects it shares with a
  // version pushed are sent for that version). Named on the command line, it is refused.
  const { kept: versions, purged } = options.all ? await allVersions(repo.git) : await splitPurged(repo.git, await namedVersions(repo, options));
  if (purged.length && options.refs?.length) throw (await purgedVersionError(repo.git, purged))!;
  const session = await openRemoteSession(repo, { ...options, cwd }, (remote) => checkDestination(repo, remote, { trust: options.trustRemote ?? false, record: !options.dryRun }));
  const objects = versions.flatMap((v) => pointerObjects(v.pointer, v.file, ALL_ROLES));
  const { run, ...summary } = await (async () => {
    const chunked = chunkedPush(session, { git: repo.git, cache: repo.cache, versions, recheck: Boolean(options.recheck) });
    return uploadObjects(objects, {
      cache: repo.cache,
      store: session.store,
      index: session.index,
      pools: session.pools,
      policy: session.policy,
      chunked,
      dryRun: options.dryRun ?? false,
      recheck: options.recheck ?? false,
      signal: options.signal,
      onProgress: options.onProgress,
    });
  })().finally(() => session.store.close?.());
  const versionBytes = bytesOfVersions(versions);
  const result: PushResult = {
    ...summary,
    versionBytes,
    newBytes: Math.min(summary.newBytes, versionBytes),
    ...(options.dryRun ? { dryRun: true } : {}),
    remote: session.remote.display,
    remoteName: session.remote.name,
    versions: [...new Set(versions.map((v) => v.id))],
    warnings: repo.warnings,
  };
  const left = leftOutNote(purged);
  if (left) result.notes.push(`${left}; no push sends a purged version's files again.`);
  run.throwIfFailed('pushed to', { result });
  return result;
}

/**
 * The bytes of the versions' files, data, pipeline and params (each distinct object once; a folder by its
 * recorded total), as their pointers record them.
 */
function bytesOfVersions(versions: VersionSource[]): number {
  const sizes = new Map<Oid, number>();
  for (const { pointer } of versions) {
    const entries: unknown[] = [...pointer.files, ...(pointer.lineage.data ?? []), ...(pointer.lineage.pipeline ?? [])];
    for (const entry of entries as Array<{ oid?: Oid; size?: number }>) if (entry.oid !== undefined && typeof entry.size === 'number') sizes.set(entry.oid, entry.size);
  }
  return [...sizes.values()].reduce((sum, size) => sum + size, 0);
}

/** The versions a push names: the hook's pointers, the refs given, or those committed at HEAD. */
async function namedVersions(repo: Repo, options: PushOptions): Promise<VersionSource[]> {
  if (options.pointers) return options.pointers.map((p) => ({ ...p, id: pinnedId(p.pointer.name, p.pointer.version) }));
  return options.refs?.length ? versionsOfRefs(repo.git, repo.root, options.refs) : headVersions(repo.git);
}

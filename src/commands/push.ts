/**
 * `mv push [ref…] [--all]`: send the objects of versions to a remote, only those it lacks. Without refs,
 * the pointers committed at HEAD. Hooks call `push` with `pointers` to send exactly what a git push carries.
 */
import { UsageError } from '../errors.js';
import { ALL_ROLES, pointerObjects } from '../pointer/objects.js';
import type { LocatedPointer } from '../pointer/locate.js';
import { pinnedId } from '../registry/ref.js';
import { openRepo, requireInitialized } from '../repo.js';
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
  signal?: AbortSignal;
  onProgress?: (progress: TransferProgress) => void;
}

export interface PushResult extends UploadSummary {
  /** The remote as named for people (name and URL, no credentials). */
  remoteName: string | undefined;
  versions: string[];
  warnings: string[];
}

export async function push(options: PushOptions = {}): Promise<PushResult> {
  const cwd = options.cwd ?? process.cwd();
  const repo = await openRepo(cwd);
  await requireInitialized(repo);
  if (options.all && options.refs?.length) throw new UsageError('Give refs or --all, not both.', 'mv push churn@v1.2.0, or mv push --all for every version.');
  const versions: VersionSource[] = options.pointers
    ? options.pointers.map((p) => ({ ...p, id: pinnedId(p.pointer.name, p.pointer.version) }))
    : options.all
      ? await allVersions(repo.git)
      : options.refs?.length
        ? await versionsOfRefs(repo.git, repo.root, options.refs)
        : await headVersions(repo.git);
  const session = await openRemoteSession(repo, { ...options, cwd });
  const objects = versions.flatMap((v) => pointerObjects(v.pointer, v.file, ALL_ROLES));
  const { run, ...summary } = await uploadObjects(objects, {
    cache: repo.cache,
    store: session.store,
    index: session.index,
    jobs: session.jobs,
    policy: session.policy,
    signal: options.signal,
    onProgress: options.onProgress,
  }).finally(() => session.store.close?.());
  const result: PushResult = { ...summary, remote: session.remote.display, remoteName: session.remote.name, versions: [...new Set(versions.map((v) => v.id))], warnings: repo.warnings };
  run.throwIfFailed('pushed to', { result });
  return result;
}

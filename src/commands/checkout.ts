/**
 * `mv checkout [ref]`: put a version's files in the work tree from the cache. It first plans every write
 * and removal, refusing (without --force) to overwrite or delete content that exists nowhere else: a file
 * whose current bytes are in the cache can always be restored, so only uncached local changes block.
 * Then it applies the plan, one atomic rename per file.
 */
import { stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { isTempName, removeAbandonedTemps } from '../atomic-file.js';
import pLimit from 'p-limit';
import { MvError, UsageError, fsError } from '../errors.js';
import { parseManifest, serializeManifest, type ManifestEntry } from '../cache/manifest.js';
import { hashBuffer } from '../cache/hash.js';
import { isOid, type Oid } from '../cache/oid.js';
import type { FileStamp, StatCache } from '../cache/stat-cache.js';
import { displayPath } from '../display-text.js';
import { absolutePath, joinRepoPath } from '../paths.js';
import { readWorkspacePointer, trackedPointerFiles, findWorkspacePointer } from '../pointer/locate.js';
import { pointerFolder } from '../pointer/pointer.js';
import { ALL_ROLES, pointerObjects, uniqueObjects, type ObjectRole } from '../pointer/objects.js';
import { pinnedId } from '../registry/ref.js';
import { resolvePointer, type VersionPointer } from '../registry/version-pointer.js';
import { openRepo, type Repo } from '../repo.js';
import { withRepoLock } from '../lock.js';
import { onDemand } from '../on-demand.js';
import { looksLikeManifest } from '../safety/object-bytes.js';
import { purgedVersionError } from '../safety/purge-record.js';
import { readCheckoutState, recordCheckout } from '../workspace/checkout-state.js';
import { inspectEntry } from '../workspace/inspect.js';
import { RealFolders } from '../real-folders.js';
import { WorkTreeChange, writeObject, writeSmallSync, type LinkType, type WritePlace } from '../workspace/materialize.js';
import { objectsOnRemotes } from '../remote/presence-index.js';
import { checkJobs, resolveJobs, transferPools } from '../remote/concurrency.js';
import { placeMany, POOL_THRESHOLD } from '../cache/file-pool.js';
import { SMALL_FILE } from '../cache/local-cache.js';
import type { DirSnapshot, SnapshotContext } from '../workspace/snapshot.js';
import { checkoutStateFile, loadStatCache } from '../workspace/state-files.js';

export interface CheckoutOptions {
  cwd?: string;
  /** A ref; without one (and without `refs`), every committed pointer's files are restored. */
  ref?: string;
  /** Several refs, checked out as one change (all of them or none). */
  refs?: string[];
  force?: boolean;
  /** Files written at once: -j. */
  jobs?: number;
  /** Also the versions' data, pipeline and params file, to reproduce them (`--lineage`). */
  lineage?: boolean;
  signal?: AbortSignal;
  onProgress?: (update: { files: number; bytes: number }) => void;
  /**
   * Large objects this process has just verified on their way into the cache (`mv pull`): they are copied
   * without being hashed a second time. Every other object is checked as it is copied.
   */
  verified?: ReadonlySet<Oid>;
}

export interface PlannedWrite {
  path: string;
  oid: Oid;
  size: number;
  mode: number;
}

export interface CheckoutPlan {
  artifact: string;
  version: string;
  id: string;
  /** Folders standing where a single file goes (removed just before it is written). */
  replacedFolders: string[];
  writes: PlannedWrite[];
  removals: string[];
  unchanged: number;
  /** Paths whose local content is not in the cache and would be lost. */
  conflicts: string[];
  /** Paths whose local content a version records but the cache lacks: stored in the cache before they are replaced. */
  saves: Array<{ path: string; oid: Oid }>;
  /**
   * Manifests (their text) of work-tree folders a version records but the cache lacks: stored after their
   * files (`saves`), so a version whose folder is replaced can still be checked out again.
   */
  manifests: string[];
  /** Objects the cache lacks. */
  missing: Oid[];
}

export interface CheckoutResult {
  artifacts: Array<{ artifact: string; version: string; id: string; written: string[]; removed: string[]; unchanged: number }>;
  /** Files copied instead of linked (cache.type hardlink or symlink) because mv runs as root and no remote holds them. */
  copiedNotLinked?: number;
}

export async function checkout(options: CheckoutOptions = {}): Promise<CheckoutResult> {
  if (options.jobs !== undefined) checkJobs(options.jobs);
  const repo = await openRepo(options.cwd ?? process.cwd());
  return withRepoLock(repo, 'checkout', () => checkoutLocked(repo, options));
}

async function checkoutLocked(repo: Repo, options: CheckoutOptions): Promise<CheckoutResult> {
  const refs = [...(options.ref ? [options.ref] : []), ...(options.refs ?? [])];
  const targets = refs.length ? await Promise.all(refs.map((ref) => resolvePointer(repo.git, repo.root, ref))) : await allWorkspacePointers(repo);
  const twice = targets.find((t, i) => targets.findIndex((o) => o.artifact === t.artifact) !== i);
  if (twice) throw new UsageError(`${twice.artifact} is named twice; a work tree holds one version of an artifact.`, `Check out one of them, e.g. \`mvr checkout ${pinnedId(twice.artifact, twice.version)}\`.`);
  const stats = await loadStatCache(repo);
  const ctx: SnapshotContext = { root: repo.root, cache: repo.cache, stats, store: false, ...(options.signal ? { signal: options.signal } : {}) };
  try {
    const roles: readonly ObjectRole[] = options.lineage ? ALL_ROLES : ['file'];
    const safe: Restorable = {
      force: options.force ?? false,
      committed: options.lineage ? await repo.git.committedFiles(lineagePaths(targets)) : new Set(),
      recorded: onDemand(() => recordedContent(repo, targets)),
    };
    const plans: CheckoutPlan[] = [];
    for (const target of targets) plans.push(await planCheckout(repo, target, ctx, safe, roles));
    const missing = plans.flatMap((p) => p.missing);
    if (missing.length) {
      // A version whose bytes were purged on purpose says so, with who, when and why.
      const purged = await purgedVersionError(repo.git, plans.filter((p) => p.missing.length));
      if (purged) throw purged;
      const lacking = plans.filter((p) => p.missing.length).map((p) => p.id);
      const complete = plans.filter((p) => !p.missing.length).map((p) => p.artifact);
      const nothing = plans.length > 1 ? ' Nothing was checked out: a checkout writes every artifact or none.' : '';
      const them = missing.length === 1 ? 'it' : 'them';
      const fetch = options.lineage ? `mvr pull --lineage ${lacking.join(' ')}` : `mvr fetch ${lacking.join(' ')}`;
      // With no remote to fetch from, `mvr fetch` would only fail in turn: the remote comes first.
      const remote = Object.keys(repo.config.remotes).length > 0 || Boolean(process.env.MV_REMOTE?.trim());
      const fix = !remote
        ? `No remote is configured to fetch ${them} from: add the one that holds ${lacking.join(', ')} (\`mvr remote add origin <folder or s3://bucket/prefix> --default\`), then \`${fetch}\`; or, if the files are still at hand, add them again (\`mvr add\`).`
        : options.lineage
          ? `Fetch and write ${them}: ${fetch}`
          : `Fetch ${them} from a remote first: ${fetch}`;
      throw new MvError('OBJECT_MISSING', `The cache lacks ${missing.length} object${missing.length === 1 ? '' : 's'} of ${lacking.join(', ')}.${nothing}`, {
        hint: `${fix}${complete.length ? ` (or check out the others alone: ${complete.map((name) => `mvr checkout ${name}`).join('; ')})` : ''}`,
        details: { missing },
      });
    }
    const conflicts = plans.flatMap((p) => p.conflicts);
    if (conflicts.length) {
      const shown = conflicts.slice(0, 5).join(', ') + (conflicts.length > 5 ? `, and ${conflicts.length - 5} more` : '');
      throw new MvError('LOCAL_CHANGES', `Checkout would overwrite local changes that are not saved anywhere: ${shown}.`, {
        hint: 'Save them as a version (`mvr add`) or elsewhere, or pass --force to discard them.',
        details: { paths: conflicts },
      });
    }
    // Content of the version in the work tree that the cache lost (removed by hand, quarantined by verify):
    // stored again, checked against its oid, before anything replaces it.
    for (const save of plans.flatMap((p) => p.saves)) await storeLost(repo, save, options.signal);
    for (const manifest of plans.flatMap((p) => p.manifests)) await repo.cache.putBuffer(manifest);
    options.signal?.throwIfAborted();
    // Temp files and staging folders of a checkout that was killed midway: in the folders about to be
    // written, the artifacts' folders (even when nothing in them changes now) and the folders above them.
    const entries = targets.flatMap((t) => t.pointer.files.map((f) => joinRepoPath(pointerFolder(t.file), f.path)));
    const folders = foldersAbove([...plans.flatMap((plan) => plan.writes.map((w) => w.path)), ...entries]);
    for (const entry of entries) if (entry.endsWith('/')) folders.add(entry.slice(0, -1));
    for (const dir of folders) {
      await removeAbandonedTemps(join(repo.root, dir), isTempName);
    }
    const linked = await applyPlans(repo, plans, stats, options);
    const result: CheckoutResult = {
      artifacts: plans.map((plan) => ({ artifact: plan.artifact, version: plan.version, id: plan.id, written: plan.writes.map((w) => w.path), removed: plan.removals, unchanged: plan.unchanged })),
      ...(linked.copiedAsRoot ? { copiedNotLinked: linked.copiedAsRoot } : {}),
    };
    for (const target of targets) await rememberCheckout(repo, target, roles);
    return result;
  } finally {
    await stats.save();
  }
}

/**
 * Writes every plan as one change: all files first beside their places (thousands of small copies in
 * worker threads, the rest here a few at a time), then renames only. A failure anywhere leaves the work
 * tree as it was. Returns how many files were copied rather than linked because mv runs as root.
 */
async function applyPlans(repo: Repo, plans: CheckoutPlan[], stats: StatCache, options: CheckoutOptions): Promise<{ copiedAsRoot: number }> {
  const change = new WorkTreeChange(repo.root, { removals: plans.flatMap((plan) => [...plan.removals, ...plan.replacedFolders]) });
  const writes = plans.flatMap((plan) => plan.writes);
  const linkFor = await linkPolicy(repo);
  const places = new Map<PlannedWrite, WritePlace>();
  const tuples = new Map<PlannedWrite, FileStamp>();
  try {
    for (const write of writes) places.set(write, await change.prepare(write.path));
    await writeAll(repo, writes, places, tuples, linkFor, options);
    options.signal?.throwIfAborted();
    await change.apply();
  } catch (error) {
    await change.discard();
    throw error;
  }
  await change.finish();
  for (const write of writes) {
    const place = places.get(write)!;
    const tuple = place.fresh ? tuples.get(write) : undefined;
    if (tuple) stats.record(write.path, tuple, write.oid);
    else stats.record(write.path, await stat(place.target), write.oid);
  }
  return { copiedAsRoot: linkFor.copiedAsRoot() };
}

async function writeAll(repo: Repo, writes: PlannedWrite[], places: Map<PlannedWrite, WritePlace>, tuples: Map<PlannedWrite, FileStamp>, linkFor: LinkPolicy, options: CheckoutOptions): Promise<void> {
  const pools = transferPools(resolveJobs(options.jobs, undefined, 'local'));
  const limitWrites = pLimit(pools.localFiles);
  const copy = repo.config.cache.type === 'copy';
  const pooled = copy ? writes.filter((w) => w.size <= SMALL_FILE) : [];
  const usePool = pooled.length >= POOL_THRESHOLD;
  if (usePool) {
    const written = await placeMany(
      pooled.map((w) => ({ source: repo.cache.path(w.oid), target: places.get(w)!.path, mode: w.mode, oid: w.oid })),
      {
        threads: pools.copierThreads,
        onBatch: (start, count) => options.onProgress?.({ files: count, bytes: pooled.slice(start, start + count).reduce((sum, w) => sum + w.size, 0) }),
        ...(options.signal ? { signal: options.signal } : {}),
      },
    ).catch((error: unknown) => {
      throw fsError(error, 'writing files of', writes[0]?.path ?? repo.root);
    });
    pooled.forEach((w, i) => tuples.set(w, written[i]!));
  }
  const done = new Set(usePool ? pooled : []);
  // Files are independent, so several are written at once. A failure is thrown once every write has
  // settled: the caller then removes temp files and staging folders that nothing writes into any more.
  let stopped = false;
  const place = async (write: PlannedWrite) => {
    const { path } = places.get(write)!;
    const linkType = linkFor(write.oid);
    try {
      if (linkType === 'copy' && write.size <= SMALL_FILE) tuples.set(write, writeSmallSync(repo.cache.path(write.oid), path, write.mode, write.oid));
      else await writeObject(repo.cache, write.oid, path, write.mode, linkType, options.verified?.has(write.oid) ?? false, options.signal);
    } catch (error) {
      throw fsError(error, 'writing', write.path);
    }
    options.onProgress?.({ files: 1, bytes: write.size });
  };
  const settled = await Promise.allSettled(
    writes
      .filter((w) => !done.has(w))
      .map((write) =>
        limitWrites(async () => {
          options.signal?.throwIfAborted();
          if (stopped) return;
          // After one failure no further write starts.
          await place(write).catch((error: unknown) => {
            stopped = true;
            throw error;
          });
        }),
      ),
  );
  const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) throw failure.reason;
}

interface LinkPolicy {
  (oid: Oid): LinkType;
  copiedAsRoot(): number;
}

/**
 * How each object is placed. With `cache.type: hardlink` or `symlink`, a work-tree file and its cache
 * object are one file: a write into it is a write into the version's bytes. The read-only bit stops that
 * for everyone but root, so for root an object is linked only when a remote is known to hold it too
 * (an edit can then be undone with `mv fetch`); the others are copied.
 */
async function linkPolicy(repo: Repo): Promise<LinkPolicy> {
  const type = repo.config.cache.type;
  let copied = 0;
  const runsAsRoot = process.getuid?.() === 0;
  const held = type !== 'copy' && runsAsRoot ? await objectsOnRemotes(repo.stateDir) : undefined;
  const policy = (oid: Oid): LinkType => {
    if (!held || held.has(oid)) return type;
    copied++;
    return 'copy';
  };
  policy.copiedAsRoot = () => copied;
  return policy;
}

/** Every folder that holds one of `paths` (repository paths), up to the root ("."). */
function foldersAbove(paths: string[]): Set<string> {
  const folders = new Set<string>();
  for (const path of paths) {
    let dir = posix.dirname(path.replace(/\/$/, ''));
    while (!folders.has(dir)) {
      folders.add(dir);
      if (dir === '.') break;
      dir = posix.dirname(dir);
    }
  }
  return folders;
}

async function allWorkspacePointers(repo: Repo): Promise<VersionPointer[]> {
  const result: VersionPointer[] = [];
  for (const file of await trackedPointerFiles(repo.git)) {
    const located = await readWorkspacePointer(repo.root, file);
    if (located) result.push({ ...located, artifact: located.pointer.name, version: located.pointer.version });
  }
  return result;
}

/**
 * What can be replaced without losing anything: content the cache holds, or (for lineage files such as the
 * pipeline code) a file git tracks that has no uncommitted changes, which git can restore.
 */
interface Restorable {
  force: boolean;
  /** Tracked files without uncommitted changes. */
  committed: ReadonlySet<string>;
  /**
   * Content the work tree's versions record (its pointer files' and what `mvr checkout` last wrote),
   * looked up when first needed: when the cache lacks it, it is stored there before it is replaced, which
   * loses nothing.
   */
  recorded: () => Promise<ReadonlySet<Oid>>;
}

async function planCheckout(repo: Repo, target: VersionPointer, ctx: SnapshotContext, safe: Restorable, roles: readonly ObjectRole[] = ['file']): Promise<CheckoutPlan> {
  const plan: CheckoutPlan = {
    artifact: target.artifact,
    version: target.version,
    id: pinnedId(target.artifact, target.version),
    writes: [],
    removals: [],
    replacedFolders: [],
    unchanged: 0,
    conflicts: [],
    saves: [],
    manifests: [],
    missing: [],
  };
  const uncheckedEntries: Oid[] = [];
  /** Paths stored before anything is replaced (`plan.saves`). */
  const saving = new Set<string>();
  const guard = async (path: string, oid: Oid | undefined, size: number | undefined) => {
    // Local content may be replaced only if it can be restored: from the cache (an object of the right
    // size: a truncated one is no copy), or from git. A version's content the cache lost is stored again
    // first, --force or not.
    if (safe.committed.has(path) || saving.has(path) || (oid && (await repo.cache.has(oid, size)))) return;
    if (oid && (await safe.recorded()).has(oid)) plan.saves.push({ path, oid });
    else if (!safe.force) plan.conflicts.push(path);
  };
  const folders = new RealFolders(repo.root, 'checking out');
  for (const file of uniqueObjects(pointerObjects(target.pointer, target.file, roles))) {
    const repoPath = file.path;
    const inspection = await inspectEntry(repoPath, file.oid, ctx, folders);
    // Nothing is written through, or next to, what cannot be read safely: the user resolves it first.
    if (inspection.blocked) throw inspection.blocked;
    if (inspection.condition === 'unchanged') {
      plan.unchanged++;
      continue;
    }
    if (!repoPath.endsWith('/')) {
      if (!(await repo.cache.has(file.oid))) plan.missing.push(file.oid);
      if (inspection.current?.kind === 'dir') {
        for (const path of await saveRecordedFolder(repo, `${repoPath}/`, inspection.current, safe, plan)) saving.add(path);
        for (const e of inspection.current.entries) await guard(`${repoPath}/${e.path}`, e.oid, e.size);
        plan.replacedFolders.push(repoPath);
      } else if (inspection.current) await guard(repoPath, inspection.current.oid, inspection.current.size);
      const mode = inspection.current?.kind === 'file' ? inspection.current.mode : 0o644;
      plan.writes.push({ path: repoPath, oid: file.oid, size: file.size ?? repo.cache.sizeSync(file.oid) ?? 0, mode });
      continue;
    }
    let manifest: ManifestEntry[];
    try {
      manifest = parseManifest((await repo.cache.readVerified(file.oid)).toString('utf8'), `${file.oid} (${repoPath})`);
    } catch (error) {
      if (error instanceof MvError && error.code === 'OBJECT_MISSING') {
        plan.missing.push(file.oid);
        continue;
      }
      throw error;
    }
    const current = new Map<string, ManifestEntry>();
    if (inspection.current?.kind === 'dir') {
      for (const e of inspection.current.entries) current.set(e.path, e);
      for (const path of await saveRecordedFolder(repo, repoPath, inspection.current, safe, plan)) saving.add(path);
    } else if (inspection.current) {
      // A file where the folder should be: it goes (once it is known to be restorable).
      await guard(repoPath.slice(0, -1), inspection.current.oid, inspection.current.size);
      plan.removals.push(repoPath.slice(0, -1));
    }
    const wanted = new Set<string>();
    for (const entry of manifest) {
      wanted.add(entry.path);
      const path = `${repoPath}${entry.path}`;
      const have = current.get(entry.path);
      if (have?.oid === entry.oid) {
        plan.unchanged++;
        continue;
      }
      uncheckedEntries.push(entry.oid);
      if (have !== undefined) await guard(path, have.oid, have.size);
      plan.writes.push({ path, oid: entry.oid, size: entry.size, mode: entry.mode });
    }
    for (const [path, { oid, size }] of current) {
      if (wanted.has(path)) continue;
      await guard(`${repoPath}${path}`, oid, size);
      plan.removals.push(`${repoPath}${path}`);
    }
  }
  plan.missing.push(...uncheckedEntries.filter((oid) => !repo.cache.hasSync(oid)));
  plan.missing = [...new Set(plan.missing)];
  return plan;
}

/** Records (or clears) which version's files are in the work tree when it differs from the pointer. */
async function rememberCheckout(repo: Repo, target: VersionPointer, roles: readonly ObjectRole[]): Promise<void> {
  const workspace = target.record ? await findWorkspacePointer(repo.git, repo.root, target.artifact) : undefined;
  const differs = target.record !== undefined && workspace?.pointer.version !== target.version;
  const written = (role: ObjectRole) => Object.fromEntries(pointerObjects(target.pointer, target.file, [role]).map((o) => [o.path, o.oid]));
  const lineage = roles.includes('data') ? { ...written('data'), ...written('pipeline'), ...written('params') } : undefined;
  await recordCheckout(checkoutStateFile(repo), target.artifact, differs ? { version: target.version, files: written('file'), ...(lineage ? { lineage } : {}) } : undefined);
}

/**
 * A work-tree folder that is a version's recorded folder whose manifest the cache lost (removed by hand,
 * quarantined by verify): its files, and then its manifest, are stored before checkout replaces any of it.
 * Without the manifest that version could not be checked out again, though every file of it were cached.
 * Returns the paths of the files it stores.
 */
async function saveRecordedFolder(repo: Repo, repoPath: string, folder: DirSnapshot, safe: Restorable, plan: CheckoutPlan): Promise<string[]> {
  if ((await repo.cache.has(folder.oid)) || !(await safe.recorded()).has(folder.oid)) return [];
  const bytes = serializeManifest(folder.entries);
  // The folder as listed now must be the one recorded; anything else is guarded file by file as usual.
  if (hashBuffer(bytes) !== folder.oid) return [];
  const saves = folder.entries.filter((entry) => !repo.cache.hasSync(entry.oid, entry.size)).map((entry) => ({ path: `${repoPath}${entry.path}`, oid: entry.oid }));
  plan.saves.push(...saves);
  plan.manifests.push(bytes);
  return saves.map((save) => save.path);
}

/**
 * Stores a work-tree file whose content a version records and the cache lost. Bytes that no longer hash
 * to the oid inspected (written to since) stop the checkout before anything in the work tree is replaced.
 */
async function storeLost(repo: Repo, save: { path: string; oid: Oid }, signal: AbortSignal | undefined): Promise<void> {
  try {
    await repo.cache.ingest(absolutePath(repo.root, save.path), save.oid, signal ? { signal } : {});
  } catch (error) {
    if (!(error instanceof MvError && (error.code === 'CONTENT_MISMATCH' || error.code === 'FILE_CHANGED'))) throw error;
    throw new MvError('FILE_CHANGED', `${displayPath(save.path)} changed while checkout was reading it; nothing was checked out.`, {
      hint: 'Wait until the program writing it has finished, then run the command again.',
      details: { path: save.path },
    });
  }
}

/**
 * The oids the targets' pointer files in the work tree record, and those `mvr checkout` last wrote for them
 * (`Restorable.recorded`). A pointer edited by hand can only name more content to store, never less to keep.
 */
async function recordedContent(repo: Repo, targets: VersionPointer[]): Promise<Set<Oid>> {
  const recorded = new Set<Oid>();
  const folders: Oid[] = [];
  const add = (path: string, oid: unknown) => {
    if (!isOid(oid)) return;
    recorded.add(oid);
    if (path.endsWith('/')) folders.push(oid);
  };
  const state = await readCheckoutState(checkoutStateFile(repo));
  const files = await trackedPointerFiles(repo.git);
  for (const target of targets) {
    // A pointer that cannot be read records nothing here (the plan reports it where it matters).
    const workspace = await findWorkspacePointer(repo.git, repo.root, target.artifact, files).catch(unlessUserError);
    for (const object of workspace ? pointerObjects(workspace.pointer, workspace.file, ALL_ROLES) : []) add(object.path, object.oid);
    const checkedOut = Object.hasOwn(state, target.artifact) ? state[target.artifact] : undefined;
    for (const [path, oid] of [...Object.entries(checkedOut?.files ?? {}), ...Object.entries(checkedOut?.lineage ?? {})]) add(path, oid);
  }
  // A folder records its files through its manifest, when the cache still holds that. Only an object
  // that starts as a manifest is read whole: a pointer can name any object as a folder.
  for (const oid of folders) {
    if (!(await looksLikeManifest(repo.cache, oid))) continue;
    const manifest = await repo.cache.readVerified(oid).then((bytes) => parseManifest(bytes.toString('utf8'), oid), unlessUserError);
    for (const entry of manifest ?? []) recorded.add(entry.oid);
  }
  return recorded;
}

/** undefined for an `MvError` (unreadable input, a missing or damaged object); anything else is a bug and goes on. */
function unlessUserError(error: unknown): undefined {
  if (error instanceof MvError) return undefined;
  throw error;
}

/** The data, pipeline and params paths of the targets (files and folders), repository-relative. */
function lineagePaths(targets: VersionPointer[]): string[] {
  return targets.flatMap((t) => pointerObjects(t.pointer, t.file, ['data', 'pipeline', 'params']).map((o) => o.path.replace(/\/$/, '')));
}

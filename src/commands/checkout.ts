/**
 * `mv checkout [ref]`: put a version's files in the work tree from the cache. It first plans every write
 * and removal, refusing (without --force) to overwrite or delete content that exists nowhere else: a file
 * whose current bytes are in the cache can always be restored, so only uncached local changes block.
 * Then it applies the plan, one atomic rename per file.
 */
import { stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { removeAbandonedTemps, TEMP_MARKER } from '../atomic-file.js';
import pLimit from 'p-limit';
import { MvError, fsError } from '../errors.js';
import { parseManifest, type ManifestEntry } from '../cache/manifest.js';
import type { Oid } from '../cache/oid.js';
import { StatCache } from '../cache/stat-cache.js';
import { joinRepoPath, absolutePath } from '../paths.js';
import { readWorkspacePointer, trackedPointerFiles, findWorkspacePointer } from '../pointer/locate.js';
import { pointerFolder } from '../pointer/pointer.js';
import { pinnedId } from '../registry/ref.js';
import { resolvePointer, type VersionPointer } from '../registry/version-pointer.js';
import { openRepo, type Repo } from '../repo.js';
import { withRepoLock } from '../lock.js';
import { purgedVersionError } from '../safety/purge-record.js';
import { recordCheckout } from '../workspace/checkout-state.js';
import { inspectEntry } from '../workspace/inspect.js';
import { placeObject, placeSmallSync, removePath, TargetFolders, type WritePlace } from '../workspace/materialize.js';
import { placeMany, POOL_THRESHOLD } from '../cache/file-pool.js';
import { SMALL_FILE } from '../cache/local-cache.js';
import type { SnapshotContext } from '../workspace/snapshot.js';
import { checkoutStateFile, statCacheFile } from '../workspace/state-files.js';

const limitWrites = pLimit(16);

export interface CheckoutOptions {
  cwd?: string;
  /** A ref; without one, every committed pointer's files are restored. */
  ref?: string;
  force?: boolean;
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
  /** Objects the cache lacks. */
  missing: Oid[];
}

export interface CheckoutResult {
  artifacts: Array<{ artifact: string; version: string; id: string; written: string[]; removed: string[]; unchanged: number }>;
}

export async function checkout(options: CheckoutOptions = {}): Promise<CheckoutResult> {
  const repo = await openRepo(options.cwd ?? process.cwd());
  return withRepoLock(repo, 'checkout', () => checkoutLocked(repo, options));
}

async function checkoutLocked(repo: Repo, options: CheckoutOptions): Promise<CheckoutResult> {
  const targets = options.ref ? [await resolvePointer(repo.git, repo.root, options.ref)] : await allWorkspacePointers(repo);
  const stats = await StatCache.load(statCacheFile(repo));
  const ctx: SnapshotContext = { root: repo.root, cache: repo.cache, stats, store: false, ...(options.signal ? { signal: options.signal } : {}) };
  try {
    const plans: CheckoutPlan[] = [];
    for (const target of targets) plans.push(await planCheckout(repo, target, ctx, options.force ?? false));
    const missing = plans.flatMap((p) => p.missing);
    if (missing.length) {
      // A version whose bytes were purged on purpose says so, with who, when and why.
      const purged = await purgedVersionError(repo.git, plans.filter((p) => p.missing.length));
      if (purged) throw purged;
      const lacking = plans.filter((p) => p.missing.length).map((p) => p.id);
      const complete = plans.filter((p) => !p.missing.length).map((p) => p.artifact);
      const nothing = plans.length > 1 ? ' Nothing was checked out: a checkout writes every artifact or none.' : '';
      throw new MvError('OBJECT_MISSING', `The cache lacks ${missing.length} object${missing.length === 1 ? '' : 's'} of ${lacking.join(', ')}.${nothing}`, {
        hint: `Fetch them from a remote first: mv fetch ${lacking.join(' ')}${complete.length ? ` (or check out the others alone: ${complete.map((name) => `mv checkout ${name}`).join('; ')})` : ''}`,
        details: { missing },
      });
    }
    const conflicts = plans.flatMap((p) => p.conflicts);
    if (conflicts.length) {
      const shown = conflicts.slice(0, 5).join(', ') + (conflicts.length > 5 ? `, and ${conflicts.length - 5} more` : '');
      throw new MvError('LOCAL_CHANGES', `Checkout would overwrite local changes that are not saved anywhere: ${shown}.`, {
        hint: 'Save them as a version (`mv add`) or elsewhere, or pass --force to discard them.',
        details: { paths: conflicts },
      });
    }
    options.signal?.throwIfAborted();
    const result: CheckoutResult = { artifacts: [] };
    for (const plan of plans) {
      // Temp files and staging folders of a checkout that was killed midway, in the folders about to be
      // written and the folders above them.
      for (const dir of foldersAbove(plan.writes.map((w) => w.path))) {
        await removeAbandonedTemps(join(repo.root, dir), (name) => name.includes(TEMP_MARKER));
      }
      for (const path of plan.removals) await removePath(absolutePath(repo.root, path));
      await applyWrites(repo, plan, stats, options);
      result.artifacts.push({ artifact: plan.artifact, version: plan.version, id: plan.id, written: plan.writes.map((w) => w.path), removed: plan.removals, unchanged: plan.unchanged });
    }
    for (const target of targets) await rememberCheckout(repo, target);
    return result;
  } finally {
    await stats.save();
  }
}

/**
 * Writes the planned files. Folders are prepared (and checked for links leading outside) first; then
 * thousands of small copies go to worker threads, and everything else is placed here, a few at a time.
 */
async function applyWrites(repo: Repo, plan: CheckoutPlan, stats: StatCache, options: CheckoutOptions): Promise<void> {
  // Folders that do not exist yet are built aside and appear whole when every file is in them.
  const folders = new TargetFolders(repo.root, true);
  try {
    await writeFiles(repo, plan, stats, options, folders);
    await folders.commit();
  } catch (error) {
    await folders.discard();
    throw error;
  }
}

async function writeFiles(repo: Repo, plan: CheckoutPlan, stats: StatCache, options: CheckoutOptions, folders: TargetFolders): Promise<void> {
  const targets = new Map<string, WritePlace>();
  for (const write of plan.writes) targets.set(write.path, await folders.prepare(write.path));
  for (const path of plan.replacedFolders) await removePath(absolutePath(repo.root, path));
  const copy = repo.config.cache.type === 'copy';
  const pooled = copy ? plan.writes.filter((w) => w.size <= SMALL_FILE) : [];
  if (pooled.length >= POOL_THRESHOLD) {
    const tuples = await placeMany(
      pooled.map((w) => ({ source: repo.cache.path(w.oid), target: targets.get(w.path)!.path, mode: w.mode, oid: w.oid, fresh: targets.get(w.path)!.fresh })),
      {
        onBatch: (start, count) => options.onProgress?.({ files: count, bytes: pooled.slice(start, start + count).reduce((sum, w) => sum + w.size, 0) }),
        ...(options.signal ? { signal: options.signal } : {}),
      },
    ).catch((error: unknown) => {
      throw fsError(error, 'writing files of', plan.id);
    });
    pooled.forEach((w, i) => stats.recordTuple(w.path, tuples[i]!, w.oid));
  }
  const done = new Set(pooled.length >= POOL_THRESHOLD ? pooled : []);
  // Files are independent (each is one atomic rename), so several are placed at once. A failure is
  // thrown once every write has settled: the caller then removes staging folders nothing writes into.
  let stopped = false;
  const place = async (write: PlannedWrite) => {
    const { path: abs, fresh } = targets.get(write.path)!;
    if (copy && write.size <= SMALL_FILE) {
      let tuple;
      try {
        tuple = placeSmallSync(repo.cache.path(write.oid), abs, write.mode, write.oid, fresh);
      } catch (error) {
        throw fsError(error, 'writing', write.path);
      }
      stats.recordTuple(write.path, tuple, write.oid);
    } else {
      await placeObject(repo.cache, write.oid, abs, write.mode, repo.config.cache.type, options.verified?.has(write.oid) ?? false, options.signal);
      stats.record(write.path, await stat(abs, { bigint: true }), write.oid);
    }
    options.onProgress?.({ files: 1, bytes: write.size });
  };
  const settled = await Promise.allSettled(
    plan.writes
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

export async function planCheckout(repo: Repo, target: VersionPointer, ctx: SnapshotContext, force: boolean): Promise<CheckoutPlan> {
  const plan: CheckoutPlan = {
    artifact: target.artifact,
    version: target.version,
    id: pinnedId(target.artifact, target.version),
    writes: [],
    removals: [],
    replacedFolders: [],
    unchanged: 0,
    conflicts: [],
    missing: [],
  };
  const folder = pointerFolder(target.file);
  const uncheckedEntries: Oid[] = [];
  const guard = async (path: string, oid: Oid | undefined) => {
    // Local content may be replaced only if it can be restored from the cache.
    if (!force && !(oid && (await repo.cache.has(oid)))) plan.conflicts.push(path);
  };
  for (const file of target.pointer.files) {
    const repoPath = joinRepoPath(folder, file.path);
    const inspection = await inspectEntry(repoPath, file.oid, ctx);
    if (inspection.condition === 'unchanged') {
      plan.unchanged++;
      continue;
    }
    if (!repoPath.endsWith('/')) {
      if (!(await repo.cache.has(file.oid))) plan.missing.push(file.oid);
      if (inspection.current?.kind === 'dir') {
        for (const e of inspection.current.entries) await guard(`${repoPath}/${e.path}`, e.oid);
        plan.replacedFolders.push(repoPath);
      } else if (inspection.current) await guard(repoPath, inspection.current.oid);
      plan.writes.push({ path: repoPath, oid: file.oid, size: file.size, mode: 0o644 });
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
    const current = new Map<string, Oid>();
    if (inspection.current?.kind === 'dir') for (const e of inspection.current.entries) current.set(e.path, e.oid);
    else if (inspection.current) {
      // A file where the folder should be: it goes (once it is known to be restorable).
      await guard(repoPath.slice(0, -1), inspection.current.oid);
      plan.removals.push(repoPath.slice(0, -1));
    }
    const wanted = new Set<string>();
    for (const entry of manifest) {
      wanted.add(entry.path);
      const path = `${repoPath}${entry.path}`;
      const have = current.get(entry.path);
      if (have === entry.oid) {
        plan.unchanged++;
        continue;
      }
      uncheckedEntries.push(entry.oid);
      if (have !== undefined) await guard(path, have);
      plan.writes.push({ path, oid: entry.oid, size: entry.size, mode: entry.mode });
    }
    for (const [path, oid] of current) {
      if (wanted.has(path)) continue;
      await guard(`${repoPath}${path}`, oid);
      plan.removals.push(`${repoPath}${path}`);
    }
  }
  plan.missing.push(...uncheckedEntries.filter((oid) => !repo.cache.hasSync(oid)));
  plan.missing = [...new Set(plan.missing)];
  return plan;
}

/** Records (or clears) which version's files are in the work tree when it differs from the pointer. */
async function rememberCheckout(repo: Repo, target: VersionPointer): Promise<void> {
  const workspace = target.record ? await findWorkspacePointer(repo.git, repo.root, target.artifact) : undefined;
  const differs = target.record !== undefined && workspace?.pointer.version !== target.version;
  const folder = pointerFolder(target.file);
  await recordCheckout(
    checkoutStateFile(repo),
    target.artifact,
    differs ? { version: target.version, files: Object.fromEntries(target.pointer.files.map((f) => [joinRepoPath(folder, f.path), f.oid])) } : undefined,
  );
}

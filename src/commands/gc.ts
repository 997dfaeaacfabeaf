/**
 * `mv gc [--dry-run] [--grace D] [-r REMOTE --force]`: removes objects that nothing in this clone can
 * still need (see `safety/references.ts` for what counts) and that are older than the grace period.
 *
 * The local cache is collected under the repository lock, so gc never interleaves with an add or a
 * checkout here. A cache outside the repository may be shared with other clones whose references gc
 * cannot see, so it is refused unless --force. A remote is refused without --force for the same reason,
 * and gets a longer default grace period; see docs/guarantees.md for what that means.
 */
import { realpath } from 'node:fs/promises';
import { relative, isAbsolute } from 'node:path';
import { removeAbandonedTemps } from '../atomic-file.js';
import type { ObjectStore } from '../cache/object-store.js';
import type { Oid } from '../cache/oid.js';
import { MvError } from '../errors.js';
import { withRepoLock } from '../lock.js';
import { openRemoteSession, type RemoteSession } from '../remote/remote-session.js';
import { openRepo, requireInitialized, type Repo } from '../repo.js';
import { formatDuration, parseDuration } from '../safety/duration.js';
import { applyDeletions, findManifests, listStore } from '../safety/gc-apply.js';
import { planGc, unreferenced, type GcPlan } from '../safety/gc-plan.js';
import { neededObjects } from '../safety/needed.js';
import { readObjectBytes } from '../safety/object-bytes.js';
import { readQuarantined } from '../safety/quarantine.js';

export const DEFAULT_GRACE = { cache: 24 * 3_600_000, remote: 7 * 24 * 3_600_000 } as const;

export interface GcOptions {
  cwd?: string;
  dryRun?: boolean;
  /** Objects younger than this are kept: a duration (`24h`, `7d`) or milliseconds. */
  grace?: string | number;
  /** Collect this remote (name or URL) instead of the local cache. */
  remote?: string;
  /** Needed to collect a remote or a cache outside the repository. */
  force?: boolean;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** The clock, for tests. */
  now?: () => number;
}

export interface GcResult {
  target: 'cache' | 'remote';
  /** The cache folder, or the remote (name and URL, no credentials). */
  location: string;
  dryRun: boolean;
  graceMs: number;
  grace: string;
  /** What the store held before. */
  objects: number;
  bytes: number;
  kept: { referenced: number; young: number; listedByYoung: number };
  /** Objects deleted (or, with --dry-run, that would be) and their bytes. */
  deleted: number;
  freed: number;
  /** The objects deleted (or to delete), manifests first. */
  planned: Array<{ oid: Oid; size: number; manifest: boolean }>;
  /** Temp files of killed processes removed from the cache. */
  temps: number;
  /** Pinned ids of purged versions, whose objects are no longer kept. */
  purged: string[];
  notes: string[];
}

export async function gc(options: GcOptions = {}): Promise<GcResult> {
  const cwd = options.cwd ?? process.cwd();
  const repo = await openRepo(cwd);
  await requireInitialized(repo);
  const target = options.remote !== undefined ? 'remote' : 'cache';
  const graceMs = typeof options.grace === 'number' ? options.grace : options.grace !== undefined ? parseDuration(options.grace, '--grace') : DEFAULT_GRACE[target];
  const dryRun = Boolean(options.dryRun);
  if (target === 'remote') return gcRemote(repo, { ...options, cwd, dryRun, graceMs });
  if (!options.force && !(await isInside(repo.cache.location, repo.root))) {
    throw new MvError('SHARED_CACHE', `The cache ${repo.cache.location} is outside the repository (cache.dir), so other clones may share it; gc cannot see their branches, stashes or unpushed commits and could delete what they need.`, {
      hint: 'Run `mv gc --dry-run --force` to see what would go, then `mv gc --force` only if no other clone uses this cache (or if they can fetch again from a remote).',
    });
  }
  return withRepoLock(repo, 'gc', async () => {
    const needed = await neededObjects(repo, { readManifest: async (oid) => (await readObjectBytes(repo.cache, oid)) ?? (await readQuarantined(repo.cache, oid)) });
    const plan = await planStore(repo.cache, needed.oids, graceMs, options.now);
    const temps = dryRun ? [] : await removeAbandonedTemps(repo.cache.tempDir, (name) => name.endsWith('.tmp') || name.endsWith('.partial'));
    if (!dryRun) await applyDeletions(repo.cache, plan.delete, { jobs: 8, ...(options.signal ? { signal: options.signal } : {}) });
    return result('cache', repo.cache.location, plan, { dryRun, graceMs, temps: temps.length, purged: ids(needed.purges), notes: notesOf(needed) });
  });
}

async function gcRemote(repo: Repo, options: GcOptions & { dryRun: boolean; graceMs: number }): Promise<GcResult> {
  if (!options.force && !options.dryRun) {
    throw new MvError('REMOTE_GC_NEEDS_FORCE', 'Garbage-collecting a remote is refused without --force: other clones share it, and objects they pushed for branches or stashes this clone has never seen would be deleted.', {
      hint: `See what would go with \`mv gc -r ${options.remote!} --dry-run\`; fetch every branch first (\`git fetch --all\`) so their pointers count, then run \`mv gc -r ${options.remote!} --force\`.`,
    });
  }
  const session: RemoteSession = await openRemoteSession(repo, { remote: options.remote, env: options.env, cwd: options.cwd });
  try {
    return await withRepoLock(repo, 'gc', async () => {
      const store = session.store;
      const needed = await neededObjects(repo, { readManifest: async (oid) => (await readObjectBytes(repo.cache, oid)) ?? (await readQuarantined(repo.cache, oid)) ?? (await readObjectBytes(store, oid)) });
      const plan = await planStore(store, needed.oids, options.graceMs, options.now);
      if (!options.dryRun) {
        const deleted: Oid[] = [];
        try {
          await applyDeletions(store, plan.delete, { jobs: session.jobs, deleted, ...(options.signal ? { signal: options.signal } : {}) });
        } finally {
          await session.index.forget(deleted);
        }
      }
      return result('remote', session.remote.display, plan, { dryRun: options.dryRun, graceMs: options.graceMs, temps: 0, purged: ids(needed.purges), notes: notesOf(needed) });
    });
  } finally {
    session.store.close?.();
  }
}

async function planStore(store: ObjectStore, referenced: Set<Oid>, graceMs: number, now: (() => number) | undefined): Promise<GcPlan> {
  const objects = await listStore(store);
  const manifests = await findManifests(store, unreferenced(objects, referenced));
  return planGc({ objects, referenced, manifests, nowMs: (now ?? Date.now)(), graceMs });
}

function result(target: GcResult['target'], location: string, plan: GcPlan, extra: { dryRun: boolean; graceMs: number; temps: number; purged: string[]; notes: string[] }): GcResult {
  return {
    target,
    location,
    dryRun: extra.dryRun,
    graceMs: extra.graceMs,
    grace: formatDuration(extra.graceMs),
    objects: plan.total.objects,
    bytes: plan.total.bytes,
    kept: plan.kept,
    deleted: plan.delete.length,
    freed: plan.bytes,
    planned: plan.delete.map((d) => ({ oid: d.oid, size: d.size, manifest: d.manifest })),
    temps: extra.temps,
    purged: extra.purged,
    notes: extra.notes,
  };
}

function ids(purges: Array<{ id: string }>): string[] {
  return [...new Set(purges.map((p) => p.id))];
}

function notesOf(needed: { unreadable: Oid[]; notes: string[] }): string[] {
  const notes = [...needed.notes];
  if (needed.unreadable.length) {
    notes.push(`${needed.unreadable.length} folder(s) of kept versions have no manifest here, so gc cannot tell which files they list (usually versions never fetched into this clone, whose files are not here either). Fetch a version first (\`mv fetch <ref>\`) if its files must stay.`);
  }
  return notes;
}

async function isInside(dir: string, root: string): Promise<boolean> {
  const real = async (path: string) => realpath(path).catch(() => path);
  const rel = relative(await real(root), await real(dir));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * `mv gc [--dry-run] [--grace D] [-r REMOTE --force]`: removes objects that nothing in this clone can
 * still need (see `safety/references.ts` for what counts) and that are older than the grace period.
 *
 * The local cache is collected under the repository lock, so gc never interleaves with an add or a
 * checkout here. A cache outside the repository may be shared with other clones whose references gc
 * cannot see, so it is refused unless --force. A remote is refused without --force for the same reason,
 * and gets a longer default grace period; see docs/guarantees.md for what that means.
 */
import { displayText } from '../display-text.js';
import { realpath } from 'node:fs/promises';
import { relative, isAbsolute } from 'node:path';
import { removeAbandonedTemps } from '../atomic-file.js';
import type { ObjectStore } from '../cache/object-store.js';
import type { Oid } from '../cache/oid.js';
import { MvError } from '../errors.js';
import { withRepoLock } from '../lock.js';
import type { ChunkStore } from '../chunk/chunk-store.js';
import { applyRepack, planRepack } from '../chunk/repack.js';
import { runLimited } from '../chunk/run-limited.js';
import { packSource } from '../chunk/sources.js';
import { resolveJobs, transferPools } from '../remote/concurrency.js';
import { planChunkGc, readChunkInventory, withSourceObjects, type ChunkGcPlan } from '../safety/chunk-gc.js';
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
  /** Objects deleted (and packs read) at once: -j. */
  jobs?: number;
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
  /** Temp files of killed processes removed from the cache (or, on a folder remote, older than the grace period). */
  temps: number;
  /** Pinned ids of purged versions, whose objects are no longer kept. */
  purged: string[];
  /** A remote's chunked storage; null for the cache and for remotes without any. */
  chunks: GcChunks | null;
  notes: string[];
}

export interface GcChunks {
  recipes: number;
  packs: number;
  /** Recipes and packs deleted (or, with --dry-run, that would be), and their bytes. */
  deletedRecipes: number;
  deletedPacks: number;
  freed: number;
  /** Mostly-garbage packs whose live chunks were copied to new packs (the old ones are retired). */
  repacked: number;
  /** Bytes copied into new packs by the repack. */
  repackedBytes: number;
  kept: { referencedRecipes: number; youngRecipes: number; livePacks: number; youngPacks: number; retiredPacks: number };
}

export async function gc(options: GcOptions = {}): Promise<GcResult> {
  const cwd = options.cwd ?? process.cwd();
  const repo = await openRepo(cwd);
  await requireInitialized(repo);
  const target = options.remote !== undefined ? 'remote' : 'cache';
  const graceMs = typeof options.grace === 'number' ? options.grace : options.grace !== undefined ? parseDuration(options.grace, '--grace') : DEFAULT_GRACE[target];
  const dryRun = Boolean(options.dryRun);
  const jobs = resolveJobs(options.jobs, undefined, 'local');
  if (target === 'remote') return gcRemote(repo, { ...options, cwd, dryRun, graceMs });
  if (!options.force && !(await isInside(repo.cache.location, repo.root))) {
    throw new MvError('SHARED_CACHE', `The cache ${repo.cache.location} is outside the repository (cache.dir), so other clones may share it; gc cannot see their branches, stashes or unpushed commits and could delete what they need.`, {
      hint: 'Run `mvr gc --dry-run --force` to see what would go, then `mvr gc --force` only if no other clone uses this cache (or if they can fetch again from a remote).',
    });
  }
  return withRepoLock(repo, 'gc', async () => {
    const needed = await neededObjects(repo, { readManifest: async (oid) => (await readObjectBytes(repo.cache, oid)) ?? (await readQuarantined(repo.cache, oid)) });
    const plan = await planStore(repo.cache, needed.oids, graceMs, options.now);
    const temps = dryRun ? [] : await removeAbandonedTemps(repo.cache.tempDir, (name) => name.endsWith('.tmp') || name.endsWith('.partial'));
    if (!dryRun) await applyDeletions(repo.cache, plan.delete, { jobs: transferPools(jobs).deletions, ...(options.signal ? { signal: options.signal } : {}) });
    return result('cache', repo.cache.location, plan, { dryRun, graceMs, temps: temps.length, purged: ids(needed.purges), chunks: null, notes: notesOf(needed) });
  });
}

async function gcRemote(repo: Repo, options: GcOptions & { dryRun: boolean; graceMs: number }): Promise<GcResult> {
  if (!options.force && !options.dryRun) {
    throw new MvError('REMOTE_GC_NEEDS_FORCE', 'Garbage-collecting a remote is refused without --force: other clones share it, and objects they pushed for branches or stashes this clone has never seen would be deleted.', {
      hint: `See what would go with \`mvr gc -r ${options.remote!} --dry-run\`; fetch every branch first (\`git fetch --all\`) so their pointers count, then run \`mvr gc -r ${options.remote!} --force\`.`,
    });
  }
  const session: RemoteSession = await openRemoteSession(repo, { remote: options.remote, env: options.env, cwd: options.cwd, jobs: options.jobs });
  try {
    return await withRepoLock(repo, 'gc', async () => {
      const store = session.store;
      const needed = await neededObjects(repo, { readManifest: async (oid) => (await readObjectBytes(repo.cache, oid)) ?? (await readQuarantined(repo.cache, oid)) ?? (await readObjectBytes(store, oid)) });
      const nowMs = (options.now ?? Date.now)();
      const chunks = store.chunks?.({ spoolDir: repo.cache.tempDir });
      const chunkPlan = chunks ? await planChunks(chunks, needed.oids, { nowMs, graceMs: options.graceMs, concurrency: session.pools.requests }) : undefined;
      const plan = await planStore(store, chunkPlan ? withSourceObjects(needed.oids, chunkPlan) : needed.oids, options.graceMs, () => nowMs);
      const notes = notesOf(needed);
      if (chunkPlan?.unreadable.length) notes.push(`${chunkPlan.unreadable.length} recipe(s) that gc keeps could not be read, so no pack was deleted or repacked; \`mvr verify -r ${options.remote!} --rehash-remote\` names the versions, and \`mvr push --recheck\` of them writes their recipes again.`);
      let repack = { packs: 0, bytes: 0 };
      let temps = 0;
      if (!options.dryRun) {
        const signal = options.signal ? { signal: options.signal } : {};
        // The presence index lets push skip what it lists: it forgets everything planned to go before any of
        // it goes, so a gc that fails, is interrupted or killed midway never leaves it listing something
        // gone (what it forgot and gc kept costs a later push one check).
        await session.index.forget([...(chunkPlan?.deleteRecipes.map((r) => r.oid) ?? []), ...plan.delete.map((d) => d.oid)]);
        if (chunks && chunkPlan) {
          repack = await repackPacks(chunks, chunkPlan, signal);
          // Recipes go before whole objects and packs: a recipe never names something already gone.
          await runLimited(chunkPlan.deleteRecipes, { concurrency: session.pools.deletions, ...signal }, (r) => chunks.deleteRecipe(r.oid));
        }
        await applyDeletions(store, plan.delete, { jobs: session.pools.deletions, ...signal });
        if (chunks && chunkPlan) {
          await runLimited(chunkPlan.deletePacks, { concurrency: session.pools.deletions, ...signal }, (p) => chunks.deletePack(p.id));
          await runLimited(chunkPlan.unmark, { concurrency: session.pools.deletions, ...signal }, (id) => chunks.unmarkRetired(id));
        }
        temps = (await chunks?.removeStaleTemps?.(nowMs - options.graceMs)) ?? 0;
      } else if (chunkPlan) {
        repack = { packs: chunkPlan.repack.length, bytes: chunkPlan.repack.reduce((sum, p) => sum + p.live, 0) };
      }
      return result('remote', session.remote.display, plan, {
        dryRun: options.dryRun,
        graceMs: options.graceMs,
        temps,
        purged: ids(needed.purges),
        chunks: chunkPlan ? chunkSummary(chunkPlan, repack) : null,
        notes,
      });
    });
  } finally {
    session.store.close?.();
  }
}

async function planChunks(chunks: ChunkStore, referenced: Set<Oid>, options: { nowMs: number; graceMs: number; concurrency: number }): Promise<ChunkGcPlan | undefined> {
  const cutoff = options.nowMs - options.graceMs;
  const inventory = await readChunkInventory(chunks, (oid, modifiedMs) => referenced.has(oid) || modifiedMs > cutoff, { concurrency: options.concurrency });
  if (inventory.recipes.length === 0 && inventory.packs.length === 0 && inventory.retired.length === 0) return undefined;
  return planChunkGc({ ...inventory, referenced, nowMs: options.nowMs, graceMs: options.graceMs });
}

/** Copies the live chunks of mostly-garbage packs to new packs, rewrites the recipes, then retires the old packs. */
async function repackPacks(chunks: ChunkStore, plan: ChunkGcPlan, options: { signal?: AbortSignal }): Promise<{ packs: number; bytes: number }> {
  if (plan.repack.length === 0) return { packs: 0, bytes: 0 };
  const replaced = new Set(plan.repack.map((p) => packSource(p.id)));
  const repack = planRepack(plan.kept.values(), replaced);
  await applyRepack(chunks, repack, options);
  for (const pack of plan.repack) await chunks.markRetired(pack.id);
  return { packs: plan.repack.length, bytes: repack.bytes };
}

function chunkSummary(plan: ChunkGcPlan, repack: { packs: number; bytes: number }): GcChunks {
  return {
    recipes: plan.counts.recipes,
    packs: plan.counts.packs,
    deletedRecipes: plan.deleteRecipes.length,
    deletedPacks: plan.deletePacks.length,
    freed: plan.bytes,
    repacked: repack.packs,
    repackedBytes: repack.bytes,
    kept: {
      referencedRecipes: plan.counts.keptRecipes.referenced,
      youngRecipes: plan.counts.keptRecipes.young,
      livePacks: plan.counts.keptPacks.live,
      youngPacks: plan.counts.keptPacks.young,
      retiredPacks: plan.counts.keptPacks.retired,
    },
  };
}

async function planStore(store: ObjectStore, referenced: Set<Oid>, graceMs: number, now: (() => number) | undefined): Promise<GcPlan> {
  const objects = await listStore(store);
  const manifests = await findManifests(store, unreferenced(objects, referenced));
  return planGc({ objects, referenced, manifests, nowMs: (now ?? Date.now)(), graceMs });
}

function result(target: GcResult['target'], location: string, plan: GcPlan, extra: { dryRun: boolean; graceMs: number; temps: number; purged: string[]; chunks: GcChunks | null; notes: string[] }): GcResult {
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
    chunks: extra.chunks,
    notes: extra.notes,
  };
}

function ids(purges: Array<{ id: string }>): string[] {
  return [...new Set(purges.map((p) => p.id))];
}

function notesOf(needed: { unreadable: string[]; notes: string[] }): string[] {
  const notes = [...needed.notes];
  if (needed.unreadable.length) {
    const named = needed.unreadable.slice(0, 5).map(displayText).join(', ') + (needed.unreadable.length > 5 ? `, and ${needed.unreadable.length - 5} more` : '');
    notes.push(`${needed.unreadable.length} folder(s) of kept versions have no manifest here (${named}), so gc cannot tell which files they list (usually versions never fetched into this clone, whose files are not here either). Fetch a version first (\`mvr fetch <ref>\`) if its files must stay.`);
  }
  return notes;
}

async function isInside(dir: string, root: string): Promise<boolean> {
  const real = async (path: string) => realpath(path).catch(() => path);
  const rel = relative(await real(root), await real(dir));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

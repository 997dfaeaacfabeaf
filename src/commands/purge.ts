/**
 * `mv purge <name@vX.Y.Z> --force [-m REASON] [-r REMOTE]`: the only way to remove a version's bytes.
 * Removes the version's objects that no other (non-purged) version and no pointer in this clone needs,
 * from the cache (and the remote with -r), after recording the purge as an annotated tag
 * `mv-purge/<name>/v<version>/<N>` (who, when, why, which objects). The tag comes first: a purge cut
 * short is still on record, gc no longer keeps its objects, and running it again finishes the job.
 */
import pLimit from 'p-limit';
import type { Oid } from '../cache/oid.js';
import { formatBytes } from '../byte-size.js';
import { displayPath } from '../display-text.js';
import { MvError, UsageError } from '../errors.js';
import { withRepoLock } from '../lock.js';
import { findVersion } from '../registry/lookup.js';
import { stagesHeldBy } from '../registry/state.js';
import { parseRef, pinnedId } from '../registry/ref.js';
import { readArtifact } from '../registry/registry-state.js';
import { requireVersionPointer } from '../registry/version-metrics.js';
import { openRemoteSession, type RemoteSession } from '../remote/remote-session.js';
import { openRepo, requireInitialized } from '../repo.js';
import { applyDeletions } from '../safety/gc-apply.js';
import { applyChunkPurge, planChunkPurge } from '../safety/purge-chunks.js';
import { resolveJobs, transferPools } from '../remote/concurrency.js';
import { neededObjects } from '../safety/needed.js';
import { readObjectBytes } from '../safety/object-bytes.js';
import { asDeletions, planPurge, type PurgeObject } from '../safety/purge-plan.js';
import { purgesById, writePurgeRecord } from '../safety/purge-record.js';
import { readQuarantined } from '../safety/quarantine.js';
import { workTreePointersOf } from '../safety/references.js';
import { pointerObjects } from '../pointer/objects.js';
import { hashBuffer } from '../cache/hash.js';

export interface PurgeOptions {
  cwd?: string;
  /** A pinned version: name@vX.Y.Z. */
  ref: string;
  force?: boolean;
  /** Why (recorded in the purge tag). */
  message?: string;
  /** Also remove the objects from this remote (name or URL). */
  remote?: string;
  /** Objects checked and deleted at once: -j. */
  jobs?: number;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

export interface PurgeResult {
  id: string;
  artifact: string;
  version: string;
  commit: string;
  /** The audit tag created; null when the version was already purged and nothing was left to remove. */
  tag: string | null;
  /** The version's objects that nothing else needs (removed wherever they were). */
  objects: PurgeObject[];
  bytes: number;
  /** The version's objects kept because other versions or pointers need them. */
  shared: number;
  /** `remote` counts objects and recipes; `chunks` says what went of the remote's chunked storage. */
  removed: { cache: number; remote?: number; chunks?: { recipes: number; packs: number; repacked: number } };
  remote?: string;
  notes: string[];
}

export async function purge(options: PurgeOptions): Promise<PurgeResult> {
  const ref = parseRef(options.ref);
  if (ref.kind !== 'version') {
    throw new UsageError(`mvr purge needs one pinned version (name@vX.Y.Z), not ${JSON.stringify(options.ref)}.`, 'Name the exact version, e.g. `mvr purge churn@v1.2.0 --force -m "why"`.');
  }
  const repo = await openRepo(options.cwd ?? process.cwd());
  await requireInitialized(repo);
  const { state } = await readArtifact(repo.git, ref.artifact);
  const version = findVersion(state, ref.version);
  const located = await requireVersionPointer(repo.git, state, version);
  const id = pinnedId(state.name, version.version);
  const localPools = transferPools(resolveJobs(options.jobs, undefined, 'local'));
  const session: RemoteSession | undefined = options.remote !== undefined ? await openRemoteSession(repo, { remote: options.remote, env: options.env, cwd: options.cwd, jobs: options.jobs }) : undefined;
  try {
    return await withRepoLock(repo, `purging ${id}`, async () => {
      const readManifest = async (oid: Oid) => (await readObjectBytes(repo.cache, oid)) ?? (await readQuarantined(repo.cache, oid)) ?? (session ? await readObjectBytes(session.store, oid) : undefined);
      const needed = await neededObjects(repo, { readManifest, except: new Set([id]) });
      const inUse = workTreePointersOf(needed.pointers, id);
      if (inUse.length) {
        throw new MvError('PURGE_IN_USE', `${id} is the version of ${inUse.map((p) => displayPath(p.file)).join(', ')} in the work tree; purging it would leave that pointer without its files.`, {
          hint: `Commit another version of ${state.name} there first (\`mvr add\` or \`mvr checkout ${state.name}@vX.Y.Z\` and commit the pointer), then purge ${id}.`,
        });
      }
      const manifests = new Map<Oid, Buffer>();
      for (const object of pointerObjects(located.pointer, located.file)) {
        if (!object.directory) continue;
        const bytes = await readManifest(object.oid);
        if (bytes) manifests.set(object.oid, bytes);
      }
      const plan = planPurge(located.pointer, located.file, needed.oids, manifests);
      const notes = plan.unlisted.length ? [`The manifest of ${plan.unlisted.join(', ')} was not found, so the files of that folder were not removed; \`mvr gc\` removes them once they are unreferenced.`] : [];
      const held = stagesHeldBy(state, version.version);
      if (held.length) notes.push(`${id} still holds ${held.map((h) => h.stage).join(', ')}; deployments that resolve it will find no files.`);
      if (!options.force) {
        throw new MvError('PURGE_NEEDS_FORCE', `Purging ${id} would delete ${plan.remove.length} object(s) (${formatBytes(plan.bytes)}) from the cache${session ? ` and from ${session.remote.display}` : ''} for good: ${session ? 'the version could never be checked out, fetched or reproduced again' : 'this clone could check it out again only by fetching it from a remote that still holds it (other clones keep their copies; `-r <remote>` removes it from a remote too)'}, although its tags and history stay; no clone pushes a purged version. ${plan.shared} object(s) shared with other versions would stay.`, {
          hint: `If that is intended, run \`mvr purge ${id} --force -m "<reason>"\`; the purge is recorded as the tag mv-purge/${state.name}/v${version.version}/<N>.`,
          details: { objects: plan.remove.length, bytes: plan.bytes },
        });
      }
      const previous = purgesById(needed.purges).get(id) ?? [];
      const checks = session?.pools.checks ?? localPools.checks;
      const inCache = await presentIn(plan.remove, (oid) => repo.cache.has(oid), checks);
      const onRemote = session ? await presentIn(plan.remove, (oid) => session.store.has(oid), checks) : [];
      const chunks = session?.store.chunks?.({ spoolDir: repo.cache.tempDir });
      const chunkPlan = chunks ? await planChunkPurge(chunks, new Set(plan.remove.map((o) => o.oid)), onRemote.map((o) => o.oid)) : undefined;
      if (chunkPlan?.unreadable.length) notes.push(`${chunkPlan.unreadable.length} other recipe(s) on ${session!.remote.display} could not be read, so the packs ${id} used were kept; run \`mvr verify -r\` and push the versions it names with --recheck, then purge again.`);
      let tag: string | null = null;
      if (previous.length === 0 || inCache.length + onRemote.length + (chunkPlan?.recipes.length ?? 0) > 0) {
        tag = await writePurgeRecord(repo.git, {
          commit: version.commit,
          existing: Math.max(0, ...previous.map((p) => p.counter)),
          payload: {
            mv: 1,
            event: 'purge',
            artifact: state.name,
            version: version.version,
            pointer: { path: located.file, oid: hashBuffer(located.content) },
            ...(options.message ? { reason: options.message } : {}),
            from: ['cache', ...(session ? [session.remote.display] : [])],
            objects: plan.remove.map((o) => o.oid),
            bytes: plan.bytes,
          },
        });
      } else notes.push(`${id} was already purged (${previous.at(-1)!.tag}) and none of its objects are left; no new record was made.`);
      const signal = options.signal ? { signal: options.signal } : {};
      const removed: PurgeResult['removed'] = { cache: 0 };
      removed.cache = (await applyDeletions(repo.cache, asDeletions({ ...plan, remove: inCache }), { jobs: localPools.deletions, ...signal })).length;
      if (session) {
        // The presence index lets push skip what it lists: it forgets all the purge will delete before any of
        // it goes, so a purge that fails or is stopped midway leaves none listed that is gone.
        await session.index.forget([...(chunkPlan?.recipes ?? []), ...onRemote.map((o) => o.oid)]);
        // Chunks other versions share are moved out of the version's packs and objects before those go.
        if (chunks && chunkPlan) removed.chunks = await applyChunkPurge(chunks, chunkPlan, signal);
        const deleted = await applyDeletions(session.store, asDeletions({ ...plan, remove: onRemote }), { jobs: session.pools.deletions, ...signal });
        removed.remote = deleted.length + (chunkPlan?.recipes.length ?? 0);
      }
      return {
        id,
        artifact: state.name,
        version: version.version,
        commit: version.commit,
        tag,
        objects: plan.remove,
        bytes: plan.bytes,
        shared: plan.shared,
        removed,
        ...(session ? { remote: session.remote.display } : {}),
        notes: [...notes, ...needed.notes],
      };
    });
  } finally {
    session?.store.close?.();
  }
}

async function presentIn(objects: PurgeObject[], has: (oid: Oid) => Promise<boolean>, concurrency: number): Promise<PurgeObject[]> {
  const limit = pLimit(concurrency);
  const present = await Promise.all(objects.map((object) => limit(() => has(object.oid))));
  return objects.filter((_, i) => present[i]);
}

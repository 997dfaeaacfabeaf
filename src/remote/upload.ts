/**
 * Pushing objects to a remote: plan, then apply. The plan compares first: objects the presence index
 * knows are skipped, the rest are looked up on the remote (listing or per-object checks, whichever is
 * cheaper), and a directory whose manifest is already there is complete, because a manifest is only ever
 * uploaded after all of its entries. Applying sends files and directory entries, then the manifests
 * whose entries all arrived.
 */
import { stat } from 'node:fs/promises';
import type { LocalCache } from '../cache/local-cache.js';
import type { ObjectStore } from '../cache/object-store.js';
import type { Oid } from '../cache/oid.js';
import { MvError, errnoCode } from '../errors.js';
import { directoryEntries, uniqueObjects, type DirectoryEntryObject, type VersionObject } from '../pointer/objects.js';
import type { PresenceIndex } from './presence-index.js';
import { remoteStatus, type RemoteStatus } from './remote-status.js';
import { TransferRun, type TransferItem, type TransferRunOptions } from './transfer-run.js';

export interface UploadOptions extends Omit<TransferRunOptions, 'remote'> {
  cache: LocalCache;
  store: ObjectStore;
  index: PresenceIndex;
}

export interface UploadPlan {
  /** Files and directory entries the remote lacks. */
  send: TransferItem[];
  /** Manifests the remote lacks, each sent once all of `entries` are there. */
  manifests: Array<{ item: TransferItem; entries: Oid[] }>;
  /** Objects already on the remote (directories count once, with their entries). */
  present: number;
}

export interface UploadSummary {
  remote: string;
  /** Distinct objects of the versions, directory entries included when they had to be looked at. */
  objects: number;
  present: number;
  uploaded: number;
  bytes: number;
  check: { method: RemoteStatus['method'] | 'index'; requests: number };
}

/**
 * The upload plan as a pure function of what the versions contain and what the remote has.
 * `entries` holds the entries of every directory whose manifest the remote lacks.
 */
export function planUpload(tops: VersionObject[], entries: Map<Oid, DirectoryEntryObject[]>, remoteHas: (oid: Oid) => boolean): UploadPlan {
  const plan: UploadPlan = { send: [], manifests: [], present: 0 };
  const queued = new Set<Oid>();
  const send = (item: TransferItem) => {
    if (queued.has(item.oid)) return;
    queued.add(item.oid);
    plan.send.push(item);
  };
  for (const top of uniqueObjects(tops)) {
    if (remoteHas(top.oid)) {
      plan.present++;
      continue;
    }
    if (!top.directory) {
      send({ oid: top.oid, path: top.path, size: top.size });
      continue;
    }
    const list = entries.get(top.oid) ?? [];
    for (const entry of list) {
      if (remoteHas(entry.oid)) plan.present++;
      else send({ oid: entry.oid, path: entry.path, size: entry.size });
    }
    plan.manifests.push({ item: { oid: top.oid, path: top.path, size: undefined }, entries: list.map((e) => e.oid) });
  }
  return plan;
}

export async function uploadObjects(tops: VersionObject[], options: UploadOptions): Promise<UploadSummary & { run: TransferRun }> {
  const { cache, store, index } = options;
  const run = new TransferRun({ ...options, remote: store.location, batched: (item) => store.copiesInBatches?.(item.size) ?? false });
  const unique = uniqueObjects(tops);
  const statusOptions = { jobs: options.jobs, policy: options.policy, signal: options.signal };
  let requests = 0;
  let method: UploadSummary['check']['method'] = 'index';
  const present = new Set<Oid>();
  const remoteHas = (oid: Oid) => index.has(oid) || present.has(oid);
  const lookUp = async (oids: Oid[]) => {
    const unknown = oids.filter((oid) => !remoteHas(oid));
    if (unknown.length === 0) return;
    options.onProgress?.({ phase: 'checking', objects: 0, totalObjects: unknown.length, bytes: 0, totalBytes: 0 });
    const status = await remoteStatus(store, unknown, statusOptions).catch((error: unknown) => {
      throw unreachable(error, store.location);
    });
    requests += status.requests;
    if (status.method !== 'none' && (method === 'index' || status.method === 'list')) method = status.method;
    for (const oid of status.present) {
      present.add(oid);
      index.add(oid);
    }
  };

  try {
    await lookUp(unique.map((o) => o.oid));
    const entries = new Map<Oid, DirectoryEntryObject[]>();
    for (const top of unique) {
      if (!top.directory || remoteHas(top.oid)) continue;
      if (!(await cache.has(top.oid))) {
        run.fail({ oid: top.oid, path: top.path, size: undefined }, notCached(top.oid, top.path));
        continue;
      }
      entries.set(top.oid, await directoryEntries(cache, top));
    }
    await lookUp([...entries.values()].flat().map((e) => e.oid));
    const plan = planUpload(unique.filter((t) => !t.directory || entries.has(t.oid) || remoteHas(t.oid)), entries, remoteHas);

    const put = async (item: TransferItem, context: { signal: AbortSignal; onBytes: (n: number) => void }) => {
      try {
        const size = item.size ?? (await stat(cache.path(item.oid))).size;
        await store.put(item.oid, cache.path(item.oid), size, context);
      } catch (error) {
        const absent = errnoCode(error) === 'ENOENT' || (error instanceof MvError && error.code === 'PATH_MISSING');
        if (absent && !(await cache.has(item.oid))) throw notCached(item.oid, item.path);
        throw error;
      }
      index.add(item.oid);
    };
    const sent = await run.run('uploading', plan.send, put);
    const ready: TransferItem[] = [];
    for (const manifest of plan.manifests) {
      const failed = manifest.entries.filter((oid) => !sent.has(oid) && !remoteHas(oid)).length;
      if (failed === 0) ready.push(manifest.item);
      else run.fail(manifest.item, new MvError('ENTRIES_FAILED', `not uploaded, because ${failed} of its files did not arrive`));
    }
    const sentManifests = await run.run('uploading', ready, put);
    return {
      remote: store.location,
      objects: plan.present + plan.send.length + plan.manifests.length,
      present: plan.present,
      uploaded: sent.size + sentManifests.size,
      bytes: run.bytes,
      check: { method, requests },
      run,
    };
  } finally {
    await index.save(store.location);
  }
}

function notCached(oid: Oid, path: string): MvError {
  return new MvError('OBJECT_MISSING', `${path} (${oid}) is not in the local cache, so it cannot be pushed.`, {
    hint: 'Push from the clone where the version was added, or fetch it there first from a remote that has it.',
  });
}

/** A failure to even ask the remote what it has: the remote is down, unreachable or refusing us. */
function unreachable(error: unknown, location: string): unknown {
  if (error instanceof MvError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new MvError('REMOTE_UNREACHABLE', `Could not ask ${location} which objects it has: ${reason}.`, {
    hint: 'Check that the remote is reachable (endpoint, network, credentials), then run the command again.',
    cause: error,
  });
}


/**
 * Pushing objects to a remote: plan, then apply. The plan compares first: objects the presence index
 * knows are skipped, the rest are looked up on the remote (listing or per-object checks, whichever is
 * cheaper; a large file also counts as there when its recipe is), and a directory whose manifest is
 * already there is complete, because a manifest is only ever uploaded after all of its entries (with
 * `recheck`, its entries are looked up all the same: one may have been lost or removed since). Applying
 * sends files and directory entries — large ones as chunks where related files on the remote share some
 * (chunked-push.ts) — then the manifests whose entries all arrived.
 */
import { stat } from 'node:fs/promises';
import type { LocalCache } from '../cache/local-cache.js';
import type { ObjectStore } from '../cache/object-store.js';
import type { Oid } from '../cache/oid.js';
import { MvError, errnoCode } from '../errors.js';
import { directoryEntries, uniqueObjects, type DirectoryEntryObject, type VersionObject } from '../pointer/objects.js';
import { ChunkedPush } from './chunked-push.js';
import type { PresenceIndex } from './presence-index.js';
import { remoteStatus, type RemoteStatus } from './remote-status.js';
import { isEnvironmentFailure } from './retry.js';
import { TransferRun, type TransferItem, type TransferRunOptions } from './transfer-run.js';

export interface UploadOptions extends Omit<TransferRunOptions, 'remote'> {
  cache: LocalCache;
  store: ObjectStore;
  index: PresenceIndex;
  /** Large files go up as chunks where related files on the remote share some; whole without it. */
  chunked?: ChunkedPush | undefined;
  /** Plan only: look up what the remote has, send nothing (and write nothing locally). */
  dryRun?: boolean;
  /**
   * Look up the entries of directories whose manifest the remote has too, and send those it lacks (a
   * damaged object removed by `mvr verify -r --rehash-remote`, or a file lost on the remote).
   */
  recheck?: boolean;
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
  /**
   * Distinct objects of the versions: files, folder manifests and the files they list, each oid once,
   * whatever the remote holds, so that `uploaded + present` is the same on every run.
   */
  objects: number;
  /** Objects the remote already had. */
  present: number;
  uploaded: number;
  /**
   * With dryRun: the objects and bytes that would be sent, and how many of them are large enough to go up
   * as chunks (those may send less).
   */
  wouldSend?: { objects: number; bytes: number; largeFiles: number };
  /** Bytes sent: whole objects, new packs and recipes. */
  bytes: number;
  /** Of the versions' bytes, what had to be stored anew (objects sent whole, and new chunks); the rest was on the remote. */
  newBytes: number;
  /** Files stored as chunks by this push. */
  chunkedFiles: number;
  check: { method: RemoteStatus['method'] | 'index'; requests: number };
  notes: string[];
}

/**
 * The upload plan as a pure function of what the versions contain and what the remote has.
 * `entries` holds the entries of every directory whose manifest the remote lacks, and of those to be
 * rechecked: the entries of a directory whose manifest is there are sent when the remote lacks them.
 */
export function planUpload(tops: VersionObject[], entries: Map<Oid, DirectoryEntryObject[]>, remoteHas: (oid: Oid) => boolean): UploadPlan {
  const plan: UploadPlan = { send: [], manifests: [], present: 0 };
  const queued = new Set<Oid>();
  const send = (item: TransferItem) => {
    if (queued.has(item.oid)) return;
    queued.add(item.oid);
    plan.send.push(item);
  };
  const sendEntries = (list: DirectoryEntryObject[]) => {
    for (const entry of list) {
      if (remoteHas(entry.oid)) plan.present++;
      else send({ oid: entry.oid, path: entry.path, size: entry.size });
    }
  };
  for (const top of uniqueObjects(tops)) {
    if (remoteHas(top.oid)) {
      plan.present++;
      if (top.directory) sendEntries(entries.get(top.oid) ?? []);
      continue;
    }
    if (!top.directory) {
      send({ oid: top.oid, path: top.path, size: top.size });
      continue;
    }
    const list = entries.get(top.oid) ?? [];
    sendEntries(list);
    plan.manifests.push({ item: { oid: top.oid, path: top.path, size: undefined }, entries: list.map((e) => e.oid) });
  }
  return plan;
}

export async function uploadObjects(tops: VersionObject[], options: UploadOptions): Promise<UploadSummary & { run: TransferRun }> {
  const { cache, store, index, chunked } = options;
  const run = new TransferRun({ ...options, remote: store.location, batched: (item) => store.copiesInBatches?.(item.size) ?? false });
  const unique = uniqueObjects(tops);
  const statusOptions = { jobs: options.pools.checks, policy: options.policy, signal: options.signal };
  let requests = 0;
  let method: UploadSummary['check']['method'] = 'index';
  const present = new Set<Oid>();
  const remoteHas = (oid: Oid) => index.has(oid) || present.has(oid);
  const lookUp = async (items: TransferItem[]) => {
    const unknown = items.filter((item) => !remoteHas(item.oid));
    if (unknown.length === 0) return;
    options.onProgress?.({ phase: 'checking', objects: 0, totalObjects: unknown.length, bytes: 0, totalBytes: 0 });
    const status = await remoteStatus(store, unknown.map((item) => item.oid), statusOptions).catch((error: unknown) => {
      throw unreachable(error, store.location);
    });
    requests += status.requests;
    if (status.method !== 'none' && (method === 'index' || status.method === 'list')) method = status.method;
    for (const oid of status.present) {
      present.add(oid);
      index.add(oid);
    }
    // A large file the remote lacks whole may be there as chunks: its recipe says so.
    for (const item of unknown) {
      if (!chunked || present.has(item.oid) || !ChunkedPush.handles(item)) continue;
      requests++;
      const there = await chunked.holdsChunked(item).catch((error: unknown) => {
        throw unreachable(error, store.location);
      });
      if (there) {
        present.add(item.oid);
        index.add(item.oid);
      }
    }
  };

  let newBytes = 0;
  let chunkedFiles = 0;
  try {
    await lookUp(unique.map((o) => ({ oid: o.oid, path: o.path, size: o.directory ? undefined : o.size })));
    const entries = new Map<Oid, DirectoryEntryObject[]>();
    for (const top of unique) {
      if (!top.directory || (remoteHas(top.oid) && !options.recheck)) continue;
      if (!(await cache.has(top.oid))) {
        // Rechecking needs the manifest; without it here, the remote's is taken as it is.
        if (!remoteHas(top.oid)) run.fail({ oid: top.oid, path: top.path, size: undefined }, notCached(top.oid, top.path));
        continue;
      }
      entries.set(top.oid, await directoryEntries(cache, top));
    }
    await lookUp(uniqueObjects([...entries.values()].flat()).map((e) => ({ oid: e.oid, path: e.path, size: e.size })));
    const plan = planUpload(unique.filter((t) => !t.directory || entries.has(t.oid) || remoteHas(t.oid)), entries, remoteHas);
    const objects = await distinctObjects(cache, unique, entries);
    const common = { remote: store.location, objects, check: { method, requests } };
    if (options.dryRun) {
      const wouldSend = { objects: plan.send.length + plan.manifests.length, bytes: plan.send.reduce((sum, item) => sum + (item.size ?? 0), 0), largeFiles: plan.send.filter((item) => ChunkedPush.handles(item)).length };
      return { ...common, present: Math.max(0, objects - wouldSend.objects - run.failures.length), uploaded: 0, bytes: 0, newBytes: 0, chunkedFiles: 0, wouldSend, notes: [], run };
    }

    const finished = new Map<Oid, () => void>();
    chunked?.planned(plan.send, (oid) => new Promise<void>((resolve) => finished.set(oid, resolve)));
    const put = async (item: TransferItem, context: { signal: AbortSignal; onBytes: (n: number) => void }) => {
      try {
        const size = item.size ?? (await stat(cache.path(item.oid))).size;
        if (chunked && ChunkedPush.handles({ ...item, size })) {
          if (!(await cache.has(item.oid))) throw notCached(item.oid, item.path);
          const stored = await chunked.store({ ...item, size }, context);
          if (stored) {
            index.add(item.oid);
            newBytes += stored.newBytes;
            chunkedFiles++;
            return { bytes: stored.sent };
          }
        }
        await store.put(item.oid, cache.path(item.oid), size, context);
        chunked?.sentWhole(item);
        newBytes += size;
      } catch (error) {
        const absent = errnoCode(error) === 'ENOENT' || (error instanceof MvError && error.code === 'PATH_MISSING');
        if (absent && !(await cache.has(item.oid))) throw notCached(item.oid, item.path);
        throw error;
      }
      index.add(item.oid);
      return undefined;
    };
    const sent = await run.run('uploading', plan.send, put, (item) => finished.get(item.oid)?.());
    const ready: TransferItem[] = [];
    for (const manifest of plan.manifests) {
      const failed = manifest.entries.filter((oid) => !sent.has(oid) && !remoteHas(oid)).length;
      if (failed === 0) ready.push(manifest.item);
      else run.fail(manifest.item, new MvError('ENTRIES_FAILED', `not uploaded, because ${failed} of its files did not arrive`));
    }
    const sentManifests = await run.run('uploading', ready, put);
    const uploaded = sent.size + sentManifests.size;
    return {
      ...common,
      check: { method, requests },
      present: Math.max(0, objects - uploaded - run.failures.length),
      uploaded,
      bytes: run.bytes,
      newBytes,
      chunkedFiles,
      notes: chunked ? [...chunked.notes] : [],
      run,
    };
  } finally {
    if (!options.dryRun) await index.save(store.location);
  }
}

/**
 * The distinct objects of the versions: files, manifests and the files the manifests list (read from the
 * cache; a manifest the cache lacks counts the files its pointer records). The same on every run, whatever
 * the remote holds, so `uploaded + present` adds up.
 */
async function distinctObjects(cache: LocalCache, tops: VersionObject[], read: Map<Oid, DirectoryEntryObject[]>): Promise<number> {
  const oids = new Set<Oid>();
  let unlisted = 0;
  for (const top of tops) {
    oids.add(top.oid);
    if (!top.directory) continue;
    const list = read.get(top.oid) ?? ((await cache.has(top.oid)) ? await directoryEntries(cache, top).catch(() => undefined) : undefined);
    if (list) for (const entry of list) oids.add(entry.oid);
    else unlisted += top.files ?? 0;
  }
  return oids.size + unlisted;
}

function notCached(oid: Oid, path: string): MvError {
  return new MvError('OBJECT_MISSING', `${path} (${oid}) is not in the local cache, so it cannot be pushed.`, {
    hint: 'Push from the clone where the version was added, or fetch it there first from a remote that has it.',
  });
}

/**
 * A failure to even ask the remote what it has: the remote is down, unreachable or refusing us. Only a
 * failure of the remote or the network is named so; anything else is a bug and is passed on as it is.
 */
function unreachable(error: unknown, location: string): unknown {
  if (error instanceof MvError || !isEnvironmentFailure(error)) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new MvError('REMOTE_UNREACHABLE', `Could not ask ${location} which objects it has: ${reason}.`, {
    hint: 'Check that the remote is reachable (endpoint, network, credentials), then run the command again.',
    cause: error,
  });
}

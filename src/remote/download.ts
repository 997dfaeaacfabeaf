/**
 * Fetching objects from a remote into a local cache: files first, then each directory's manifest (held in
 * memory), then the entries the cache lacks, and only then the manifest itself. Every byte is verified
 * against the oid before the object is renamed into the cache; large objects are downloaded into a
 * partial file that a later try resumes with a ranged request. Nothing unverified ever reaches the cache.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline, type Readable } from 'node:stream';
import { missingObject, type LocalCache } from '../cache/local-cache.js';
import type { ObjectStore } from '../cache/object-store.js';
import { oidHex, type Oid } from '../cache/oid.js';
import { SMALL_FILE } from '../cache/small-file.js';
import { directoryEntries, manifestEntries, uniqueObjects, type VersionObject } from '../pointer/objects.js';
import type { PresenceIndex } from './presence-index.js';
import { hashBuffer } from '../cache/hash.js';
import { MvError, errnoCode, fsError } from '../errors.js';
import { localCopier } from './local-copy.js';
import { RESUMABLE_SIZE, writeVerified } from './resumable-file.js';
import { StallGuard, corrupt } from './transfer-streams.js';
import { ByteLimit, collectAtMost } from '../cache/byte-limit.js';
import { remoteStatus } from './remote-status.js';
import { ChunkedFetcher } from './chunked-fetch.js';
import { TransferRun, type TransferItem, type TransferRunOptions } from './transfer-run.js';
import { requireRegular } from '../cache/regular-file.js';

/**
 * The most bytes an object whose size is not recorded is read with (a folder's manifest, held in memory
 * until its files are in; a params file): a folder of a million files makes a manifest of about 120 MB.
 */
export const MAX_MANIFEST_BYTES = 256 * 1024 * 1024;

export interface DownloadOptions extends Omit<TransferRunOptions, 'remote'> {
  cache: LocalCache;
  store: ObjectStore;
  index?: PresenceIndex | undefined;
  stallTimeoutMs: number;
  /** Large files the remote holds as chunks are rebuilt from them, reusing chunks this machine has. */
  chunked?: ChunkedFetcher | undefined;
}

export interface DownloadSummary {
  remote: string;
  objects: number;
  /** Objects the cache already had. */
  cached: number;
  downloaded: number;
  /** Bytes read from the remote (for files rebuilt from chunks: the chunks this machine lacked, and recipes). */
  bytes: number;
  /** Files rebuilt from chunks, and the bytes of them copied from files this machine had. */
  rebuilt: number;
  reusedBytes: number;
  /** What was worked around on the way (a damaged recipe, damaged local chunks fetched again). */
  notes: string[];
}

/** `verified`: the objects this call downloaded, each checked against its oid on the way in. */
export async function downloadObjects(tops: VersionObject[], options: DownloadOptions): Promise<DownloadSummary & { run: TransferRun; verified: Set<Oid> }> {
  const { cache, store } = options;
  const run = new TransferRun({ ...options, remote: store.location, batched: (item) => store.copiesInBatches?.(item.size) ?? false });
  const verified = new Set<Oid>();
  let rebuilt = 0;
  let reusedBytes = 0;
  const fetchOne = async (item: TransferItem, context: { signal: AbortSignal; onBytes: (n: number) => void }) => {
    const { chunked } = options;
    if (chunked && item.size !== undefined && ChunkedFetcher.handles(item)) {
      const fetched = await chunked.fetch({ ...item, size: item.size }, cache, context);
      if (fetched) {
        options.index?.add(item.oid);
        verified.add(item.oid);
        rebuilt++;
        reusedBytes += fetched.reused;
        return { bytes: fetched.fetched };
      }
    }
    await downloadObject(item, { ...options, ...context });
    options.index?.add(item.oid);
    verified.add(item.oid);
    return undefined;
  };
  let cached = 0;
  let downloaded = 0;
  let objects = 0;
  // The cache is asked like a remote: many objects are found by listing its fan-out folders.
  const missingOf = async (items: TransferItem[]) => {
    const status = await remoteStatus(cache, items.map((i) => i.oid), { jobs: options.pools.checks, policy: options.policy });
    objects += items.length;
    cached += status.present.size;
    return items.filter((item) => !status.present.has(item.oid));
  };
  try {
    const unique = uniqueObjects(tops);
    // A folder's recorded size is its files'; its manifest's own size is known once it is read.
    const missingTops = await missingOf(unique.map((t) => ({ oid: t.oid, path: t.path, size: t.directory ? undefined : t.size })));
    const directories = new Set(unique.filter((t) => t.directory).map((t) => t.oid));
    // A manifest enters the cache only after every file it lists: until then it is held in memory, so a
    // fetch cut short never leaves a manifest whose files are missing.
    const manifests = new Map<Oid, Buffer>();
    const fetchManifest = async (item: TransferItem, context: { signal: AbortSignal }) => {
      const data = await readWhole(store, item.oid, context.signal, MAX_MANIFEST_BYTES);
      if (hashBuffer(data) !== item.oid) throw corrupt(item.oid, store.location, 'bytes that do not match');
      manifests.set(item.oid, data);
      return { bytes: data.length };
    };
    downloaded += (await run.run('downloading', missingTops.filter((t) => !directories.has(t.oid)), fetchOne)).size;
    await run.run('downloading', missingTops.filter((t) => directories.has(t.oid)), fetchManifest);
    const entries: TransferItem[] = [];
    const listed = new Map<Oid, Oid[]>();
    for (const top of unique) {
      if (!top.directory) continue;
      const pending = manifests.get(top.oid);
      if (!pending && !(await cache.has(top.oid))) continue;
      const files = pending ? manifestEntries(top, pending) : await directoryEntries(cache, top);
      listed.set(top.oid, files.map((f) => f.oid));
      for (const entry of files) entries.push({ oid: entry.oid, path: entry.path, size: entry.size });
    }
    downloaded += (await run.run('downloading', await missingOf(uniqueObjects(entries)), fetchOne)).size;
    for (const [oid, data] of manifests) {
      if (!(listed.get(oid) ?? []).every((entry) => cache.hasSync(entry))) continue;
      await cache.putBuffer(data);
      options.index?.add(oid);
      downloaded++;
    }
    return { remote: store.location, objects, cached, downloaded, bytes: run.bytes, rebuilt, reusedBytes, notes: [...(options.chunked?.notes ?? [])], run, verified };
  } finally {
    await options.index?.save(store.location);
  }
}

/**
 * A large object from a folder remote is stored as `mv add` stores a file (`LocalCache.ingest`: the kernel
 * copies it while it is hashed), with its oid as the expected content.
 */
async function copyLocalLarge(item: TransferItem & { size: number }, source: string, options: { cache: LocalCache; store: ObjectStore; onBytes?: (n: number) => void }): Promise<void> {
  const { cache, store } = options;
  try {
    // A regular file of the recorded size, or nothing is read (a pipe, a device, a sparse giant).
    await requireRegular(source, { size: item.size });
    await cache.ingest(source, item.oid);
  } catch (error) {
    const code = error instanceof MvError ? error.code : undefined;
    if (code === 'CONTENT_MISMATCH' || code === 'FILE_CHANGED') throw corrupt(item.oid, store.location, 'bytes that do not match');
    if ((code === 'PATH_MISSING' || errnoCode(error) === 'ENOENT') && !(await store.has(item.oid))) throw missingObject(item.oid, store.location);
    if (code === 'UNEXPECTED_FILE') throw error;
    throw fsError(error, 'copying into the cache at', cache.location);
  }
  options.onBytes?.(item.size);
}

/** A small object's bytes, whole (unverified), refused past `maxBytes`. */
async function readWhole(store: ObjectStore, oid: Oid, signal: AbortSignal, maxBytes: number): Promise<Buffer> {
  if (store.readBuffer) return store.readBuffer(oid, { signal, maxBytes });
  return collectAtMost(await store.read(oid, { signal }), maxBytes, () => corrupt(oid, store.location, `more than the ${maxBytes} bytes expected`));
}

/** Downloads one object into the cache, verified; resumable when its size is known and large. */
export async function downloadObject(
  item: TransferItem,
  options: { cache: LocalCache; store: ObjectStore; stallTimeoutMs: number; pools: { copierThreads: number }; signal?: AbortSignal | undefined; onBytes?: (n: number) => void },
): Promise<void> {
  const { cache, store } = options;
  const signal = options.signal ? { signal: options.signal } : {};
  const open = (start: number): Promise<Readable> => store.read(item.oid, { start, ...signal });
  if (item.size !== undefined && item.size <= SMALL_FILE && store.localPath) {
    try {
      await localCopier(options.pools.copierThreads).copy({ source: store.localPath(item.oid), target: cache.path(item.oid), oid: item.oid, size: item.size });
    } catch (error) {
      if (error instanceof MvError && error.code === 'CORRUPT_COPY') throw corrupt(item.oid, store.location, 'bytes that do not match');
      if (errnoCode(error) === 'ENOENT' && !(await store.has(item.oid))) throw missingObject(item.oid, store.location);
      throw fsError(error, 'copying into the cache at', cache.location);
    }
    options.onBytes?.(item.size);
    return;
  }
  if (item.size !== undefined && item.size <= SMALL_FILE && store.readBuffer) {
    const data = await store.readBuffer(item.oid, { ...signal, maxBytes: item.size });
    if (hashBuffer(data) !== item.oid) throw corrupt(item.oid, store.location, data.byteLength === item.size ? 'bytes that do not match' : `${data.byteLength} bytes instead of ${item.size}`);
    await cache.putBuffer(data);
    options.onBytes?.(data.byteLength);
    return;
  }
  if (item.size === undefined) {
    // Manifests: their size is not recorded, and they are small.
    const source = pipeline(await open(0), new StallGuard(options.stallTimeoutMs, `The transfer of ${item.oid} from ${store.location}`), new ByteLimit(MAX_MANIFEST_BYTES, () => corrupt(item.oid, store.location, `more than the ${MAX_MANIFEST_BYTES} bytes expected`)), () => undefined);
    await cache.receive(item.oid, source, store.location);
    return;
  }
  if (store.localPath) {
    await copyLocalLarge(item as TransferItem & { size: number }, store.localPath(item.oid), options);
    return;
  }
  const resumable = item.size >= RESUMABLE_SIZE;
  if (resumable) await mkdir(cache.tempDir, { recursive: true });
  await writeVerified({
    oid: item.oid,
    size: item.size,
    temp: resumable ? join(cache.tempDir, `${oidHex(item.oid)}.partial`) : await cache.newTempPath(),
    resumable,
    where: store.location,
    open,
    finish: (temp) => cache.adoptVerified(item.oid, temp),
    stallTimeoutMs: options.stallTimeoutMs,
    onBytes: options.onBytes,
    signal: options.signal,
  });
}

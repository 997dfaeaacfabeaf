/**
 * Fetching objects from a remote into a local cache: files and manifests first, then the entries of each
 * directory the cache lacks. Every byte is verified against the oid before the object is renamed into
 * the cache; large objects are downloaded into a partial file that a later try resumes with a ranged
 * request. Nothing unverified ever reaches the cache.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline, type Readable } from 'node:stream';
import type { LocalCache } from '../cache/local-cache.js';
import type { ObjectStore } from '../cache/object-store.js';
import { oidHex } from '../cache/oid.js';
import { directoryEntries, uniqueObjects, type VersionObject } from '../pointer/objects.js';
import type { PresenceIndex } from './presence-index.js';
import { RESUMABLE_SIZE } from './directory-store.js';
import { writeVerified } from './resumable-file.js';
import { StallGuard } from './transfer-streams.js';
import { TransferRun, type TransferItem, type TransferRunOptions } from './transfer-run.js';

export interface DownloadOptions extends Omit<TransferRunOptions, 'remote'> {
  cache: LocalCache;
  store: ObjectStore;
  index?: PresenceIndex | undefined;
  stallTimeoutMs: number;
}

export interface DownloadSummary {
  remote: string;
  objects: number;
  /** Objects the cache already had. */
  cached: number;
  downloaded: number;
  bytes: number;
}

export async function downloadObjects(tops: VersionObject[], options: DownloadOptions): Promise<DownloadSummary & { run: TransferRun }> {
  const { cache, store } = options;
  const run = new TransferRun({ ...options, remote: store.location });
  const fetchOne = async (item: TransferItem, context: { signal: AbortSignal; onBytes: (n: number) => void }) => {
    if (await cache.has(item.oid)) return;
    await downloadObject(item, { ...options, ...context });
    options.index?.add(item.oid);
  };
  let cached = 0;
  let downloaded = 0;
  let objects = 0;
  const missingOf = async (items: TransferItem[]) => {
    const missing: TransferItem[] = [];
    for (const item of items) {
      objects++;
      if (await cache.has(item.oid)) cached++;
      else missing.push(item);
    }
    return missing;
  };
  try {
    const unique = uniqueObjects(tops);
    const first = await run.run('downloading', await missingOf(unique.map((t) => ({ oid: t.oid, path: t.path, size: t.size }))), fetchOne);
    downloaded += first.size;
    const entries: TransferItem[] = [];
    for (const top of unique) {
      if (!top.directory || !(await cache.has(top.oid))) continue;
      for (const entry of await directoryEntries(cache, top)) entries.push({ oid: entry.oid, path: entry.path, size: entry.size });
    }
    downloaded += (await run.run('downloading', await missingOf(uniqueObjects(entries)), fetchOne)).size;
    return { remote: store.location, objects, cached, downloaded, bytes: run.bytes, run };
  } finally {
    await options.index?.save(store.location);
  }
}

/** Downloads one object into the cache, verified; resumable when its size is known and large. */
export async function downloadObject(
  item: TransferItem,
  options: { cache: LocalCache; store: ObjectStore; stallTimeoutMs: number; signal?: AbortSignal | undefined; onBytes?: (n: number) => void },
): Promise<void> {
  const { cache, store } = options;
  const open = (start: number): Promise<Readable> => store.read(item.oid, { start, ...(options.signal ? { signal: options.signal } : {}) });
  if (item.size === undefined) {
    // Manifests: their size is not recorded, and they are small.
    const source = pipeline(await open(0), new StallGuard(options.stallTimeoutMs, `The transfer of ${item.oid} from ${store.location}`), () => undefined);
    await cache.receive(item.oid, source, store.location);
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

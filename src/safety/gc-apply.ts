/** Gathering what a store holds for a gc plan, and carrying the plan out. */
import { runLimited } from '../chunk/run-limited.js';
import type { ObjectStore, StoredObjectInfo } from '../cache/object-store.js';
import type { Oid } from '../cache/oid.js';
import { MvError } from '../errors.js';
import { parseManifest } from '../cache/manifest.js';
import type { GcDeletion } from './gc-plan.js';
import { looksLikeManifest, readObjectBytes } from './object-bytes.js';

export async function listStore(store: ObjectStore): Promise<StoredObjectInfo[]> {
  if (!store.listDetailed) {
    throw new MvError('GC_UNSUPPORTED', `${store.location} cannot list its objects with their ages, so mv cannot garbage-collect it.`, {
      hint: 'Use a folder or S3 remote.',
    });
  }
  const objects: StoredObjectInfo[] = [];
  for await (const info of store.listDetailed()) objects.push(info);
  return objects;
}

/** Which of `candidates` are directory manifests, with the files they list (an unparsable one lists none). */
export async function findManifests(store: ObjectStore, candidates: StoredObjectInfo[]): Promise<Map<Oid, Oid[]>> {
  const manifests = new Map<Oid, Oid[]>();
  for (const object of candidates) {
    if (!(await looksLikeManifest(store, object.oid))) continue;
    const bytes = await readObjectBytes(store, object.oid);
    let entries: Oid[] = [];
    try {
      if (bytes) entries = parseManifest(bytes.toString('utf8'), object.oid).map((e) => e.oid);
    } catch {
      entries = [];
    }
    manifests.set(object.oid, entries);
  }
  return manifests;
}

/**
 * Deletes in plan order: every manifest first (all of them gone before any file is touched), then the
 * rest, a few at a time. Returns the oids deleted; the first failure stops the run and is thrown after
 * the deletions in flight settle.
 */
export async function applyDeletions(store: ObjectStore, deletions: GcDeletion[], options: { jobs?: number; signal?: AbortSignal } = {}): Promise<Oid[]> {
  const deleted: Oid[] = [];
  for (const phase of [deletions.filter((d) => d.manifest), deletions.filter((d) => !d.manifest)]) {
    await runLimited(phase, { concurrency: options.jobs ?? 8, ...(options.signal ? { signal: options.signal } : {}) }, async (object) => {
      await store.delete(object.oid);
      deleted.push(object.oid);
    });
  }
  return deleted;
}

/** Whether the cache holds everything a pointer records, folders' files included. */
import type { LocalCache } from '../cache/local-cache.js';
import type { Oid } from '../cache/oid.js';
import { expandObjects, pointerObjects, type VersionObject } from './objects.js';
import type { Pointer } from './pointer.js';

/** Oids the pointer needs that the cache lacks (a folder whose manifest is missing counts once). */
export async function missingObjects(cache: LocalCache, pointer: Pointer): Promise<Oid[]> {
  // Only oids are asked for, so the pointer's own folder does not matter.
  return (await storedObjects(cache, pointerObjects(pointer, `${pointer.name}.mv.yaml`))).missing;
}

/**
 * Of `tops` and the files of the folders among them, how many there are and which oids the cache lacks
 * (a folder whose manifest is missing counts once: its files cannot be listed).
 */
export async function storedObjects(cache: LocalCache, tops: VersionObject[]): Promise<{ objects: number; missing: Oid[] }> {
  const { objects, unreadable } = await expandObjects(cache, tops);
  const missing: Oid[] = [];
  for (const object of objects) {
    const stored = 'manifest' in object ? cache.hasSync(object.oid, object.size) : object.directory ? !unreadable.includes(object) : cache.hasSync(object.oid);
    if (!stored) missing.push(object.oid);
  }
  return { objects: objects.length, missing };
}

/** Whether the cache holds everything a pointer records, folders' files included. */
import type { LocalCache } from '../cache/local-cache.js';
import type { Oid } from '../cache/oid.js';
import { directoryEntries, expandThrough, pointerObjects } from './objects.js';
import type { Pointer } from './pointer.js';

/** Oids the pointer needs that the cache lacks (a folder whose manifest is missing counts once). */
export async function missingObjects(cache: LocalCache, pointer: Pointer): Promise<Oid[]> {
  // Only oids are asked for, so the pointer's own folder does not matter.
  const tops = pointerObjects(pointer, `${pointer.name}.mv.yaml`);
  const { objects, unreadable } = await expandThrough(tops, async (directory) => (cache.hasSync(directory.oid) ? directoryEntries(cache, directory) : undefined));
  const missing: Oid[] = [];
  for (const object of objects) {
    const stored = 'manifest' in object ? cache.hasSync(object.oid, object.size) : object.directory ? !unreadable.includes(object) : cache.hasSync(object.oid);
    if (!stored) missing.push(object.oid);
  }
  return missing;
}

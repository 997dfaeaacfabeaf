/** Whether the cache holds everything a pointer records, folders' files included. */
import type { LocalCache } from '../cache/local-cache.js';
import { parseManifest } from '../cache/manifest.js';
import type { Oid } from '../cache/oid.js';
import type { PathEntry, Pointer } from './pointer.js';

function storedEntries(pointer: Pointer): PathEntry[] {
  const entries: PathEntry[] = [...pointer.files, ...(pointer.lineage.pipeline ?? [])];
  for (const d of pointer.lineage.data ?? []) if ('oid' in d && 'path' in d) entries.push(d as PathEntry);
  if (pointer.lineage.params_file) entries.push({ ...pointer.lineage.params_file, size: 0 });
  return entries;
}

/** Oids the pointer needs that the cache lacks (a folder whose manifest is missing counts once). */
export async function missingObjects(cache: LocalCache, pointer: Pointer): Promise<Oid[]> {
  const missing: Oid[] = [];
  for (const entry of storedEntries(pointer)) {
    if (!cache.hasSync(entry.oid)) {
      missing.push(entry.oid);
      continue;
    }
    if (!entry.path.endsWith('/')) continue;
    const manifest = parseManifest((await cache.readVerified(entry.oid)).toString('utf8'), entry.oid);
    for (const file of manifest) if (!cache.hasSync(file.oid, file.size)) missing.push(file.oid);
  }
  return missing;
}

/** Every object of a version with the role and path it has there, folders' files included. */
import { parseManifest } from '../cache/manifest.js';
import type { Oid } from '../cache/oid.js';
import { pointerObjects, type ObjectRole } from '../pointer/objects.js';
import type { Pointer } from '../pointer/pointer.js';

export interface OwnedObject {
  oid: Oid;
  /** Repository path (a folder's manifest ends with '/'). */
  path: string;
  role: ObjectRole;
  /** The version's pinned id. */
  id: string;
  manifest: boolean;
}

/** `readManifest` returns a manifest's bytes, or undefined; folders whose manifest is unknown are listed in `unlisted`. */
export async function versionObjects(version: { id: string; pointer: Pointer; file: string }, readManifest: (oid: Oid) => Promise<Buffer | undefined>): Promise<{ objects: OwnedObject[]; unlisted: string[] }> {
  const objects: OwnedObject[] = [];
  const unlisted: string[] = [];
  for (const top of pointerObjects(version.pointer, version.file)) {
    objects.push({ oid: top.oid, path: top.path, role: top.role, id: version.id, manifest: top.directory });
    if (!top.directory) continue;
    const bytes = await readManifest(top.oid);
    let entries;
    try {
      entries = bytes === undefined ? undefined : parseManifest(bytes.toString('utf8'), `${top.oid} (${top.path})`);
    } catch {
      entries = undefined;
    }
    if (!entries) {
      unlisted.push(`${version.id}: ${top.path}`);
      continue;
    }
    for (const entry of entries) objects.push({ oid: entry.oid, path: `${top.path}${entry.path}`, role: top.role, id: version.id, manifest: false });
  }
  return { objects, unlisted };
}

/** Every object of a version with the role and path it has there, folders' files included. */
import type { Oid } from '../cache/oid.js';
import { expandThrough, manifestEntries, pointerObjects, type ObjectRole } from '../pointer/objects.js';
import type { Pointer } from '../pointer/pointer.js';

export interface OwnedObject {
  oid: Oid;
  /** Repository path (a folder's manifest ends with '/'). */
  path: string;
  role: ObjectRole;
  /** The version's pinned id. */
  id: string;
  manifest: boolean;
  /** The size its pointer or manifest records; undefined for a folder's manifest (not recorded). */
  size?: number | undefined;
}

/**
 * `readManifest` returns a manifest's bytes, or undefined; folders whose manifest is unknown (or not a
 * valid manifest) are listed in `unlisted`.
 */
export async function versionObjects(version: { id: string; pointer: Pointer; file: string }, readManifest: (oid: Oid) => Promise<Buffer | undefined>): Promise<{ objects: OwnedObject[]; unlisted: string[] }> {
  const tops = pointerObjects(version.pointer, version.file);
  const { objects, unreadable } = await expandThrough(tops, async (directory) => {
    const bytes = await readManifest(directory.oid);
    if (bytes === undefined) return undefined;
    try {
      return manifestEntries(directory, bytes);
    } catch {
      return undefined;
    }
  });
  // A folder's files follow the folder, and have its role.
  let role: ObjectRole = 'file';
  const owned = objects.map((object): OwnedObject => {
    if ('manifest' in object) return { oid: object.oid, path: object.path, role, id: version.id, manifest: false, size: object.size };
    role = object.role;
    return { oid: object.oid, path: object.path, role, id: version.id, manifest: object.directory, size: object.directory ? undefined : object.size };
  });
  return { objects: owned, unlisted: unreadable.map((directory) => `${version.id}: ${directory.path}`) };
}

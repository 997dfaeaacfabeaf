/** Which objects a purge removes: the version's own objects that nothing else still needs. */
import { parseManifest } from '../cache/manifest.js';
import type { Oid } from '../cache/oid.js';
import { pointerObjects } from '../pointer/objects.js';
import type { Pointer } from '../pointer/pointer.js';
import type { GcDeletion } from './gc-plan.js';

export interface PurgeObject {
  oid: Oid;
  size: number;
  /** Repository path, for messages (a folder's ends with '/'). */
  path: string;
  manifest: boolean;
}

export interface PurgePlan {
  /** In deletion order: manifests first. */
  remove: PurgeObject[];
  bytes: number;
  /** The version's objects that stay because other versions or pointers need them. */
  shared: number;
  /** Folders whose manifest was not found, so their files could not be listed. */
  unlisted: string[];
}

/** `manifests` holds each folder's manifest bytes where they could be read. */
export function planPurge(pointer: Pointer, file: string, needed: Set<Oid>, manifests: Map<Oid, Buffer>): PurgePlan {
  const all = new Map<Oid, PurgeObject>();
  const unlisted: string[] = [];
  for (const object of pointerObjects(pointer, file)) {
    if (!all.has(object.oid)) all.set(object.oid, { oid: object.oid, size: object.size ?? manifests.get(object.oid)?.byteLength ?? 0, path: object.path, manifest: object.directory });
    if (!object.directory) continue;
    const bytes = manifests.get(object.oid);
    if (!bytes) {
      unlisted.push(object.path);
      continue;
    }
    for (const entry of parseManifest(bytes.toString('utf8'), `${object.oid} (${object.path})`)) {
      if (!all.has(entry.oid)) all.set(entry.oid, { oid: entry.oid, size: entry.size, path: `${object.path}${entry.path}`, manifest: false });
    }
  }
  const remove = [...all.values()].filter((o) => !needed.has(o.oid)).sort((a, b) => Number(b.manifest) - Number(a.manifest));
  return { remove, bytes: remove.reduce((sum, o) => sum + o.size, 0), shared: all.size - remove.length, unlisted };
}

export function asDeletions(plan: PurgePlan): GcDeletion[] {
  return plan.remove.map((o) => ({ oid: o.oid, size: o.size, modifiedMs: 0, manifest: o.manifest }));
}

/**
 * From the top-level objects pointers need to every object they need: a folder's manifest keeps each
 * file it lists. A manifest that cannot be read is reported, never guessed around.
 */
import { hashBuffer } from '../cache/hash.js';
import { parseManifest } from '../cache/manifest.js';
import { shortOid, type Oid } from '../cache/oid.js';
import type { ReferencedObject } from './references.js';

export interface ExpandedObjects {
  /** Every object needed, directory entries included. */
  oids: Set<Oid>;
  /** Sizes of directory entries (from their manifests). */
  entrySizes: Map<Oid, number>;
  /**
   * Folders whose manifest is in none of the stores read (their files cannot be told apart from garbage),
   * each named by the version that needs it and where (`ReferencedObject.neededBy`), or by its oid.
   */
  unreadable: string[];
  notes: string[];
}

/** `read` returns a manifest's bytes, or undefined when it is not available. */
export async function expandDirectories(objects: Iterable<ReferencedObject>, read: (oid: Oid) => Promise<Buffer | undefined>): Promise<ExpandedObjects> {
  const result: ExpandedObjects = { oids: new Set(), entrySizes: new Map(), unreadable: [], notes: [] };
  const unreadable = (object: ReferencedObject) => result.unreadable.push(object.neededBy ?? object.oid);
  for (const object of objects) {
    result.oids.add(object.oid);
    if (!object.directory) continue;
    const bytes = await read(object.oid);
    if (bytes === undefined) {
      if (!object.guessed) unreadable(object);
      continue;
    }
    let entries;
    try {
      entries = parseManifest(bytes.toString('utf8'), object.oid);
    } catch (error) {
      if (!object.guessed) {
        unreadable(object);
        result.notes.push(`The manifest ${shortOid(object.oid)} cannot be read (${error instanceof Error ? error.message : String(error)}); run \`mvr verify\`.`);
      }
      continue;
    }
    // A damaged manifest still protects whatever it lists.
    if (hashBuffer(bytes) !== object.oid) result.notes.push(`The manifest ${shortOid(object.oid)} does not match its content; run \`mvr verify\`.`);
    for (const entry of entries) {
      result.oids.add(entry.oid);
      result.entrySizes.set(entry.oid, entry.size);
    }
  }
  return result;
}

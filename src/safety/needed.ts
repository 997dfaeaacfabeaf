/** The objects a clone still needs: referenced by some pointer it can see, purged versions left out. */
import type { Oid } from '../cache/oid.js';
import type { Repo } from '../repo.js';
import { expandDirectories, type ExpandedObjects } from './keep-set.js';
import { readPurgeRecords, type PurgeRecord } from './purge-record.js';
import { findPointers, referencedObjects, type FoundPointer } from './references.js';

export interface NeededObjects extends ExpandedObjects {
  pointers: FoundPointer[];
  purges: PurgeRecord[];
}

export interface NeededOptions {
  /** Reads a manifest's bytes (from the cache, else the remote); undefined when absent. */
  readManifest: (oid: Oid) => Promise<Buffer | undefined>;
  /** Pinned ids whose pointers do not count (the version being purged). */
  except?: Set<string>;
}

export async function neededObjects(repo: Repo, options: NeededOptions): Promise<NeededObjects> {
  const [{ pointers, notes }, purges] = await Promise.all([findPointers(repo), readPurgeRecords(repo.git)]);
  const referenced = referencedObjects(pointers, { purged: new Set(purges.map((p) => p.id)), ...(options.except ? { except: options.except } : {}) });
  const expanded = await expandDirectories(referenced.values(), options.readManifest);
  return { ...expanded, notes: [...notes, ...expanded.notes], pointers, purges };
}

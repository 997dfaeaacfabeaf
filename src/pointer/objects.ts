/**
 * The cache objects a version needs: its files, its data and pipeline paths, its params file, and for
 * every directory the manifest plus all of its entries. Push, fetch, gc and verify all start here.
 */
import type { LocalCache } from '../cache/local-cache.js';
import { parseManifest, type ManifestEntry } from '../cache/manifest.js';
import type { Oid } from '../cache/oid.js';
import { joinRepoPath } from '../paths.js';
import { pointerFolder, type PathEntry, type Pointer } from './pointer.js';

export type ObjectRole = 'file' | 'data' | 'pipeline' | 'params';

export const ALL_ROLES: readonly ObjectRole[] = ['file', 'data', 'pipeline', 'params'];

export interface VersionObject {
  oid: Oid;
  /** The object's size; for a directory, the total of its files (the manifest's own size is not recorded). */
  size: number | undefined;
  role: ObjectRole;
  /** Repository-relative path, for messages; a directory's ends with '/'. */
  path: string;
  /** True for a directory: `oid` is its manifest's. */
  directory: boolean;
  /** For a directory, the files its pointer entry records (`nfiles`). */
  files?: number;
}

export interface DirectoryEntryObject {
  oid: Oid;
  size: number;
  /** Repository-relative path of the file inside the directory. */
  path: string;
  /** The manifest listing it. */
  manifest: Oid;
}

/**
 * The top-level objects of a pointer (files and directory manifests, not directory entries), in
 * pointer order, for the given roles. `file` is the pointer's repository-relative path.
 */
export function pointerObjects(pointer: Pointer, file: string, roles: readonly ObjectRole[] = ALL_ROLES): VersionObject[] {
  const folder = pointerFolder(file);
  const out: VersionObject[] = [];
  const add = (entry: PathEntry | { path: string; oid: Oid; size?: number; nfiles?: number }, role: ObjectRole) => {
    const directory = entry.path.endsWith('/');
    const path = joinRepoPath(folder, entry.path);
    out.push(directory ? { oid: entry.oid, size: undefined, role, path, directory, files: entry.nfiles ?? 0 } : { oid: entry.oid, size: entry.size, role, path, directory });
  };
  if (roles.includes('file')) for (const entry of pointer.files) add(entry, 'file');
  if (roles.includes('data')) for (const entry of pointer.lineage.data ?? []) if ('path' in entry && 'oid' in entry) add(entry as PathEntry, 'data');
  if (roles.includes('pipeline')) for (const entry of pointer.lineage.pipeline ?? []) add(entry, 'pipeline');
  if (roles.includes('params') && pointer.lineage.params_file) add({ path: pointer.lineage.params_file.path, oid: pointer.lineage.params_file.oid }, 'params');
  return out;
}

/** One object per oid, keeping the first occurrence (its path names it in messages). */
export function uniqueObjects<T extends { oid: Oid }>(objects: Iterable<T>): T[] {
  const seen = new Map<Oid, T>();
  for (const object of objects) if (!seen.has(object.oid)) seen.set(object.oid, object);
  return [...seen.values()];
}

/** The entries of a directory object as its manifest's bytes list them (fails on bytes that are not a manifest). */
export function manifestEntries(directory: VersionObject, bytes: Buffer): DirectoryEntryObject[] {
  const manifest: ManifestEntry[] = parseManifest(bytes.toString('utf8'), `${directory.oid} (${directory.path})`);
  return manifest.map((entry) => ({ oid: entry.oid, size: entry.size, path: `${directory.path}${entry.path}`, manifest: directory.oid }));
}

/** The entries of a directory object, from its manifest in the cache (verified against its oid). */
export async function directoryEntries(cache: LocalCache, directory: VersionObject): Promise<DirectoryEntryObject[]> {
  return manifestEntries(directory, await cache.readVerified(directory.oid));
}

/**
 * Expanding a version's objects through folder manifests: each top-level object in order, each directory
 * followed by its entries as `entriesOf` lists them. A directory whose entries it cannot give (undefined:
 * the manifest is not at hand) is in `unreadable`. Duplicates are kept; `uniqueObjects` removes them.
 */
export async function expandThrough(
  objects: VersionObject[],
  entriesOf: (directory: VersionObject) => Promise<DirectoryEntryObject[] | undefined>,
): Promise<{ objects: Array<VersionObject | DirectoryEntryObject>; unreadable: VersionObject[] }> {
  const all: Array<VersionObject | DirectoryEntryObject> = [];
  const unreadable: VersionObject[] = [];
  for (const object of objects) {
    all.push(object);
    if (!object.directory) continue;
    const entries = await entriesOf(object);
    if (entries) all.push(...entries);
    else unreadable.push(object);
  }
  return { objects: all, unreadable };
}

/**
 * Every object of the given top-level objects, directory entries included (each oid once), with the
 * directories whose entries could not be listed because their manifest is not in the cache.
 */
export async function expandObjects(cache: LocalCache, objects: VersionObject[]): Promise<{ objects: Array<VersionObject | DirectoryEntryObject>; unreadable: VersionObject[] }> {
  const expanded = await expandThrough(uniqueObjects(objects), async (directory) => ((await cache.has(directory.oid)) ? directoryEntries(cache, directory) : undefined));
  return { objects: uniqueObjects(expanded.objects), unreadable: expanded.unreadable };
}

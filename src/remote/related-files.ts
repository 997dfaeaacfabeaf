/**
 * Which files may share chunks with the ones a push or fetch moves: the large files of the same
 * artifact's neighbouring versions (the two nearest below, else the nearest above) and of its lineage
 * parent. A push learns from their recipes which chunks the remote already holds, without listing it; a
 * fetch copies the chunks it needs from those that are in the local cache. Files at the same path come
 * first: a tensor that did not change is usually in the file of the same name.
 */
import semver from 'semver';
import { parseManifest } from '../cache/manifest.js';
import type { Oid } from '../cache/oid.js';
import { CHUNKED_MIN_FILE } from '../chunk/params.js';
import { MvError } from '../errors.js';
import type { Git } from '../git.js';
import { pointerObjects } from '../pointer/objects.js';
import type { Pointer } from '../pointer/pointer.js';
import { parseRef } from '../registry/ref.js';
import { readTagRecords } from '../registry/tag-records.js';
import { pointerOfRecord } from '../registry/version-pointer.js';
import { versionsFromRecords, type VersionRecord } from '../registry/versions.js';

/** A file of another version, by oid, with its path in that version (for the same-path preference). */
export interface RelatedFile {
  oid: Oid;
  size: number;
  path: string;
}

/** How many neighbouring versions of an artifact are consulted. */
const NEIGHBOURS = 2;

export interface RelatedFiles {
  /** The related files of the file `oid` (at `path`), nearest first; never the file itself. */
  of(oid: Oid, path: string): RelatedFile[];
}

/** Reads a folder's manifest (from the cache, else the remote); undefined when it is nowhere to be read. */
export type ManifestReader = (oid: Oid) => Promise<Buffer | undefined>;

export async function relatedFiles(git: Git, versions: Array<{ pointer: Pointer; file: string }>, readManifest: ManifestReader): Promise<RelatedFiles> {
  const byArtifact = versionsFromRecords(await readTagRecords(git));
  const pointers = new Map<string, Promise<{ pointer: Pointer; file: string } | undefined>>();
  const read = (record: VersionRecord) => {
    const key = `${record.artifact}@${record.version}`;
    let pending = pointers.get(key);
    if (!pending) {
      pending = pointerOfRecord(git, record).then(
        (located) => ({ pointer: located.pointer, file: located.file }),
        (error: unknown) => {
          // A version registered by another tool, or whose pointer cannot be read, offers nothing to share.
          if (error instanceof MvError) return undefined;
          throw error;
        },
      );
      pointers.set(key, pending);
    }
    return pending;
  };
  const related = new Map<Oid, RelatedFile[]>();
  const ownPaths = new Map<Oid, string>();
  for (const version of versions) {
    const own = await largeFiles(version.pointer, version.file, readManifest);
    if (own.length === 0) continue;
    const records = [...(byArtifact.get(version.pointer.name)?.values() ?? [])].filter((r) => semver.valid(r.version) && r.version !== version.pointer.version);
    const below = records.filter((r) => semver.lt(r.version, version.pointer.version)).sort((a, b) => semver.rcompare(a.version, b.version));
    const above = records.filter((r) => semver.gt(r.version, version.pointer.version)).sort((a, b) => semver.compare(a.version, b.version));
    const chosen = below.length > 0 ? below.slice(0, NEIGHBOURS) : above.slice(0, 1);
    const parent = parentRecord(version.pointer, byArtifact);
    if (parent && !chosen.includes(parent)) chosen.push(parent);
    const files: RelatedFile[] = [];
    for (const record of chosen) {
      const located = await read(record);
      if (located) files.push(...(await largeFiles(located.pointer, located.file, readManifest)));
    }
    for (const file of own) {
      ownPaths.set(file.oid, file.path);
      const list = related.get(file.oid) ?? [];
      for (const other of files) if (other.oid !== file.oid && !list.some((f) => f.oid === other.oid)) list.push(other);
      related.set(file.oid, list);
    }
  }
  return {
    of(oid, path) {
      const list = related.get(oid) ?? [];
      const name = basename(path || ownPaths.get(oid) || '');
      return [...list.filter((f) => basename(f.path) === name), ...list.filter((f) => basename(f.path) !== name)];
    },
  };
}

/** A pointer's files large enough to be stored as chunks, folders' entries included where their manifest can be read. */
async function largeFiles(pointer: Pointer, file: string, readManifest: ManifestReader): Promise<RelatedFile[]> {
  const out: RelatedFile[] = [];
  for (const object of pointerObjects(pointer, file, ['file'])) {
    if (!object.directory) {
      if ((object.size ?? 0) >= CHUNKED_MIN_FILE) out.push({ oid: object.oid, size: object.size!, path: object.path });
      continue;
    }
    const bytes = await readManifest(object.oid);
    if (!bytes) continue;
    let entries;
    try {
      entries = parseManifest(bytes.toString('utf8'), `${object.oid} (${object.path})`);
    } catch {
      continue;
    }
    for (const entry of entries) if (entry.size >= CHUNKED_MIN_FILE) out.push({ oid: entry.oid, size: entry.size, path: `${object.path}${entry.path}` });
  }
  return out;
}

function parentRecord(pointer: Pointer, byArtifact: Map<string, Map<string, VersionRecord>>): VersionRecord | undefined {
  if (!pointer.lineage.parent) return undefined;
  try {
    const ref = parseRef(pointer.lineage.parent);
    return ref.kind === 'version' ? byArtifact.get(ref.artifact)?.get(ref.version) : undefined;
  } catch {
    return undefined;
  }
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

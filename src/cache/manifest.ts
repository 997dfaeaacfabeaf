/**
 * Directory manifests: canonical JSON listing a directory's files, sorted by the UTF-8 bytes of their
 * paths, each `{path, oid, size, mode}`. The manifest is itself a cache object; its oid is the directory's.
 * `mode` is 420 (0o644) or 493 (0o755): only the executable bit is kept, as git does.
 */
import { MvError } from '../errors.js';
import { relativePathProblem } from '../paths.js';
import { isOid, type Oid } from './oid.js';

export const MANIFEST_SCHEMA = 1;
export const MODE_FILE = 0o644;
export const MODE_EXECUTABLE = 0o755;

export interface ManifestEntry {
  path: string;
  oid: Oid;
  size: number;
  mode: number;
}

export function modeOf(statMode: number | bigint): number {
  return (Number(statMode) & 0o111) !== 0 ? MODE_EXECUTABLE : MODE_FILE;
}

/** Whether `text` is only ASCII, where string order (UTF-16 code units) is UTF-8 byte order. */
// eslint-disable-next-line no-control-regex
const ASCII_ONLY = /^[\x00-\x7f]*$/;

/** Entries sorted by the UTF-8 bytes of their paths (each path encoded once, not once per comparison). */
function sortedByPathBytes(entries: ManifestEntry[]): ManifestEntry[] {
  if (entries.every((e) => ASCII_ONLY.test(e.path))) {
    // Listings usually come sorted already (snapshots sort them): then there is nothing to do.
    let sorted = true;
    for (let i = 1; i < entries.length && sorted; i++) sorted = entries[i - 1]!.path < entries[i]!.path;
    return sorted ? entries : [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }
  return entries
    .map((entry) => ({ entry, key: Buffer.from(entry.path) }))
    .sort((a, b) => Buffer.compare(a.key, b.key))
    .map(({ entry }) => entry);
}

export function serializeManifest(entries: ManifestEntry[]): string {
  // One JSON.stringify of plain {path, oid, size, mode} rows: three times faster than one call per entry
  // on folders of many files, and the same bytes.
  const rows = sortedByPathBytes(entries).map(({ path, oid, size, mode }) => ({ path, oid, size, mode }));
  return `{"manifest":${MANIFEST_SCHEMA},"entries":${JSON.stringify(rows)}}\n`;
}

/** Parses a manifest and rejects anything a writer would not produce (unsorted, duplicate or unsafe paths). */
export function parseManifest(text: string, where: string): ManifestEntry[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw invalidManifest(where, `is not valid JSON (${(error as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || (raw as { manifest?: unknown }).manifest !== MANIFEST_SCHEMA) {
    throw invalidManifest(where, 'is not a schema-1 directory manifest');
  }
  const list = (raw as { entries?: unknown }).entries;
  if (!Array.isArray(list)) throw invalidManifest(where, 'has no entries list');
  const entries: ManifestEntry[] = [];
  let previous: Buffer | undefined;
  const paths = new Set<string>();
  for (const [i, item] of list.entries()) {
    const e = item as Partial<ManifestEntry>;
    if (typeof e.path !== 'string') throw invalidManifest(where, `entry ${i} has no path`);
    const problem = relativePathProblem(e.path);
    if (problem || e.path.startsWith('..') || e.path.endsWith('/')) throw invalidManifest(where, `entry ${i}: path ${JSON.stringify(e.path)} ${problem ?? 'leaves the directory'}`);
    if (!isOid(e.oid)) throw invalidManifest(where, `entry ${i} (${e.path}) has an invalid oid`);
    if (typeof e.size !== 'number' || !Number.isSafeInteger(e.size) || e.size < 0) throw invalidManifest(where, `entry ${i} (${e.path}) has an invalid size`);
    if (e.mode !== MODE_FILE && e.mode !== MODE_EXECUTABLE) throw invalidManifest(where, `entry ${i} (${e.path}) has an invalid mode`);
    const bytes = Buffer.from(e.path);
    if (previous && Buffer.compare(previous, bytes) >= 0) {
      throw invalidManifest(where, Buffer.compare(previous, bytes) === 0 ? `lists ${e.path} twice` : `is not sorted at ${e.path}`);
    }
    paths.add(e.path);
    previous = bytes;
    entries.push({ path: e.path, oid: e.oid, size: e.size, mode: e.mode });
  }
  for (const e of entries) {
    // A path cannot be both a file and a folder holding other files.
    const parts = e.path.split('/');
    for (let n = 1; n < parts.length; n++) {
      if (paths.has(parts.slice(0, n).join('/'))) throw invalidManifest(where, `lists ${parts.slice(0, n).join('/')} both as a file and as a folder`);
    }
  }
  return entries;
}

function invalidManifest(where: string, problem: string): MvError {
  return new MvError('INVALID_MANIFEST', `Directory manifest ${where} ${problem}.`, {
    hint: 'Run `mvr verify` to check the cache, then fetch the version again from a remote.',
  });
}

export interface DirChanges {
  added: string[];
  removed: string[];
  modified: string[];
}

/**
 * What differs between two listings of one folder: paths added, removed, and whose content or executable
 * bit changed (both are in the folder's oid).
 */
export function diffEntries(recorded: Array<Pick<ManifestEntry, 'path' | 'oid' | 'mode'>>, current: Array<Pick<ManifestEntry, 'path' | 'oid' | 'mode'>>): DirChanges {
  const before = new Map(recorded.map((e) => [e.path, e]));
  const changes: DirChanges = { added: [], removed: [], modified: [] };
  const after = new Set<string>();
  for (const entry of current) {
    after.add(entry.path);
    const old = before.get(entry.path);
    if (old === undefined) changes.added.push(entry.path);
    else if (old.oid !== entry.oid || old.mode !== entry.mode) changes.modified.push(entry.path);
  }
  for (const path of before.keys()) if (!after.has(path)) changes.removed.push(path);
  return changes;
}

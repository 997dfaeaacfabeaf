/**
 * Remembers the oid of workspace files by (inode, size, mtime, ctime), so unchanged files are never
 * re-read. Git's racy-timestamp rule applies: an entry whose mtime is not strictly older than the moment
 * the cache file was last written is not trusted, because the file may have been rewritten with the same
 * size within the same timestamp tick after it was hashed.
 */
import type { BigIntStats } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../atomic-file.js';
import { errnoCode } from '../errors.js';
import type { Oid } from './oid.js';

const FORMAT = 2;
const OID_LENGTH = 'sha256:'.length + 64;

/**
 * One entry: `inode:size:mtimeNs:ctimeNs:oid`. A single string per file keeps loading a cache of hundreds
 * of thousands of entries cheap (one string each to parse and keep, no arrays), and a lookup is one
 * prefix comparison.
 */
type Entry = string;

/** The stat part of an entry, ending with ":". */
function stampOf(info: BigIntStats): string {
  return `${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}:`;
}

export class StatCache {
  private readonly file: string;
  private readonly entries: Map<string, Entry>;
  /**
   * Per folder (a path ending in "/"), `<number of files>:<manifest oid>`: the manifest made from the
   * entries below it when it was last snapshotted. Recording an entry below a folder forgets it.
   */
  private readonly folders: Map<string, string>;
  /** mtime (ns) of the cache file when loaded: entries must be strictly older to be trusted. */
  private readonly writtenAtNs: bigint;
  private dirty = false;

  private constructor(file: string, entries: Map<string, Entry>, writtenAtNs: bigint, folders = new Map<string, string>()) {
    this.file = file;
    this.entries = entries;
    this.writtenAtNs = writtenAtNs;
    this.folders = folders;
  }

  static async load(file: string): Promise<StatCache> {
    try {
      const [text, info] = await Promise.all([readFile(file, 'utf8'), stat(file, { bigint: true })]);
      const parsed = JSON.parse(text) as { format?: number; entries?: Record<string, unknown>; folders?: Record<string, unknown> };
      if (parsed.format !== FORMAT || typeof parsed.entries !== 'object' || parsed.entries === null) return new StatCache(file, new Map(), 0n);
      const entries = new Map<string, Entry>();
      // Entries are checked when used (lookup validates the oid), so loading is one pass with no parsing.
      for (const key of Object.keys(parsed.entries)) {
        const entry = parsed.entries[key];
        if (typeof entry === 'string') entries.set(key, entry);
      }
      const folders = new Map<string, string>();
      if (typeof parsed.folders === 'object' && parsed.folders !== null) {
        for (const [key, value] of Object.entries(parsed.folders)) if (key.endsWith('/') && typeof value === 'string') folders.set(key, value);
      }
      return new StatCache(file, entries, info.mtimeNs, folders);
    } catch (error) {
      // A missing or damaged stat cache only costs re-hashing.
      if (errnoCode(error) === 'ENOENT' || error instanceof SyntaxError) return new StatCache(file, new Map(), 0n);
      throw error;
    }
  }

  /** The remembered oid of the file at `key`, if its stat data still matches and is not racy. */
  lookup(key: string, info: BigIntStats): Oid | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    const stamp = stampOf(info);
    if (!entry.startsWith(stamp)) return undefined;
    if (info.mtimeNs >= this.writtenAtNs) return undefined;
    const oid = entry.slice(stamp.length);
    // The file is mv's own state (in .git/mv): the shape is checked, not each hex digit.
    return oid.length === OID_LENGTH && oid.startsWith('sha256:') ? (oid as Oid) : undefined;
  }

  record(key: string, info: BigIntStats, oid: Oid): void {
    this.entries.set(key, stampOf(info) + oid);
    this.changedBelow(key);
  }

  /** `record` with stat data already as strings (from a worker thread). */
  recordTuple(key: string, stat: [string, string, string, string], oid: Oid): void {
    this.entries.set(key, `${stat.join(':')}:${oid}`);
    this.changedBelow(key);
  }

  /**
   * The manifest oid remembered for the folder `prefix`, when it was made from `count` files. It is the
   * folder's manifest now when every file listed now is known (`lookup`) and the cache holds entries for
   * no other path below it: no entry below the folder was recorded since (that forgets it), so the
   * entries, and the files, are the ones it was made from (`prune` only takes entries away).
   */
  folderManifest(prefix: string, count: number): Oid | undefined {
    const value = this.folders.get(prefix);
    if (value === undefined) return undefined;
    const colon = value.indexOf(':');
    const oid = value.slice(colon + 1);
    return Number(value.slice(0, colon)) === count && oid.length === OID_LENGTH && oid.startsWith('sha256:') ? (oid as Oid) : undefined;
  }

  /** Remembers the manifest just made for the folder `prefix` from the entries below it. */
  recordFolder(prefix: string, count: number, oid: Oid): void {
    const value = `${count}:${oid}`;
    if (this.folders.get(prefix) === value) return;
    this.folders.set(prefix, value);
    this.dirty = true;
  }

  /** An entry at `key` changed: the manifests remembered for the folders holding it no longer hold. */
  private changedBelow(key: string): void {
    for (const folder of this.folders.keys()) if (key.startsWith(folder)) this.folders.delete(folder);
    this.dirty = true;
  }

  /** Whether there is an entry for `key`, current or not. */
  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** The number of entries below `prefix` (a folder path ending in "/"). */
  countBelow(prefix: string): number {
    let count = 0;
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) count++;
    return count;
  }

  /** Forgets entries below `prefix` (a folder path ending in "/") that are not in `keep`. */
  prune(prefix: string, keep: Set<string>): void {
    for (const key of this.entries.keys()) {
      if (key.startsWith(prefix) && !keep.has(key)) {
        this.entries.delete(key);
        this.changedBelow(key);
      }
    }
  }

  async save(): Promise<void> {
    if (!this.dirty) return;
    await mkdir(dirname(this.file), { recursive: true });
    await writeFileAtomic(this.file, JSON.stringify({ format: FORMAT, entries: Object.fromEntries(this.entries), folders: Object.fromEntries(this.folders) }));
    this.dirty = false;
  }
}

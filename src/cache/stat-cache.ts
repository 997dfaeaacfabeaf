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
import { isOid, type Oid } from './oid.js';

const FORMAT = 1;

/** [inode, size, mtimeNs, ctimeNs, oid] with bigints as decimal strings. */
type Entry = [string, string, string, string, Oid];

export class StatCache {
  private readonly file: string;
  private readonly entries: Map<string, Entry>;
  /** mtime (ns) of the cache file when loaded: entries must be strictly older to be trusted. */
  private readonly writtenAtNs: bigint;
  private dirty = false;

  private constructor(file: string, entries: Map<string, Entry>, writtenAtNs: bigint) {
    this.file = file;
    this.entries = entries;
    this.writtenAtNs = writtenAtNs;
  }

  static async load(file: string): Promise<StatCache> {
    try {
      const [text, info] = await Promise.all([readFile(file, 'utf8'), stat(file, { bigint: true })]);
      const parsed = JSON.parse(text) as { format?: number; entries?: Record<string, Entry> };
      if (parsed.format !== FORMAT || typeof parsed.entries !== 'object' || parsed.entries === null) return new StatCache(file, new Map(), 0n);
      const entries = new Map<string, Entry>();
      for (const [key, entry] of Object.entries(parsed.entries)) {
        if (Array.isArray(entry) && entry.length === 5 && isOid(entry[4])) entries.set(key, entry);
      }
      return new StatCache(file, entries, info.mtimeNs);
    } catch (error) {
      // A missing or damaged stat cache only costs re-hashing.
      if (errnoCode(error) === 'ENOENT' || error instanceof SyntaxError) return new StatCache(file, new Map(), 0n);
      throw error;
    }
  }

  /** The remembered oid of the file at `key`, if its stat data still matches and is not racy. */
  lookup(key: string, info: BigIntStats): Oid | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry[0] !== String(info.ino) || entry[1] !== String(info.size) || entry[2] !== String(info.mtimeNs) || entry[3] !== String(info.ctimeNs)) {
      return undefined;
    }
    if (info.mtimeNs >= this.writtenAtNs) return undefined;
    return entry[4];
  }

  record(key: string, info: BigIntStats, oid: Oid): void {
    this.recordTuple(key, [String(info.ino), String(info.size), String(info.mtimeNs), String(info.ctimeNs)], oid);
  }

  /** `record` with stat data already as strings (from a worker thread). */
  recordTuple(key: string, stat: [string, string, string, string], oid: Oid): void {
    this.entries.set(key, [...stat, oid]);
    this.dirty = true;
  }

  /** Forgets entries below `prefix` (a folder path ending in "/") that are not in `keep`. */
  prune(prefix: string, keep: Set<string>): void {
    for (const key of this.entries.keys()) {
      if (key.startsWith(prefix) && !keep.has(key)) {
        this.entries.delete(key);
        this.dirty = true;
      }
    }
  }

  async save(): Promise<void> {
    if (!this.dirty) return;
    await mkdir(dirname(this.file), { recursive: true });
    await writeFileAtomic(this.file, JSON.stringify({ format: FORMAT, entries: Object.fromEntries(this.entries) }));
    this.dirty = false;
  }
}

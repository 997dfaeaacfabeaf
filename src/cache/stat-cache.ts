/**
 * Remembers the oid of workspace files by (inode, size, mtime, ctime), so unchanged files are never
 * re-read. Git's racy-timestamp rule applies: an entry whose mtime is not strictly older than the moment
 * the cache file was last written is not trusted, because the file may have been rewritten with the same
 * size within the same timestamp tick after it was hashed.
 */
import { mkdir, readFile, stat } from 'node:fs/promises';
import { endianness } from 'node:os';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../atomic-file.js';
import { errnoCode } from '../errors.js';
import { isPlainObject } from '../plain-object.js';
import type { StatData } from '../stat-data.js';
import type { Oid } from './oid.js';

const FORMAT = 3;
const OID_LENGTH = 'sha256:'.length + 64;
/** Stat values per entry: inode, size, mtime and ctime (ms, as Node gives them). */
const STAMP = 4;

/**
 * The stat data an entry is compared by. Node's numbers, not its `bigint` form, whose stat object holds
 * some twenty `BigInt`s (four made by multiplying) where status takes one per file. The times are
 * milliseconds with a fraction, which tells apart times a quarter of a microsecond apart
 * (docs/decisions.md, docs/formats.md).
 */
export type FileStamp = Omit<StatData, 'mode'>;

/**
 * The entries are three parallel lists (docs/formats.md): the paths, their stat values as one block of
 * 64-bit floating-point numbers, and their oids as one string. Loading a cache of 100,000s of entries so
 * costs a list of paths and two copies of memory, and a lookup compares four numbers: it builds no string.
 * Entries recorded since loading sit in `added`; an entry's index is below `loaded` when it is in the
 * loaded block.
 */
export class StatCache {
  private readonly file: string;
  /** Path → index: into the loaded block when below `loaded`, else into `added` (less `loaded`). */
  private readonly index = new Map<string, number>();
  private readonly stamps: Float64Array;
  private readonly oids: string;
  private readonly loaded: number;
  private readonly added: Array<{ stamp: [number, number, number, number]; oid: Oid }> = [];
  /**
   * Per folder (a path ending in "/"), `<number of files>:<manifest oid>`: the manifest made from the
   * entries below it when it was last snapshotted. Recording an entry below a folder forgets it.
   */
  private readonly folders: Map<string, string>;
  /** mtime (ms) of the cache file when loaded: entries must be strictly older to be trusted. */
  private readonly writtenAtMs: number;
  private dirty = false;

  private constructor(file: string, loaded?: { keys: string[]; stamps: Float64Array; oids: string; writtenAtMs: number; folders: Map<string, string> }) {
    this.file = file;
    this.stamps = loaded?.stamps ?? new Float64Array(0);
    this.oids = loaded?.oids ?? '';
    this.loaded = loaded?.keys.length ?? 0;
    this.writtenAtMs = loaded?.writtenAtMs ?? 0;
    this.folders = loaded?.folders ?? new Map<string, string>();
    loaded?.keys.forEach((key, i) => this.index.set(key, i));
  }

  static async load(file: string): Promise<StatCache> {
    try {
      const [text, info] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
      const parsed = JSON.parse(text) as { format?: unknown; endian?: unknown; keys?: unknown; stamps?: unknown; oids?: unknown; entries?: unknown; folders?: unknown } | null;
      if (typeof parsed !== 'object' || parsed === null) return new StatCache(file);
      const folders = new Map<string, string>();
      if (isPlainObject(parsed.folders)) {
        for (const [key, value] of Object.entries(parsed.folders)) if (key.endsWith('/') && typeof value === 'string') folders.set(key, value);
      }
      if (parsed.format === 2) return StatCache.fromFormat2(file, parsed.entries, info.mtimeMs, folders);
      const { keys, stamps, oids } = parsed;
      // Anything else (another format or machine's byte order, a damaged file) only costs re-hashing.
      if (parsed.format !== FORMAT || parsed.endian !== endianness() || !Array.isArray(keys) || typeof stamps !== 'string' || typeof oids !== 'string') return new StatCache(file);
      const bytes = Buffer.from(stamps, 'base64');
      if (bytes.length !== keys.length * STAMP * 8 || oids.length !== keys.length * OID_LENGTH || !keys.every((key) => typeof key === 'string')) return new StatCache(file);
      // A typed array needs an aligned start; a small decoded buffer may be a slice of a shared pool.
      const block = bytes.byteOffset % 8 === 0 ? bytes : Buffer.from(bytes);
      return new StatCache(file, {
        keys,
        stamps: new Float64Array(block.buffer, block.byteOffset, keys.length * STAMP),
        oids,
        writtenAtMs: info.mtimeMs,
        folders,
      });
    } catch (error) {
      if (errnoCode(error) === 'ENOENT' || error instanceof SyntaxError) return new StatCache(file);
      throw error;
    }
  }

  /**
   * The cache an earlier mv wrote (format 2: `"<path>": "<inode>:<size>:<mtime ns>:<ctime ns>:<oid>"`),
   * taken over so that upgrading re-reads no file: a time in nanoseconds becomes the milliseconds Node's
   * stat data gives for it (seconds × 1000 + nanoseconds of the second / 10⁶). It is written in the
   * current format at the next save.
   */
  private static fromFormat2(file: string, entries: unknown, writtenAtMs: number, folders: Map<string, string>): StatCache {
    if (typeof entries !== 'object' || entries === null) return new StatCache(file);
    const keys: string[] = [];
    const stamps: number[] = [];
    const oids: string[] = [];
    for (const [key, entry] of Object.entries(entries)) {
      const parts = typeof entry === 'string' ? entry.split(':') : [];
      const oid = `${parts[4]}:${parts[5]}`;
      if (parts.length !== 6 || oid.length !== OID_LENGTH || !oid.startsWith('sha256:') || !parts.slice(0, 4).every((part) => /^\d{1,20}$/.test(part))) continue;
      keys.push(key);
      stamps.push(Number(parts[0]), Number(parts[1]), msOfNs(BigInt(parts[2]!)), msOfNs(BigInt(parts[3]!)));
      oids.push(oid);
    }
    const cache = new StatCache(file, { keys, stamps: Float64Array.from(stamps), oids: oids.join(''), writtenAtMs, folders });
    cache.dirty = keys.length > 0;
    return cache;
  }

  /** The remembered oid of the file at `key`, if its stat data still matches and is not racy. */
  lookup(key: string, info: FileStamp): Oid | undefined {
    const i = this.index.get(key);
    if (i === undefined || info.mtimeMs >= this.writtenAtMs) return undefined;
    if (i >= this.loaded) {
      const { stamp, oid } = this.added[i - this.loaded]!;
      return stamp[2] !== info.mtimeMs || stamp[3] !== info.ctimeMs || stamp[1] !== info.size || stamp[0] !== info.ino ? undefined : oid;
    }
    const at = i * STAMP;
    const stamps = this.stamps;
    if (stamps[at + 2] !== info.mtimeMs || stamps[at + 3] !== info.ctimeMs || stamps[at + 1] !== info.size || stamps[at] !== info.ino) return undefined;
    const oid = this.oids.slice(i * OID_LENGTH, (i + 1) * OID_LENGTH);
    // The file is mv's own state (in .git/mv): the shape is checked, not each hex digit.
    return oid.startsWith('sha256:') ? (oid as Oid) : undefined;
  }

  record(key: string, info: FileStamp, oid: Oid): void {
    this.index.set(key, this.loaded + this.added.push({ stamp: [info.ino, info.size, info.mtimeMs, info.ctimeMs], oid }) - 1);
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
    return this.index.has(key);
  }

  /** The number of entries below `prefix` (a folder path ending in "/"). */
  countBelow(prefix: string): number {
    let count = 0;
    for (const key of this.index.keys()) if (key.startsWith(prefix)) count++;
    return count;
  }

  /** Forgets entries below `prefix` (a folder path ending in "/") that are not in `keep`. */
  prune(prefix: string, keep: Set<string>): void {
    for (const key of this.index.keys()) {
      if (key.startsWith(prefix) && !keep.has(key)) {
        this.index.delete(key);
        this.changedBelow(key);
      }
    }
  }

  async save(): Promise<void> {
    if (!this.dirty) return;
    const keys: string[] = [];
    const stamps = new Float64Array(this.index.size * STAMP);
    const oids: string[] = [];
    for (const [key, i] of this.index) {
      let stamp: ArrayLike<number>;
      let at = 0;
      let oid: string;
      if (i < this.loaded) {
        // An entry that was racy when loaded is left out: saved again now, the file's newer mtime would make
        // it trusted, though the file may have been rewritten in the tick it was hashed (git "smudges" such
        // index entries for the same reason). The file is hashed again next time.
        if (this.stamps[i * STAMP + 2]! >= this.writtenAtMs) continue;
        stamp = this.stamps;
        at = i * STAMP;
        oid = this.oids.slice(i * OID_LENGTH, (i + 1) * OID_LENGTH);
      } else {
        ({ stamp, oid } = this.added[i - this.loaded]!);
      }
      const to = keys.length * STAMP;
      for (let v = 0; v < STAMP; v++) stamps[to + v] = stamp[at + v]!;
      keys.push(key);
      oids.push(oid);
    }
    const stampText = Buffer.from(stamps.buffer, 0, keys.length * STAMP * 8).toString('base64');
    const text = JSON.stringify({ format: FORMAT, endian: endianness(), keys, stamps: stampText, oids: oids.join(''), folders: Object.fromEntries(this.folders) });
    await mkdir(dirname(this.file), { recursive: true });
    await writeFileAtomic(this.file, text);
    this.dirty = false;
  }
}

/** A time in nanoseconds since 1970 as Node's number stat data gives it: milliseconds with a fraction. */
function msOfNs(ns: bigint): number {
  return Number(ns / 1_000_000_000n) * 1000 + Number(ns % 1_000_000_000n) / 1e6;
}

/**
 * Remembers the oid of workspace files by (inode, size, mtime, ctime), so unchanged files are never
 * re-read. Git's racy-timestamp rule applies: an entry whose mtime is not strictly older than the moment
 * the cache file was last written is not trusted, because the file may have been rewritten with the same
 * size within the same timestamp tick after it was hashed.
 */
import { mkdir, open, rm } from 'node:fs/promises';
import { endianness } from 'node:os';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../atomic-file.js';
import { errnoCode, fsError } from '../errors.js';
import { isPlainObject } from '../plain-object.js';
import type { StatData } from '../stat-data.js';
import type { Oid } from './oid.js';

/** Format 4's first bytes: its name and number, then a byte for the order of the numbers' bytes. */
const MAGIC = Buffer.from('mv stat cache 4\n');
const ENDIAN_BYTE = endianness() === 'LE' ? 0x4c : 0x42;
/** The magic, the byte order, three bytes unused, then the number of entries and of key and folder bytes. */
const HEADER = 32;
/** A UTF-16 surrogate without its pair, which UTF-8 cannot hold. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
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
 * costs two copies of memory, and a lookup compares four numbers: it builds no string.
 *
 * The file holds the paths in string order, and they stay one string (NUL between paths) with the place
 * where each starts: a status of unchanged files asks for them in that order within each folder, so each
 * is compared in place with the path after the one found last, and any other is found by binary search.
 * No list of paths and no map is made until an entry is recorded or removed (or the file was not in that
 * order, as the JSON of earlier versions): then a map (path → index) answers. Entries recorded since
 * loading sit in `added`; an entry's index is below `loaded` when it is in the loaded block.
 */
export class StatCache {
  private readonly file: string;
  /** Path → index: into the loaded block when below `loaded`, else into `added` (less `loaded`). Made when first needed. */
  private index: Map<string, number> | undefined;
  /** The loaded paths, NUL between them, in string order unless `changed` says otherwise. */
  private readonly paths: string;
  /** Where each loaded path starts in `paths`, and one more: where a path after the last would. */
  private readonly starts: Uint32Array;
  /** The entry after the one found last. */
  private next = 0;
  /**
   * Whether the map answers: an entry was recorded or removed since loading, or the loaded paths are
   * not known to be in string order.
   */
  private changed = false;
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
  /** The file an earlier mv kept the cache in, removed once the cache is saved to `file`. */
  private formerly: string | undefined;

  /** `loaded.paths` holds the paths with a NUL between each two, starting at `loaded.starts` (`pathStarts`). */
  private constructor(file: string, loaded?: { paths: string; starts: Uint32Array; inOrder: boolean; stamps: Float64Array; oids: string; writtenAtMs: number; folders: Map<string, string> }) {
    this.file = file;
    this.paths = loaded?.paths ?? '';
    this.starts = loaded?.starts ?? new Uint32Array(1);
    this.changed = !(loaded?.inOrder ?? true);
    this.stamps = loaded?.stamps ?? new Float64Array(0);
    this.oids = loaded?.oids ?? '';
    this.loaded = this.starts.length - 1;
    this.writtenAtMs = loaded?.writtenAtMs ?? 0;
    this.folders = loaded?.folders ?? new Map<string, string>();
  }

  /**
   * Loads the cache `file` (docs/formats.md). `formerly` is where an earlier mv kept it, as JSON: read
   * when `file` is not there yet, so upgrading re-reads no file, and removed at the next save.
   */
  static async load(file: string, options: { formerly?: string } = {}): Promise<StatCache> {
    let loaded = await StatCache.read(file, file);
    if (loaded === 'missing' && options.formerly !== undefined) {
      loaded = await StatCache.read(options.formerly, file);
      if (loaded !== 'missing') {
        loaded.dirty = true;
        loaded.formerly = options.formerly;
      }
    }
    return loaded === 'missing' ? new StatCache(file) : loaded;
  }

  /**
   * The cache the file `from` holds, to be saved to `file` (a file it cannot make sense of is an empty
   * cache: that only costs re-hashing).
   */
  private static async read(from: string, file: string): Promise<StatCache | 'missing'> {
    let bytes: Buffer;
    let writtenAtMs: number;
    try {
      // Read and stat through one handle: the mtime is that of the bytes read, even if another mv
      // replaces the file meanwhile (the racy-timestamp rule compares entries with it).
      const handle = await open(from, 'r');
      try {
        const [data, info] = await Promise.all([handle.readFile(), handle.stat()]);
        bytes = data;
        writtenAtMs = info.mtimeMs;
      } finally {
        await handle.close();
      }
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return 'missing';
      throw fsError(error, 'reading the stat cache', from);
    }
    if (bytes.subarray(0, MAGIC.length).equals(MAGIC)) return StatCache.fromBinary(file, bytes, writtenAtMs);
    try {
      return StatCache.fromJson(file, JSON.parse(bytes.toString('utf8')), writtenAtMs);
    } catch (error) {
      if (error instanceof SyntaxError) return new StatCache(file);
      throw error;
    }
  }

  /**
   * Format 4: a header, then the stat values as one block of 64-bit numbers, the oids as one ASCII
   * block, the paths in UTF-8 separated by NUL (in string order), and the folders as JSON. Loading it
   * copies two blocks and decodes the paths as one string: nothing is parsed or made per entry.
   */
  private static fromBinary(file: string, bytes: Buffer, writtenAtMs: number): StatCache {
    const empty = new StatCache(file);
    if (bytes.length < HEADER || bytes[MAGIC.length] !== ENDIAN_BYTE) return empty;
    const count = bytes.readUInt32LE(20);
    const keyBytes = bytes.readUInt32LE(24);
    const folderBytes = bytes.readUInt32LE(28);
    const oidsAt = HEADER + count * STAMP * 8;
    const keysAt = oidsAt + count * OID_LENGTH;
    if (bytes.length !== keysAt + keyBytes + folderBytes) return empty;
    const paths = bytes.toString('utf8', keysAt, keysAt + keyBytes);
    const starts = pathStarts(paths, count);
    if (starts === undefined) return empty;
    let folders: Map<string, string>;
    try {
      folders = folderMap(JSON.parse(bytes.toString('utf8', keysAt + keyBytes, bytes.length)));
    } catch {
      return empty;
    }
    // Copied into an array of its own: a typed array over the file's bytes would need them aligned.
    const stamps = new Float64Array(count * STAMP);
    new Uint8Array(stamps.buffer).set(bytes.subarray(HEADER, oidsAt));
    return new StatCache(file, {
      paths,
      starts,
      inOrder: true,
      stamps,
      oids: bytes.toString('latin1', oidsAt, keysAt),
      writtenAtMs,
      folders,
    });
  }

  /** The JSON formats earlier versions wrote: 3 (three lists) and 2 (one string per entry). */
  private static fromJson(file: string, parsed: unknown, writtenAtMs: number): StatCache {
    if (!isPlainObject(parsed)) return new StatCache(file);
    const folders = folderMap(parsed.folders);
    if (parsed.format === 2) return StatCache.fromFormat2(file, parsed.entries, writtenAtMs, folders);
    const { keys, stamps, oids } = parsed;
    if (parsed.format !== 3 || parsed.endian !== endianness() || !Array.isArray(keys) || typeof stamps !== 'string' || typeof oids !== 'string') return new StatCache(file);
    const bytes = Buffer.from(stamps, 'base64');
    if (bytes.length !== keys.length * STAMP * 8 || oids.length !== keys.length * OID_LENGTH || !keys.every((key) => typeof key === 'string' && !key.includes('\0'))) return new StatCache(file);
    const block = bytes.byteOffset % 8 === 0 ? bytes : Buffer.from(bytes);
    const paths = keys.join('\0');
    const cache = new StatCache(file, { paths, starts: pathStarts(paths, keys.length)!, inOrder: false, stamps: new Float64Array(block.buffer, block.byteOffset, keys.length * STAMP), oids, writtenAtMs, folders });
    cache.dirty = keys.length > 0;
    return cache;
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
      if (parts.length !== 6 || key.includes('\0') || oid.length !== OID_LENGTH || !oid.startsWith('sha256:') || !parts.slice(0, 4).every((part) => /^\d{1,20}$/.test(part))) continue;
      keys.push(key);
      stamps.push(Number(parts[0]), Number(parts[1]), msOfNs(BigInt(parts[2]!)), msOfNs(BigInt(parts[3]!)));
      oids.push(oid);
    }
    const paths = keys.join('\0');
    const cache = new StatCache(file, { paths, starts: pathStarts(paths, keys.length)!, inOrder: false, stamps: Float64Array.from(stamps), oids: oids.join(''), writtenAtMs, folders });
    cache.dirty = keys.length > 0;
    return cache;
  }

  /** The index of the entry for `key`, if there is one. */
  private position(key: string): number | undefined {
    if (this.changed) return this.map().get(key);
    // The path after the one found last, compared in place; else a binary search.
    const next = this.next;
    if (next < this.loaded && this.starts[next + 1]! - 1 - this.starts[next]! === key.length && this.paths.startsWith(key, this.starts[next])) {
      this.next = next + 1;
      return next;
    }
    const i = this.search(key);
    if (i !== undefined) this.next = i + 1;
    return i;
  }

  /** The loaded entry for `key`, by binary search of the paths in string order. */
  private search(key: string): number | undefined {
    let low = 0;
    let high = this.loaded - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const path = this.pathAt(middle);
      if (path === key) return middle;
      if (path < key) low = middle + 1;
      else high = middle - 1;
    }
    return undefined;
  }

  private pathAt(i: number): string {
    return this.paths.slice(this.starts[i], this.starts[i + 1]! - 1);
  }

  /** The map of paths to entries, made from the loaded paths when first needed; from then on it answers. */
  private map(): Map<string, number> {
    this.changed = true;
    if (this.index !== undefined) return this.index;
    const index = new Map<string, number>();
    for (let i = 0; i < this.loaded; i++) index.set(this.pathAt(i), i);
    this.index = index;
    return index;
  }

  /** The remembered oid of the file at `key`, if its stat data still matches and is not racy. */
  lookup(key: string, info: FileStamp): Oid | undefined {
    const i = this.position(key);
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
    // Paths are relative file paths, which hold no NUL (the character that ends a path in the file).
    if (key.includes('\0')) return;
    this.map().set(key, this.loaded + this.added.push({ stamp: [info.ino, info.size, info.mtimeMs, info.ctimeMs], oid }) - 1);
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
    return this.changed ? this.map().has(key) : this.search(key) !== undefined;
  }

  /** The number of entries below `prefix` (a folder path ending in "/"). */
  countBelow(prefix: string): number {
    let count = 0;
    if (!this.changed) {
      for (let i = 0; i < this.loaded; i++) if (this.paths.startsWith(prefix, this.starts[i])) count++;
    } else {
      for (const key of this.map().keys()) if (key.startsWith(prefix)) count++;
    }
    return count;
  }

  /** Forgets entries below `prefix` (a folder path ending in "/") that are not in `keep`. */
  prune(prefix: string, keep: Set<string>): void {
    const index = this.map();
    for (const key of index.keys()) {
      if (key.startsWith(prefix) && !keep.has(key)) {
        index.delete(key);
        this.changedBelow(key);
      }
    }
  }

  async save(): Promise<void> {
    if (!this.dirty) return;
    const keys: string[] = [];
    const index = this.map();
    const stamps = new Float64Array(index.size * STAMP);
    const oids: string[] = [];
    // In string order, which binary search needs and in which status asks for a folder's files. A path
    // that is not well-formed UTF-16 would not come back the same from UTF-8: it is left out.
    const entries = [...index].filter(([key]) => !LONE_SURROGATE.test(key));
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [key, i] of entries) {
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
    const keyBytes = Buffer.from(keys.join('\0'));
    const folderBytes = Buffer.from(JSON.stringify(Object.fromEntries(this.folders)));
    const header = Buffer.alloc(HEADER);
    MAGIC.copy(header);
    header[MAGIC.length] = ENDIAN_BYTE;
    header.writeUInt32LE(keys.length, 20);
    header.writeUInt32LE(keyBytes.length, 24);
    header.writeUInt32LE(folderBytes.length, 28);
    const stampBytes = Buffer.from(stamps.buffer, 0, keys.length * STAMP * 8);
    await mkdir(dirname(this.file), { recursive: true });
    await writeFileAtomic(this.file, Buffer.concat([header, stampBytes, Buffer.from(oids.join(''), 'latin1'), keyBytes, folderBytes]));
    if (this.formerly !== undefined) await rm(this.formerly, { force: true });
    this.formerly = undefined;
    this.dirty = false;
  }
}

/** A time in nanoseconds since 1970 as Node's number stat data gives it: milliseconds with a fraction. */
function msOfNs(ns: bigint): number {
  return Number(ns / 1_000_000_000n) * 1000 + Number(ns % 1_000_000_000n) / 1e6;
}

/** The folders a cache file names (`{"<folder>/": "<files>:<manifest oid>"}`); anything else is left out. */
function folderMap(value: unknown): Map<string, string> {
  const folders = new Map<string, string>();
  if (isPlainObject(value)) {
    for (const [key, entry] of Object.entries(value)) if (key.endsWith('/') && typeof entry === 'string') folders.set(key, entry);
  }
  return folders;
}

/**
 * Where each of the `count` paths in `paths` (a NUL between each two) starts, and one more entry: where a
 * path after the last would. Undefined when `paths` does not hold `count` paths.
 */
function pathStarts(paths: string, count: number): Uint32Array | undefined {
  const starts = new Uint32Array(count + 1);
  if (count === 0) return paths === '' ? starts : undefined;
  let at = 0;
  for (let i = 1; i < count; i++) {
    at = paths.indexOf('\0', at) + 1;
    if (at === 0) return undefined;
    starts[i] = at;
  }
  if (paths.includes('\0', at)) return undefined;
  starts[count] = paths.length + 1;
  return starts;
}

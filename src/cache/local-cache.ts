/**
 * The local content-addressed cache. Objects are write-once: bytes go to a temp file inside the cache
 * (same file system), are hashed on the way, and are renamed into `objects/ab/cdef…` only when the hash is
 * the expected one; then they are read-only. An object whose name does not match its bytes can therefore
 * only come from outside interference, which `verify` detects.
 */
import { randomBytes } from 'node:crypto';
import { constants, createReadStream, createWriteStream, mkdirSync, type Stats, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { chmod, copyFile, mkdir, open, readFile, readdir, rename, rm, stat, statfs } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MvError, errnoCode, fsError } from '../errors.js';
import { isAbandonedTemp, removeAbandonedTemps } from '../atomic-file.js';
import { runTool } from '../subprocess.js';
import { isRegularFile, statData } from '../stat-data.js';
import { HashingStream, STREAM_CHUNK, hashBesideCopy, hashBuffer, hashFile, type Hashed } from './hash.js';
import type { ListOptions, ObjectStore, ReadOptions, StoredObjectInfo } from './object-store.js';
import { objectKey, oidFromKey, shortOid, type Oid } from './oid.js';

import { SMALL_FILE } from './small-file.js';

export { SMALL_FILE };
const OBJECT_MODE = 0o444;
const TEMP_PREFIX = `${process.pid}-${randomBytes(4).toString('hex')}`;
let tempCounter = 0;

export class LocalCache implements ObjectStore {
  readonly location: string;
  readonly listPageSize = Number.POSITIVE_INFINITY;
  readonly objectsDir: string;
  readonly tempDir: string;
  readonly fsync: boolean;
  private readonly madeDirs = new Set<string>();

  /** Whether `ingest(…, { direct: true })` writes large files with direct I/O (`cache.direct_io`). */
  readonly directIo: boolean;
  /** The size from which a file counts as large for direct I/O, when given (else `directIoThreshold()`). */
  private readonly directIoFromOption: number | undefined;

  constructor(dir: string, options: { fsync?: boolean; directIo?: boolean; directIoFrom?: number } = {}) {
    this.location = dir;
    this.objectsDir = join(dir, 'objects');
    this.tempDir = join(dir, 'tmp');
    this.fsync = options.fsync ?? false;
    this.directIo = options.directIo ?? false;
    this.directIoFromOption = options.directIoFrom;
  }

  /** The size from which a file counts as large for direct I/O; worked out (from the memory) when first asked. */
  get directIoFrom(): number {
    return this.directIoFromOption ?? directIoThreshold();
  }

  /** Whether `ingest(…, { direct: true })` writes a file of `size` bytes with direct I/O. */
  writesDirect(size: number): boolean {
    return this.directIo && size > SMALL_FILE && size >= this.directIoFrom;
  }

  path(oid: Oid): string {
    return join(this.objectsDir, objectKey(oid));
  }

  async has(oid: Oid, expectedSize?: number): Promise<boolean> {
    try {
      const info = await stat(this.path(oid));
      return info.isFile() && (expectedSize === undefined || info.size === expectedSize);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return false;
      throw error;
    }
  }

  /** `has` without a round trip through the I/O threads, for tight loops over many small files. */
  hasSync(oid: Oid, expectedSize?: number): boolean {
    try {
      // No exception for the common "not there yet": thousands of new files would pay for a stack trace each.
      const info = statData(this.path(oid), { throwIfNoEntry: false });
      if (!info) return false;
      return isRegularFile(info.mode) && (expectedSize === undefined || info.size === expectedSize);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return false;
      throw error;
    }
  }

  /** The size of a cached object; undefined when it is not there. */
  sizeSync(oid: Oid): number | undefined {
    const info = statData(this.path(oid), { throwIfNoEntry: false });
    return info && isRegularFile(info.mode) ? info.size : undefined;
  }

  /**
   * Hashes and stores a small file synchronously: for folders of many small files, a handful of direct
   * system calls per file costs far less than queuing each one on the I/O threads.
   */
  ingestSmallSync(sourcePath: string): Hashed {
    const data = readFileSync(sourcePath);
    const result = { oid: hashBuffer(data), size: data.byteLength };
    if (this.hasSync(result.oid, result.size)) return result;
    this.ensureDirSync(this.tempDir);
    const temp = this.tempName();
    const target = this.path(result.oid);
    try {
      writeFileSync(temp, data, { flag: 'wx', mode: OBJECT_MODE, flush: this.fsync });
      this.ensureDirSync(dirname(target));
      renameSync(temp, target);
    } catch (error) {
      rmSync(temp, { force: true });
      throw fsError(error, 'writing', target);
    }
    return result;
  }

  async read(oid: Oid, options: ReadOptions = {}): Promise<Readable> {
    const path = this.path(oid);
    if (!(await this.has(oid))) throw missingObject(oid, this.location);
    return createReadStream(path, { highWaterMark: STREAM_CHUNK, start: options.start ?? 0, ...(options.end === undefined ? {} : { end: options.end - 1 }) });
  }

  /** Reads a small object whole (manifests) and checks that it hashes to its name. */
  async readVerified(oid: Oid): Promise<Buffer> {
    let data: Buffer;
    try {
      data = await readFile(this.path(oid));
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') throw missingObject(oid, this.location);
      throw error;
    }
    if (hashBuffer(data) !== oid) {
      throw new MvError('CORRUPT_OBJECT', `Cache object ${oid} does not match its content (${this.location}).`, {
        hint: 'Run `mvr verify` to move corrupt objects aside, then `mvr fetch` the version again from a remote.',
      });
    }
    return data;
  }

  async put(oid: Oid, sourcePath: string, size: number): Promise<void> {
    if (await this.has(oid, size)) return;
    const stored = await this.ingest(sourcePath, oid);
    if (stored.size !== size) throw new Error(`size of ${oid} changed while storing`);
  }

  /** Stores bytes held in memory (manifests); returns their oid. */
  async putBuffer(data: Uint8Array | string): Promise<Hashed> {
    const oid = hashBuffer(data);
    const size = typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
    if (!(await this.has(oid, size))) await this.commit(oid, await this.writeTemp(data));
    return { oid, size };
  }

  /**
   * Hashes a file and stores it in one pass. With `expected`, fails (storing nothing) if the bytes do
   * not hash to it. A file that changes while it is read is refused rather than stored under a wrong name.
   * `direct`: a large file is written past the page cache when the cache is configured so (`mv add`: the
   * object is not read again soon, and the write runs at disk speed beside the hash). `solo`: no other
   * file is hashed or copied meanwhile (`mv add` stores the files it is given one at a time), so the hash
   * may read on this thread beside the copy (`copyWhileHashing`). An aborted `signal` stops a large file's
   * hash and copy; its temp file is removed.
   */
  async ingest(sourcePath: string, expected?: Oid, options: { direct?: boolean; solo?: boolean; signal?: AbortSignal } = {}): Promise<Hashed> {
    const before = await stat(sourcePath).catch((error: unknown) => {
      throw fsError(error, 'reading', sourcePath);
    });
    let result: Hashed;
    if (before.size <= SMALL_FILE) {
      const data = await readFile(sourcePath).catch((error: unknown) => {
        throw fsError(error, 'reading', sourcePath);
      });
      result = { oid: hashBuffer(data), size: data.byteLength };
      checkExpected(result, expected, sourcePath);
      if (!(await this.has(result.oid, result.size))) await this.commit(result.oid, await this.writeTemp(data));
    } else {
      const temp = this.tempName();
      await this.ensureDir(this.tempDir);
      try {
        result = await copyWhileHashing(sourcePath, temp, this.fsync, OBJECT_MODE, (options.direct ?? false) && this.writesDirect(before.size), options.signal, { solo: options.solo ?? false });
        // The kernel copied the same bytes that were hashed only if the file did not change meanwhile.
        if (changed(before, await stat(sourcePath))) throw fileChanged(sourcePath);
        checkExpected(result, expected, sourcePath);
        if (await this.has(result.oid, result.size)) await rm(temp, { force: true });
        else await this.commit(result.oid, temp);
      } catch (error) {
        await rm(temp, { force: true });
        throw fsError(error, 'storing', sourcePath);
      }
      return result;
    }
    if (changed(before, await stat(sourcePath)) || before.size !== result.size) throw fileChanged(sourcePath);
    return result;
  }

  /** Stores a stream whose bytes must hash to `oid` (downloads); nothing is kept if they do not. */
  async receive(oid: Oid, source: Readable, origin: string): Promise<Hashed> {
    const temp = this.tempName();
    await this.ensureDir(this.tempDir);
    const hasher = new HashingStream();
    try {
      await pipeline(source, hasher, createWriteStream(temp, { flags: 'wx', mode: OBJECT_MODE, highWaterMark: STREAM_CHUNK, flush: this.fsync }));
      const result = hasher.digest();
      if (result.oid !== oid) {
        throw new MvError('CORRUPT_DOWNLOAD', `Object ${shortOid(oid)} from ${origin} has the wrong content (got ${shortOid(result.oid)}); it was not stored.`, {
          hint: 'Run the command again; if it persists, run `mvr verify -r <remote>` to find damaged objects on the remote.',
          details: { oid, remote: origin },
        });
      }
      await this.commit(oid, temp);
      return result;
    } catch (error) {
      await rm(temp, { force: true });
      throw fsError(error, 'storing', this.path(oid));
    }
  }

  async *list(options: ListOptions = {}): AsyncIterable<Oid> {
    let fanouts: string[];
    try {
      fanouts = options.fanout === undefined ? await readdir(this.objectsDir) : [options.fanout];
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return;
      throw error;
    }
    for (const fanout of fanouts.sort()) {
      if (!/^[0-9a-f]{2}$/.test(fanout)) continue;
      const names = await readdir(join(this.objectsDir, fanout)).catch((error: unknown) => {
        if (errnoCode(error) === 'ENOENT') return [];
        throw error;
      });
      for (const rest of names.sort()) {
        const oid = oidFromKey(`${fanout}/${rest}`);
        if (oid) yield oid;
      }
    }
  }

  async *listDetailed(options: ListOptions = {}): AsyncIterable<StoredObjectInfo> {
    for await (const oid of this.list(options)) {
      const info = await storedInfo(this.path(oid));
      if (info) yield { oid, ...info };
    }
  }

  async delete(oid: Oid): Promise<void> {
    try {
      await rm(this.path(oid), { force: true });
    } catch (error) {
      throw fsError(error, 'deleting', this.path(oid));
    }
  }

  /** Unique per process and call; the pid lets a later run tell a live writer's temp file from a dead one's. */
  private tempName(): string {
    return join(this.tempDir, `${TEMP_PREFIX}-${++tempCounter}.tmp`);
  }

  private async writeTemp(data: Uint8Array | string): Promise<string> {
    await this.ensureDir(this.tempDir);
    const temp = this.tempName();
    try {
      const handle = await open(temp, 'wx', OBJECT_MODE);
      try {
        await handle.writeFile(data);
        if (this.fsync) await handle.sync();
      } finally {
        await handle.close();
      }
    } catch (error) {
      await rm(temp, { force: true });
      throw fsError(error, 'writing to the cache at', this.location);
    }
    return temp;
  }

  /** A temp file name inside the cache's file system (for downloads written outside `receive`). */
  async newTempPath(): Promise<string> {
    await this.ensureDir(this.tempDir);
    return this.tempName();
  }

  /** Moves a complete temp file whose bytes were verified to hash to `oid` into its object path. */
  async adoptVerified(oid: Oid, temp: string): Promise<void> {
    // Files written elsewhere (resumed downloads) may still be writable.
    await chmod(temp, OBJECT_MODE);
    await this.commit(oid, temp);
  }

  /** Moves a complete, verified temp file to its object path. */
  private async commit(oid: Oid, temp: string): Promise<void> {
    const target = this.path(oid);
    try {
      await this.ensureDir(dirname(target));
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw fsError(error, 'writing', target);
    }
  }

  private ensureDirSync(dir: string): void {
    if (this.madeDirs.has(dir)) return;
    if (dir === this.tempDir) removeAbandonedTempsSync(dir);
    try {
      mkdirSync(dir, { recursive: true });
    } catch (error) {
      throw fsError(error, 'creating', dir);
    }
    this.madeDirs.add(dir);
  }

  private async ensureDir(dir: string): Promise<void> {
    if (this.madeDirs.has(dir)) return;
    // The first write of this process also sweeps temp files that killed writers left behind.
    if (dir === this.tempDir) await removeAbandonedTemps(dir, (name) => name.endsWith('.tmp'));
    try {
      await mkdir(dir, { recursive: true });
    } catch (error) {
      throw fsError(error, 'creating', dir);
    }
    this.madeDirs.add(dir);
  }
}

/**
 * Direct I/O is for files large against memory (1 GiB, or an eighth of the memory where that is less):
 * their buffered copy would evict much of the page cache for an object read again only at checkout or
 * push. A smaller file's buffered copy costs the disk nothing while the hash runs, where a direct write
 * waits for it (docs/decisions.md). In a container with a memory limit, the limit is the memory.
 */
function directIoThreshold(): number {
  return (threshold ??= Math.min(1024 ** 3, Math.floor(usableMemory() / 8)));
}
let threshold: number | undefined;

/** The machine's memory, or the process's cgroup limit where one is set lower (0 or huge when none). */
function usableMemory(): number {
  const total = totalmem();
  const limit = process.constrainedMemory?.() ?? 0;
  return limit > 0 && limit < total ? limit : total;
}

/**
 * Copies `source` to the new file `target` in the kernel (a reflink where the file system can, else
 * `copy_file_range`) while the source is hashed, both at full speed at once. The caller checks that the
 * source did not change meanwhile, which makes the copy the hashed bytes.
 *
 * `solo` (no other file hashed or copied meanwhile): where `cp` copies every byte through the page cache
 * from and to local file systems that share no blocks, the copy takes a core of its own, and the hash
 * reads in small blocks on the main thread (`hashBesideCopy`). Otherwise — a reflink, done at once; a
 * direct write, which takes little CPU; a network file system, whose reads must not hold up the main
 * thread; copies in parallel, whose reads spread over the I/O threads — the hash reads as it does alone
 * (`hashFile`).
 */
export async function copyWhileHashing(source: string, target: string, fsync: boolean, mode = OBJECT_MODE, direct = false, signal?: AbortSignal, options: { solo?: boolean } = {}): Promise<Hashed> {
  const beside = options.solo === true && !direct && (await copiesEveryByte(dirname(target))) && (await copiesEveryByte(dirname(source)));
  // The copy starts first: `hashBesideCopy` reads its first 4 MiB before it gives the event loop a turn.
  const copying = kernelCopy(source, target, { direct, ...(signal ? { signal } : {}) });
  const hashing = (beside ? hashBesideCopy : hashFile)(source, signal);
  // Both settle before either failure is thrown: a caller that then removes the target must not race a
  // copy still writing it.
  const [hashed, copied] = await Promise.allSettled([hashing, copying]);
  if (hashed.status === 'rejected') throw hashed.reason;
  if (copied.status === 'rejected') throw copied.reason;
  const result = hashed.value;
  await chmod(target, mode);
  if (fsync) {
    const handle = await open(target, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
  return result;
}

/** ext2/3/4 and tmpfs (`statfs` types): local, and a copy there never shares blocks with its source. */
const UNSHARED_FILE_SYSTEMS = new Set([0xef53, 0x01021994]);
const everyByte = new Map<string, Promise<boolean>>();

/** Whether `dir` is on Linux, on a local file system known to share no blocks (remembered per folder). */
function copiesEveryByte(dir: string): Promise<boolean> {
  if (process.platform !== 'linux') return Promise.resolve(false);
  let known = everyByte.get(dir);
  if (!known) {
    known = statfs(dir).then(
      (info) => UNSHARED_FILE_SYSTEMS.has(info.type),
      () => false,
    );
    everyByte.set(dir, known);
  }
  return known;
}

/**
 * On Linux, GNU cp copies with `copy_file_range` in large steps (a reflink where possible), several times
 * faster than libuv's copy; elsewhere, or without cp, Node's own copy.
 *
 * `direct`: where the file system cannot share blocks (a reflink), `dd` writes the copy with O_DIRECT.
 * The bytes go from the page cache's copy of the source straight to the disk: no page-cache pages are
 * allocated for a file nobody reads soon (a buffered copy of a large model evicts the working set, and on
 * a virtual machine every fresh page can cost a fault in the host), and the writer uses a fraction of the
 * CPU. A file system that refuses O_DIRECT falls back to the buffered copy.
 *
 * An aborted `signal` kills cp or dd and throws its reason once the copy has stopped and `target` is
 * removed; no other way of copying is tried then.
 */
export async function kernelCopy(source: string, target: string, options: { direct?: boolean; signal?: AbortSignal } = {}): Promise<void> {
  const { signal } = options;
  if (process.platform === 'linux') {
    if (options.direct) {
      if (await reflink(source, target)) return;
      if (await copyWith('dd', [`if=${source}`, `of=${target}`, 'bs=8M', 'oflag=direct', 'conv=excl', 'status=none'], target, signal)) return;
    }
    if (await copyWith('cp', ['--reflink=auto', '-T', '--', source, target], target, signal)) return;
  }
  signal?.throwIfAborted();
  await copyFile(source, target, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE);
}

/**
 * Runs cp or dd: true when it copied; a full disk is thrown (ENOSPC); any other failure removes `target`.
 * A copy killed by a signal (aborted here, or Ctrl-C reaching the whole process group) is not retried.
 */
async function copyWith(command: string, args: string[], target: string, signal: AbortSignal | undefined): Promise<boolean> {
  signal?.throwIfAborted();
  const result = await runTool(command, args, { env: C_LOCALE, ...(signal ? { signal } : {}) });
  if (result.exitCode === 0) return true;
  if (/No space left/i.test(result.stderr)) throw Object.assign(new Error(result.stderr), { code: 'ENOSPC' });
  await rm(target, { force: true });
  signal?.throwIfAborted();
  if (result.killedBy) throw new Error(`${command} was stopped by ${result.killedBy} while copying to ${target}`);
  return false;
}

/** cp and dd report errors in English, so that a full disk is recognised whatever the user's locale. */
const C_LOCALE = { ...process.env, LC_ALL: 'C' };

/** A reflink (shared blocks, btrfs and XFS); false where the file system cannot make one. */
async function reflink(source: string, target: string): Promise<boolean> {
  try {
    await copyFile(source, target, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE_FORCE);
    return true;
  } catch (error) {
    if (errnoCode(error) === 'EEXIST') throw error;
    await rm(target, { force: true });
    return false;
  }
}

/** Whether a file's stat data moved between two looks at it. */
function changed(before: Stats, after: Stats): boolean {
  return after.ino !== before.ino || after.size !== before.size || after.mtimeMs !== before.mtimeMs || after.ctimeMs !== before.ctimeMs;
}

function fileChanged(path: string): MvError {
  return new MvError('FILE_CHANGED', `${path} changed while it was being read.`, {
    hint: 'Wait until the program writing it has finished, then run the command again.',
  });
}

function removeAbandonedTempsSync(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) if (name.endsWith('.tmp') && isAbandonedTemp(name)) rmSync(join(dir, name), { force: true });
}

function checkExpected(result: Hashed, expected: Oid | undefined, sourcePath: string): void {
  if (expected !== undefined && result.oid !== expected) {
    throw new MvError('CONTENT_MISMATCH', `${sourcePath} does not have the expected content ${shortOid(expected)} (it hashes to ${shortOid(result.oid)}).`);
  }
}

/**
 * Size and age of an object file; undefined when it is gone. The age is the later of its modification
 * and status-change times: a rename into place or a new hard link makes an old object young again.
 */
export async function storedInfo(path: string): Promise<{ size: number; modifiedMs: number } | undefined> {
  try {
    const info = await stat(path);
    return info.isFile() ? { size: info.size, modifiedMs: Math.max(info.mtimeMs, info.ctimeMs) } : undefined;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return undefined;
    throw error;
  }
}

export function missingObject(oid: Oid, location: string): MvError {
  return new MvError('OBJECT_MISSING', `Object ${oid} is not in ${location}.`, {
    hint: 'Fetch it from a remote with `mvr fetch <ref>` (or `mvr pull <ref>`), or re-add the file if you still have it.',
    details: { oid, location },
  });
}

/**
 * A remote in a folder (shared disk, NFS): the cache's layout, `<root>/objects/ab/cdef…`. Objects are
 * write-once: bytes are copied to a temp file inside the remote (same file system), hashed on the way,
 * and renamed into place only when they hash to the oid; then they are read-only. Large objects go to a
 * partial file named after the object, so an interrupted upload resumes where it stopped.
 */
import { randomBytes } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { access, chmod, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { MvError, errnoCode, fsError } from '../errors.js';
import { STREAM_CHUNK } from '../cache/hash.js';
import { copyWhileHashing, missingObject, storedInfo } from '../cache/local-cache.js';
import type { ListOptions, ObjectStore, PutOptions, ReadOptions, StoredObjectInfo } from '../cache/object-store.js';
import { objectKey, oidFromKey, oidHex, type Oid } from '../cache/oid.js';
import type { ChunkStore } from '../chunk/chunk-store.js';
import { FolderChunkStore, type ReadSlots } from '../chunk/folder-chunk-store.js';
import { SMALL_FILE } from '../cache/small-file.js';
import { localCopier } from './local-copy.js';
import { RESUMABLE_SIZE, writeVerified } from './resumable-file.js';
import { corruptSource } from './transfer-streams.js';
import { openRegularStream, readRegular } from '../cache/regular-file.js';


export class DirectoryStore implements ObjectStore {
  readonly location: string;
  readonly listPageSize = Number.POSITIVE_INFINITY;
  private readonly objectsDir: string;
  private readonly tempDir: string;
  private readonly madeDirs = new Set<string>();
  private checkedRoot = false;

  constructor(
    readonly root: string,
    private readonly options: { stallTimeoutMs: number; copierThreads: number; slots?: ReadSlots },
  ) {
    this.location = root;
    this.objectsDir = join(root, 'objects');
    this.tempDir = join(root, 'tmp');
  }

  path(oid: Oid): string {
    return join(this.objectsDir, objectKey(oid));
  }

  /** Packs are written inside the remote (its `tmp/`), so no spool folder is needed. */
  chunks(): ChunkStore {
    return new FolderChunkStore(this.root, this.options.slots);
  }

  localPath(oid: Oid): string {
    return this.path(oid);
  }

  /** Small objects are copied by worker threads in batches (`localCopier`), both ways. */
  copiesInBatches(size: number | undefined): boolean {
    return size !== undefined && size <= SMALL_FILE;
  }

  async has(oid: Oid): Promise<boolean> {
    try {
      return (await stat(this.path(oid))).isFile();
    } catch (error) {
      if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') {
        await this.requireRoot();
        return false;
      }
      throw fsError(error, 'checking', this.path(oid));
    }
  }

  async read(oid: Oid, options: ReadOptions = {}): Promise<Readable> {
    const path = this.path(oid);
    try {
      return await openRegularStream(path, { start: options.start ?? 0, ...(options.end === undefined ? {} : { end: options.end }) });
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') {
        await this.requireRoot();
        throw missingObject(oid, this.location);
      }
      throw fsError(error, 'reading', path);
    }
  }

  async readBuffer(oid: Oid, options: ReadOptions = {}): Promise<Buffer> {
    try {
      return await readRegular(this.path(oid), { maxBytes: options.maxBytes });
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') {
        await this.requireRoot();
        throw missingObject(oid, this.location);
      }
      throw fsError(error, 'reading', this.path(oid));
    }
  }

  /** Renaming over an object that appeared meanwhile is harmless: both have the same bytes. */
  async put(oid: Oid, sourcePath: string, size: number, options: PutOptions = {}): Promise<void> {
    const target = this.path(oid);
    if (size <= SMALL_FILE) {
      await this.putSmall(oid, sourcePath, size, target);
      options.onBytes?.(size);
      return;
    }
    const resumable = size >= RESUMABLE_SIZE;
    await this.ensureDir(this.tempDir);
    const temp = join(this.tempDir, resumable ? `${oidHex(oid)}.partial` : `${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
    const finish = async (file: string) => {
      await this.ensureDir(join(target, '..'));
      await chmod(file, 0o444);
      await rename(file, target);
    };
    try {
      if (await claim(temp)) {
        // A fresh upload (the temp file is ours, made empty and exclusive): the kernel copies the cache
        // object while it is hashed, as `mv add` stores a file. Killed midway, the copy leaves a prefix in
        // the partial file, which the next push resumes from; any other failure, Ctrl-C included (the copy
        // is stopped first), removes it.
        try {
          const copied = await copyWhileHashing(sourcePath, temp, false, 0o644, false, options.signal);
          if (copied.oid !== oid || copied.size !== size) throw corruptSource(oid, this.location);
          await finish(temp);
        } catch (error) {
          await rm(temp, { force: true });
          throw error;
        }
        options.onBytes?.(size);
        return;
      }
      await writeVerified({
        oid,
        size,
        temp,
        resumable,
        where: sourcePath,
        open: (start) => Promise.resolve(createReadStream(sourcePath, { start, highWaterMark: STREAM_CHUNK })),
        finish,
        stallTimeoutMs: this.options.stallTimeoutMs,
        onBytes: options.onBytes,
        signal: options.signal,
      });
    } catch (error) {
      if (error instanceof MvError && error.code === 'CORRUPT_DOWNLOAD') throw corruptSource(oid, this.location);
      throw await this.writeFailure(error, sourcePath);
    }
  }

  /**
   * A failed write named for what failed: the cache object this clone lacks, or the remote. A recursive
   * mkdir on a read-only file system reports ENOENT, so the remote folder itself is asked why.
   */
  private async writeFailure(error: unknown, sourcePath: string): Promise<unknown> {
    if (error instanceof MvError) return error;
    let cause = error;
    if (errnoCode(error) === 'ENOENT') {
      if (!(await stat(sourcePath).then(() => true, () => false))) return fsError(error, 'reading', sourcePath);
      cause = (await access(this.root, constants.W_OK).then(() => undefined, (e: unknown) => e)) ?? error;
    }
    return remoteWriteError(cause, this.location);
  }

  private async putSmall(oid: Oid, sourcePath: string, size: number, target: string): Promise<void> {
    await this.requireRoot();
    try {
      await localCopier(this.options.copierThreads).copy({ source: sourcePath, target, oid, size });
    } catch (error) {
      if (error instanceof MvError && error.code === 'CORRUPT_COPY') throw corruptSource(oid, this.location);
      throw await this.writeFailure(error, sourcePath);
    }
  }

  async *list(options: ListOptions = {}): AsyncIterable<Oid> {
    await this.requireRoot();
    let fanouts: string[];
    try {
      fanouts = options.fanout === undefined ? await readdir(this.objectsDir) : [options.fanout];
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return;
      throw fsError(error, 'listing', this.objectsDir);
    }
    for (const fanout of fanouts) {
      if (!/^[0-9a-f]{2}$/.test(fanout)) continue;
      let names: string[];
      try {
        names = await readdir(join(this.objectsDir, fanout));
      } catch (error) {
        if (errnoCode(error) === 'ENOENT') continue;
        throw fsError(error, 'listing', join(this.objectsDir, fanout));
      }
      for (const rest of names) {
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

  /**
   * The remote's folder must exist: creating it would hide an unmounted share behind a local folder
   * that nobody else sees.
   */
  private async requireRoot(): Promise<void> {
    if (this.checkedRoot) return;
    let ok = false;
    try {
      ok = (await stat(this.root)).isDirectory();
    } catch (error) {
      if (errnoCode(error) !== 'ENOENT' && errnoCode(error) !== 'ENOTDIR') throw fsError(error, 'checking', this.root);
    }
    if (!ok) {
      throw new MvError('REMOTE_NOT_FOUND', `The remote folder ${this.root} does not exist.`, {
        hint: `Create it (mkdir -p ${this.root}) or mount the share it should be on, then run the command again.`,
      });
    }
    this.checkedRoot = true;
  }

  private async ensureDir(dir: string): Promise<void> {
    if (this.madeDirs.has(dir)) return;
    await this.requireRoot();
    try {
      await mkdir(dir, { recursive: true });
    } catch (error) {
      throw fsError(error, 'creating', dir);
    }
    this.madeDirs.add(dir);
  }
}

/** A write to a folder remote that failed because of the remote: read-only, not permitted, or full. */
export function remoteWriteError(error: unknown, location: string): unknown {
  switch (errnoCode(error)) {
    case 'EROFS':
      return new MvError('REMOTE_READ_ONLY', `The remote ${location} is on a read-only file system; nothing can be pushed to it.`, {
        hint: 'Mount it read-write, or push to another remote (`-r`); fetching from it still works.',
        cause: error,
      });
    case 'EACCES':
    case 'EPERM':
      return new MvError('REMOTE_PERMISSION_DENIED', `You may not write to the remote folder ${location} (permission denied).`, {
        hint: 'Ask its owner for write access (the folder and its objects/ and tmp/ subfolders), or push to a remote you can write to.',
        cause: error,
      });
    case 'ENOSPC':
    case 'EDQUOT':
      return new MvError('REMOTE_FULL', `The remote ${location} has no space left.`, {
        hint: 'Free space there (`mvr gc -r <remote> --force` removes objects no version needs), then push again.',
        cause: error,
      });
    default:
      return fsError(error, 'writing to the remote at', location);
  }
}

/**
 * Creates `temp` empty and exclusively: true when this push owns it; false when a partial upload (of an
 * earlier, interrupted push, or of one running now) is already there, to be resumed through the stream.
 */
async function claim(temp: string): Promise<boolean> {
  try {
    await (await open(temp, 'wx', 0o644)).close();
    return true;
  } catch (error) {
    if (errnoCode(error) === 'EEXIST') return false;
    throw error;
  }
}

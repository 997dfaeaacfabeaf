/**
 * Packs and recipes in a remote folder (shared disk, NFS), beside its `objects/`: written to a temp file
 * inside the remote (same file system) and renamed into place whole, then read-only; read by plain
 * ranged file reads. Counts the bytes and requests it serves, for transfer summaries and benchmarks.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, mkdir, open, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { openRegularStream, readRegular } from '../cache/regular-file.js';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MvError, errnoCode, fsError } from '../errors.js';
import { STREAM_CHUNK } from '../cache/hash.js';
import { missingObject } from '../cache/local-cache.js';
import { objectKey, type Oid } from '../cache/oid.js';
import type { ChunkStore, PackWrite, StoredChunkItem } from './chunk-store.js';
import { PACKS_DIR, RECIPES_DIR, RETIRED_DIR, packIdFromKey, packKey, recipeKey, retiredKey } from './keys.js';
import { parseSource, type SourceKey } from './sources.js';

const READ_ONLY = 0o444;

/** Bounds the reads in flight (the command's request slots); see remote/request-slots.ts. */
export interface ReadSlots {
  stream(open: () => Promise<Readable>): Promise<Readable>;
}

export class FolderChunkStore implements ChunkStore {
  readonly location: string;
  /** Transfer accounting since the store was opened. */
  readonly counters = { bytesRead: 0, readRequests: 0, bytesWritten: 0, writeRequests: 0 };
  private readonly tempDir: string;

  constructor(
    readonly root: string,
    private readonly slots?: ReadSlots,
  ) {
    this.location = root;
    this.tempDir = join(root, 'tmp');
  }

  packPath(id: string): string {
    return join(this.root, packKey(id));
  }

  recipePath(oid: Oid): string {
    return join(this.root, recipeKey(oid));
  }

  sourcePath(key: SourceKey): string {
    const source = parseSource(key);
    return source.kind === 'pack' ? this.packPath(source.id) : join(this.root, 'objects', objectKey(source.oid));
  }

  hasPack(id: string): Promise<boolean> {
    return isFile(this.packPath(id));
  }

  hasSource(key: SourceKey): Promise<boolean> {
    return isFile(this.sourcePath(key));
  }

  async putPack(id: string, size: number, open: () => Readable, signal?: AbortSignal): Promise<void> {
    const temp = await this.tempPath();
    try {
      await pipeline(open(), createWriteStream(temp, { flags: 'wx', mode: 0o644, highWaterMark: STREAM_CHUNK }), signal ? { signal } : {});
      const written = (await stat(temp)).size;
      if (written !== size) throw new Error(`pack ${id} came out ${written} bytes long, not ${size}`);
      await this.place(temp, this.packPath(id));
    } catch (error) {
      await rm(temp, { force: true });
      throw fsError(error, 'writing to the remote at', this.location);
    }
    this.counters.bytesWritten += size;
    this.counters.writeRequests++;
  }

  async beginPack(): Promise<PackWrite> {
    const temp = await this.tempPath();
    const handle = await open(temp, 'wx', 0o644).catch((error: unknown) => {
      throw fsError(error, 'writing to the remote at', this.location);
    });
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      await handle.close();
    };
    const fail = async (error: unknown) => {
      await close().catch(() => undefined);
      await rm(temp, { force: true });
      return fsError(error, 'writing to the remote at', this.location);
    };
    return {
      write: async (bytes) => {
        try {
          await handle.write(bytes);
        } catch (error) {
          throw await fail(error);
        }
      },
      finish: async (pack) => {
        try {
          await handle.write(pack.tail);
          const written = (await handle.stat()).size;
          await close();
          if (written !== pack.size) throw new Error(`pack ${pack.id} came out ${written} bytes long, not ${pack.size}`);
          if (await this.hasPack(pack.id)) {
            await rm(temp, { force: true });
            return false;
          }
          await this.place(temp, this.packPath(pack.id));
        } catch (error) {
          throw await fail(error);
        }
        this.counters.bytesWritten += pack.size;
        this.counters.writeRequests++;
        return true;
      },
      abandon: async () => {
        await close().catch(() => undefined);
        await rm(temp, { force: true });
      },
    };
  }

  async readRange(key: SourceKey, start: number, end: number, signal?: AbortSignal): Promise<Readable> {
    const path = this.sourcePath(key);
    const open = async () => {
      const stream = await openRegularStream(path, { start, end, signal }).catch((error: unknown) => {
        if (errnoCode(error) === 'ENOENT') {
          const source = parseSource(key);
          throw source.kind === 'pack' ? missingPack(source.id, this.location) : missingObject(source.oid, this.location);
        }
        throw fsError(error, 'reading', path);
      });
      return stream;
    };
    const stream = this.slots ? await this.slots.stream(open) : await open();
    this.counters.bytesRead += end - start;
    this.counters.readRequests++;
    return stream;
  }

  hasRecipe(oid: Oid): Promise<boolean> {
    return isFile(this.recipePath(oid));
  }

  async getRecipe(oid: Oid, maxBytes: number): Promise<Buffer | undefined> {
    const path = this.recipePath(oid);
    try {
      const bytes = await readRegular(path, { maxBytes }).catch((error: unknown) => {
        throw error instanceof MvError && error.code === 'UNEXPECTED_FILE' ? new MvError('INVALID_RECIPE', `Recipe ${error.message}`, { hint: 'Run `mvr verify -r <remote>`.' }) : error;
      });
      this.counters.bytesRead += bytes.length;
      this.counters.readRequests++;
      return bytes;
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return undefined;
      throw fsError(error, 'reading', path);
    }
  }

  async putRecipe(oid: Oid, bytes: Buffer, options: { replace?: boolean } = {}): Promise<void> {
    if (!options.replace && (await this.hasRecipe(oid))) return;
    const temp = await this.tempPath();
    try {
      await writeFile(temp, bytes, { flag: 'wx', mode: 0o644 });
      // A rename replaces an existing recipe at once: a reader sees the old one or the new one.
      await this.place(temp, this.recipePath(oid));
    } catch (error) {
      await rm(temp, { force: true });
      throw fsError(error, 'writing to the remote at', this.location);
    }
    this.counters.bytesWritten += bytes.length;
    this.counters.writeRequests++;
  }

  listPacks(): AsyncIterable<StoredChunkItem> {
    return this.listUnder(PACKS_DIR);
  }

  listRecipes(): AsyncIterable<StoredChunkItem> {
    return this.listUnder(RECIPES_DIR);
  }

  listRetired(): AsyncIterable<StoredChunkItem> {
    return this.listUnder(RETIRED_DIR);
  }

  async deletePack(id: string): Promise<void> {
    await this.remove(this.packPath(id));
  }

  async deleteRecipe(oid: Oid): Promise<void> {
    await this.remove(this.recipePath(oid));
  }

  async markRetired(id: string): Promise<void> {
    const path = join(this.root, retiredKey(id));
    if (await isFile(path)) return;
    const temp = await this.tempPath();
    try {
      await writeFile(temp, '', { flag: 'wx', mode: 0o644 });
      await this.place(temp, path);
    } catch (error) {
      await rm(temp, { force: true });
      throw fsError(error, 'writing to the remote at', this.location);
    }
  }

  async unmarkRetired(id: string): Promise<void> {
    await this.remove(join(this.root, retiredKey(id)));
  }

  async removeStaleTemps(cutoffMs: number): Promise<number> {
    let names: string[];
    try {
      names = await readdir(this.tempDir);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return 0;
      throw fsError(error, 'listing', this.tempDir);
    }
    let removed = 0;
    for (const name of names) {
      if (!name.endsWith('.tmp') && !name.endsWith('.partial')) continue;
      const path = join(this.tempDir, name);
      const info = await stat(path).catch(() => undefined);
      // Writers on other machines cannot be asked whether they still run: only old files go.
      if (!info?.isFile() || Math.max(info.mtimeMs, info.ctimeMs) > cutoffMs) continue;
      await this.remove(path);
      removed++;
    }
    return removed;
  }

  private async remove(path: string): Promise<void> {
    try {
      await rm(path, { force: true });
    } catch (error) {
      throw fsError(error, 'deleting', path);
    }
  }

  private async *listUnder(dir: string): AsyncIterable<StoredChunkItem> {
    const base = join(this.root, dir);
    let fanouts: string[];
    try {
      fanouts = await readdir(base);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return;
      throw fsError(error, 'listing', base);
    }
    for (const fanout of fanouts.sort()) {
      if (!/^[0-9a-f]{2}$/.test(fanout)) continue;
      let names: string[];
      try {
        names = await readdir(join(base, fanout));
      } catch (error) {
        if (errnoCode(error) === 'ENOENT') continue;
        throw fsError(error, 'listing', join(base, fanout));
      }
      for (const rest of names.sort()) {
        const id = packIdFromKey(`${fanout}/${rest}`);
        if (id === undefined) continue;
        try {
          const info = await stat(join(base, fanout, rest));
          if (info.isFile()) yield { id, size: info.size, modifiedMs: Math.max(info.mtimeMs, info.ctimeMs) };
        } catch (error) {
          if (errnoCode(error) !== 'ENOENT') throw fsError(error, 'checking', join(base, fanout, rest));
        }
      }
    }
  }

  private async tempPath(): Promise<string> {
    await requireFolder(this.root);
    await mkdir(this.tempDir, { recursive: true });
    return join(this.tempDir, `${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
  }

  private async place(temp: string, target: string): Promise<void> {
    await chmod(temp, READ_ONLY);
    await mkdir(dirname(target), { recursive: true });
    await rename(temp, target);
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return false;
    throw fsError(error, 'checking', path);
  }
}

/** A remote folder must exist: creating it would hide an unmounted share behind a local folder. */
async function requireFolder(root: string): Promise<void> {
  const ok = await stat(root).then(
    (info) => info.isDirectory(),
    () => false,
  );
  if (!ok) {
    throw new MvError('REMOTE_NOT_FOUND', `The remote folder ${root} does not exist.`, {
      hint: `Create it (mkdir -p ${root}) or mount the share it should be on, then run the command again.`,
    });
  }
}

export function missingPack(id: string, location: string): MvError {
  return new MvError('PACK_MISSING', `Pack ${id.slice(0, 12)}… is not in ${location}.`, {
    hint: 'Run `mvr verify -r <remote>`; push the version again from a clone that has it.',
    details: { pack: id, location },
  });
}

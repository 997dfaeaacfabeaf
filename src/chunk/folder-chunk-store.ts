/**
 * Packs and recipes in a remote folder (shared disk, NFS), beside its `objects/`: written to a temp file
 * inside the remote (same file system) and renamed into place whole, then read-only; read by plain
 * ranged file reads. Counts the bytes and requests it serves, for transfer summaries and benchmarks.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MvError, errnoCode, fsError } from '../errors.js';
import { STREAM_CHUNK } from '../cache/hash.js';
import type { Oid } from '../cache/oid.js';
import type { ChunkStore, PackWrite } from './chunk-store.js';
import { packKey, recipeKey } from './keys.js';

const READ_ONLY = 0o444;

export class FolderChunkStore implements ChunkStore {
  readonly location: string;
  /** Transfer accounting since the store was opened. */
  readonly counters = { bytesRead: 0, readRequests: 0, bytesWritten: 0, writeRequests: 0 };
  private readonly tempDir: string;

  constructor(readonly root: string) {
    this.location = root;
    this.tempDir = join(root, 'tmp');
  }

  packPath(id: string): string {
    return join(this.root, packKey(id));
  }

  recipePath(oid: Oid): string {
    return join(this.root, recipeKey(oid));
  }

  hasPack(id: string): Promise<boolean> {
    return isFile(this.packPath(id));
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

  async readPackRange(id: string, start: number, end: number, signal?: AbortSignal): Promise<Readable> {
    const path = this.packPath(id);
    const stream = createReadStream(path, { start, end: end - 1, highWaterMark: STREAM_CHUNK, ...(signal ? { signal } : {}) });
    await new Promise<void>((resolve, reject) => {
      stream.once('ready', () => resolve());
      stream.once('error', reject);
    }).catch((error: unknown) => {
      if (errnoCode(error) === 'ENOENT') throw missingPack(id, this.location);
      throw fsError(error, 'reading', path);
    });
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
      const info = await stat(path);
      if (info.size > maxBytes) throw new MvError('INVALID_RECIPE', `Recipe ${path} is ${info.size} bytes, more than a recipe for its file can be.`, { hint: 'Run `mv verify -r <remote>`.' });
      const bytes = await readFile(path);
      this.counters.bytesRead += bytes.length;
      this.counters.readRequests++;
      return bytes;
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return undefined;
      throw fsError(error, 'reading', path);
    }
  }

  async putRecipe(oid: Oid, bytes: Buffer): Promise<void> {
    if (await this.hasRecipe(oid)) return;
    const temp = await this.tempPath();
    try {
      await writeFile(temp, bytes, { flag: 'wx', mode: 0o644 });
      await this.place(temp, this.recipePath(oid));
    } catch (error) {
      await rm(temp, { force: true });
      throw fsError(error, 'writing to the remote at', this.location);
    }
    this.counters.bytesWritten += bytes.length;
    this.counters.writeRequests++;
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
    hint: 'Run `mv verify -r <remote>`; push the version again from a clone that has it.',
    details: { pack: id, location },
  });
}

/**
 * Packs and recipes in an S3 bucket, beside `objects/` under the remote's prefix. Chunks and whole
 * objects are read with ranged GETs (`bytes=start-end`); a pack whose bytes arrive while a file is being
 * chunked is spooled to a temp file on this machine and PUT whole once it is complete (packs stay below the
 * multipart threshold, one request each). Every request that moves bytes holds one of the command's
 * request slots.
 */
import { createReadStream } from 'node:fs';
import { mkdir, open, rm, stat } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { DeleteObjectCommand, HeadObjectCommand, PutObjectCommand, GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { MvError, fsError } from '../errors.js';
import { STREAM_CHUNK } from '../cache/hash.js';
import { missingObject } from '../cache/local-cache.js';
import { objectKey, type Oid } from '../cache/oid.js';
import type { ChunkStore, PackWrite, StoredChunkItem } from '../chunk/chunk-store.js';
import { missingPack } from '../chunk/folder-chunk-store.js';
import { PACKS_DIR, RECIPES_DIR, RETIRED_DIR, packIdFromKey, packKey, recipeKey, retiredKey } from '../chunk/keys.js';
import { describeSource, parseSource, type SourceKey } from '../chunk/sources.js';
import type { RequestSlots } from './request-slots.js';
import { s3Failure } from './s3-errors.js';
import { isNotFound, listObjects, readRange } from './s3-reads.js';

export interface S3ChunkStoreOptions {
  bucket: string;
  /** '' or ending with '/'. */
  prefix: string;
  slots: RequestSlots;
  /** A local folder for packs being written (on the cache's file system). */
  spoolDir: string;
}

export class S3ChunkStore implements ChunkStore {
  readonly location: string;
  readonly counters = { bytesRead: 0, readRequests: 0, bytesWritten: 0, writeRequests: 0 };

  constructor(
    private readonly client: S3Client,
    private readonly options: S3ChunkStoreOptions,
  ) {
    this.location = `s3://${options.bucket}/${options.prefix}`;
  }

  private key(relative: string): string {
    return `${this.options.prefix}${relative}`;
  }

  private sourceKey(key: SourceKey): string {
    const source = parseSource(key);
    return this.key(source.kind === 'pack' ? packKey(source.id) : `objects/${objectKey(source.oid)}`);
  }

  hasPack(id: string): Promise<boolean> {
    return this.exists(this.key(packKey(id)));
  }

  hasSource(key: SourceKey): Promise<boolean> {
    return this.exists(this.sourceKey(key));
  }

  async putPack(id: string, size: number, openStream: () => Readable, signal?: AbortSignal): Promise<void> {
    await this.put(this.key(packKey(id)), openStream, size, signal);
  }

  async beginPack(): Promise<PackWrite> {
    await mkdir(this.options.spoolDir, { recursive: true }).catch((error: unknown) => {
      throw fsError(error, 'creating', this.options.spoolDir);
    });
    const temp = join(this.options.spoolDir, `${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
    const handle = await open(temp, 'wx', 0o600).catch((error: unknown) => {
      throw fsError(error, 'writing', temp);
    });
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      await handle.close();
    };
    const drop = async () => {
      await close().catch(() => undefined);
      await rm(temp, { force: true });
    };
    return {
      write: async (bytes) => {
        try {
          await handle.write(bytes);
        } catch (error) {
          await drop();
          throw fsError(error, 'writing', temp);
        }
      },
      finish: async (pack, signal) => {
        try {
          await handle.write(pack.tail);
          await close();
          const written = (await stat(temp)).size;
          if (written !== pack.size) throw new Error(`pack ${pack.id} came out ${written} bytes long, not ${pack.size}`);
          if (await this.hasPack(pack.id)) return false;
          await this.put(this.key(packKey(pack.id)), () => createReadStream(temp, { highWaterMark: STREAM_CHUNK }), pack.size, signal);
          return true;
        } finally {
          await drop();
        }
      },
      abandon: drop,
    };
  }

  async readRange(key: SourceKey, start: number, end: number, signal?: AbortSignal): Promise<Readable> {
    try {
      const stream = await readRange(this.client, this.options.slots, { bucket: this.options.bucket, key: this.sourceKey(key), start, end, signal, what: describeSource(key), where: this.location });
      this.counters.bytesRead += end - start;
      this.counters.readRequests++;
      return stream;
    } catch (error) {
      if (isNotFound(error)) {
        const source = parseSource(key);
        throw source.kind === 'pack' ? missingPack(source.id, this.location) : missingObject(source.oid, this.location);
      }
      throw s3Failure(error, this.location);
    }
  }

  hasRecipe(oid: Oid): Promise<boolean> {
    return this.exists(this.key(recipeKey(oid)));
  }

  async getRecipe(oid: Oid, maxBytes: number): Promise<Buffer | undefined> {
    try {
      return await this.options.slots.run(async () => {
        const response = await this.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: this.key(recipeKey(oid)) }));
        const body = response.Body as (Readable & { transformToByteArray?: () => Promise<Uint8Array> }) | undefined;
        // A body of unstated length is not read: it could be any size.
        if (response.ContentLength === undefined || response.ContentLength > maxBytes) {
          body?.destroy();
          const size = response.ContentLength === undefined ? 'of a size the server does not state' : `${response.ContentLength} bytes, more than a recipe for its file can be`;
          throw new MvError('INVALID_RECIPE', `Recipe ${recipeKey(oid)} on ${this.location} is ${size}.`, { hint: 'Run `mvr verify -r <remote>`.' });
        }
        const bytes = Buffer.from(await body!.transformToByteArray!());
        this.counters.bytesRead += bytes.length;
        this.counters.readRequests++;
        return bytes;
      });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw s3Failure(error, this.location);
    }
  }

  async putRecipe(oid: Oid, bytes: Buffer, options: { replace?: boolean } = {}): Promise<void> {
    if (!options.replace && (await this.hasRecipe(oid))) return;
    // A PUT replaces an existing recipe at once: a reader gets the old one or the new one.
    await this.put(this.key(recipeKey(oid)), bytes, bytes.length);
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
    await this.delete(this.key(packKey(id)));
  }

  async deleteRecipe(oid: Oid): Promise<void> {
    await this.delete(this.key(recipeKey(oid)));
  }

  async markRetired(id: string): Promise<void> {
    if (await this.exists(this.key(retiredKey(id)))) return;
    await this.put(this.key(retiredKey(id)), Buffer.alloc(0), 0);
  }

  async unmarkRetired(id: string): Promise<void> {
    await this.delete(this.key(retiredKey(id)));
  }

  private async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.options.bucket, Key: key }));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw s3Failure(error, this.location);
    }
  }

  private async put(key: string, body: Buffer | (() => Readable), size: number, signal?: AbortSignal): Promise<void> {
    try {
      await this.options.slots.run(() =>
        this.client.send(
          new PutObjectCommand({ Bucket: this.options.bucket, Key: key, Body: typeof body === 'function' ? body() : body, ContentLength: size, ContentType: 'application/octet-stream' }),
          signal ? { abortSignal: signal } : {},
        ),
      );
    } catch (error) {
      throw s3Failure(error, this.location);
    }
    this.counters.bytesWritten += size;
    this.counters.writeRequests++;
  }

  private async delete(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: key }));
    } catch (error) {
      throw s3Failure(error, this.location);
    }
  }

  private async *listUnder(dir: string): AsyncIterable<StoredChunkItem> {
    const base = this.key(`${dir}/`);
    for await (const item of listObjects(this.client, this.options.bucket, base, this.location)) {
      const id = packIdFromKey(item.key.slice(base.length));
      if (id) yield { id, size: item.size, modifiedMs: item.modifiedMs };
    }
  }
}

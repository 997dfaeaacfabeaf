/**
 * A remote in an S3 bucket (AWS S3 or any S3-compatible store): objects at `<prefix>objects/ab/cdef…`.
 * Uploads stream from the cache through a verifier that withholds the last bytes unless the content
 * hashes to the oid, so the store never completes an object whose bytes are wrong. Large objects go up
 * in multipart uploads that resume (see s3-multipart.ts).
 */
import { readFile } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { pipeline, type Readable } from 'node:stream';
import { DeleteObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { MvError } from '../errors.js';
import { STREAM_CHUNK, hashBuffer } from '../cache/hash.js';
import { missingObject } from '../cache/local-cache.js';
import type { ListOptions, ObjectStore, PutOptions, ReadOptions, StoredObjectInfo } from '../cache/object-store.js';
import { objectKey, oidFromKey, shortOid, type Oid } from '../cache/oid.js';
import { SMALL_FILE } from '../cache/small-file.js';
import { isNotFound, listObjects, readRange } from './s3-reads.js';
import { s3Failure } from './s3-errors.js';
import { MultipartUploader, type MultipartOptions } from './s3-multipart.js';
import type { RequestSlots } from './request-slots.js';
import type { ChunkStore } from '../chunk/chunk-store.js';
import { S3ChunkStore } from './s3-chunk-store.js';
import { collectAtMost } from '../cache/byte-limit.js';
import { StallGuard, VerifyingStream, corrupt, corruptSource } from './transfer-streams.js';

export interface S3StoreOptions extends MultipartOptions {
  bucket: string;
  /** '' or ending with '/'. */
  prefix: string;
  /** Objects at least this large go up in parts. */
  multipartThreshold: number;
  /** The requests in flight, shared with every other transfer of the command. */
  slots: RequestSlots;
  /** A whole read (`readBuffer`) must move 16 KiB in each such span (`StallGuard`). */
  stallTimeoutMs?: number;
}

export class S3Store implements ObjectStore {
  readonly location: string;
  readonly listPageSize = 1000;
  private readonly multipart: MultipartUploader;

  constructor(
    private readonly client: S3Client,
    private readonly options: S3StoreOptions,
  ) {
    this.location = `s3://${options.bucket}/${options.prefix}`;
    this.multipart = new MultipartUploader(client, options);
  }

  chunks(options: { spoolDir: string }): ChunkStore {
    return new S3ChunkStore(this.client, { bucket: this.options.bucket, prefix: this.options.prefix, slots: this.options.slots, spoolDir: options.spoolDir });
  }

  key(oid: Oid): string {
    return `${this.options.prefix}objects/${objectKey(oid)}`;
  }

  async has(oid: Oid): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.options.bucket, Key: this.key(oid) }));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw s3Failure(error, this.location);
    }
  }

  async read(oid: Oid, options: ReadOptions = {}): Promise<Readable> {
    try {
      return await readRange(this.client, this.options.slots, { bucket: this.options.bucket, key: this.key(oid), start: options.start ?? 0, end: options.end, signal: options.signal, what: shortOid(oid), where: this.location });
    } catch (error) {
      if (isNotFound(error)) throw missingObject(oid, this.location);
      throw s3Failure(error, this.location);
    }
  }

  async readBuffer(oid: Oid, options: ReadOptions = {}): Promise<Buffer> {
    const response = await this.read(oid, options);
    const timeout = this.options.stallTimeoutMs;
    const body = timeout === undefined ? response : pipeline(response, new StallGuard(timeout, `The transfer of ${oid} from ${this.location}`), () => undefined);
    try {
      // An endpoint that sends more than the object can hold is cut off, not held in memory.
      return await collectAtMost(body, options.maxBytes, () => corrupt(oid, this.location, `more than the ${options.maxBytes} bytes expected`));
    } catch (error) {
      if (error instanceof MvError) throw error;
      throw s3Failure(error, this.location);
    }
  }

  async put(oid: Oid, sourcePath: string, size: number, options: PutOptions = {}): Promise<void> {
    try {
      if (size >= this.options.multipartThreshold) {
        await this.multipart.upload({ oid, key: this.key(oid), sourcePath, size, where: this.location, ...options });
        return;
      }
      let body: Buffer | Readable;
      if (size <= SMALL_FILE) {
        body = await readFile(sourcePath);
        if (hashBuffer(body) !== oid || body.byteLength !== size) throw corruptSource(oid, this.location);
      } else {
        body = pipeline(createReadStream(sourcePath, { highWaterMark: STREAM_CHUNK }), new VerifyingStream(oid, size, sourcePath), () => undefined);
      }
      await this.options.slots.run(() =>
        this.client.send(
          new PutObjectCommand({ Bucket: this.options.bucket, Key: this.key(oid), Body: body, ContentLength: size, ContentType: 'application/octet-stream' }),
          options.signal ? { abortSignal: options.signal } : {},
        ),
      );
      options.onBytes?.(size);
    } catch (error) {
      if (error instanceof MvError && error.code === 'CORRUPT_DOWNLOAD') throw corruptSource(oid, this.location);
      throw s3Failure(error, this.location);
    }
  }

  async *list(options: ListOptions = {}): AsyncIterable<Oid> {
    for await (const info of this.listDetailed(options)) yield info.oid;
  }

  async *listDetailed(options: ListOptions = {}): AsyncIterable<StoredObjectInfo> {
    const base = `${this.options.prefix}objects/`;
    const prefix = options.fanout === undefined ? base : `${base}${options.fanout}/`;
    for await (const item of listObjects(this.client, this.options.bucket, prefix, this.location)) {
      const oid = oidFromKey(item.key.slice(base.length));
      if (oid) yield { oid, size: item.size, modifiedMs: item.modifiedMs };
    }
  }

  close(): void {
    this.client.destroy();
  }

  async delete(oid: Oid): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.key(oid) }));
    } catch (error) {
      throw s3Failure(error, this.location);
    }
  }
}

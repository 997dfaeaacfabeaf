/**
 * Multipart uploads that resume. The upload id and every finished part's ETag are saved in a state file
 * (per remote, per object) as parts complete; a later try, in this process or the next, sends only the
 * parts that are missing. The whole source is hashed alongside, and the upload is completed only if the
 * bytes hash to the oid, so a damaged cache object never becomes a remote object.
 */
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, UploadPartCommand, type S3Client } from '@aws-sdk/client-s3';
import { writeFileAtomic } from '../atomic-file.js';
import { MvError, errnoCode } from '../errors.js';
import { STREAM_CHUNK, hashFile } from '../cache/hash.js';
import { oidHex, type Oid } from '../cache/oid.js';
import { httpStatus } from './retry.js';
import type { RequestSlots } from './request-slots.js';

const MIN_PART = 5 * 1024 * 1024;
const MAX_PARTS = 10_000;

export interface MultipartOptions {
  bucket: string;
  /** Preferred part size; raised when the object would need more than 10,000 parts. */
  partSize: number;
  /** Parts of one object sent at once (each also holds one of the command's request slots). */
  partJobs: number;
  slots: RequestSlots;
  /** Folder for upload state files; without one, state lives only as long as this process. */
  stateDir?: string | undefined;
}

interface UploadState {
  key: string;
  size: number;
  partSize: number;
  uploadId: string;
  /** part number → ETag */
  parts: Record<string, string>;
}

export interface MultipartUpload {
  oid: Oid;
  key: string;
  sourcePath: string;
  size: number;
  where: string;
  signal?: AbortSignal | undefined;
  onBytes?: ((bytes: number) => void) | undefined;
}

export function partSizeFor(size: number, preferred: number): number {
  const needed = Math.ceil(size / MAX_PARTS);
  const mib = 1024 * 1024;
  return Math.max(MIN_PART, preferred, Math.ceil(needed / mib) * mib);
}

export class MultipartUploader {
  private readonly memory = new Map<string, UploadState>();

  constructor(
    private readonly client: S3Client,
    private readonly options: MultipartOptions,
  ) {}

  async upload(job: MultipartUpload): Promise<void> {
    const partSize = partSizeFor(job.size, this.options.partSize);
    let state = await this.loadState(job.oid);
    if (state && (state.key !== job.key || state.size !== job.size || state.partSize !== partSize)) {
      await this.abort(state);
      state = undefined;
    }
    if (!state) {
      const created = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.options.bucket, Key: job.key, ContentType: 'application/octet-stream' }));
      if (!created.UploadId) throw new Error('CreateMultipartUpload returned no UploadId');
      state = { key: job.key, size: job.size, partSize, uploadId: created.UploadId, parts: {} };
      await this.saveState(job.oid, state);
    }
    const current = state;
    const count = Math.max(1, Math.ceil(job.size / partSize));
    const partLength = (n: number) => Math.min(partSize, job.size - (n - 1) * partSize);
    for (const n of Object.keys(current.parts)) job.onBytes?.(partLength(Number(n)));

    const hashing = hashFile(job.sourcePath).then((hashed) => hashed.oid);
    const limit = pLimit(this.options.partJobs);
    const pending: Promise<void>[] = [];
    for (let n = 1; n <= count; n++) {
      if (current.parts[n]) continue;
      pending.push(
        limit(async () => {
          job.signal?.throwIfAborted();
          const start = (n - 1) * partSize;
          const length = partLength(n);
          const body = createReadStream(job.sourcePath, { start, end: start + length - 1, highWaterMark: STREAM_CHUNK });
          const result = await this.options.slots.run(() =>
            this.client.send(
              new UploadPartCommand({ Bucket: this.options.bucket, Key: job.key, UploadId: current.uploadId, PartNumber: n, Body: body, ContentLength: length }),
              job.signal ? { abortSignal: job.signal } : {},
            ),
          );
          if (!result.ETag) throw new Error(`UploadPart ${n} returned no ETag`);
          current.parts[n] = result.ETag;
          await this.saveState(job.oid, current);
          job.onBytes?.(length);
        }),
      );
    }
    const settled = await Promise.allSettled([hashing, ...pending]);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    if ((await hashing) !== job.oid) {
      await this.abort(current);
      await this.forget(job.oid);
      throw new MvError('CORRUPT_OBJECT', `The cache object ${job.oid} does not match its content; it was not uploaded to ${job.where}.`, {
        hint: 'Run `mvr verify` to find damaged cache objects, then re-add or fetch them.',
        details: { oid: job.oid },
      });
    }
    try {
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.options.bucket,
          Key: job.key,
          UploadId: current.uploadId,
          MultipartUpload: { Parts: Array.from({ length: count }, (_, i) => ({ PartNumber: i + 1, ETag: current.parts[i + 1]! })) },
        }),
      );
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name === 'NoSuchUpload' || name === 'InvalidPart' || name === 'InvalidPartOrder' || httpStatus(error) === 404) {
        // The store dropped the upload (expired, aborted elsewhere): start again on the next try.
        await this.forget(job.oid);
        throw new MvError('INCOMPLETE_TRANSFER', `The multipart upload of ${job.oid} to ${job.where} expired before it completed.`, { hint: 'Run the command again.', cause: error });
      }
      throw error;
    }
    await this.forget(job.oid);
  }

  private statePath(oid: Oid): string | undefined {
    return this.options.stateDir ? join(this.options.stateDir, `${oidHex(oid)}.json`) : undefined;
  }

  private async loadState(oid: Oid): Promise<UploadState | undefined> {
    const inMemory = this.memory.get(oid);
    if (inMemory) return inMemory;
    const path = this.statePath(oid);
    if (!path) return undefined;
    try {
      const value = JSON.parse(await readFile(path, 'utf8')) as UploadState;
      return typeof value.uploadId === 'string' && typeof value.parts === 'object' ? value : undefined;
    } catch (error) {
      if (errnoCode(error) === 'ENOENT' || error instanceof SyntaxError) return undefined;
      throw error;
    }
  }

  private async saveState(oid: Oid, state: UploadState): Promise<void> {
    this.memory.set(oid, state);
    const path = this.statePath(oid);
    if (!path) return;
    await mkdir(this.options.stateDir!, { recursive: true });
    await writeFileAtomic(path, JSON.stringify(state));
  }

  private async forget(oid: Oid): Promise<void> {
    this.memory.delete(oid);
    const path = this.statePath(oid);
    if (path) await rm(path, { force: true });
  }

  private async abort(state: UploadState): Promise<void> {
    await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.options.bucket, Key: state.key, UploadId: state.uploadId })).catch(() => undefined);
  }
}

/** Reads shared by the S3 object store and the S3 chunk store: ranged GETs, and telling a missing key. */
import type { Readable } from 'node:stream';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { MvError } from '../errors.js';
import type { RequestSlots } from './request-slots.js';
import { httpStatus } from './retry.js';

/**
 * A GET of bytes `[start, end)` of a key (to its end when `end` is undefined), holding a request slot
 * while the body streams. A store that ignores the Range header sends the whole object: that is refused,
 * since appending it to a partial file or reading chunks from it would use the wrong bytes.
 */
export async function readRange(
  client: S3Client,
  slots: RequestSlots,
  request: { bucket: string; key: string; start: number; end: number | undefined; signal: AbortSignal | undefined; what: string; where: string },
): Promise<Readable> {
  const { start, end } = request;
  const ranged = start > 0 || end !== undefined;
  return slots.stream(async () => {
    const response = await client.send(
      new GetObjectCommand({ Bucket: request.bucket, Key: request.key, ...(ranged ? { Range: `bytes=${start}-${end === undefined ? '' : end - 1}` } : {}) }),
      request.signal ? { abortSignal: request.signal } : {},
    );
    const body = response.Body as Readable;
    const expected = end === undefined ? undefined : end - start;
    if (ranged && (!response.ContentRange || !response.ContentRange.startsWith(`bytes ${start}-`) || (expected !== undefined && response.ContentLength !== expected))) {
      body?.destroy();
      throw new MvError('INCOMPLETE_TRANSFER', `${request.where} did not answer a ranged request for ${request.what} with the bytes asked for.`, { hint: 'Run the command again; if it persists, the storage service does not support ranged reads.' });
    }
    return body;
  });
}

export function isNotFound(error: unknown): boolean {
  const name = (error as { name?: string }).name;
  return httpStatus(error) === 404 || name === 'NotFound' || name === 'NoSuchKey';
}


/** Reads shared by the S3 object store and the S3 chunk store: ranged GETs, listings, and telling a missing key. */
import type { Readable } from 'node:stream';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { MvError } from '../errors.js';
import type { RequestSlots } from './request-slots.js';
import { httpStatus } from './retry.js';
import { s3Failure } from './s3-errors.js';

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

/** Every object under `prefix`, page by page (a listing returns at most 1,000 keys); `where` names the remote in errors. */
export async function* listObjects(client: S3Client, bucket: string, prefix: string, where: string): AsyncIterable<{ key: string; size: number; modifiedMs: number }> {
  let token: string | undefined;
  do {
    let page;
    try {
      page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }));
    } catch (error) {
      throw s3Failure(error, where);
    }
    for (const item of page.Contents ?? []) if (item.Key) yield { key: item.Key, size: item.Size ?? 0, modifiedMs: item.LastModified?.getTime() ?? Date.now() };
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

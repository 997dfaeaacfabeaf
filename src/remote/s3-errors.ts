/**
 * Turning S3 failures that no retry can fix (no bucket, no credentials, access denied) into user errors
 * that name the remote and say what to do. Transient failures are passed on unchanged for retry.ts.
 */
import { displayText } from '../display-text.js';
import { MvError } from '../errors.js';
import { httpStatus, isTransient } from './retry.js';

/** Codes of failures that will fail the same way for every object: a transfer stops at the first one. */
export const FATAL_CODES = new Set(['REMOTE_NOT_FOUND', 'REMOTE_ACCESS_DENIED', 'REMOTE_READ_ONLY', 'REMOTE_PERMISSION_DENIED', 'REMOTE_FULL', 'NO_CREDENTIALS', 'NO_REGION', 'DISK_FULL', 'PERMISSION_DENIED', 'READ_ONLY_FS', 'INTERRUPTED']);

export function s3Failure(error: unknown, where: string): unknown {
  if (error instanceof MvError || isTransient(error)) return error;
  const e = error as { name?: string; message?: string };
  const name = e.name ?? '';
  const message = e.message ?? '';
  if (name === 'NoSuchBucket') {
    return new MvError('REMOTE_NOT_FOUND', `The bucket of ${where} does not exist.`, {
      hint: 'Create the bucket, or correct the remote (its URL, and the endpoint/region for S3-compatible stores): `mvr remote remove <name>`, then `mvr remote add <name> <url> …` again.',
      cause: error,
    });
  }
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
    return new MvError('NO_CREDENTIALS', `No AWS credentials were found for ${where}.`, {
      hint: 'Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE), use ~/.aws/credentials, or put the keys in .mv/config.local.yaml.',
      cause: error,
    });
  }
  if (/Region is missing/i.test(message)) {
    return new MvError('NO_REGION', `No AWS region is known for ${where}.`, {
      hint: 'Set AWS_REGION, or `region:` for the remote in .mv/config.yaml.',
      cause: error,
    });
  }
  const status = httpStatus(error);
  if (status === 403 || ['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken', 'InvalidToken'].includes(name)) {
    return new MvError('REMOTE_ACCESS_DENIED', `Access to ${where} was denied (${name || `HTTP ${status}`}).`, {
      hint: 'Check the credentials in use (AWS_PROFILE, AWS_ACCESS_KEY_ID, .mv/config.local.yaml) and that they may read and write this bucket and prefix.',
      cause: error,
    });
  }
  return error;
}

/** A one-line description of a failure, without stack or secrets. */
/** One line saying why a transfer failed; what a remote said is shown neutralised (it may say anything). */
export function describeFailure(error: unknown): string {
  if (error instanceof MvError) return displayText(error.message);
  const e = error as { name?: string; message?: string; code?: string } | undefined;
  const status = httpStatus(error);
  const parts = [status ? `HTTP ${status}` : undefined, e?.name && e.name !== 'Error' ? e.name : undefined, e?.code, e?.message && e.message !== e.name && e.message !== 'UnknownError' ? e.message : undefined];
  return displayText(parts.filter(Boolean).join(': ') || String(error));
}

/**
 * Retries with exponential backoff and full jitter for transient failures: throttling (429, SlowDown,
 * honouring Retry-After), server errors (5xx), dropped or stalled connections, and downloads that arrived
 * short or corrupt. Anything else (bad credentials, missing bucket, a full disk) fails at once.
 */
import { MvError, UsageError, errnoCode } from '../errors.js';

export interface RetryPolicy {
  /** Total tries, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Upper bound on a server's Retry-After. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 250, maxDelayMs: 20_000, maxRetryAfterMs: 120_000 };

/** The default policy with a caller's overrides, each checked: a bad value is a usage error naming it. */
export function retryPolicy(overrides: unknown): RetryPolicy {
  if (overrides === undefined) return { ...DEFAULT_RETRY };
  if (typeof overrides !== 'object' || overrides === null || Array.isArray(overrides)) throw new UsageError('retry must be an object of retry settings (attempts, baseDelayMs, maxDelayMs, maxRetryAfterMs).');
  const policy: RetryPolicy = { ...DEFAULT_RETRY };
  for (const [key, value] of Object.entries(overrides)) {
    if (!(key in DEFAULT_RETRY)) throw new UsageError(`retry.${key} is not a retry setting (attempts, baseDelayMs, maxDelayMs, maxRetryAfterMs).`);
    if (value === undefined) continue;
    const least = key === 'attempts' ? 1 : 0;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < least) throw new UsageError(`retry.${key} must be a whole number from ${least} up (got ${String(value)}).`);
    policy[key as keyof RetryPolicy] = value;
  }
  return policy;
}

const RETRY_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const RETRY_NAMES = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'TooManyRequestsException', 'RequestTimeout', 'RequestTimeoutException', 'InternalError', 'ServiceUnavailable', 'TimeoutError', 'RequestLimitExceeded']);
const RETRY_ERRNO = new Set(['ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ERR_STREAM_PREMATURE_CLOSE', 'UND_ERR_SOCKET']);
const RETRY_CODES = new Set(['CORRUPT_DOWNLOAD', 'INCOMPLETE_TRANSFER', 'STALLED_TRANSFER']);

interface SdkLikeError {
  name?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { statusCode?: number; headers?: Record<string, string | undefined> };
  $retryable?: unknown;
}

/** The HTTP status of an SDK error, if it carries one. */
export function httpStatus(error: unknown): number | undefined {
  const e = error as SdkLikeError | undefined;
  return e?.$metadata?.httpStatusCode ?? e?.$response?.statusCode;
}

/** Whether trying again may succeed. */
export function isTransient(error: unknown): boolean {
  if (error instanceof MvError) return RETRY_CODES.has(error.code);
  if (typeof error !== 'object' || error === null) return false;
  const e = error as SdkLikeError & { message?: string };
  const status = httpStatus(error);
  if (status !== undefined && RETRY_STATUS.has(status)) return true;
  if (e.name && RETRY_NAMES.has(e.name)) return true;
  const code = errnoCode(error);
  if (code && RETRY_ERRNO.has(code)) return true;
  if (e.$retryable) return true;
  return /socket hang up|premature close|aborted|ECONNRESET|EPIPE/i.test(e.message ?? '');
}

/**
 * Whether a failure is one a transfer expects from its environment: an error of mv's own, an answer
 * from a storage service, a failed system call or network operation. Anything else (a TypeError, a
 * broken invariant) is a bug, and is never reported as the remote's fault.
 */
export function isEnvironmentFailure(error: unknown): boolean {
  if (error instanceof MvError) return true;
  if (typeof error !== 'object' || error === null) return false;
  if (httpStatus(error) !== undefined || '$metadata' in error || '$fault' in error) return true;
  if (errnoCode(error) !== undefined) return true;
  if (isTransient(error)) return true;
  // The SDK's own failures to find credentials, a region or an endpoint carry names, not codes.
  const name = (error as { name?: unknown }).name;
  return typeof name === 'string' && /^(CredentialsProviderError|ProviderError|TimeoutError|AbortError|NoSuchBucket|NotFound|NoSuchKey)$/.test(name);
}

/** A server's Retry-After (seconds or an HTTP date) in milliseconds, if it sent one. */
export function retryAfterMs(error: unknown, now = Date.now()): number | undefined {
  const value = (error as SdkLikeError | undefined)?.$response?.headers?.['retry-after'];
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Delay before try number `attempt + 1` (attempt counts from 1), or undefined to give up. */
export function retryDelay(error: unknown, attempt: number, policy: RetryPolicy, random = Math.random): number | undefined {
  if (attempt >= policy.attempts || !isTransient(error)) return undefined;
  const backoff = random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const after = retryAfterMs(error);
  return after === undefined ? backoff : Math.min(policy.maxRetryAfterMs, after) + backoff * 0.1;
}

export async function withRetry<T>(
  operation: (attempt: number) => Promise<T>,
  options: { policy: RetryPolicy; signal?: AbortSignal | undefined; onRetry?: (error: unknown, delayMs: number) => void },
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    options.signal?.throwIfAborted();
    try {
      return await operation(attempt);
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      const delay = retryDelay(error, attempt, options.policy);
      if (delay === undefined) throw error;
      options.onRetry?.(error, delay);
      await sleep(delay, options.signal);
    }
  }
}

async function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  const { setTimeout: delay } = await import('node:timers/promises');
  await delay(ms, undefined, signal ? { signal } : {}).catch((error: unknown) => {
    throw signal?.aborted ? signal.reason : error;
  });
}

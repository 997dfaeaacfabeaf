/**
 * Remote URLs: a folder path or `file://…` (shared disk, NFS) and `s3://bucket/prefix` (AWS S3 and
 * S3-compatible stores). A URL never carries credentials: one that does is refused, and every URL that
 * appears in a message goes through `redactUrl` first.
 */
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MvError } from '../errors.js';

export type RemoteSpec =
  | { kind: 'directory'; path: string }
  /** `prefix` is '' or ends with '/'. */
  | { kind: 's3'; bucket: string; prefix: string };

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

/** The text with the `user:password@` part of any URL in it, and a URL's query string, replaced: safe to print. */
export function redactUrl(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@?#\s'"]*@/gi, '$1***@').replace(/^([a-z][a-z0-9+.-]*:\/\/[^?\s]*)\?.*$/i, '$1?***');
}

/**
 * Parses a remote URL. Relative folder paths are resolved against `baseDir` (the repository root for
 * URLs from the config, the current directory for URLs given on the command line).
 */
export function parseRemoteUrl(url: string, baseDir: string): RemoteSpec {
  const shown = redactUrl(url);
  const trimmed = url.trim();
  if (trimmed === '') throw badUrl(shown, 'is empty');
  const scheme = SCHEME.exec(trimmed)?.[1]?.toLowerCase();
  // `s3:/bucket` or `file:/mnt/x` is a slip for the URL, not a folder named `s3:` (write ./s3:/… for that).
  const slip = /^(s3|file):\/?(?!\/)/i.exec(trimmed);
  if (scheme === undefined && slip) {
    const meant = `${slip[1]!.toLowerCase()}://${slip[1]!.toLowerCase() === 'file' ? '/' : ''}${trimmed.slice(slip[0].length)}`;
    throw badUrl(shown, `needs two slashes after ${slip[1]}: (did you mean ${redactUrl(meant)}?)`);
  }
  if (scheme === undefined) {
    if (/^[a-z0-9+.-]+:[^/\\]/i.test(trimmed) && !trimmed.startsWith('./')) {
      throw badUrl(shown, 'looks like an scp-style address; only folders, file:// and s3:// remotes are supported');
    }
    return { kind: 'directory', path: isAbsolute(trimmed) ? resolve(trimmed) : resolve(baseDir, trimmed) };
  }
  let parsed: URL;
  try {
    parsed = new URL(trimmed);
  } catch {
    throw badUrl(shown, 'is not a valid URL');
  }
  if (parsed.username || parsed.password) {
    throw new MvError('SECRET_IN_URL', `The remote URL ${shown} contains credentials; mv never stores or sends credentials in a URL.`, {
      hint: 'Remove them from the URL. S3 credentials come from the AWS chain (AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, ~/.aws/credentials) or from .mv/config.local.yaml.',
    });
  }
  if (parsed.search || parsed.hash) throw badUrl(shown, 'has a query string or fragment; remote settings go in .mv/config.yaml');
  if (scheme === 'file') {
    if (parsed.hostname !== '' && parsed.hostname !== 'localhost') throw badUrl(shown, `names the host ${parsed.hostname}; file:// remotes must be local paths (file:///path)`);
    return { kind: 'directory', path: resolve(fileURLToPath(parsed)) };
  }
  if (scheme === 's3') {
    const bucket = parsed.hostname;
    if (!BUCKET.test(bucket) || bucket.includes('..')) {
      throw badUrl(shown, `does not name a valid bucket (${JSON.stringify(bucket)}: 3 to 63 lowercase letters, digits, dots and hyphens)`);
    }
    const segments = decodeURIComponent(parsed.pathname).split('/').filter(Boolean);
    if (segments.some((s) => s === '.' || s === '..')) throw badUrl(shown, 'has "." or ".." in its prefix');
    return { kind: 's3', bucket, prefix: segments.length ? `${segments.join('/')}/` : '' };
  }
  const hint = scheme === 'gs' ? ' For Google Cloud Storage use s3://bucket/prefix with endpoint https://storage.googleapis.com (HMAC keys).' : '';
  throw new MvError('UNSUPPORTED_REMOTE', `The remote URL ${shown} uses ${scheme}://, which mv does not support.${hint}`, {
    hint: 'Use a folder path, file:///path or s3://bucket/prefix (with an endpoint for MinIO, Ceph, R2 or GCS).',
  });
}

/** The canonical text of a remote, for messages and for keying per-remote state. */
export function describeSpec(spec: RemoteSpec): string {
  return spec.kind === 'directory' ? spec.path : `s3://${spec.bucket}/${spec.prefix}`;
}

function badUrl(shown: string, problem: string): MvError {
  return new MvError('INVALID_REMOTE_URL', `The remote URL ${shown} ${problem}.`, {
    hint: 'Remote URLs look like /mnt/models-cache, file:///mnt/models-cache or s3://bucket/prefix.',
  });
}

/** The URL as stored in the config: folders absolute (resolved against `cwd`), S3 as s3://bucket/prefix/. */
export function normalizeRemoteUrl(url: string, cwd: string): string {
  return describeSpec(parseRemoteUrl(url, cwd));
}

/**
 * The S3 client for a remote. Credentials come from the remote's entries in `.mv/config.local.yaml`, else
 * its `profile`, else the standard AWS chain (environment, shared config and credentials files, SSO,
 * instance roles). The endpoint comes from the remote's `endpoint`, else `AWS_ENDPOINT_URL_S3`, else
 * `AWS_ENDPOINT_URL`; a custom endpoint (MinIO, Ceph, R2, GCS interop) uses path-style addressing unless
 * `path_style: false`. Retries are mv's own (see retry.ts), so the SDK makes one attempt per call.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { MvError, errnoCode } from '../errors.js';
import type { RemoteConfig } from '../config.js';
import { redactUrl } from './url.js';

export interface S3Connection {
  client: S3Client;
  /** The custom endpoint in use (redacted), if any. */
  endpoint: string | undefined;
  pathStyle: boolean;
}

export interface S3ConnectionOptions {
  /** Parallel requests the connection pool allows. */
  sockets: number;
  /** A request that sends or receives nothing for this long is dropped (and retried). */
  stallTimeoutMs: number;
  env?: NodeJS.ProcessEnv;
}

const QUIET_LOGGER = { trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

export function s3Endpoint(settings: RemoteConfig, env: NodeJS.ProcessEnv): string | undefined {
  const endpoint = settings.endpoint ?? (env.AWS_ENDPOINT_URL_S3 || undefined) ?? (env.AWS_ENDPOINT_URL || undefined);
  if (endpoint === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new MvError('INVALID_REMOTE_URL', `The S3 endpoint ${redactUrl(endpoint)} is not a URL.`, { hint: 'Write it as http(s)://host[:port], e.g. https://minio.example.com:9000.' });
  }
  if (url.username || url.password) {
    throw new MvError('SECRET_IN_URL', `The S3 endpoint ${redactUrl(endpoint)} contains credentials.`, {
      hint: 'Remove them: credentials come from the AWS chain or .mv/config.local.yaml, never from a URL.',
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new MvError('INVALID_REMOTE_URL', `The S3 endpoint ${redactUrl(endpoint)} must use http:// or https://.`, { hint: 'Write it as http(s)://host[:port].' });
  }
  return endpoint;
}

export async function connectS3(settings: RemoteConfig, options: S3ConnectionOptions): Promise<S3Connection> {
  const env = options.env ?? process.env;
  // mv pins an SDK release range that supports Node 20; the SDK's end-of-support notice is not the user's concern.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { S3Client } = await import('@aws-sdk/client-s3');
  const endpoint = s3Endpoint(settings, env);
  const pathStyle = settings.path_style ?? endpoint !== undefined;
  const region = settings.region ?? (env.AWS_REGION || undefined) ?? (env.AWS_DEFAULT_REGION || undefined) ?? (endpoint ? 'us-east-1' : undefined);
  if ((settings.access_key_id === undefined) !== (settings.secret_access_key === undefined)) {
    throw new MvError('INVALID_CONFIG', 'A remote in .mv/config.local.yaml sets only one of access_key_id and secret_access_key.', {
      hint: 'Set both (in .mv/config.local.yaml), or neither to use the AWS credential chain.',
    });
  }
  const explicitKeys = settings.access_key_id !== undefined && settings.secret_access_key !== undefined;
  if (!explicitKeys) await checkProfile(settings.profile, env);
  // Loaded here, not at the top: `mvr remote add` and `remote list` check endpoints without connecting.
  const [{ Agent: HttpAgent }, { Agent: HttpsAgent }] = await Promise.all([import('node:http'), import('node:https')]);
  const agentOptions = { keepAlive: true, maxSockets: options.sockets };
  const config: S3ClientConfig = {
    ...(region ? { region } : {}),
    ...(endpoint ? { endpoint } : {}),
    forcePathStyle: pathStyle,
    followRegionRedirects: true,
    maxAttempts: 1,
    // Failures reach the user through mv's own errors; the SDK must not write to the console.
    logger: QUIET_LOGGER,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(settings.profile ? { profile: settings.profile } : {}),
    ...(settings.access_key_id && settings.secret_access_key
      ? { credentials: { accessKeyId: settings.access_key_id, secretAccessKey: settings.secret_access_key, ...(settings.session_token ? { sessionToken: settings.session_token } : {}) } }
      : {}),
    requestHandler: {
      connectionTimeout: Math.min(options.stallTimeoutMs, 30_000),
      socketTimeout: options.stallTimeoutMs,
      httpAgent: new HttpAgent(agentOptions),
      httpsAgent: new HttpsAgent(agentOptions),
    },
  };
  return { client: new S3Client(config), endpoint: endpoint && redactUrl(endpoint), pathStyle };
}

/**
 * A named profile (the remote's `profile`, else AWS_PROFILE) must be a section of the shared config or
 * credentials file: the SDK would only say that no credentials were found, without the name.
 */
async function checkProfile(configured: string | undefined, env: NodeJS.ProcessEnv): Promise<void> {
  const profile = configured ?? (env.AWS_PROFILE || undefined);
  if (profile === undefined) return;
  const home = env.HOME || homedir();
  const configFile = env.AWS_CONFIG_FILE || join(home, '.aws', 'config');
  const credentialsFile = env.AWS_SHARED_CREDENTIALS_FILE || join(home, '.aws', 'credentials');
  const [config, credentials] = await Promise.all([sectionNames(configFile), sectionNames(credentialsFile)]);
  const inConfig = profile === 'default' ? config.has('default') || config.has('profile default') : config.has(`profile ${profile}`);
  if (inConfig || credentials.has(profile)) return;
  const source = configured !== undefined ? "the remote's `profile` setting" : 'AWS_PROFILE';
  const create = /^[\w.+@-]+$/.test(profile) ? `Create it (\`aws configure --profile ${profile}\`), or ` : 'Create it, or ';
  throw new MvError('NO_CREDENTIALS', `The AWS profile ${JSON.stringify(profile)} (from ${source}) is not in ${configFile} or ${credentialsFile}.`, {
    hint: `${create}${configured !== undefined ? "give the remote a profile that exists (its `profile:` in .mv/config.local.yaml)." : 'set AWS_PROFILE to a profile that exists, or unset it.'}`,
    details: { profile },
  });
}

/** The `[section]` names of an INI file; none when it does not exist. */
async function sectionNames(file: string): Promise<Set<string>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return new Set();
    throw error;
  }
  return new Set([...text.matchAll(/^\s*\[\s*([^\]]+?)\s*\]/gm)].map((m) => m[1]!.replace(/\s+/g, ' ')));
}

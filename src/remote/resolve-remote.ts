/**
 * Which remote a command talks to: `-r NAME|URL` first, then `MV_REMOTE` (a name or a URL, so CI jobs
 * need no committed settings), then the config's default `remote`, then the only configured remote.
 */
import { MvError } from '../errors.js';
import type { Config, RemoteConfig } from '../config.js';
import { describeSpec, parseRemoteUrl, redactUrl, type RemoteSpec } from './url.js';

export { REMOTE_NAME } from '../names.js';

export interface ResolvedRemote {
  /** The configured name, when the remote came from the config. */
  name?: string;
  spec: RemoteSpec;
  settings: RemoteConfig;
  /** Where the choice came from, for messages. */
  source: 'option' | 'MV_REMOTE' | 'config';
  /** Safe to print: the name and the URL, without credentials. */
  display: string;
}

export interface ResolveRemoteOptions {
  /** The -r value: a remote name or URL. */
  remote?: string | undefined;
  env?: NodeJS.ProcessEnv;
  /** Folder that relative paths in the config are resolved against (the repository root). */
  baseDir: string;
  /** Folder that relative paths given by the user are resolved against (the current directory). */
  cwd?: string;
}

export function looksLikeUrl(value: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(value) || value.includes('/') || value.startsWith('.') || value === '~';
}

export function resolveRemote(config: Config, options: ResolveRemoteOptions): ResolvedRemote {
  const env = options.env ?? process.env;
  const fromEnv = env.MV_REMOTE?.trim() || undefined;
  const [choice, source] = options.remote
    ? ([options.remote, 'option'] as const)
    : fromEnv
      ? ([fromEnv, 'MV_REMOTE'] as const)
      : ([config.remote ?? soleRemote(config), 'config'] as const);
  if (choice === undefined) {
    throw new MvError('NO_REMOTE', 'No remote is configured.', {
      hint: 'Add one with `mvr remote add origin s3://bucket/prefix --default` (or a folder path), pass -r URL, or set MV_REMOTE.',
    });
  }
  const configured = config.remotes[choice];
  if (configured) {
    return { name: choice, spec: parseRemoteUrl(configured.url, options.baseDir), settings: configured, source, display: `${choice} (${redactUrl(configured.url)})` };
  }
  if (!looksLikeUrl(choice)) {
    const names = Object.keys(config.remotes);
    const message =
      source === 'option'
        ? `There is no remote named ${JSON.stringify(choice)}.`
        : source === 'MV_REMOTE'
          ? `MV_REMOTE names the remote ${JSON.stringify(choice)}, which is not configured.`
          : `.mv/config.yaml sets remote: ${JSON.stringify(choice)}, but remotes has no such entry.`;
    throw new MvError('UNKNOWN_REMOTE', message, {
      hint: names.length ? `Configured remotes: ${names.join(', ')}. Or give a URL: -r s3://bucket/prefix.` : 'Add it with `mvr remote add <name> <url>`, or give a URL: -r s3://bucket/prefix.',
    });
  }
  const spec = parseRemoteUrl(choice, source === 'option' ? (options.cwd ?? process.cwd()) : options.baseDir);
  return { spec, settings: { url: choice }, source, display: spec.kind === 'directory' ? spec.path : redactUrl(describeSpec(spec)) };
}

function soleRemote(config: Config): string | undefined {
  const names = Object.keys(config.remotes);
  return names.length === 1 ? names[0] : undefined;
}

/**
 * Configuration: `.mv/config.yaml` (committed: stages, policy, remotes without secrets) overlaid by
 * `.mv/config.local.yaml` (not committed: credentials, personal overrides). Unknown keys are errors, so a
 * typo never silently disables a policy.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from './schema.js';
import { MvError, errnoCode } from './errors.js';
import { parseStructured } from './structured-file.js';
import { ARCHIVED_STAGE, DEFAULT_STAGES, REMOTE_NAME } from './names.js';
import { isPlainObject } from './plain-object.js';

export const MV_DIR = '.mv';
export const CONFIG_FILE = 'config.yaml';
export const LOCAL_CONFIG_FILE = 'config.local.yaml';
export { ARCHIVED_STAGE, DEFAULT_STAGES } from './names.js';

/** GTO's name rule, so that every stage a GTO registry uses can be configured. */
const stageName = z.string().check(z.maxLength(255), z.regex(/^[a-zA-Z0-9](?:[a-zA-Z0-9_/-]*[a-zA-Z0-9])?$/, 'is not a valid stage name'));

const remoteSchema = z.strictObject({
  url: z.string().check(z.minLength(1)),
  endpoint: z.optional(z.string()),
  region: z.optional(z.string()),
  profile: z.optional(z.string()),
  path_style: z.optional(z.boolean()),
  access_key_id: z.optional(z.string()),
  secret_access_key: z.optional(z.string()),
  session_token: z.optional(z.string()),
  jobs: z.optional(z.number().check(z.int(), z.gte(1), z.lte(256))),
  /** Seconds a transfer may send or receive nothing before it is dropped and retried. */
  timeout: z.optional(z.number().check(z.positive(), z.lte(3600))),
  /** Push large files as chunks where earlier versions share some (default true); false keeps every object whole. */
  chunks: z.optional(z.boolean()),
});

const gateSchema = z.strictObject({
  metric: z.string().check(z.minLength(1)),
  /** Whether a higher (max) or lower (min) value is better. */
  direction: z._default(z.enum(['max', 'min']), 'max'),
  /** Allowed regression before the gate fails, in the metric's own units. */
  tolerance: z._default(z.number().check(z.nonnegative()), 0),
});

export const configSchema = z.strictObject({
  cache: z.prefault(
    z.strictObject({
      dir: z._default(z.string().check(z.minLength(1)), `${MV_DIR}/cache`),
      type: z._default(z.enum(['copy', 'hardlink', 'symlink']), 'copy'),
      fsync: z._default(z.boolean(), false),
      /** Files large against memory stored by `mv add` are written with direct I/O (Linux), past the page cache. */
      direct_io: z._default(z.boolean(), true),
    }),
    {},
  ),
  add: z.prefault(
    z.strictObject({
      /** What to do when a version is added without --data or --pipeline. */
      require_lineage: z._default(z.enum(['warn', 'error', 'off']), 'warn'),
      /** The Python interpreter the training runs with, whose version `mv add` records (default: see docs/config.md). */
      python: z.optional(z.string().check(z.minLength(1))),
    }),
    {},
  ),
  stages: z._default(z.array(stageName).check(z.minLength(1)), () => [...DEFAULT_STAGES]),
  promote: z.prefault(
    z.strictObject({
      /** Each stage requires the version to have held the stage before it in `stages`. */
      require_order: z._default(z.boolean(), true),
      /** Metric gates, per stage: promoting must not regress against the stage's current holder. */
      gates: z._default(z.record(z.string(), gateSchema), () => ({})),
    }),
    {},
  ),
  remote: z.optional(z.string()),
  remotes: z._default(z.record(z.string(), remoteSchema), () => ({})),
  hooks: z.prefault(
    z.strictObject({
      checkout: z._default(z.boolean(), false),
    }),
    {},
  ),
});

export type Config = z.infer<typeof configSchema>;
export type RemoteConfig = z.infer<typeof remoteSchema>;
export type GateConfig = z.infer<typeof gateSchema>;

/** Keys whose values are secrets: they may only live in config.local.yaml and are never printed. */
export const SECRET_REMOTE_KEYS = ['access_key_id', 'secret_access_key', 'session_token', 'profile'] as const;

export interface LoadedConfig {
  config: Config;
  /** The committed file's raw content (undefined when the repository has no .mv/config.yaml). */
  committed: Record<string, unknown> | undefined;
  local: Record<string, unknown> | undefined;
  /** Problems worth a warning, such as credentials that other users can read. */
  warnings: string[];
  /** Committed settings left out because a committed file may not set them so (for the commands they concern). */
  ignored: string[];
  /** Per remote placed by the committed config alone, where it sends bytes (see `committedDestinations`). */
  committedDestinations: Record<string, string>;
}

async function readYamlFile(path: string, display: string): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw error;
  }
  const value = parseStructured(text, display);
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new MvError('INVALID_CONFIG', `${display} must be a mapping of settings.`, { hint: 'See docs/config.md for the settings.' });
  }
  return value as Record<string, unknown>;
}

export function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] =
      isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value;
  }
  return out;
}

export function validateConfig(raw: Record<string, unknown>, display: string): Config {
  const plain = controlCharacterIn(raw, []);
  if (plain) {
    throw new MvError('INVALID_CONFIG', `${display}: ${z.fieldName(plain)} holds a control character (a line break, a tab…); settings are plain text.`, {
      hint: 'Write the setting without it; see docs/config.md for the settings and their values.',
    });
  }
  const result = z.safeParse(configSchema, raw, z.PARSE);
  if (result.success) {
    const badName = Object.keys(result.data.remotes).find((name) => !REMOTE_NAME.test(name));
    if (badName !== undefined) {
      throw new MvError('INVALID_CONFIG', `${display}: remotes: ${JSON.stringify(badName)} is not a valid remote name.`, {
        hint: 'Remote names are letters, digits, "_", "-" and single dots, starting with a letter or digit (e.g. `origin`, `team-s3`); see docs/config.md.',
      });
    }
    const stages = result.data.stages;
    if (stages.includes(ARCHIVED_STAGE)) {
      throw new MvError('INVALID_CONFIG', `${display}: stages must not list "${ARCHIVED_STAGE}"; it is always there, as the terminal stage.`, {
        hint: `Remove "${ARCHIVED_STAGE}" from stages.`,
      });
    }
    if (new Set(stages).size !== stages.length) throw new MvError('INVALID_CONFIG', `${display}: stages lists a stage twice.`, { hint: 'List each stage once, in promotion order.' });
    return result.data;
  }
  const issue = result.error.issues[0]!;
  const field = z.fieldName(issue.path);
  const message =
    issue.code === 'unrecognized_keys'
      ? `unknown setting ${issue.keys.map((k) => z.fieldName([...issue.path, k])).join(', ')}`
      : `${field || 'settings'}: ${issue.message}`;
  throw new MvError('INVALID_CONFIG', `${display}: ${message}.`, { hint: 'See docs/config.md for the settings and their values.' });
}

/**
 * Where a setting's name or text holds a control character, if anywhere: no setting needs one, and a line
 * break in a committed one would print as a line of its own in every message that names it.
 */
function controlCharacterIn(value: unknown, path: PropertyKey[]): PropertyKey[] | undefined {
  if (typeof value === 'string') return CONTROL_CHARACTER.test(value) ? path : undefined;
  const entries: Array<[PropertyKey, unknown]> = Array.isArray(value) ? value.map((item, i) => [i, item]) : isPlainObject(value) ? Object.entries(value) : [];
  for (const [key, item] of entries) {
    const found = typeof key === 'string' && CONTROL_CHARACTER.test(key) ? [...path, key] : controlCharacterIn(item, [...path, key]);
    if (found) return found;
  }
  return undefined;
}

// eslint-disable-next-line no-control-regex -- control characters are what it finds
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

export async function loadConfig(root: string): Promise<LoadedConfig> {
  const committed = await readYamlFile(join(root, MV_DIR, CONFIG_FILE), `${MV_DIR}/${CONFIG_FILE}`);
  const local = await readYamlFile(join(root, MV_DIR, LOCAL_CONFIG_FILE), `${MV_DIR}/${LOCAL_CONFIG_FILE}`);
  if (committed) {
    for (const [name, remote] of Object.entries((committed.remotes ?? {}) as Record<string, Record<string, unknown>>)) {
      for (const key of SECRET_REMOTE_KEYS) {
        if (isPlainObject(remote) && remote[key] !== undefined && key !== 'profile') {
          throw new MvError('SECRET_IN_CONFIG', `${MV_DIR}/${CONFIG_FILE}: ${z.fieldName(['remotes', name, key])} is a secret and must not be in the committed config.`, {
            hint: `Move it to ${MV_DIR}/${LOCAL_CONFIG_FILE} (not committed), or use the standard AWS credential chain; then rotate the key if it was ever committed.`,
          });
        }
      }
    }
  }
  const merged = deepMerge(committed ?? {}, local ?? {});
  const config = validateConfig(merged, local ? `${MV_DIR}/${CONFIG_FILE} + ${LOCAL_CONFIG_FILE}` : `${MV_DIR}/${CONFIG_FILE}`);
  const ignored = checkCommittedSettings(config, local, `${MV_DIR}/${CONFIG_FILE}`);
  return { config, committed, local, ignored, committedDestinations: committedDestinations(config, local), warnings: local ? await exposedSecrets(join(root, MV_DIR, LOCAL_CONFIG_FILE), local) : [] };
}

/**
 * Where each remote the committed config alone places sends its bytes (`url`, and `endpoint` when set):
 * a remote whose `url` or `endpoint` the local file sets is the user's own choice, and not listed.
 */
function committedDestinations(config: Config, local: Record<string, unknown> | undefined): Record<string, string> {
  const localRemotes = isPlainObject(local) && isPlainObject(local.remotes) ? local.remotes : {};
  const out = Object.create(null) as Record<string, string>;
  for (const [name, remote] of Object.entries(config.remotes)) {
    const own = localRemotes[name];
    if (isPlainObject(own) && (own.url !== undefined || own.endpoint !== undefined)) continue;
    out[name] = remote.endpoint === undefined ? remote.url : `${remote.url} at ${remote.endpoint}`;
  }
  return out;
}

/** Whether any remote in a config file holds a credential (a profile name is not one). */
export function holdsSecrets(raw: Record<string, unknown>): boolean {
  return Object.values((raw.remotes ?? {}) as Record<string, unknown>).some(
    (remote) => isPlainObject(remote) && SECRET_REMOTE_KEYS.some((key) => key !== 'profile' && remote[key] !== undefined),
  );
}

/** Mode bits for files that can hold credentials: the owner's alone. */
export const SECRET_FILE_MODE = 0o600;

async function exposedSecrets(path: string, raw: Record<string, unknown>): Promise<string[]> {
  if (!holdsSecrets(raw)) return [];
  const info = await stat(path).catch(() => undefined);
  if (!info || (info.mode & 0o077) === 0) return [];
  return [
    `${MV_DIR}/${LOCAL_CONFIG_FILE} holds credentials and can be read by ${info.mode & 0o007 ? 'every user of this machine' : 'its group'} (mode ${(info.mode & 0o777).toString(8)}); run \`chmod 600 ${MV_DIR}/${LOCAL_CONFIG_FILE}\`.`,
  ];
}

/** A command looked up on PATH: no folder, no option, nothing a shell would split. */
const COMMAND_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/;

/**
 * What the committed config may not decide, since anyone who can push writes it: a program mv runs
 * (`add.python` there is a command name looked up on PATH, never a path), and where the user's
 * credentials travel in clear (an S3 `endpoint` there is https, or http to this machine's loopback with
 * path-style addressing, as a local S3 server is reached). A setting that `local` (the user's
 * `.mv/config.local.yaml`) gives is the user's own; every other value of `config` is the committed one's.
 * `display` names the committed file in messages.
 */
export function checkCommittedSettings(config: Config, local: Record<string, unknown> | undefined, display: string): string[] {
  const localSets = (...path: string[]) => path.reduce<unknown>((at, key) => (isPlainObject(at) ? at[key] : undefined), local) !== undefined;
  const ignored: string[] = [];
  const python = config.add.python;
  if (python !== undefined && !localSets('add', 'python') && !COMMAND_NAME.test(python)) {
    // Not run, and not an error either: commands that never run Python must keep working in a repository
    // that committed the path form, and `mvr add` records the environment without it.
    const what = /[/\\]/.test(python) ? 'names a path' : 'is not a command name';
    delete config.add.python;
    ignored.push(
      `${display}: add.python ${what} (${JSON.stringify(python)}), so it was not used: anyone who can push writes the committed config, and it may only name a command looked up on PATH. Move it to ${MV_DIR}/${LOCAL_CONFIG_FILE} (not committed), or pass --python to mvr add.`,
    );
  }
  for (const [name, remote] of Object.entries(config.remotes)) {
    if (remote.endpoint === undefined || localSets('remotes', name, 'endpoint')) continue;
    const problem = endpointProblem(remote.endpoint, remote.path_style);
    if (problem) {
      const field = z.fieldName(['remotes', name, 'endpoint']);
      throw new MvError('INVALID_CONFIG', `${display}: ${field} (${problem.shown}) ${problem.why}: the AWS key id and session token would travel in clear.`, {
        hint: `Use https://, or, for a store you trust, set the endpoint in ${MV_DIR}/${LOCAL_CONFIG_FILE} (not committed) instead.`,
      });
    }
  }
  return ignored;
}

/**
 * Why a committed S3 endpoint would send credentials in clear beyond this machine, or undefined when it
 * would not. An endpoint that is no URL is left to the S3 client's own check.
 */
export function endpointProblem(endpoint: string, pathStyle: boolean | undefined): { shown: string; why: string } | undefined {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:') return undefined;
  // The origin alone: no credentials or path from the text reach a message.
  const shown = `${url.protocol}//${url.host}`;
  if (!isLoopback(url.hostname)) return { shown, why: 'is plain http to another machine' };
  // Virtual-hosted addressing puts the bucket in front of the host name, which is then resolved by DNS.
  if (pathStyle === false) return { shown, why: 'is plain http with virtual-hosted addressing (path_style: false), which sends to a host named after the bucket' };
  return undefined;
}

/** `localhost`, 127.0.0.0/8 or ::1, as the URL parser writes them. */
function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

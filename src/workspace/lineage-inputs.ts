/**
 * Reading what a user hands to `mv add` besides the artifact's own files: params (file and -p pairs),
 * metrics, signature, data entries (paths, URIs or artifact refs) and the parent ref.
 */
import { parseDocument } from 'yaml';
import { MvError, UsageError } from '../errors.js';
import type { Git } from '../git.js';
import { parseRef, pinnedId } from '../registry/ref.js';
import { listVersions, unknownVersion } from '../registry/versions.js';
import { expectMapping, readStructuredFile, YAML_READING } from '../structured-file.js';

/** `-p key=value` pairs; values are read as YAML scalars (`0.1` a number, `true` a boolean). Dotted keys nest. */
export function parseParamPairs(pairs: string[]): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`-p ${JSON.stringify(pair)}: expected key=value.`, 'Example: -p lr=0.001 -p model.layers=12');
    const key = pair.slice(0, eq);
    const raw = pair.slice(eq + 1);
    const doc = parseDocument(raw, YAML_READING);
    const value: unknown = doc.errors.length ? raw : doc.toJS();
    let target = params;
    const parts = key.split('.');
    for (const part of parts.slice(0, -1)) {
      const next = target[part];
      if (typeof next !== 'object' || next === null || Array.isArray(next)) target[part] = {};
      target = target[part] as Record<string, unknown>;
    }
    target[parts[parts.length - 1]!] = value ?? raw;
  }
  return params;
}

export async function readMapping(path: string, what: string, display: string): Promise<Record<string, unknown>> {
  return expectMapping(await readStructuredFile(path, what, display), display);
}

export async function readSignature(path: string, display: string): Promise<unknown> {
  const value = await readStructuredFile(path, 'signature file', display);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new MvError('PARSE_ERROR', `${display}: a signature is a mapping (e.g. {inputs: …, outputs: …}).`, {
      hint: 'Describe the model\'s inputs and outputs as YAML or JSON.',
    });
  }
  return value;
}

const URI = /^[a-z][a-z0-9+.-]*:\/\//i;

export function isUri(text: string): boolean {
  return URI.test(text);
}

/**
 * Pins a ref given to --parent or --data to `name@vX.Y.Z`. A ref to an artifact this repository knows
 * must name an existing version; an artifact from elsewhere (a public base model) must already be pinned.
 */
export async function pinArtifactRef(git: Git, text: string, flag: string): Promise<string> {
  const ref = parseRef(text);
  if (ref.kind === 'artifact' || ref.kind === 'stage') {
    throw new MvError('UNPINNED_REF', `${flag} ${text}: lineage must name one exact version.`, {
      hint: `Use ${ref.artifact}@vX.Y.Z (or ${ref.artifact}@latest, which is pinned to the highest version now).`,
    });
  }
  const versions = await listVersions(git, ref.artifact);
  if (versions.length === 0) {
    if (ref.kind === 'latest') {
      throw new MvError('UNKNOWN_ARTIFACT', `${flag} ${text}: this repository has no versions of ${ref.artifact}.`, { hint: `Give the exact version, e.g. ${ref.artifact}@v1.0.0.` });
    }
    return pinnedId(ref.artifact, ref.version);
  }
  if (ref.kind === 'latest') return pinnedId(ref.artifact, versions[0]!.version);
  if (!versions.some((v) => v.version === ref.version)) throw unknownVersion(ref.artifact, ref.version, versions);
  return pinnedId(ref.artifact, ref.version);
}

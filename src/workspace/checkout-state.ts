/**
 * Which version's files `mv checkout name@vX` last put in the work tree, per artifact, so that `mv status`
 * can say "checked out v1.2.0" instead of "modified" when the work tree deliberately differs from the pointer.
 */
import { isOid } from '../cache/oid.js';
import { repoPathProblem } from '../paths.js';
import { isSemver } from '../semver.js';
import { isPlainObject } from '../plain-object.js';
import { readStateJson, writeStateJson } from '../state-json.js';

export interface CheckedOutVersion {
  version: string;
  /** repository path → oid written. */
  files: Record<string, string>;
  /** The version's data, pipeline and params file, when `--lineage` wrote them too (repository path → oid). */
  lineage?: Record<string, string>;
}

export type CheckoutState = Record<string, CheckedOutVersion>;

/**
 * The record, keyed by artifact name with no inherited keys (an artifact may be called `constructor`).
 * It is mv's own file, but a damaged or hand-edited one must not crash a command or send it outside the
 * repository: an entry that is not a semantic version with maps of repository paths to oids is left
 * out, as if that checkout had not been recorded.
 */
export async function readCheckoutState(file: string): Promise<CheckoutState> {
  const value = await readStateJson(file);
  const state = Object.create(null) as CheckoutState;
  if (!isPlainObject(value)) return state;
  for (const [artifact, entry] of Object.entries(value)) {
    if (!isPlainObject(entry) || typeof entry.version !== 'string' || !isSemver(entry.version) || !isOidMap(entry.files) || (entry.lineage !== undefined && !isOidMap(entry.lineage))) continue;
    state[artifact] = { version: entry.version, files: entry.files, ...(entry.lineage !== undefined ? { lineage: entry.lineage } : {}) };
  }
  return state;
}

function isOidMap(value: unknown): value is Record<string, string> {
  return isPlainObject(value) && Object.entries(value).every(([path, oid]) => repoPathProblem(path.replace(/\/$/, '')) === undefined && isOid(oid));
}

export async function recordCheckout(file: string, artifact: string, entry: CheckedOutVersion | undefined): Promise<void> {
  const state = await readCheckoutState(file);
  if (entry) state[artifact] = entry;
  else delete state[artifact];
  await writeStateJson(file, state);
}

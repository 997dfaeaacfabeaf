/**
 * `mv resolve <ref>`: the pinned id(s) a ref stands for right now — `name@vX.Y.Z`, the commit, the pointer
 * file and its oid — and for a stage, the traffic weights and the event that set them. One `git
 * for-each-ref` over the artifact's tags; no config, cache or pointer parsing, so serving code can call it
 * on every start.
 */
import { Git } from '../git.js';
import { requireNotDeprecated, stageHolders, versionOfRef } from '../registry/lookup.js';
import { notAPinWarning, parseRef, pinnedId, type Ref } from '../registry/ref.js';
import { readArtifact } from '../registry/registry-state.js';
import { deployStage } from '../registry/stage-names.js';
import { lastChange, type ArtifactState, type VersionState } from '../registry/state.js';
import { canonicalOrder, percent, FULL, type Holding } from '../registry/weights.js';

export interface ResolveOptions {
  cwd?: string;
  ref: string;
}

export interface ResolvedVersion {
  id: string;
  version: string;
  commit: string;
  /** The pointer file and the oid of its bytes, as recorded at registration (null for versions registered without mv). */
  pointer: { path: string; oid: string } | null;
  /** Percent of the traffic (100 unless a stage is shared). */
  weight: number;
}

export interface ResolveResult {
  ref: string;
  artifact: string;
  kind: Ref['kind'];
  stage?: string;
  /** For a stage: the tag of the event that set its current holders. */
  event?: string;
  versions: ResolvedVersion[];
  warnings: string[];
  notes: string[];
}

export async function resolve(options: ResolveOptions): Promise<ResolveResult> {
  const ref = parseRef(options.ref);
  const git = new Git(options.cwd ?? process.cwd());
  const { state, notes } = await readArtifact(git, ref.artifact);
  return { ...resolveIn(state, ref), notes };
}

/** Resolves a ref against an artifact's state (pure; also used by `mv get`). */
export function resolveIn(state: ArtifactState, ref: Ref): Omit<ResolveResult, 'notes'> {
  const warnings: string[] = [];
  const base = { ref: ref.text, artifact: state.name, kind: ref.kind };
  const deprecated = requireNotDeprecated(state, ref);
  if (deprecated) warnings.push(deprecated);
  if (ref.kind === 'stage') {
    const holders = stageHolders(state, ref.stage);
    return { ...base, stage: ref.stage, event: lastChange(state, ref.stage)!.event.tag, versions: canonicalOrder(holders).map((h) => resolvedVersion(state, h)), warnings };
  }
  const version = versionOfRef(state, ref.kind === 'version' ? ref : { kind: 'latest', artifact: ref.artifact, text: ref.text });
  const id = pinnedId(state.name, version.version);
  if (ref.kind !== 'version') {
    warnings.push(notAPinWarning(ref.text, id, 'the highest version today', `${state.name}#${deployStage(state.stagesSeen)}`));
  }
  if (version.archived) warnings.push(`${id} is archived (${version.archived.tag}): it was retired for good.`);
  else if (version.deregistered) warnings.push(`${id} was deregistered (${version.deregistered.tag}${version.deregistered.reason ? `: ${version.deregistered.reason}` : ''}); GTO no longer lists it.`);
  else if (version.unregistered) warnings.push(`${id} is a commit with stage tags but no version tag.`);
  return { ...base, versions: [resolvedVersion(state, { version: version.version, bp: FULL })], warnings };
}

function resolvedVersion(state: ArtifactState, holding: Holding): ResolvedVersion {
  const entry: VersionState | undefined = state.versions.get(holding.version);
  const recorded = entry?.registered?.payload?.pointer;
  const pointer = recorded && typeof recorded.path === 'string' && typeof recorded.oid === 'string' ? { path: recorded.path, oid: recorded.oid } : null;
  return { id: pinnedId(state.name, holding.version), version: holding.version, commit: entry?.commit ?? holding.version, pointer, weight: percent(holding.bp) };
}

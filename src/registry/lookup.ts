/** Finding versions and stage holders in an artifact's state, with errors that say what exists. */
import { MvError } from '../errors.js';
import { pinnedId, versionLabel, type Ref } from './ref.js';
import { ARCHIVED_STAGE, DEFAULT_STAGES, deployStage, hintStages } from './stage-names.js';
import { nearStages } from '../names.js';
import { latestVersion, versionsHighestFirst, type ArtifactState, type VersionState } from './state.js';
import { versionConflict } from './versions.js';
import { describeHoldings, type Holding } from './weights.js';

/** A version by its SemVer, or a commit GTO counts as a version (stage tags, no version tag). */
export function findVersion(state: ArtifactState, version: string): VersionState {
  const entry = state.versions.get(version);
  if (entry && (entry.registered || entry.unregistered)) return oneCommit(state, entry);
  const known = versionsHighestFirst(state).filter((v) => v.registered);
  const list = known.slice(0, 8).map((v) => versionLabel(v.version)).join(', ');
  throw new MvError('UNKNOWN_VERSION', `${pinnedId(state.name, version)} does not exist.`, {
    hint: known.length ? `Versions of ${state.name}: ${list}${known.length > 8 ? ', …' : ''} (see \`mvr show ${state.name}\`).` : `${state.name} has no registered versions; register one with \`mvr add ${state.name} <path>…\`.`,
  });
}

/** The version a version or latest ref names. */
export function versionOfRef(state: ArtifactState, ref: Extract<Ref, { kind: 'version' | 'latest' }>): VersionState {
  if (ref.kind === 'version') return findVersion(state, ref.version);
  const latest = latestVersion(state);
  if (!latest) {
    throw new MvError('UNKNOWN_VERSION', `${state.name} has no active version (all are deregistered), so ${ref.text} names nothing.`, {
      hint: `Register a new version with \`mvr add ${state.name} <path>…\`.`,
    });
  }
  return oneCommit(state, latest);
}

/** Refuses a version whose version tags disagree on its commit (versionConflict). */
function oneCommit(state: ArtifactState, version: VersionState): VersionState {
  if (!version.conflicts?.length || !version.registered) return version;
  throw versionConflict(state.name, version.version, [version.registered, ...version.conflicts].map((e) => ({ tag: e.tag, commit: e.commit })));
}

/**
 * The stage's current holders; an error when it has none. `knownStages` are the configured stages; by
 * default, the stages the tags use (named first in hints) and mv's default stages.
 */
export function stageHolders(state: ArtifactState, stage: string, knownStages: readonly string[] = [...new Set([...hintStages(state.stagesSeen), ...DEFAULT_STAGES])]): Holding[] {
  const holders = state.stages.get(stage) ?? [];
  if (holders.length > 0) {
    for (const holder of holders) {
      const version = state.versions.get(holder.version);
      if (version) oneCommit(state, version);
    }
    return holders;
  }
  const occupied = [...state.stages].filter(([, h]) => h.length > 0).map(([s, h]) => `${s} (${describeHoldings(h)})`);
  const isKnown = knownStages.includes(stage) || stage === ARCHIVED_STAGE || state.stages.has(stage);
  const near = isKnown ? [] : nearStages(stage, [...new Set([...state.stages.keys(), ...knownStages, ARCHIVED_STAGE])]);
  throw new MvError(isKnown ? 'STAGE_EMPTY' : 'UNKNOWN_STAGE', isKnown ? `No version of ${state.name} is in ${stage}.` : `${stage} is not a stage of ${state.name}.`, {
    hint: near.length
      ? `Did you mean ${near.map((s) => `${state.name}#${s}`).join(' or ')}?`
      : occupied.length
      ? `Stages that hold versions: ${occupied.join('; ')}. Promote one with \`mvr promote ${state.name}@vX.Y.Z ${stage}\`.`
      : `No stage holds a version yet; promote one with \`mvr promote ${state.name}@vX.Y.Z ${knownStages[0] ?? 'staging'}\`.`,
  });
}

/** Refuses versions that cannot be promoted or served. */
export function requireActive(state: ArtifactState, version: VersionState, action: string): void {
  const id = pinnedId(state.name, version.version);
  if (version.unregistered) {
    throw new MvError('VERSION_UNREGISTERED', `${id} is a commit with stage tags but no version tag, so it cannot be ${action}.`, {
      hint: `Register a version for it first (GTO: \`gto register ${state.name} ${version.commit}\`), or promote a registered version (\`mvr show ${state.name}\`).`,
    });
  }
  if (version.active && !version.archived) return;
  const latest = latestVersion(state);
  const instead = latest && latest.version !== version.version && !latest.archived ? ` The newest active version is ${pinnedId(state.name, latest.version)}.` : '';
  if (version.archived) {
    throw new MvError('VERSION_ARCHIVED', `${id} is archived (${version.archived.tag}); archived is terminal, so it cannot be ${action}.${instead}`, {
      hint: `Pick another version (\`mvr show ${state.name}\`) or register the same files again as a new version with \`mvr add\`.`,
    });
  }
  throw new MvError('VERSION_DEREGISTERED', `${id} was deregistered (${version.deregistered!.tag}), so it cannot be ${action}.${instead}`, {
    hint: `Pick another version (\`mvr show ${state.name}\`) or register a new one with \`mvr add\`.`,
  });
}

/**
 * A deprecated artifact's stages and newest version resolve to nothing (GTO hides it until a newer event);
 * a pinned version still resolves, with a warning, so that deploys of a pinned id keep working.
 */
export function requireNotDeprecated(state: ArtifactState, ref: Ref): string | undefined {
  const deprecation = state.deprecated;
  if (!deprecation) return undefined;
  const what = `${state.name} is deprecated (${deprecation.tag}, ${new Date(deprecation.time * 1000).toISOString().slice(0, 10)} by ${deprecation.by.name || deprecation.by.email})`;
  if (ref.kind === 'version') return `${what}; ${pinnedId(state.name, ref.version)} still resolves because it is pinned.`;
  throw new MvError('ARTIFACT_DEPRECATED', `${what}, so ${ref.text} resolves to nothing, as in GTO.`, {
    hint: `Pin a version (\`${state.name}@vX.Y.Z\`), or make ${state.name} active again by registering a new version (\`mvr add ${state.name} …\`) or with \`mvr promote ${state.name}@vX.Y.Z ${deployStage(state.stagesSeen)} --force\`.`,
  });
}

/** What `mv show` reports for an artifact, a version or a stage, from the artifact's replayed state (also the dashboard's pages). */
import type { ModelFile } from '../pointer/version-models.js';
import { hashBuffer } from '../cache/hash.js';
import type { LocatedPointer } from '../pointer/locate.js';
import { pointerFolder } from '../pointer/pointer.js';
import { joinRepoPath } from '../paths.js';
import { eventInfo, registrationInfo, type EventInfo, type RegistrationInfo } from './event-info.js';
import type { IndexAnnotation } from './gto-index.js';
import { isoTime } from './events.js';
import { holderInfo, type HolderInfo } from './holders.js';
import { pinnedId } from './ref.js';
import { ARCHIVED_STAGE } from './stage-names.js';
import { lastChange, stageMembersOf, stagesHeldBy, versionsHighestFirst, type ArtifactState, type VersionState } from './state.js';
import { percent } from './weights.js';

/**
 * `active`: holds a stage now; `candidate`: registered, holds no stage; `archived`, `deregistered`;
 * `unregistered`: a commit with stage tags but no version tag, or HEAD's commit where GTO's index lists
 * the artifact (GTO counts either as a version).
 */
export type VersionStatus = 'candidate' | 'active' | 'archived' | 'deregistered' | 'unregistered';

/** A version in a stage by GTO's reading, and the assignment that put it there. */
export interface StageMemberInfo {
  id: string;
  version: string;
  /** The tag of its newest assignment to the stage. */
  tag: string;
  at: string;
}

export interface StageInfo {
  stage: string;
  holders: HolderInfo[];
  since: EventInfo;
  /** With allInStage: every version in the stage by GTO's reading, newest assignment first. */
  members?: StageMemberInfo[];
}

export interface VersionSummary {
  id: string;
  version: string;
  commit: string;
  status: VersionStatus;
  stages: Array<{ stage: string; weight: number }>;
  registered: RegistrationInfo | null;
}

/** The artifact's annotation in GTO's index at HEAD (what `gto describe` prints), with where it was read. */
export interface AnnotationInfo extends IndexAnnotation {
  /** The index file, from the repository's top. */
  file: string;
  /** HEAD's commit. */
  commit: string;
}

export type ShowResult =
  | {
      kind: 'artifact';
      artifact: string;
      /** The deprecation in force: the artifact's stages and latest version resolve to nothing. */
      deprecated: EventInfo | null;
      /** Whether any registry tag names the artifact (GTO's `registered`): false when only GTO's index lists it. */
      registered: boolean;
      annotation: AnnotationInfo | null;
      stages: StageInfo[];
      versions: VersionSummary[];
      notes: string[];
    }
  | {
      kind: 'version';
      artifact: string;
      version: VersionSummary & {
        pointer: { path: string; oid: string } | null;
        /** The newest purge of the version's bytes (`mv purge`), or null. */
        purged: { tag: string; by: { name: string; email: string }; at: string; reason?: string } | null;
        description?: string;
        metrics?: Record<string, unknown>;
        params?: Record<string, unknown>;
        /** The version's safetensors and GGUF files that are in the local cache: tensors, parameters, dtypes. */
        models?: ModelFile[];
        /** What the version's pointer records (absent without a pointer): repository-relative paths. */
        recorded?: RecordedVersion;
      };
      events: EventInfo[];
      notes: string[];
    }
  | ({ kind: 'stage'; artifact: string; notes: string[] } & StageInfo);

/** The purge of a version's bytes that `mv show` mentions (see safety/purge-record.ts). */
export interface PurgeNote {
  tag: string;
  by: { name: string; email: string };
  at: string;
  reason?: string;
}

/** What `mv show <name>` reports, from the artifact's replayed state. */
export function artifactResult(state: ArtifactState, notes: string[], allInStage = false): Extract<ShowResult, { kind: 'artifact' }> {
  const stages = [...state.stages].filter(([stage, h]) => h.length > 0 || (allInStage && stageMembersOf(state, stage).length > 0)).map(([stage]) => stageInfo(state, stage, allInStage));
  return {
    kind: 'artifact',
    artifact: state.name,
    deprecated: state.deprecated ? eventInfo(state, state.deprecated) : null,
    registered: state.events.length > 0,
    annotation: state.listing ? { file: state.listing.file, commit: state.listing.commit, ...state.listing.annotation } : null,
    stages,
    versions: listedVersions(state).map((v) => versionSummary(state, v)),
    notes,
  };
}

export function stageInfo(state: ArtifactState, stage: string, allInStage: boolean): StageInfo {
  const holders = state.stages.get(stage) ?? [];
  return {
    stage,
    holders: holderInfo(state.name, holders),
    since: eventInfo(state, lastChange(state, stage)?.event ?? stageMembersOf(state, stage)[0]!.assigned),
    ...(allInStage
      ? { members: stageMembersOf(state, stage).map((m) => ({ id: pinnedId(state.name, m.version.version), version: m.version.version, tag: m.assigned.tag, at: isoTime(m.assigned.time) })) }
      : {}),
  };
}

/** The versions `mv show <name>` lists, highest first: registered ones, and commits GTO counts as versions. */
export function listedVersions(state: ArtifactState): VersionState[] {
  return versionsHighestFirst(state).filter((v) => v.registered || (v.unregistered && (v.stagesEver.size > 0 || v.listed)));
}

/** What `mv show <name>@vX.Y.Z` reports, given the version's pointer as read from its commit (undefined when it has none). */
export interface RecordedVersion {
  created: string;
  files: Array<{ path: string; size: number; nfiles?: number }>;
  lineage: {
    code?: { commit: string; branch?: string; dirty: boolean };
    data: Array<{ path?: string; uri?: string; artifact?: string; size?: number; nfiles?: number }>;
    pipeline: Array<{ path: string; size: number; nfiles?: number }>;
    paramsFile?: string;
    parent?: string;
  };
  metricsFile?: string;
  environment?: Record<string, unknown>;
}

/** The pointer's record of a version, with paths from the repository's top. */
export function recordedVersion(located: LocatedPointer): RecordedVersion {
  const { pointer, file } = located;
  const folder = pointerFolder(file);
  const sized = (e: { path: string; size: number; nfiles?: number | undefined }) => ({ path: joinRepoPath(folder, e.path), size: e.size, ...(e.nfiles !== undefined ? { nfiles: e.nfiles } : {}) });
  const code = pointer.lineage.code;
  return {
    created: pointer.created,
    files: pointer.files.map(sized),
    lineage: {
      ...(code ? { code: { commit: code.commit, ...(code.branch ? { branch: code.branch } : {}), dirty: code.dirty } } : {}),
      data: (pointer.lineage.data ?? []).map((d) =>
        'path' in d && typeof d.path === 'string' ? sized(d as { path: string; size: number; nfiles?: number }) : 'uri' in d ? { uri: String(d.uri) } : { artifact: String((d as { artifact: unknown }).artifact) },
      ),
      pipeline: (pointer.lineage.pipeline ?? []).map(sized),
      ...(pointer.lineage.params_file ? { paramsFile: joinRepoPath(folder, pointer.lineage.params_file.path) } : {}),
      ...(pointer.lineage.parent ? { parent: pointer.lineage.parent } : {}),
    },
    ...(pointer.metrics_file ? { metricsFile: joinRepoPath(folder, pointer.metrics_file) } : {}),
    ...(pointer.environment ? { environment: pointer.environment } : {}),
  };
}

export function versionResult(state: ArtifactState, version: VersionState, located: LocatedPointer | undefined, notes: string[], purge?: PurgeNote): Extract<ShowResult, { kind: 'version' }> {
  const recorded = version.registered?.payload?.pointer;
  const pointer = located ? { path: located.file, oid: hashBuffer(located.content) } : null;
  const allNotes = [...notes];
  // Events that moved this version in or out of a stage, whichever version their tag names.
  const moved = new Set(state.changes.filter((c) => c.before.some((h) => h.version === version.version) || c.after.some((h) => h.version === version.version)).map((c) => c.event));
  if (pointer && typeof recorded?.oid === 'string' && recorded.oid !== pointer.oid) {
    allNotes.push(`${pointer.path} in commit ${version.commit.slice(0, 12)} hashes to ${pointer.oid}, but ${version.registered!.tag} recorded ${recorded.oid}: the pointer is not the one that was registered.`);
  }
  return {
    kind: 'version',
    artifact: state.name,
    version: {
      ...versionSummary(state, version),
      pointer,
      purged: purge ? { tag: purge.tag, by: purge.by, at: purge.at, ...(purge.reason ? { reason: purge.reason } : {}) } : null,
      ...(located?.pointer.description ? { description: located.pointer.description } : {}),
      ...(located?.pointer.metrics ? { metrics: located.pointer.metrics } : {}),
      ...(located?.pointer.lineage.params ? { params: located.pointer.lineage.params } : {}),
      ...(located ? { recorded: recordedVersion(located) } : {}),
    },
    events: state.events.filter((e) => e.version === version.version || moved.has(e)).map((e) => eventInfo(state, e)),
    notes: allNotes,
  };
}

export function versionStatus(state: ArtifactState, version: VersionState): VersionStatus {
  if (version.archived) return 'archived';
  if (version.unregistered) return 'unregistered';
  if (!version.active) return 'deregistered';
  return stagesHeldBy(state, version.version).some((s) => s.stage !== ARCHIVED_STAGE) ? 'active' : 'candidate';
}

function versionSummary(state: ArtifactState, version: VersionState): VersionSummary {
  return {
    id: pinnedId(state.name, version.version),
    version: version.version,
    commit: version.commit,
    status: versionStatus(state, version),
    stages: stagesHeldBy(state, version.version).map((s) => ({ stage: s.stage, weight: percent(s.bp) })),
    registered: version.registered ? registrationInfo(version.registered) : null,
  };
}

/**
 * What each dashboard page shows, computed from one read of the registry with the same functions as the
 * CLI: `ls`'s summaries for the overview, `show`'s and `history`'s results for an artifact and a version,
 * `diff`'s result for a comparison. Pointers (metrics, lineage) come from the pointer cache.
 */
import { MvError } from '../errors.js';
import type { Git } from '../git.js';
import { summarize, type ArtifactSummary } from '../registry/artifact-summary.js';
import { artifactResult, versionResult, type ShowResult, type VersionSummary } from '../registry/show-result.js';
import { diffResult, type DiffResult } from '../registry/version-diff.js';
import { eventInfo, type EventInfo } from '../registry/event-info.js';
import { isoTime } from '../registry/events.js';
import { findVersion } from '../registry/lookup.js';
import { pinnedId } from '../registry/ref.js';
import { readRegistry, requireArtifact, type Registry } from '../registry/registry-state.js';
import { versionsHighestFirst, type ArtifactState, type VersionState } from '../registry/state.js';
import type { LocatedPointer, PointerRead } from '../pointer/locate.js';
import type { Pointer } from '../pointer/pointer.js';
import { flattenValues } from './values.js';
import type { PointerCache } from './pointer-cache.js';

export interface Snapshot {
  git: Git;
  registry: Registry;
  pointers: PointerCache;
}

/** Reads the registry (one artifact's tags when `artifact` is given). */
export async function takeSnapshot(git: Git, pointers: PointerCache, artifact?: string): Promise<Snapshot> {
  return { git, registry: await readRegistry(git, artifact ? { artifact } : {}), pointers };
}

export interface OverviewData {
  artifacts: Array<ArtifactSummary & { lastEvent: string | null }>;
  notes: string[];
}

export function overviewData(snapshot: Snapshot): OverviewData {
  const artifacts = [...snapshot.registry.artifacts.values()].map((state) => {
    const last = state.events.at(-1);
    return { ...summarize(state), lastEvent: last ? isoTime(last.time) : null };
  });
  return { artifacts, notes: snapshot.registry.notes };
}

/** One row of an artifact's versions table: `show`'s summary plus what the version's pointer recorded. */
export interface VersionRow extends VersionSummary {
  /** Metrics flattened to dotted keys. */
  metrics: Map<string, unknown>;
  codeCommit: string | null;
  created: string | null;
  /** Why the pointer could not be read (none recorded, or unreadable). */
  pointerProblem: string | null;
}

export interface ArtifactData {
  show: Extract<ShowResult, { kind: 'artifact' }>;
  /** Highest version first. */
  rows: VersionRow[];
  /** Every metric key that any version recorded, in first-seen order (oldest version first). */
  metricKeys: string[];
  /** `history`'s events, oldest first. */
  events: EventInfo[];
}

export async function artifactData(snapshot: Snapshot, name: string): Promise<ArtifactData> {
  const state = requireArtifact(snapshot.registry, name);
  const show = artifactResult(state, snapshot.registry.notes);
  // Registered versions only: a commit that GTO counts as a version has no page of its own.
  const versions = versionsHighestFirst(state).filter((v) => v.registered);
  const reads = await snapshot.pointers.read(state, versions);
  const rows = show.versions.filter((v) => v.status !== 'unregistered').map((summary, i) => row(summary, reads[i]!));
  const metricKeys = new Set<string>();
  for (let i = rows.length - 1; i >= 0; i--) for (const key of rows[i]!.metrics.keys()) metricKeys.add(key);
  return { show, rows, metricKeys: [...metricKeys], events: state.events.map((e) => eventInfo(state, e)) };
}

function row(summary: VersionSummary, read: PointerRead): VersionRow {
  const pointer = 'located' in read ? read.located.pointer : undefined;
  return {
    ...summary,
    metrics: flattenValues(pointer?.metrics ?? {}),
    codeCommit: pointer?.lineage.code?.commit ?? null,
    created: pointer?.created ?? null,
    pointerProblem: 'error' in read ? read.error.message : 'missing' in read ? 'no pointer file in its commit (registered without mv)' : null,
  };
}

export interface VersionData {
  show: Extract<ShowResult, { kind: 'version' }>;
  pointer: Pointer | null;
  pointerFile: string | null;
  pointerProblem: string | null;
  /** The next lower registered version, to compare with. */
  previous: string | null;
  /** Artifact refs in the lineage (data, parent) that name versions in this registry, keyed by ref text. */
  known: Map<string, { name: string; version: string }>;
}

export async function versionData(snapshot: Snapshot, name: string, version: string): Promise<VersionData> {
  const state = requireArtifact(snapshot.registry, name);
  const entry = findVersion(state, version);
  const read = await snapshot.pointers.readOne(state, entry);
  const located = 'located' in read ? read.located : undefined;
  const show = versionResult(state, entry, located, snapshot.registry.notes);
  const pointer = located?.pointer ?? null;
  const refs = [...(pointer?.lineage.data ?? []).map((d) => ('artifact' in d && typeof d.artifact === 'string' ? d.artifact : undefined)), pointer?.lineage.parent];
  const known = new Map<string, { name: string; version: string }>();
  for (const ref of refs) {
    const target = ref ? knownVersion(snapshot.registry, ref) : undefined;
    if (ref && target) known.set(ref, target);
  }
  return {
    show,
    pointer,
    pointerFile: located?.file ?? null,
    pointerProblem: 'error' in read ? read.error.message : null,
    previous: previousVersion(state, entry)?.version ?? null,
    known,
  };
}

/** The registered version just below `version` in SemVer order. */
export function previousVersion(state: ArtifactState, version: VersionState): VersionState | undefined {
  const registered = versionsHighestFirst(state).filter((v) => v.registered);
  return registered[registered.findIndex((v) => v.version === version.version) + 1];
}

/** `name@vX.Y.Z` (or `name@X.Y.Z`) when that version is registered here. */
function knownVersion(registry: Registry, ref: string): { name: string; version: string } | undefined {
  const at = ref.lastIndexOf('@');
  if (at <= 0) return undefined;
  const name = ref.slice(0, at);
  const version = ref.slice(at + 1).replace(/^v/, '');
  return registry.artifacts.get(name)?.versions.get(version)?.registered ? { name, version } : undefined;
}

export async function diffData(snapshot: Snapshot, name: string, from: string, to: string): Promise<DiffResult> {
  const state = requireArtifact(snapshot.registry, name);
  const sides = [findVersion(state, from), findVersion(state, to)];
  if (from === to) {
    throw new MvError('SAME_VERSION', `Both sides are ${pinnedId(name, from)}.`, { hint: 'Pick two different versions to compare.' });
  }
  const reads = await snapshot.pointers.read(state, sides);
  const located = sides.map((version, i) => requireLocated(name, version, reads[i]!));
  return diffResult({ artifact: name, version: sides[0]!, located: located[0]! }, { artifact: name, version: sides[1]!, located: located[1]! }, snapshot.registry.notes);
}

function requireLocated(name: string, version: VersionState, read: PointerRead): LocatedPointer {
  if ('located' in read) return read.located;
  if ('error' in read) throw read.error;
  throw new MvError('NO_POINTER', `${pinnedId(name, version.version)} has no pointer file in its commit (it was registered without mv), so there is nothing recorded to compare.`, {
    hint: 'Versions registered by other tools (e.g. GTO) show their registry events only.',
  });
}

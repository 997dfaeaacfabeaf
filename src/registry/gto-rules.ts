/**
 * GTO's reading rule (iterative/gto `base.py`, `tag.py`), which decides what every registry tag means:
 *
 * - Versions come from version tags (`name@vX`, `name@vX!`), all of them read before any stage tag. A
 *   version is active while its newest version tag is a registration (a deregistration wins a tie).
 * - A stage tag is about the version registered at the commit it points at. Two versions with version
 *   tags on that commit make the registry unreadable ("Multiple versions are not allowed on the same Git
 *   commit"). A commit with none is a version of its own, named by the commit id; GTO files every stage
 *   tag on such a commit separately, so an unassignment there never takes effect.
 * - A version is in a stage while its newest stage tag there is an assignment (an unassignment wins a
 *   tie). An earlier version stays in the stage until it is unassigned or deregistered.
 * - `gto show` names, per stage, the member with the newest assignment; `--vs -1` lists every member,
 *   newest assignment first. Ties go to the version GTO created first: oldest registration, then the
 *   first met.
 * - An artifact listed in GTO's index at HEAD (gto-index.ts) has a version at HEAD's commit: the one a
 *   version tag registers there, else the commit itself, unregistered (two version tags there make the
 *   registry unreadable, as for a stage tag).
 * - The artifact is deprecated while its newest event is a deprecation: a later tag of any kind, or a
 *   version's commit dated after it (HEAD's commit, for an artifact the index lists), makes it active
 *   again (a tie does too).
 * - `archived` is an ordinary stage to GTO.
 */
import { MvError } from '../errors.js';
import { cmp, type RegistryEvent } from './events.js';
import { compareSemver } from '../semver.js';

/** A version's place in one stage. */
export interface StageMark {
  /** In the stage: its newest stage tag there is an assignment. */
  active: boolean;
  /** The newest assignment. */
  assigned?: RegistryEvent;
}

export interface VersionState {
  /** SemVer without "v", or the commit id of a commit that has stage tags but no version tag. */
  version: string;
  commit: string;
  /** Committer date of the commit, Unix seconds. */
  commitTime: number;
  /** Known only from stage tags on its commit, or as HEAD's commit of an artifact GTO's index lists (no version tag). */
  unregistered: boolean;
  /** HEAD's commit, where GTO's index lists the artifact (GTO counts it as a version). */
  listed: boolean;
  /** The first registration. */
  registered?: RegistryEvent;
  /** Version tags of the same version at other commits, which GTO ignores (mv refuses to serve it). */
  conflicts?: RegistryEvent[];
  /** The deregistration in force (the newest version tag is a deregistration). */
  deregistered?: RegistryEvent;
  /** The assignment to `archived` in force. */
  archived?: RegistryEvent;
  /** Every stage the version has ever been assigned to. */
  stagesEver: Set<string>;
  /** GTO: the newest version tag is a registration (always true for an unregistered commit). */
  active: boolean;
  /** Newest registration, Unix seconds (GTO's creation time of the version). */
  registeredAt: number;
  /** The order in which GTO first met the version. */
  order: number;
  stages: Map<string, StageMark>;
}

/** A version in a stage, as `gto show --vs -1` lists it. */
export interface Member {
  version: VersionState;
  /** The assignment that put it there most recently. */
  assigned: RegistryEvent;
}

export interface VersionIndex {
  versions: Map<string, VersionState>;
  /** Versions with version tags, by commit. */
  byCommit: Map<string, string[]>;
  /** Stage members, by stage (versions with an active mark; their own activity is checked on read). */
  marked: Map<string, Set<VersionState>>;
  notes: string[];
}

/** Creates the versions of every version tag, in the order GTO meets them (date, then tag name). */
export function indexVersions(events: RegistryEvent[]): VersionIndex {
  const index: VersionIndex = { versions: new Map(), byCommit: new Map(), marked: new Map(), notes: [] };
  const direct = events.filter((e) => e.kind === 'register' || e.kind === 'deregister').sort((a, b) => a.time - b.time || cmp(a.tag, b.tag));
  for (const event of direct) {
    const existing = index.versions.get(event.version!);
    if (existing) {
      if (existing.commit !== event.commit) {
        index.notes.push(`${event.tag} points at commit ${event.commit.slice(0, 12)}, but v${event.version!} is at ${existing.commit.slice(0, 12)}; the tag was ignored.`);
        // A second registration makes the version ambiguous (versionsFromRecords reads it the same way); a
        // stray deregistration elsewhere is only ignored.
        if (event.kind === 'register') (existing.conflicts ??= []).push({ ...event });
        event.version = undefined;
      }
      continue;
    }
    const version = newVersion(event.version!, event.commit, event.commitTime, index.versions.size, false);
    index.versions.set(version.version, version);
    index.byCommit.set(event.commit, [...(index.byCommit.get(event.commit) ?? []), version.version]);
  }
  return index;
}

function newVersion(version: string, commit: string, commitTime: number, order: number, unregistered: boolean): VersionState {
  return { version, commit, commitTime, unregistered, listed: false, stagesEver: new Set(), active: unregistered, registeredAt: 0, order, stages: new Map() };
}

/** The version a stage tag is about (see the module comment); fails as GTO does on two versions. */
export function versionOfStageEvent(index: VersionIndex, event: RegistryEvent, artifact: string): VersionState {
  return versionAtCommit(index, artifact, event.commit, event.commitTime, `${event.tag} points there`);
}

/** The version GTO gives an artifact its index lists at HEAD (see the module comment). */
export function listedVersion(index: VersionIndex, artifact: string, listing: { file: string; commit: string; commitTime: number }): VersionState {
  const version = versionAtCommit(index, artifact, listing.commit, listing.commitTime, `${listing.file} at that commit (HEAD) lists ${artifact}`);
  version.listed = true;
  return version;
}

/** The version registered at `commit`, else the commit as a version of its own; `why` says what asks about it. */
function versionAtCommit(index: VersionIndex, artifact: string, commit: string, commitTime: number, why: string): VersionState {
  const tagged = index.byCommit.get(commit) ?? [];
  if (tagged.length > 1) {
    throw new MvError('MULTIPLE_VERSIONS', `Multiple versions are not allowed on the same Git commit: ${artifact} has ${tagged.map((v) => `v${v}`).join(' and ')} at commit ${commit.slice(0, 12)}, and ${why}, so neither mv nor GTO can tell which version it is about.`, {
      hint: `Deregister all but one of them (\`mvr deprecate ${artifact}@v${tagged[0]!}\`), or delete the stray version tag with \`git tag -d\` if it was never shared.`,
    });
  }
  if (tagged.length === 1) return index.versions.get(tagged[0]!)!;
  let version = index.versions.get(commit);
  if (!version) {
    version = newVersion(commit, commit, commitTime, Number.MAX_SAFE_INTEGER / 2 + index.versions.size, true);
    index.versions.set(commit, version);
  }
  return version;
}

/** Applies a version tag. */
export function applyVersionTag(version: VersionState, event: RegistryEvent): void {
  if (event.kind === 'register') {
    version.registered ??= event;
    version.registeredAt = event.time;
    version.active = true;
    delete version.deregistered;
  } else {
    version.active = false;
    version.deregistered = event;
  }
}

/** Applies a stage tag. */
export function applyStageTag(index: VersionIndex, version: VersionState, event: RegistryEvent): void {
  const stage = event.stage!;
  const mark = version.stages.get(stage) ?? { active: false };
  version.stages.set(stage, mark);
  if (event.kind === 'assign') {
    mark.active = true;
    mark.assigned = event;
    version.stagesEver.add(stage);
  } else if (!version.unregistered) {
    mark.active = false;
  }
  const marked = index.marked.get(stage) ?? new Set<VersionState>();
  index.marked.set(stage, marked);
  if (mark.active) marked.add(version);
  else marked.delete(version);
}

/** GTO's creation time of a version: its newest registration; for an unregistered commit, its newest stage event or commit date. */
function createdAt(member: Member): number {
  const v = member.version;
  return v.unregistered ? Math.max(member.assigned.time, v.commitTime) : v.registeredAt;
}

/** Every version in the stage, newest assignment first (`gto show --vs -1`); the first is `gto show`'s holder. */
export function stageMembers(index: VersionIndex, stage: string): Member[] {
  const members: Member[] = [];
  for (const version of index.marked.get(stage) ?? []) {
    const mark = version.stages.get(stage)!;
    if (version.active && mark.active && mark.assigned) members.push({ version, assigned: mark.assigned });
  }
  return members.sort((a, b) => b.assigned.time - a.assigned.time || createdAt(a) - createdAt(b) || a.version.order - b.version.order);
}

/** The stages a version is marked in now (what a version tag about it touches). */
export function markedStages(version: VersionState): string[] {
  return [...version.stages].filter(([, mark]) => mark.active).map(([stage]) => stage);
}

/** GTO's latest version: the highest SemVer among active registered versions (archived ones included). */
export function gtoLatest(versions: Iterable<VersionState>): VersionState | undefined {
  let best: VersionState | undefined;
  for (const v of versions) if (!v.unregistered && v.active && (!best || compareSemver(v.version, best.version) > 0)) best = v;
  return best;
}

/**
 * The deprecation in force: the newest deprecation, if no other event, version commit or (`listedAt`)
 * HEAD's commit where GTO's index lists the artifact is as new.
 */
export function deprecationInForce(events: RegistryEvent[], listedAt = Number.NEGATIVE_INFINITY): RegistryEvent | undefined {
  let deprecation: RegistryEvent | undefined;
  let activity = listedAt;
  for (const event of events) {
    if (event.kind === 'deprecate') {
      if (!deprecation || event.time >= deprecation.time) deprecation = event;
    } else activity = Math.max(activity, event.time, event.commitTime);
  }
  return deprecation && deprecation.time > activity ? deprecation : undefined;
}

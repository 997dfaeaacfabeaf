/**
 * The registry's state, derived by replaying an artifact's events in order: its versions, what GTO sees
 * in each stage (gto-rules.ts), and mv's view of each stage with traffic weights.
 *
 * mv's view is GTO's, refined by the payloads of mv's own tags: an mv stage tag records the stage's full
 * resulting state (versions and weights). That record holds while every version it names is in the stage
 * by GTO's reading and no assignment without a record (made by GTO or by hand) came after it; otherwise
 * the stage is what `gto show` says: the member with the newest assignment, alone. So mv and GTO agree on
 * every stage mv wrote, and mv follows GTO wherever GTO wrote last.
 *
 * GTO's reading is defined per second (tagger dates have one-second resolution), so stage changes are
 * settled once per second: the events of one second (one mv command writes all its tags in one second)
 * make one change per stage, credited to mv's tag that records it, else to the last assignment, else to
 * the last event.
 */
import { orderEvents, type RegistryEvent } from './events.js';
import type { IndexAnnotation } from './gto-index.js';
import { applyStageTag, applyVersionTag, deprecationInForce, gtoLatest, indexVersions, listedVersion, markedStages, stageMembers, versionOfStageEvent, type Member, type VersionIndex, type VersionState } from './gto-rules.js';
import { pinnedId } from './ref.js';
import { ARCHIVED_STAGE } from './stage-names.js';
import { canonicalOrder, compareVersions, describeHoldings, fromPercentMap, replaceAll, sameHoldings, type Holding } from './weights.js';

export type { Member, VersionState } from './gto-rules.js';

export interface RollbackEntry {
  holdings: Holding[];
  /** The event that set this state (undefined for the empty state before the first assignment). */
  event?: RegistryEvent;
}

export interface StageChange {
  event: RegistryEvent;
  stage: string;
  before: Holding[];
  after: Holding[];
}

/** The artifact's entry in GTO's index at HEAD (gto-index.ts). */
export interface IndexListing {
  /** The index file, from the repository's top. */
  file: string;
  /** HEAD's commit and its committer date (Unix seconds). */
  commit: string;
  commitTime: number;
  annotation: IndexAnnotation;
}

export interface ArtifactState {
  name: string;
  /** Where GTO's index at HEAD lists the artifact, with its annotation (undefined when it does not). */
  listing?: IndexListing;
  /** Every version: registered ones by SemVer, commits known only from stage tags by commit id. */
  versions: Map<string, VersionState>;
  /** All events in registry order, oldest first. */
  events: RegistryEvent[];
  /** Changes of mv's stage holders, in order. */
  changes: StageChange[];
  /**
   * Tags written with another in one command that changed nothing by themselves (the unassign tags of a
   * promotion, the deregistration of an archive): each maps to the event credited with the change.
   */
  parts: Map<RegistryEvent, RegistryEvent>;
  /** mv's holders per stage, with weights (empty when a stage was vacated). */
  stages: Map<string, Holding[]>;
  /** GTO's view: every version in each stage, newest assignment first (the first is `gto show`'s). */
  members: Map<string, Member[]>;
  /**
   * Per stage, the states a rollback walks back through, oldest first; the last is the current one, with
   * the event that set it (a rollback restores the one before and pops the last).
   */
  rollbackStack: Map<string, RollbackEntry[]>;
  /** The deprecation in force (GTO: the artifact's newest event is a deprecation). */
  deprecated?: RegistryEvent;
  /** The highest `#N` among the artifact's tags (0 when none). */
  maxCounter: number;
  /** Per stage, the date of its newest event (tags of a new event must be dated after it). */
  stageTimes: Map<string, number>;
  /** The date of the newest event other than a deprecation, or of a version's commit (HEAD's, where GTO's index lists the artifact) if later. */
  activityTime: number;
  /** Stage names in the order the tags first used them. */
  stagesSeen: string[];
  /** Things a reader should know: tags GTO ignores, stages where GTO's answer differs from mv's record. */
  notes: string[];
}

interface Recorded {
  event: RegistryEvent;
  holdings: Holding[];
}

/**
 * Replays one artifact's events (any order; they are ordered here), with its entry in GTO's index at HEAD
 * if it has one. Fails as GTO does on an unreadable registry.
 */
export function replayArtifact(name: string, events: RegistryEvent[], listing?: IndexListing): ArtifactState {
  const ordered = orderEvents(events);
  const index = indexVersions(ordered);
  if (listing) listedVersion(index, name, listing);
  const state: ArtifactState = {
    name,
    ...(listing ? { listing } : {}),
    versions: index.versions,
    events: ordered,
    changes: [],
    parts: new Map(),
    stages: new Map(),
    members: new Map(),
    rollbackStack: new Map(),
    maxCounter: 0,
    stageTimes: new Map(),
    activityTime: listing?.commitTime ?? 0,
    stagesSeen: [],
    notes: [...index.notes],
  };
  const recorded = new Map<string, Recorded>();
  const unrecorded = new Set<string>();
  for (let i = 0; i < ordered.length; ) {
    const time = ordered[i]!.time;
    const touched = new Map<string, RegistryEvent[]>();
    for (; i < ordered.length && ordered[i]!.time === time; i++) {
      const event = ordered[i]!;
      state.maxCounter = Math.max(state.maxCounter, event.counter ?? 0);
      if (event.kind !== 'deprecate') state.activityTime = Math.max(state.activityTime, event.time, event.commitTime);
      for (const stage of applyEvent(state, index, event, recorded, unrecorded)) touched.set(stage, [...(touched.get(stage) ?? []), event]);
    }
    const credited = new Set<RegistryEvent>();
    for (const [stage, list] of touched) {
      const event = settleStage(state, index, stage, list, recorded.get(stage), unrecorded.has(stage));
      if (event) credited.add(event);
    }
    markParts(state, touched, credited);
  }
  for (const version of state.versions.values()) {
    const archived = version.stages.get(ARCHIVED_STAGE);
    if (archived?.active) version.archived = archived.assigned!;
  }
  const deprecation = deprecationInForce(ordered, listing?.commitTime);
  if (deprecation) state.deprecated = deprecation;
  noteDisagreements(state, recorded);
  return state;
}

/** Applies one event; returns the stages it touched. */
function applyEvent(state: ArtifactState, index: VersionIndex, event: RegistryEvent, recorded: Map<string, Recorded>, unrecorded: Set<string>): string[] {
  if (event.kind === 'deprecate') return [];
  if (event.kind === 'register' || event.kind === 'deregister') {
    const version = event.version === undefined ? undefined : index.versions.get(event.version);
    if (!version) return [];
    const wasActive = version.active;
    applyVersionTag(version, event);
    const stages = markedStages(version);
    // A registration without mv's record that brings a version back into its stages overrides mv's records there.
    if (!wasActive && version.active && !event.payload) for (const stage of stages) unrecorded.add(stage);
    return stages;
  }
  const stage = event.stage!;
  const version = versionOfStageEvent(index, event, state.name);
  event.version = version.version;
  applyStageTag(index, version, event);
  if (event.kind === 'unassign' && version.unregistered) {
    state.notes.push(`${event.tag} has no effect: commit ${version.commit.slice(0, 12)} has no version tag, and GTO files each stage tag on such a commit as a version of its own (register a version there to make unassignments work).`);
  }
  if (!state.stageTimes.has(stage)) state.stagesSeen.push(stage);
  state.stageTimes.set(stage, event.time);
  const holdings = recordedState(event);
  if (holdings) {
    recorded.set(stage, { event, holdings });
    unrecorded.delete(stage);
  } else if (event.kind === 'assign') unrecorded.add(stage);
  return [stage];
}

/** The stage's state recorded in an mv tag's payload, if it has a valid one. */
function recordedState(event: RegistryEvent): Holding[] | undefined {
  const payload = event.payload;
  if (!payload || payload.stage !== event.stage || (payload.event !== 'assign' && payload.event !== 'unassign')) return undefined;
  return fromPercentMap(payload.state);
}

/** Settles a stage after one second's events; returns the event credited with its change, if it changed. */
function settleStage(state: ArtifactState, index: VersionIndex, stage: string, events: RegistryEvent[], recorded: Recorded | undefined, unrecorded: boolean): RegistryEvent | undefined {
  const members = stageMembers(index, stage);
  state.members.set(stage, members);
  const holdsRecord = recorded && !unrecorded && recorded.holdings.every((h) => members.some((m) => m.version.version === h.version));
  const holders = holdsRecord ? recorded.holdings : members[0] ? replaceAll(members[0].version.version) : [];
  const before = state.stages.get(stage) ?? [];
  if (sameHoldings(before, holders)) {
    state.stages.set(stage, before);
    return undefined;
  }
  const event = creditedEvent(stage, events);
  recordChange(state, event, stage, before, holders);
  return event;
}

/** mv's tags of one second that changed a stage credited to another tag (same tagger) are parts of that tag. */
function markParts(state: ArtifactState, touched: Map<string, RegistryEvent[]>, credited: Set<RegistryEvent>): void {
  for (const [, events] of touched) {
    const main = events.find((e) => credited.has(e));
    if (!main) continue;
    for (const event of events) {
      if (credited.has(event) || !event.payload || state.parts.has(event) || event.by.email !== main.by.email || event.by.name !== main.by.name) continue;
      state.parts.set(event, main);
    }
  }
}

/** The event a stage change of one second is credited to (see the module comment). */
function creditedEvent(stage: string, events: RegistryEvent[]): RegistryEvent {
  const own = events.filter((e) => e.payload);
  const pool = own.length ? own : events;
  return pool.findLast((e) => e.kind === 'assign' && e.stage === stage) ?? pool.at(-1)!;
}

function recordChange(state: ArtifactState, event: RegistryEvent, stage: string, before: Holding[], after: Holding[]): void {
  const ordered = canonicalOrder(after);
  state.stages.set(stage, ordered);
  state.changes.push({ event, stage, before, after: ordered });
  for (const holding of ordered) state.versions.get(holding.version)?.stagesEver.add(stage);
  const stack = state.rollbackStack.get(stage) ?? [{ holdings: [] }];
  state.rollbackStack.set(stage, stack);
  if (event.rollbackOf !== undefined) {
    // A rollback undoes the newest state: what is left on top is what it restored.
    if (stack.length > 1) stack.pop();
    const top = stack[stack.length - 1]!;
    if (!sameHoldings(top.holdings, ordered)) stack[stack.length - 1] = { holdings: ordered, event };
  } else if (!sameHoldings(stack.at(-1)!.holdings, ordered)) stack.push({ holdings: ordered, event });
}

/** Notes for stages whose holder by GTO's reading is not among mv's recorded holders. */
function noteDisagreements(state: ArtifactState, recorded: Map<string, Recorded>): void {
  for (const [stage, holders] of state.stages) {
    const first = state.members.get(stage)?.[0];
    if (!first || holders.length === 0 || holders.some((h) => h.version === first.version.version)) continue;
    const record = recorded.get(stage);
    state.notes.push(
      `GTO reads ${state.name}#${stage} as ${pinnedId(state.name, first.version.version)} (assigned by ${first.assigned.tag}), while mv's record${record ? ` (${record.event.tag})` : ''} says ${describeHoldings(holders)}: tags made before mv wrote unassign tags; the next \`mvr promote\` or \`mvr rollback\` of ${stage} brings GTO in line.`,
    );
  }
}

/** Versions highest first (commits of unregistered versions last). */
export function versionsHighestFirst(state: ArtifactState): VersionState[] {
  return [...state.versions.values()].sort((a, b) => compareVersions(b.version, a.version));
}

/** Whether the version can be promoted or served: registered, active by GTO's reading, not archived. */
export function isActive(version: VersionState): boolean {
  return !version.unregistered && version.active && !version.archived;
}

/** The latest version as GTO defines it (what `name@latest` means): the highest active registered version. */
export function latestVersion(state: ArtifactState): VersionState | undefined {
  return gtoLatest(state.versions.values());
}

/** The stages (with weights) a version holds now in mv's view. */
export function stagesHeldBy(state: ArtifactState, version: string): Array<{ stage: string; bp: number }> {
  const held: Array<{ stage: string; bp: number }> = [];
  for (const [stage, holders] of state.stages) {
    const holding = holders.find((h) => h.version === version);
    if (holding) held.push({ stage, bp: holding.bp });
  }
  return held;
}

/** GTO's members of a stage (empty when none). */
export function stageMembersOf(state: ArtifactState, stage: string): Member[] {
  return state.members.get(stage) ?? [];
}

/** The newest change of a stage (undefined when the stage has never been assigned). */
export function lastChange(state: ArtifactState, stage: string): StageChange | undefined {
  for (let i = state.changes.length - 1; i >= 0; i--) if (state.changes[i]!.stage === stage) return state.changes[i];
  return undefined;
}

/** The change that last brought `version` into `stage` (the start of its current stint there). */
export function enteredStage(state: ArtifactState, stage: string, version: string): StageChange | undefined {
  for (let i = state.changes.length - 1; i >= 0; i--) {
    const change = state.changes[i]!;
    if (change.stage === stage && change.after.some((h) => h.version === version) && !change.before.some((h) => h.version === version)) return change;
  }
  return undefined;
}

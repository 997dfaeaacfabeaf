/**
 * The registry's state, derived by replaying events in order: versions (registered, deregistered,
 * archived), the holders of each stage with their traffic weights, and every stage change with the
 * holders before and after it.
 *
 * An mv stage event records the stage's full resulting state in its payload, so the current state is the
 * newest event. A tag without a payload (made by GTO) is replayed the way GTO reads it: an assignment makes
 * that version the stage's only holder; an unassignment removes it, and the stage falls back to the most
 * recent assignment that is still in force. Archiving and deregistering take a version out of every stage.
 */
import { ARCHIVED_STAGE } from './stage-names.js';
import { orderEvents, type RegistryEvent } from './events.js';
import { canonicalOrder, compareVersions, fromPercentMap, replaceAll, sameHoldings, without, type Holding } from './weights.js';

export interface VersionState {
  version: string;
  commit: string;
  registered?: RegistryEvent;
  deregistered?: RegistryEvent;
  archived?: RegistryEvent;
  /** Every stage the version has ever been assigned to. */
  stagesEver: Set<string>;
}

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

export interface ArtifactState {
  name: string;
  versions: Map<string, VersionState>;
  /** All events in registry order. */
  events: RegistryEvent[];
  /** Changes of stage holders in order (archiving and deregistering included). */
  changes: StageChange[];
  /** Current holders per stage (empty when a stage was vacated). */
  stages: Map<string, Holding[]>;
  /**
   * Per stage, the states a rollback walks back through, oldest first; the last is the current one, with
   * the event that set it (a rollback restores the one before and pops the last).
   */
  rollbackStack: Map<string, RollbackEntry[]>;
  deprecated?: RegistryEvent;
  /** The highest `#N` among the artifact's tags (0 when none). */
  maxCounter: number;
}

/** Replays one artifact's events (any order; they are ordered here). */
export function replayArtifact(name: string, events: RegistryEvent[]): ArtifactState {
  const state: ArtifactState = {
    name,
    versions: new Map(),
    events: orderEvents(events),
    changes: [],
    stages: new Map(),
    rollbackStack: new Map(),
    maxCounter: 0,
  };
  // GTO semantics for payload-less tags: per stage, assignments still in force, oldest first.
  const inForce = new Map<string, string[]>();
  for (const event of state.events) {
    state.maxCounter = Math.max(state.maxCounter, event.counter ?? 0);
    switch (event.kind) {
      case 'register':
        versionOf(state, event).registered = event;
        break;
      case 'deregister':
        versionOf(state, event).deregistered = event;
        leaveAllStages(state, event, inForce);
        break;
      case 'deprecate':
        state.deprecated = event;
        break;
      case 'assign':
      case 'unassign':
        applyStageEvent(state, event, inForce);
        break;
    }
  }
  return state;
}

function versionOf(state: ArtifactState, event: RegistryEvent): VersionState {
  const version = event.version!;
  let entry = state.versions.get(version);
  if (!entry) {
    entry = { version, commit: event.commit, stagesEver: new Set() };
    state.versions.set(version, entry);
  }
  if (event.kind === 'register') entry.commit = event.commit;
  return entry;
}

function applyStageEvent(state: ArtifactState, event: RegistryEvent, inForce: Map<string, string[]>): void {
  const stage = event.stage!;
  const version = event.version!;
  const entry = versionOf(state, event);
  const forced = inForce.get(stage) ?? [];
  inForce.set(stage, forced);
  const before = state.stages.get(stage) ?? [];
  const recorded = event.payload ? fromPercentMap(event.payload.state) : undefined;
  let after: Holding[];
  if (event.kind === 'assign') {
    removeFrom(forced, version);
    forced.push(version);
    entry.stagesEver.add(stage);
    if (stage === ARCHIVED_STAGE) {
      entry.archived = event;
      leaveAllStages(state, event, inForce);
      return;
    }
    after = recorded ?? replaceAll(version);
  } else {
    removeFrom(forced, version);
    if (stage === ARCHIVED_STAGE) {
      delete entry.archived;
      return;
    }
    if (recorded) after = recorded;
    else {
      after = without(before, version);
      const fallback = forced.at(-1);
      if (after.length === 0 && fallback !== undefined) after = replaceAll(fallback);
    }
  }
  for (const holding of after) state.versions.get(holding.version)?.stagesEver.add(stage);
  recordChange(state, event, stage, before, after);
}

/** Archiving or deregistering: the version leaves every stage it holds (others scale back to 100%). */
function leaveAllStages(state: ArtifactState, event: RegistryEvent, inForce: Map<string, string[]>): void {
  const version = event.version!;
  for (const [stage, holders] of state.stages) {
    removeFrom(inForce.get(stage) ?? [], version);
    if (stage === ARCHIVED_STAGE || !holders.some((h) => h.version === version)) continue;
    recordChange(state, event, stage, holders, without(holders, version));
  }
}

function recordChange(state: ArtifactState, event: RegistryEvent, stage: string, before: Holding[], after: Holding[]): void {
  const ordered = canonicalOrder(after);
  state.stages.set(stage, ordered);
  state.changes.push({ event, stage, before, after: ordered });
  const stack = state.rollbackStack.get(stage) ?? [{ holdings: [] }];
  state.rollbackStack.set(stage, stack);
  if (event.rollbackOf !== undefined) {
    // A rollback undoes the newest state: what is left on top is what it restored.
    if (stack.length > 1) stack.pop();
    const top = stack[stack.length - 1]!;
    if (!sameHoldings(top.holdings, ordered)) stack[stack.length - 1] = { holdings: ordered, event };
  } else if (!sameHoldings(stack.at(-1)!.holdings, ordered)) stack.push({ holdings: ordered, event });
}

function removeFrom(list: string[], value: string): void {
  const index = list.indexOf(value);
  if (index >= 0) list.splice(index, 1);
}

/** Versions highest first. */
export function versionsHighestFirst(state: ArtifactState): VersionState[] {
  return [...state.versions.values()].sort((a, b) => compareVersions(b.version, a.version));
}

/** Whether the version can be promoted or served: registered, not deregistered, not archived. */
export function isActive(version: VersionState): boolean {
  return version.registered !== undefined && !version.deregistered && !version.archived;
}

/** The highest active version (what `name@latest` means). */
export function latestVersion(state: ArtifactState): VersionState | undefined {
  return versionsHighestFirst(state).find(isActive);
}

/** The stages (with weights) a version holds now. */
export function stagesHeldBy(state: ArtifactState, version: string): Array<{ stage: string; bp: number }> {
  const held: Array<{ stage: string; bp: number }> = [];
  for (const [stage, holders] of state.stages) {
    const holding = holders.find((h) => h.version === version);
    if (holding) held.push({ stage, bp: holding.bp });
  }
  return held;
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

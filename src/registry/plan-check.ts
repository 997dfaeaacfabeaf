/**
 * What every write plan shares: the earliest date its tags may carry, and its effect, found by replaying
 * the artifact's events with the planned tags added — so what a command reports is exactly what mv (and
 * GTO) will read afterwards.
 *
 * Dates: GTO orders events by tagger date alone (one-second resolution) and settles a tie against an
 * assignment or a deprecation. A new stage tag is therefore dated after every earlier event of its stage,
 * and a deprecation after every other event of the artifact and every version's commit; then GTO's order
 * agrees with mv's counters, and one command's tags are never mixed with an earlier event's second.
 */
import type { RegistryEvent } from './events.js';
import { markedStages } from './gto-rules.js';
import type { TagDraft, StageTransition } from './write-plan.js';
import { replayArtifact, type ArtifactState } from './state.js';
import { sameHoldings } from './weights.js';

/** Unix seconds the plan's tags must be dated at or after (0: any date). */
export function earliestDate(state: ArtifactState, drafts: TagDraft[]): number {
  let earliest = 0;
  const after = (time: number | undefined) => {
    if (time !== undefined) earliest = Math.max(earliest, time + 1);
  };
  for (const draft of drafts) {
    if (draft.kind === 'assign' || draft.kind === 'unassign') after(state.stageTimes.get(draft.stage!));
    else if (draft.kind === 'deregister') for (const stage of markedStages(state.versions.get(draft.version!)!)) after(state.stageTimes.get(stage));
    else {
      after(state.activityTime);
      for (const event of state.events) if (event.kind === 'deprecate') after(event.time);
    }
  }
  return earliest;
}

/** The artifact's state once the drafts are tags dated `time` (by default, after every existing event). */
export function simulate(state: ArtifactState, drafts: TagDraft[], time = simulationTime(state, drafts)): ArtifactState {
  let counter = state.maxCounter;
  const planned: RegistryEvent[] = drafts.map((draft, i) => ({
    kind: draft.kind,
    artifact: state.name,
    tag: `(planned tag ${i + 1})`,
    ...(draft.kind === 'assign' || draft.kind === 'unassign' ? { counter: ++counter } : {}),
    commit: draft.target,
    commitTime: (draft.version !== undefined ? state.versions.get(draft.version)?.commitTime : undefined) ?? 0,
    ...(draft.kind === 'deregister' ? { version: draft.version! } : {}),
    stage: draft.stage,
    time,
    tz: '+0000',
    by: { name: '', email: '' },
    message: draft.summary,
    payload: draft.payload,
    ...(typeof draft.payload.rollback_of === 'string' ? { rollbackOf: draft.payload.rollback_of } : {}),
    signed: false,
  }));
  return replayArtifact(state.name, [...state.events, ...planned], state.listing);
}

function simulationTime(state: ArtifactState, drafts: TagDraft[]): number {
  const newest = state.events.reduce((t, e) => Math.max(t, e.time), 0);
  return Math.max(newest + 1, earliestDate(state, drafts));
}

/** The stages whose holders the drafts change, before and after. */
export function transitionsOf(state: ArtifactState, after: ArtifactState, drafts: TagDraft[]): StageTransition[] {
  const stages = new Set<string>();
  for (const draft of drafts) {
    if (draft.stage !== undefined) stages.add(draft.stage);
    if (draft.kind === 'deregister') for (const stage of markedStages(state.versions.get(draft.version!)!)) stages.add(stage);
  }
  const transitions: StageTransition[] = [];
  for (const stage of stages) {
    const before = state.stages.get(stage) ?? [];
    const now = after.stages.get(stage) ?? [];
    if (!sameHoldings(before, now)) transitions.push({ stage, before, after: now });
  }
  return transitions;
}

/**
 * Planning stage writes (promote, rollback): given an artifact's state, decide the tags to create, their
 * messages and the stage's resulting holders. Pure, so a plan is recomputed from fresh state whenever a
 * concurrent writer got there first.
 *
 * Each tag is one GTO would write for the same intent: the versions that enter a stage are assigned, and
 * every version that leaves it — GTO keeps a version in a stage until it is unassigned — gets an
 * unassign tag. Every tag carries the stage's full resulting state (versions and traffic weights) for mv.
 */
import { MvError } from '../errors.js';
import { earliestDate, simulate, transitionsOf } from './plan-check.js';
import { pinnedId } from './ref.js';
import { isActive, stageMembersOf, type ArtifactState, type VersionState } from './state.js';
import { PAYLOAD_SCHEMA } from './tag-message.js';
import type { TagDraft, WritePlan } from './write-plan.js';
import { canonicalOrder, describeHoldings, replaceAll, sameHoldings, toPercentMap, withShare, type Holding } from './weights.js';

export function withReason(summary: string, reason: string | undefined): string {
  return reason ? `${summary}: ${reason}` : summary;
}

export function stageDraft(state: ArtifactState, kind: 'assign' | 'unassign', version: VersionState, stage: string, summary: string, payload: Record<string, unknown>): TagDraft {
  return { kind, stage, version: version.version, target: version.commit, summary, payload: { mv: PAYLOAD_SCHEMA, event: kind, artifact: state.name, version: version.version, stage, ...payload } };
}

/** A plan's drafts with their date and effect (see plan-check.ts); `expect` is the stage state the drafts must produce. */
export function completePlan(state: ArtifactState, drafts: TagDraft[], extra: { forced?: string[]; warnings?: string[]; expect?: { stage: string; holders: Holding[] } } = {}): WritePlan {
  const plan: WritePlan = { artifact: state.name, drafts, transitions: [], forced: extra.forced ?? [], warnings: extra.warnings ?? [], notBefore: 0 };
  if (drafts.length === 0) return plan;
  const after = simulate(state, drafts);
  if (extra.expect && !sameHoldings(after.stages.get(extra.expect.stage) ?? [], extra.expect.holders)) {
    throw new Error(`planned ${extra.expect.stage} as ${describeHoldings(extra.expect.holders)}, but the planned tags read as ${describeHoldings(after.stages.get(extra.expect.stage) ?? [])}`);
  }
  plan.transitions = transitionsOf(state, after, drafts);
  plan.notBefore = earliestDate(state, drafts);
  return plan;
}

/** Unassign drafts for the stage's members (by GTO's reading) that are not in `after`. */
function leavingDrafts(state: ArtifactState, stage: string, after: Holding[], why: string, payload: Record<string, unknown>): TagDraft[] {
  return stageMembersOf(state, stage)
    .filter((m) => !m.version.unregistered && !after.some((h) => h.version === m.version.version))
    .map((m) => stageDraft(state, 'unassign', m.version, stage, `Remove ${pinnedId(state.name, m.version.version)} from ${stage} (${why})`, payload));
}

export interface PromoteRequest {
  version: VersionState;
  stage: string;
  /** Traffic share in basis points (1–99%), or undefined to replace the holders. */
  trafficBp?: number;
  reason?: string;
  /** Gate violations found for this promotion. */
  violations: string[];
  force: boolean;
}

export function planPromote(state: ArtifactState, request: PromoteRequest): WritePlan {
  const { version, stage, trafficBp, reason } = request;
  const id = pinnedId(state.name, version.version);
  const before = state.stages.get(stage) ?? [];
  if (request.violations.length && !request.force) {
    throw new MvError('GATE_FAILED', `${id} cannot be promoted to ${stage}: ${request.violations.join('; ')}.`, {
      hint: `Fix the cause, or override with \`mvr promote ${id} ${stage} --force -m "why"\` (the override is recorded in the tag).`,
      details: { violations: request.violations },
    });
  }
  let after: Holding[];
  if (trafficBp === undefined) after = replaceAll(version.version);
  else {
    if (!before.some((h) => h.version !== version.version)) {
      throw new MvError('NOTHING_TO_SHARE', `${stage} has no other version to share traffic with, so --traffic ${trafficBp / 100} cannot apply (${stage} holds ${describeHoldings(before)}).`, {
        hint: `Promote without --traffic to make ${id} the only holder: \`mvr promote ${id} ${stage}\`.`,
      });
    }
    after = withShare(before, version.version, trafficBp);
  }
  const forced = request.force ? request.violations : [];
  const record = { state: toPercentMap(after), ...(reason ? { reason } : {}) };
  const drafts: TagDraft[] = [];
  const warnings: string[] = [];
  if (!sameHoldings(before, after)) {
    const share = trafficBp === undefined ? '' : ` at ${trafficBp / 100}% (${describeHoldings(after.filter((h) => h.version !== version.version))})`;
    const overridden = forced.length ? ` [forced past ${forced.length} gate${forced.length > 1 ? 's' : ''}]` : '';
    drafts.push(
      stageDraft(state, 'assign', version, stage, withReason(`Promote ${id} to ${stage}${share}${overridden}`, reason), {
        ...record,
        traffic: trafficBp === undefined ? undefined : trafficBp / 100,
        ...(forced.length ? { forced } : {}),
      }),
    );
  }
  const leaving = leavingDrafts(state, stage, after, drafts.length ? `promoting ${id}` : `GTO still counted it in ${stage}`, record);
  if (!drafts.length && leaving.length) {
    warnings.push(`${state.name} ${stage} already is ${describeHoldings(after)} for mv, but GTO still counted ${leaving.map((d) => pinnedId(state.name, d.version!)).join(', ')} in it (never unassigned); the unassign tags now agree with mv.`);
  }
  drafts.push(...leaving);
  return completePlan(state, drafts, { forced, warnings, expect: { stage, holders: after } });
}

/** Re-assigns the holders from before the stage's current event. */
export function planRollback(state: ArtifactState, stage: string, reason: string | undefined): WritePlan {
  const stack = state.rollbackStack.get(stage) ?? [];
  const current = state.stages.get(stage) ?? [];
  // The event being undone: the one that set the current state (an earlier rollback walks further back).
  const lastEvent = stack.at(-1)?.event;
  const target = stack.length >= 2 ? stack[stack.length - 2]!.holdings : [];
  if (!lastEvent || target.length === 0) {
    throw new MvError('NOTHING_TO_ROLL_BACK', lastEvent ? `${state.name} ${stage} had no holder before ${lastEvent.tag}, so there is nothing to roll back to.` : `${state.name} has never had a version in ${stage}.`, {
      hint: `Promote a version instead: \`mvr promote ${state.name}@vX.Y.Z ${stage}\` (see \`mvr history ${state.name}\`).`,
    });
  }
  for (const holding of target) {
    const version = state.versions.get(holding.version);
    if (!version || !isActive(version)) {
      const why = version?.archived ? `was archived (${version.archived.tag})` : version?.deregistered ? `was deregistered (${version.deregistered.tag})` : 'is not a registered version';
      throw new MvError('ROLLBACK_TARGET_GONE', `Rolling back ${state.name} ${stage} would restore ${describeHoldings(target)}, but ${pinnedId(state.name, holding.version)} ${why}.`, {
        hint: `Promote the version you want explicitly: \`mvr promote ${state.name}@vX.Y.Z ${stage} -m "why"\`.`,
      });
    }
  }
  const ordered = canonicalOrder(target).sort((a, b) => b.bp - a.bp);
  const members = stageMembersOf(state, stage);
  const entering = ordered.filter((h) => !members.some((m) => m.version.version === h.version));
  const summary = withReason(`Roll back ${state.name} ${stage} to ${describeHoldings(target)} (undoing ${lastEvent.tag}: ${describeHoldings(current)})`, reason);
  const record = { state: toPercentMap(target), rollback_of: lastEvent.tag, ...(reason ? { reason } : {}) };
  const drafts = (entering.length ? entering : ordered.slice(0, 1)).map((h) => stageDraft(state, 'assign', state.versions.get(h.version)!, stage, summary, record));
  drafts.push(...leavingDrafts(state, stage, target, `rolling back ${stage}`, record));
  return completePlan(state, drafts, { expect: { stage, holders: target } });
}

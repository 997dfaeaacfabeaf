/**
 * Planning registry writes: given an artifact's state (and, for gates, the violations found), decide the
 * tags to create, their messages and the stage's resulting holders. Pure, so a plan is recomputed from
 * fresh state whenever a concurrent writer got there first.
 */
import { MvError } from '../errors.js';
import { pinnedId } from './ref.js';
import { ARCHIVED_STAGE } from './stage-names.js';
import { isActive, stagesHeldBy, type ArtifactState, type VersionState } from './state.js';
import { PAYLOAD_SCHEMA, type TagPayload } from './tag-message.js';
import type { TagEventKind } from './tag-name.js';
import { canonicalOrder, describeHoldings, replaceAll, sameHoldings, toPercentMap, withShare, without, FULL, type Holding } from './weights.js';

export interface TagDraft {
  kind: Exclude<TagEventKind, 'register'>;
  stage?: string;
  version?: string;
  /** The commit the tag points at. */
  target: string;
  summary: string;
  payload: TagPayload;
}

export interface StageTransition {
  stage: string;
  before: Holding[];
  after: Holding[];
}

export interface WritePlan {
  artifact: string;
  /** Tags to create, in order; stage tags get consecutive counters. Empty when nothing would change. */
  drafts: TagDraft[];
  transitions: StageTransition[];
  /** Gates overridden with --force. */
  forced: string[];
  warnings: string[];
}

function withReason(summary: string, reason: string | undefined): string {
  return reason ? `${summary}: ${reason}` : summary;
}

function stagePayload(state: ArtifactState, event: 'assign' | 'unassign', version: string, stage: string, after: Holding[], extra: Record<string, unknown>): TagPayload {
  return { mv: PAYLOAD_SCHEMA, event, artifact: state.name, version, stage, state: toPercentMap(after), ...extra };
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
      hint: `Fix the cause, or override with \`mv promote ${id} ${stage} --force -m "why"\` (the override is recorded in the tag).`,
      details: { violations: request.violations },
    });
  }
  let after: Holding[];
  if (trafficBp === undefined) after = replaceAll(version.version);
  else {
    if (!before.some((h) => h.version !== version.version)) {
      throw new MvError('NOTHING_TO_SHARE', `${stage} has no other version to share traffic with, so --traffic ${trafficBp / 100} cannot apply (${stage} holds ${describeHoldings(before)}).`, {
        hint: `Promote without --traffic to make ${id} the only holder: \`mv promote ${id} ${stage}\`.`,
      });
    }
    after = withShare(before, version.version, trafficBp);
  }
  const plan: WritePlan = { artifact: state.name, drafts: [], transitions: [], forced: request.force ? request.violations : [], warnings: [] };
  if (sameHoldings(before, after)) return plan;
  const share = trafficBp === undefined ? '' : ` at ${trafficBp / 100}% (${describeHoldings(after.filter((h) => h.version !== version.version))})`;
  const forced = plan.forced.length ? ` [forced past ${plan.forced.length} gate${plan.forced.length > 1 ? 's' : ''}]` : '';
  plan.drafts.push({
    kind: 'assign',
    stage,
    version: version.version,
    target: version.commit,
    summary: withReason(`Promote ${id} to ${stage}${share}${forced}`, reason),
    payload: stagePayload(state, 'assign', version.version, stage, after, {
      ...(trafficBp !== undefined ? { traffic: trafficBp / 100 } : {}),
      ...(reason ? { reason } : {}),
      ...(plan.forced.length ? { forced: plan.forced } : {}),
    }),
  });
  plan.transitions.push({ stage, before, after });
  return plan;
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
      hint: `Promote a version instead: \`mv promote ${state.name}@vX.Y.Z ${stage}\` (see \`mv history ${state.name}\`).`,
    });
  }
  for (const holding of target) {
    const version = state.versions.get(holding.version);
    if (!version || !isActive(version)) {
      const why = version?.archived ? `was archived (${version.archived.tag})` : version?.deregistered ? `was deregistered (${version.deregistered.tag})` : 'is not a registered version';
      throw new MvError('ROLLBACK_TARGET_GONE', `Rolling back ${state.name} ${stage} would restore ${describeHoldings(target)}, but ${pinnedId(state.name, holding.version)} ${why}.`, {
        hint: `Promote the version you want explicitly: \`mv promote ${state.name}@vX.Y.Z ${stage} -m "why"\`.`,
      });
    }
  }
  const main = canonicalOrder(target).sort((a, b) => b.bp - a.bp)[0]!;
  const summary = withReason(`Roll back ${state.name} ${stage} to ${describeHoldings(target)} (undoing ${lastEvent.tag}: ${describeHoldings(current)})`, reason);
  return {
    artifact: state.name,
    drafts: [
      {
        kind: 'assign',
        stage,
        version: main.version,
        target: state.versions.get(main.version)!.commit,
        summary,
        payload: stagePayload(state, 'assign', main.version, stage, target, { rollback_of: lastEvent.tag, ...(reason ? { reason } : {}) }),
      },
    ],
    transitions: [{ stage, before: current, after: target }],
    forced: [],
    warnings: [],
  };
}

/** Archiving: leave every stage (one unassign tag each, recording what remains), then the archive tag. */
export function planArchive(state: ArtifactState, version: VersionState, reason: string | undefined): WritePlan {
  const id = pinnedId(state.name, version.version);
  if (version.archived) {
    throw new MvError('VERSION_ARCHIVED', `${id} is already archived (${version.archived.tag}).`, { hint: `See its history with \`mv history ${state.name}\`.` });
  }
  const plan: WritePlan = { artifact: state.name, drafts: [], transitions: [], forced: [], warnings: [] };
  for (const { stage } of stagesHeldBy(state, version.version)) {
    const before = state.stages.get(stage)!;
    const after = without(before, version.version);
    if (after.length === 0) plan.warnings.push(`${state.name} ${stage} has no version now that ${id} is archived; promote one with \`mv promote ${state.name}@vX.Y.Z ${stage}\`.`);
    plan.drafts.push({
      kind: 'unassign',
      stage,
      version: version.version,
      target: version.commit,
      summary: withReason(`Remove ${id} from ${stage} (archiving it; ${stage} now ${describeHoldings(after)})`, reason),
      payload: stagePayload(state, 'unassign', version.version, stage, after, { archive: true, ...(reason ? { reason } : {}) }),
    });
    plan.transitions.push({ stage, before, after });
  }
  plan.drafts.push({
    kind: 'assign',
    stage: ARCHIVED_STAGE,
    version: version.version,
    target: version.commit,
    summary: withReason(`Archive ${id}`, reason),
    payload: stagePayload(state, 'assign', version.version, ARCHIVED_STAGE, [{ version: version.version, bp: FULL }], reason ? { reason } : {}),
  });
  return plan;
}

export function planDeregister(state: ArtifactState, version: VersionState, reason: string | undefined): WritePlan {
  const id = pinnedId(state.name, version.version);
  if (version.deregistered) throw new MvError('VERSION_DEREGISTERED', `${id} is already deregistered (${version.deregistered.tag}).`, { hint: `See \`mv show ${state.name}\`.` });
  const held = stagesHeldBy(state, version.version);
  if (held.length) {
    throw new MvError('VERSION_IN_STAGE', `${id} still serves ${held.map((h) => `${h.stage} (${h.bp / 100}%)`).join(', ')}, so it cannot be deregistered.`, {
      hint: `Move the stage to another version first (\`mv promote\` or \`mv rollback\`), or retire it everywhere at once with \`mv archive ${id}\`.`,
    });
  }
  return {
    artifact: state.name,
    drafts: [{ kind: 'deregister', version: version.version, target: version.commit, summary: withReason(`Deregister ${id}`, reason), payload: { mv: PAYLOAD_SCHEMA, event: 'deregister', artifact: state.name, version: version.version, ...(reason ? { reason } : {}) } }],
    transitions: [],
    forced: [],
    warnings: [],
  };
}

export function planDeprecate(state: ArtifactState, target: string, reason: string | undefined): WritePlan {
  if (state.deprecated) throw new MvError('ARTIFACT_DEPRECATED', `${state.name} is already deprecated (${state.deprecated.tag}).`, { hint: `See \`mv history ${state.name}\`.` });
  const serving = [...state.stages].filter(([, h]) => h.length > 0).map(([s, h]) => `${s} (${describeHoldings(h)})`);
  return {
    artifact: state.name,
    drafts: [{ kind: 'deprecate', target, summary: withReason(`Deprecate ${state.name}`, reason), payload: { mv: PAYLOAD_SCHEMA, event: 'deprecate', artifact: state.name, ...(reason ? { reason } : {}) } }],
    transitions: [],
    forced: [],
    warnings: serving.length ? [`${state.name} is deprecated but still has versions in ${serving.join('; ')}.`] : [],
  };
}

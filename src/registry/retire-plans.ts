/**
 * Planning retirements: archiving a version, deregistering one, deprecating an artifact. Pure, like
 * plans.ts.
 *
 * Archiving is terminal in mv and an ordinary stage in GTO, so an archive writes what makes GTO read the
 * same end state: the version leaves every stage it is in (an unassign tag each, recording what remains),
 * is assigned to `archived`, and is deregistered — so GTO no longer counts it as the latest version.
 */
import { MvError } from '../errors.js';
import { completePlan, stageDraft, withReason } from './plans.js';
import type { TagDraft, WritePlan } from './write-plan.js';
import { pinnedId } from './ref.js';
import { ARCHIVED_STAGE } from './stage-names.js';
import { stageMembersOf, stagesHeldBy, type ArtifactState, type VersionState } from './state.js';
import { PAYLOAD_SCHEMA } from './tag-message.js';
import { describeHoldings, replaceAll, toPercentMap, without, type Holding } from './weights.js';

function requireRegistered(state: ArtifactState, version: VersionState, action: string): void {
  if (!version.unregistered) return;
  throw new MvError('VERSION_UNREGISTERED', `${pinnedId(state.name, version.version)} is a commit with stage tags but no version tag, so it cannot be ${action}.`, {
    hint: `Register a version for it first (GTO: \`gto register ${state.name} ${version.commit}\`).`,
  });
}

export function planArchive(state: ArtifactState, version: VersionState, reason: string | undefined): WritePlan {
  const id = pinnedId(state.name, version.version);
  requireRegistered(state, version, 'archived');
  if (version.archived && !version.active) {
    throw new MvError('VERSION_ARCHIVED', `${id} is already archived (${version.archived.tag}).`, { hint: `See its history with \`mvr history ${state.name}\`.` });
  }
  const drafts: TagDraft[] = [];
  const warnings: string[] = [];
  for (const [stage, mark] of version.stages) {
    if (!mark.active || stage === ARCHIVED_STAGE) continue;
    const after = holdersWithout(state, stage, version);
    if (after.length === 0) warnings.push(`${state.name} ${stage} has no version now that ${id} is archived; promote one with \`mvr promote ${state.name}@vX.Y.Z ${stage}\`.`);
    else if (!(state.stages.get(stage) ?? []).some((h) => after.some((a) => a.version === h.version))) {
      warnings.push(`${state.name} ${stage} falls back to ${describeHoldings(after)}, which GTO still counted there (assigned earlier and never unassigned).`);
    }
    drafts.push(
      stageDraft(state, 'unassign', version, stage, withReason(`Remove ${id} from ${stage} (archiving it; ${stage} now ${describeHoldings(after)})`, reason), {
        state: toPercentMap(after),
        archive: true,
        ...(reason ? { reason } : {}),
      }),
    );
  }
  if (!version.archived) drafts.push(stageDraft(state, 'assign', version, ARCHIVED_STAGE, withReason(`Archive ${id}`, reason), { archive: true, ...(reason ? { reason } : {}) }));
  if (version.active) drafts.push(deregisterDraft(state, version, withReason(`Deregister ${id} (archived)`, reason), { archive: true, ...(reason ? { reason } : {}) }));
  return completePlan(state, drafts, { warnings });
}

/** The stage without `version`: mv's other holders scaled back to 100%, else the member GTO falls back to. */
function holdersWithout(state: ArtifactState, stage: string, version: VersionState): Holding[] {
  const remaining = without(state.stages.get(stage) ?? [], version.version);
  if (remaining.length) return remaining;
  const fallback = stageMembersOf(state, stage).find((m) => m.version !== version);
  return fallback ? replaceAll(fallback.version.version) : [];
}

function deregisterDraft(state: ArtifactState, version: VersionState, summary: string, extra: Record<string, unknown>): TagDraft {
  return { kind: 'deregister', version: version.version, target: version.commit, summary, payload: { mv: PAYLOAD_SCHEMA, event: 'deregister', artifact: state.name, version: version.version, ...extra } };
}

export function planDeregister(state: ArtifactState, version: VersionState, reason: string | undefined): WritePlan {
  const id = pinnedId(state.name, version.version);
  requireRegistered(state, version, 'deregistered');
  if (!version.active) throw new MvError('VERSION_DEREGISTERED', `${id} is already deregistered (${version.deregistered!.tag}).`, { hint: `See \`mvr show ${state.name}\`.` });
  const held = stagesHeldBy(state, version.version).filter((h) => h.stage !== ARCHIVED_STAGE);
  if (held.length) {
    throw new MvError('VERSION_IN_STAGE', `${id} still serves ${held.map((h) => `${h.stage} (${h.bp / 100}%)`).join(', ')}, so it cannot be deregistered.`, {
      hint: `Move the stage to another version first (\`mvr promote\` or \`mvr rollback\`), or retire it everywhere at once with \`mvr archive ${id}\`.`,
    });
  }
  return completePlan(state, [deregisterDraft(state, version, withReason(`Deregister ${id}`, reason), reason ? { reason } : {})]);
}

export function planDeprecate(state: ArtifactState, target: string, reason: string | undefined): WritePlan {
  if (state.deprecated) throw new MvError('ARTIFACT_DEPRECATED', `${state.name} is already deprecated (${state.deprecated.tag}).`, { hint: `See \`mvr history ${state.name}\`.` });
  const serving = [...state.stages].filter(([s, h]) => h.length > 0 && s !== ARCHIVED_STAGE).map(([s, h]) => `${s} (${describeHoldings(h)})`);
  const draft: TagDraft = { kind: 'deprecate', target, summary: withReason(`Deprecate ${state.name}`, reason), payload: { mv: PAYLOAD_SCHEMA, event: 'deprecate', artifact: state.name, ...(reason ? { reason } : {}) } };
  const listing = state.listing;
  return completePlan(state, [draft], {
    warnings: [
      ...(serving.length ? [`${state.name} still has versions in ${serving.join('; ')}; they resolve to nothing while it is deprecated (as in GTO), until a new version is registered or promoted.`] : []),
      ...(listing ? [`${listing.file} lists ${state.name}: GTO counts HEAD's commit as an event of every artifact listed there, so the next commit that still lists it makes ${state.name} active again (for mv too); remove it from ${listing.file} to keep it deprecated.`] : []),
    ],
  });
}

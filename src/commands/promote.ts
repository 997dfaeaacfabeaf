/**
 * `mv promote <ref> <stage>`: assign a version to a stage, replacing its holders (they get unassign tags,
 * as GTO needs), or with `--traffic P` giving it P% while the other holders share the rest. Gates from
 * `.mv/config.yaml` are checked first; `--force` overrides them and the override is recorded in the tag.
 */
import { MvError } from '../errors.js';
import { gateViolations, type MetricsLookup } from '../registry/gates.js';
import { gtoToolingEvidence } from '../registry/gto-tooling.js';
import { requireActive } from '../registry/lookup.js';
import { planPromote } from '../registry/plans.js';
import { parseRef, pinnedId } from '../registry/ref.js';
import { versionOfAnyRef } from '../registry/ref-target.js';
import { planArchive } from '../registry/retire-plans.js';
import { ARCHIVED_STAGE } from '../registry/stage-names.js';
import type { ArtifactState } from '../registry/state.js';
import { metricsOf } from '../registry/version-metrics.js';
import { openRepo } from '../repo.js';
import { checkStage, parseTraffic, writableStages, writeResult, writeArtifactTags, type RegistryWriteOptions, type RegistryWriteResult } from './registry-write.js';

export interface PromoteOptions extends RegistryWriteOptions {
  ref: string;
  stage: string;
  /** The version's share of the stage's traffic in percent (1–99); without it, it replaces the holders. */
  traffic?: number | string;
  /** Override failed gates (recorded in the tag). */
  force?: boolean;
}

export interface PromoteResult extends RegistryWriteResult {
  version: string;
  id: string;
  stage: string;
  traffic?: number;
}

export async function promote(options: PromoteOptions): Promise<PromoteResult> {
  const repo = await openRepo(options.cwd ?? process.cwd());
  const ref = parseRef(options.ref);
  const known = await writableStages(repo);
  const stages = known.stages;
  const trafficBp = options.traffic === undefined ? undefined : parseTraffic(options.traffic);
  if (options.stage === ARCHIVED_STAGE && trafficBp !== undefined) throw new MvError('INVALID_TRAFFIC', '--traffic does not apply to archived.', { hint: `Archive with \`mvr archive ${options.ref}\`.` });
  let chosen = '';
  let stage = options.stage;
  const written = await writeArtifactTags(repo.git, ref.artifact, options, async (state) => {
    stage = checkStage(options.stage, known, state.stagesSeen);
    const version = versionOfAnyRef(state, ref, stages, `mvr promote REF ${stage}`);
    chosen = version.version;
    requireActive(state, version, `promoted to ${stage}`);
    if (stage === ARCHIVED_STAGE) return planArchive(state, version, options.message);
    const holders = state.stages.get(stage) ?? [];
    const gate = repo.config.promote.gates[stage];
    const metrics = new Map<string, MetricsLookup>();
    if (gate && holders.some((h) => h.version !== version.version)) {
      for (const v of [version.version, ...holders.map((h) => h.version)]) {
        const entry = state.versions.get(v);
        if (entry && !metrics.has(v)) metrics.set(v, await metricsOf(repo.git, state, entry));
      }
    }
    const violations = [
      ...deprecation(state),
      ...gateViolations({ state, version, stage, stages, requireOrder: known.requireOrder, ...(gate ? { gate } : {}), holders, metrics }),
    ];
    return planPromote(state, { version, stage, ...(trafficBp !== undefined ? { trafficBp } : {}), ...(options.message ? { reason: options.message } : {}), violations, force: Boolean(options.force) });
  });
  const result = {
    ...writeResult(written, Boolean(options.sign), Boolean(options.dryRun)),
    version: chosen,
    id: pinnedId(ref.artifact, chosen),
    stage,
    ...(trafficBp !== undefined ? { traffic: trafficBp / 100 } : {}),
  };
  if (trafficBp !== undefined && result.changed) {
    const evidence = await gtoToolingEvidence(repo.root);
    if (evidence) {
      result.warnings.push(
        `This repository also uses GTO (${evidence}). GTO cannot express traffic weights: it reads ${ref.artifact}#${stage} as ${result.id} alone (the newest assignment), so a deploy driven by GTO sends it 100% of the traffic, not ${trafficBp / 100}%.`,
      );
    }
  }
  return result;
}

function deprecation(state: ArtifactState): string[] {
  return state.deprecated ? [`${state.name} is deprecated (${state.deprecated.tag}); promoting it makes it active again`] : [];
}

/** What the registry write commands (promote, rollback, archive, deprecate) share: options and results. */
import { MvError } from '../errors.js';
import type { Git } from '../git.js';
import { gtoConfigStages } from '../registry/gto-tooling.js';
import { holderInfo, type HolderInfo } from '../registry/holders.js';
import type { WritePlan } from '../registry/write-plan.js';
import { artifactNotFound, readRegistry } from '../registry/registry-state.js';
import { adoptStages, usedStages, type AdoptedStages } from '../registry/stage-adoption.js';
import { ARCHIVED_STAGE } from '../registry/stage-names.js';
import { nearStages } from '../names.js';
import type { Repo } from '../repo.js';
import type { ArtifactState } from '../registry/state.js';
import { writeRegistryTags, type WrittenTags } from '../registry/tag-writer.js';

export interface RegistryWriteOptions {
  cwd?: string;
  /** The reason, recorded in the tag message. */
  message?: string;
  /** Push the new tags to the git remote. */
  push?: boolean;
  /** Sign the tags with the user's git signing setup. */
  sign?: boolean;
  /** Work out the tags and stage changes, create nothing. */
  dryRun?: boolean;
}

export interface StageTransitionInfo {
  stage: string;
  before: HolderInfo[];
  after: HolderInfo[];
}

export interface RegistryWriteResult {
  artifact: string;
  /** False when the registry already was in the asked state (no tag was created). */
  changed: boolean;
  /** The tags created, in order (for a dry run, the tags that would be). */
  tags: string[];
  /** True for `--dry-run`: nothing was written. */
  dryRun: boolean;
  stages: StageTransitionInfo[];
  /** Gates overridden with --force (also recorded in the tag). */
  forced: string[];
  warnings: string[];
  pushedTo?: string;
  signed: boolean;
}

export function writeResult(written: WrittenTags, sign: boolean, dryRun = false): RegistryWriteResult {
  const { plan } = written;
  return {
    artifact: plan.artifact,
    changed: written.tags.length > 0,
    tags: written.tags,
    dryRun,
    stages: plan.transitions.map((t) => ({ stage: t.stage, before: holderInfo(plan.artifact, t.before), after: holderInfo(plan.artifact, t.after) })),
    forced: plan.forced,
    warnings: plan.warnings,
    ...(written.pushedTo ? { pushedTo: written.pushedTo } : {}),
    signed: sign && !dryRun && written.tags.length > 0,
  };
}

export interface WritableStages {
  /** Promotion order (`archived` not included). */
  stages: string[];
  requireOrder: boolean;
  /** Before `mv init`: the stages taken from the tags, as `mv init` would adopt them. */
  adopted?: AdoptedStages;
  initialized: boolean;
}

/**
 * The stages promote and rollback accept: those in .mv/config.yaml; before `mv init`, the stages the
 * registry's tags use (in the order `mv init` would adopt them, without an order requirement, as GTO has
 * none) and mv's default stages, so a registry made by GTO is usable as it is.
 */
export async function writableStages(repo: Repo): Promise<WritableStages> {
  const configured = { stages: repo.config.stages, requireOrder: repo.config.promote.require_order, initialized: repo.initialized };
  if (repo.initialized) return configured;
  const adopted = adoptStages(usedStages(await readRegistry(repo.git)), await gtoConfigStages(repo.root));
  if (!adopted) return configured;
  return { stages: [...new Set([...adopted.stages, ...repo.config.stages])], requireOrder: false, adopted, initialized: false };
}

/** Validates the stage against the writable ones (plus the terminal `archived`); `used` are the stages the artifact's tags use. */
export function checkStage(stage: string, known: WritableStages, used: readonly string[] = []): string {
  if (known.stages.includes(stage) || stage === ARCHIVED_STAGE) return stage;
  const list = [...known.stages, ARCHIVED_STAGE].join(', ');
  const near = nearStages(stage, [...known.stages, ARCHIVED_STAGE]);
  const meant = near.length ? `Did you mean ${near.join(' or ')}? ` : '';
  const inTags = used.includes(stage) ? `This registry's tags already use ${stage}; add` : `${meant}Use one of those, or add`;
  if (!known.initialized && known.adopted) {
    throw new MvError('UNKNOWN_STAGE', `${JSON.stringify(stage)} is neither a stage this registry's tags use nor one of mv's defaults (stages: ${list}).`, {
      hint: `${meant}Use one of those, or set mv up with \`mvr init\` (it adopts these stages) and add ${stage} to \`stages\` in .mv/config.yaml, in promotion order.`,
    });
  }
  throw new MvError('UNKNOWN_STAGE', `${JSON.stringify(stage)} is not a stage in .mv/config.yaml (stages: ${list}).`, {
    hint: `${inTags} it to \`stages\` in .mv/config.yaml in promotion order — e.g. \`stages: [${[...known.stages, stage].join(', ')}]\` — and commit the change.`,
  });
}

/** `--traffic P`: a share of 1–99 percent with at most two decimals, as basis points. */
export function parseTraffic(value: number | string): number {
  const text = String(value).trim().replace(/%$/, '');
  const number = /^\d+(\.\d{1,2})?$/.test(text) ? Number(text) : Number.NaN;
  if (!(number >= 1 && number <= 99)) {
    throw new MvError('INVALID_TRAFFIC', `--traffic ${String(value)} is not a share between 1 and 99 percent.`, {
      hint: 'Give the new version\'s share of the traffic in percent, e.g. `--traffic 10` for a 10% canary; to give it all the traffic, promote without --traffic.',
    });
  }
  return Math.round(number * 100);
}

/** Plans and writes tags for an existing artifact (an artifact without registry tags is an error). */
export function writeArtifactTags(git: Git, artifact: string, options: RegistryWriteOptions, plan: (state: ArtifactState) => Promise<WritePlan> | WritePlan): Promise<WrittenTags> {
  return writeRegistryTags({
    git,
    artifact,
    push: Boolean(options.push) && !options.dryRun,
    sign: Boolean(options.sign),
    dryRun: Boolean(options.dryRun),
    plan: async (state) => {
      if (state.events.length === 0) throw await artifactNotFound(git, artifact);
      return plan(state);
    },
  });
}

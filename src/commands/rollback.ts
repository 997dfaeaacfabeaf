/**
 * `mv rollback <name> [stage]`: re-assign the version(s) that held the stage before its current event, as
 * a new event marked as a rollback. Nothing is deleted. Rolling back again walks further back.
 */
import { planRollback } from '../registry/plans.js';
import { checkArtifactName } from '../names.js';
import { ARCHIVED_STAGE } from '../registry/stage-names.js';
import { openRepo } from '../repo.js';
import { MvError } from '../errors.js';
import { checkStage, writeResult, writeArtifactTags, type RegistryWriteOptions, type RegistryWriteResult } from './registry-write.js';

export interface RollbackOptions extends RegistryWriteOptions {
  name: string;
  /** Default: production (the last configured stage). */
  stage?: string;
}

export interface RollbackResult extends RegistryWriteResult {
  stage: string;
  /** The tag of the event that was undone. */
  undid: string;
}

export async function rollback(options: RollbackOptions): Promise<RollbackResult> {
  const repo = await openRepo(options.cwd ?? process.cwd());
  const name = checkArtifactName(options.name);
  const stages = repo.config.stages;
  const stage = checkStage(options.stage ?? (stages.includes('production') ? 'production' : stages.at(-1)!), stages, ARCHIVED_STAGE);
  if (stage === ARCHIVED_STAGE) {
    throw new MvError('INVALID_STAGE', 'archived is terminal and cannot be rolled back.', { hint: `Register the files again as a new version with \`mv add ${name} <path>…\`.` });
  }
  let undid = '';
  const written = await writeArtifactTags(repo.git, name, options, (state) => {
    const plan = planRollback(state, stage, options.message);
    undid = plan.drafts[0]!.payload.rollback_of as string;
    return plan;
  });
  return { ...writeResult(written, Boolean(options.sign)), stage, undid };
}

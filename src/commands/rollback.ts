/**
 * `mv rollback <name> [stage]`: re-assign the version(s) that held the stage before its current event, as
 * a new event marked as a rollback. Nothing is deleted. Rolling back again walks further back.
 */
import { planRollback } from '../registry/plans.js';
import { checkFullname } from '../registry/fullname.js';
import { ARCHIVED_STAGE, deployStage } from '../registry/stage-names.js';
import { openRepo } from '../repo.js';
import { MvError } from '../errors.js';
import { checkStage, writableStages, writeResult, writeArtifactTags, type RegistryWriteOptions, type RegistryWriteResult } from './registry-write.js';

export interface RollbackOptions extends RegistryWriteOptions {
  name: string;
  /** Default: the production stage (`production`, or `prod`), else the last stage in promotion order. */
  stage?: string;
}

export interface RollbackResult extends RegistryWriteResult {
  stage: string;
  /** The tag of the event that was undone. */
  undid: string;
}

export async function rollback(options: RollbackOptions): Promise<RollbackResult> {
  const repo = await openRepo(options.cwd ?? process.cwd());
  const name = checkFullname(options.name);
  const known = await writableStages(repo);
  const wanted = options.stage ?? deployStage(known.stages);
  if (wanted === ARCHIVED_STAGE) {
    throw new MvError('INVALID_STAGE', 'archived is terminal and cannot be rolled back.', { hint: `Register the files again as a new version with \`mvr add ${name} <path>…\`.` });
  }
  let undid = '';
  let stage = wanted;
  const written = await writeArtifactTags(repo.git, name, options, (state) => {
    stage = checkStage(wanted, known, state.stagesSeen);
    const plan = planRollback(state, stage, options.message);
    undid = plan.drafts[0]!.payload.rollback_of as string;
    return plan;
  });
  return { ...writeResult(written, Boolean(options.sign), Boolean(options.dryRun)), stage, undid };
}

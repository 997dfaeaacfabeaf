/** Which stages the registry names in hints and picks for deploys. */
import { ARCHIVED_STAGE, DEFAULT_STAGES } from '../names.js';

export { ARCHIVED_STAGE, DEFAULT_STAGES };

/** The stages to name in hints: those the registry's tags use (GTO registries have their own), else mv's defaults. */
export function hintStages(used: readonly string[]): readonly string[] {
  const own = used.filter((s) => s !== ARCHIVED_STAGE);
  return own.length ? own : DEFAULT_STAGES;
}

/** The stage a deploy most likely reads: a production-like stage in use, else the last one used. */
export function deployStage(used: readonly string[]): string {
  const stages = hintStages(used);
  return stages.find((s) => /^prod(uction)?$/i.test(s)) ?? stages.at(-1)!;
}

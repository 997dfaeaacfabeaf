/** Stage names every registry knows (kept apart from config.ts so that reading the registry loads no config code). */
export const DEFAULT_STAGES = ['candidate', 'staging', 'production'] as const;

/** The terminal stage: archiving a version removes it from every other stage. */
export const ARCHIVED_STAGE = 'archived';

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

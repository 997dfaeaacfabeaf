/**
 * Promotion gates from `.mv/config.yaml`: stage order (a stage requires the version to have held the stage
 * before it) and metric gates (no regression against the stage's current holders). Pure: metrics are read
 * by the caller. Each violation is a sentence that names the version, stage and numbers involved.
 */
import type { GateConfig } from '../config.js';
import { pinnedId } from './ref.js';
import type { ArtifactState, VersionState } from './state.js';
import type { Holding } from './weights.js';

/** A version's metrics, or why they cannot be read. */
export type MetricsLookup = { metrics: Record<string, unknown> } | { missing: string };

export interface GateInput {
  state: ArtifactState;
  version: VersionState;
  stage: string;
  stages: readonly string[];
  requireOrder: boolean;
  gate?: GateConfig;
  /** The stage's holders before the promotion. */
  holders: Holding[];
  metrics: Map<string, MetricsLookup>;
}

export function gateViolations(input: GateInput): string[] {
  return [...orderViolations(input), ...metricViolations(input)];
}

function orderViolations({ state, version, stage, stages, requireOrder }: GateInput): string[] {
  const index = stages.indexOf(stage);
  // Every version starts as a candidate of the first stage, so only later stages have a prerequisite.
  if (!requireOrder || index < 2) return [];
  const previous = stages[index - 1]!;
  const reached = stages.slice(index - 1).some((s) => version.stagesEver.has(s));
  if (reached) return [];
  const id = pinnedId(state.name, version.version);
  return [`${stage} requires the version to have been in ${previous} first, and ${id} never was (promote.require_order; \`mvr promote ${id} ${previous}\` first)`];
}

function metricViolations({ state, version, stage, gate, holders, metrics }: GateInput): string[] {
  if (!gate) return [];
  const id = pinnedId(state.name, version.version);
  const others = holders.filter((h) => h.version !== version.version);
  if (others.length === 0) return [];
  const own = metricValue(metrics.get(version.version), gate.metric);
  if (typeof own === 'string') return [`the ${stage} gate compares ${gate.metric}, but ${id} ${own}`];
  const violations: string[] = [];
  for (const holder of others) {
    const theirs = metricValue(metrics.get(holder.version), gate.metric);
    if (typeof theirs === 'string') continue;
    const regression = gate.direction === 'max' ? theirs - own : own - theirs;
    if (regression > gate.tolerance + rounding(own, theirs, gate.tolerance)) {
      violations.push(
        `${gate.metric} of ${id} is ${own}, a regression against ${pinnedId(state.name, holder.version)} in ${stage} (${theirs}; ${gate.direction === 'max' ? 'higher' : 'lower'} is better, tolerance ${gate.tolerance})`,
      );
    }
  }
  return violations;
}

/**
 * How far apart two values may come out of floating-point arithmetic though equal in decimal: 0.93 − 0.925
 * is 0.0050000000000000044, which must not exceed a tolerance of 0.005. A few units in the last place of
 * the largest number involved: rounding, never a difference a metric can tell.
 */
function rounding(...values: number[]): number {
  return 8 * Number.EPSILON * Math.max(...values.map(Math.abs));
}

/** The numeric value of a (dotted) metric, or a phrase saying why there is none. */
function metricValue(lookup: MetricsLookup | undefined, metric: string): number | string {
  if (!lookup) return 'has no recorded metrics';
  if ('missing' in lookup) return lookup.missing;
  let value: unknown = lookup.metrics;
  for (const part of metric.split('.')) {
    if (typeof value !== 'object' || value === null) return `records no metric ${metric}`;
    value = (value as Record<string, unknown>)[part];
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) return value === undefined ? `records no metric ${metric}` : `records ${metric} as ${JSON.stringify(value)}, not a number`;
  return value;
}

/**
 * Which stages a registry already uses, and the promotion order mv adopts them in when it is set up in
 * that repository (or runs there before `mv init`): the order GTO's config (`.gto`) lists, else the
 * usual lifecycle order of well-known stage names, with any other stage after them in the order the
 * tags first used it.
 */
import { cmp } from './events.js';
import type { Registry } from './registry-state.js';
import { ARCHIVED_STAGE } from './stage-names.js';

/** Well-known stage names, earliest in a lifecycle first. */
const LIFECYCLE = ['dev', 'develop', 'development', 'test', 'testing', 'qa', 'candidate', 'shadow', 'stage', 'staging', 'preprod', 'pre-prod', 'uat', 'canary', 'prod', 'production', 'live'];

export interface AdoptedStages {
  stages: string[];
  /** Why this order, in a sentence for people. */
  reason: string;
}

/** The stages the registry's tags use (`archived` excepted), in the order they were first used. */
export function usedStages(registry: Registry): string[] {
  const first = new Map<string, number>();
  for (const state of registry.artifacts.values()) {
    for (const event of state.events) {
      if (event.stage === undefined || event.stage === ARCHIVED_STAGE) continue;
      first.set(event.stage, Math.min(first.get(event.stage) ?? Infinity, event.time));
    }
  }
  return [...first].sort((a, b) => a[1] - b[1] || cmp(a[0], b[0])).map(([stage]) => stage);
}

/** The stages to adopt and why; undefined when neither the tags nor GTO's config name any. */
export function adoptStages(used: string[], gtoStages: string[] | undefined): AdoptedStages | undefined {
  if (gtoStages?.length) {
    const extra = used.filter((s) => !gtoStages.includes(s));
    const stages = [...gtoStages.filter((s) => s !== ARCHIVED_STAGE), ...extra];
    return { stages, reason: `the order GTO's config (.gto) lists them in${extra.length ? `, then ${extra.join(', ')}, which the tags use as well` : ''}` };
  }
  if (used.length === 0) return undefined;
  const known = used.filter((s) => LIFECYCLE.includes(s.toLowerCase())).sort((a, b) => LIFECYCLE.indexOf(a.toLowerCase()) - LIFECYCLE.indexOf(b.toLowerCase()));
  const other = used.filter((s) => !LIFECYCLE.includes(s.toLowerCase()));
  const parts = [
    ...(known.length ? [`${known.join(' → ')} in the usual lifecycle order`] : []),
    ...(other.length ? [`${known.length ? 'then ' : ''}${other.join(', ')} in the order the tags first used ${other.length > 1 ? 'them' : 'it'}`] : []),
  ];
  return { stages: [...known, ...other], reason: parts.join(', ') };
}

/**
 * Traffic weights of a stage's holders. A stage holds one version (100%) or several whose weights sum to
 * 100. Weights are kept as integer basis points (0–10000) so that scaling never drifts and routing maps a
 * key onto exactly one of 10,000 buckets; they are shown and recorded as percentages with at most two
 * decimals.
 */
import { compareSemver } from '../semver.js';

export const FULL = 10_000;

/** One holder of a stage: a version and its share of the traffic in basis points. */
export interface Holding {
  version: string;
  bp: number;
}

/** Holders in their canonical order: highest version first (a canary keeps the low buckets as it grows). */
export function canonicalOrder(holdings: Holding[]): Holding[] {
  return [...holdings].sort((a, b) => compareVersions(b.version, a.version));
}

/** SemVer order; strings that are not versions (commit ids of unregistered GTO versions) sort below, by text. */
export const compareVersions = compareSemver;

/** Percent (as recorded in tag payloads) → basis points; undefined when not a valid weight map. */
export function fromPercentMap(state: unknown): Holding[] | undefined {
  if (typeof state !== 'object' || state === null || Array.isArray(state)) return undefined;
  const holdings: Holding[] = [];
  for (const [version, percent] of Object.entries(state as Record<string, unknown>)) {
    if (typeof percent !== 'number' || !Number.isFinite(percent) || percent <= 0 || percent > 100) return undefined;
    holdings.push({ version, bp: Math.round(percent * 100) });
  }
  const total = holdings.reduce((sum, h) => sum + h.bp, 0);
  if (holdings.length > 0 && total !== FULL) return undefined;
  return canonicalOrder(holdings);
}

export function toPercentMap(holdings: Holding[]): Record<string, number> {
  return Object.fromEntries(canonicalOrder(holdings).map((h) => [h.version, h.bp / 100]));
}

export function percent(bp: number): number {
  return bp / 100;
}

/**
 * Distributes `total` basis points over `holdings` in proportion to their current weights, rounding by
 * largest remainder so the result sums to `total` exactly. A holder whose share rounds to 0 leaves.
 */
export function scaleTo(holdings: Holding[], total: number): Holding[] {
  const sum = holdings.reduce((s, h) => s + h.bp, 0);
  if (holdings.length === 0) return [];
  const exact = holdings.map((h) => (sum > 0 ? (h.bp * total) / sum : total / holdings.length));
  const floors = exact.map((x) => Math.floor(x));
  let left = total - floors.reduce((s, x) => s + x, 0);
  const byRemainder = exact.map((x, i) => ({ i, r: x - Math.floor(x) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (let k = 0; left > 0; k = (k + 1) % byRemainder.length, left--) floors[byRemainder[k]!.i]!++;
  return canonicalOrder(holdings.map((h, i) => ({ version: h.version, bp: floors[i]! })).filter((h) => h.bp > 0));
}

/** The stage after `version` takes all its traffic. */
export function replaceAll(version: string): Holding[] {
  return [{ version, bp: FULL }];
}

/** The stage after `version` takes `bp` of the traffic and the other holders share the rest in proportion. */
export function withShare(holdings: Holding[], version: string, bp: number): Holding[] {
  const others = holdings.filter((h) => h.version !== version);
  return canonicalOrder([...scaleTo(others, FULL - bp), { version, bp }]);
}

/** The stage after `version` leaves it: the others are scaled back up to 100%. */
export function without(holdings: Holding[], version: string): Holding[] {
  const others = holdings.filter((h) => h.version !== version);
  return others.length === holdings.length ? holdings : scaleTo(others, FULL);
}

export function sameHoldings(a: Holding[], b: Holding[]): boolean {
  const x = canonicalOrder(a);
  const y = canonicalOrder(b);
  return x.length === y.length && x.every((h, i) => h.version === y[i]!.version && h.bp === y[i]!.bp);
}

/** "v2.4.1 90%, v2.5.0 10%" */
export function describeHoldings(holdings: Holding[]): string {
  if (holdings.length === 0) return 'no version';
  return canonicalOrder(holdings)
    .map((h) => `v${h.version}${holdings.length > 1 || h.bp !== FULL ? ` ${percent(h.bp)}%` : ''}`)
    .join(', ');
}

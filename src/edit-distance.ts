/** How far apart two words are, for "did you mean" hints (command names, stage names). */

/**
 * Edit distance with adjacent transpositions counted as one edit (optimal string alignment), so `psuh`
 * is one edit from `push`.
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[rows - 1]![cols - 1]!;
}

/** The largest distance still taken for a slip. */
const MAX_SLIP = 2;

/**
 * The candidates `word` is likely a slip for, closest first (ties in the candidates' order): those whose
 * distance from it is at most MAX_SLIP and smaller than their own length, so a short word is not taken
 * for a whole other name. `distance` is the measure, `editDistance` unless a caller counts other slips.
 */
export function nearest(word: string, candidates: readonly string[], distance: (word: string, candidate: string) => number = editDistance): string[] {
  const scored = candidates.map((candidate, order) => ({ candidate, order, distance: distance(word, candidate) })).filter((c) => c.distance <= MAX_SLIP && c.distance < c.candidate.length);
  if (scored.length === 0) return [];
  const best = Math.min(...scored.map((c) => c.distance));
  return scored.filter((c) => c.distance === best).sort((x, y) => x.order - y.order).map((c) => c.candidate);
}

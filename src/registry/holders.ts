/** How stage holders appear in results and `--json`: pinned id, version and traffic percent. */
import { pinnedId } from './ref.js';
import { canonicalOrder, percent, type Holding } from './weights.js';

export interface HolderInfo {
  id: string;
  version: string;
  /** Percent of the stage's traffic (the weights of a stage sum to 100). */
  weight: number;
}

export function holderInfo(artifact: string, holdings: Holding[]): HolderInfo[] {
  return canonicalOrder(holdings).map((h) => ({ id: pinnedId(artifact, h.version), version: h.version, weight: percent(h.bp) }));
}

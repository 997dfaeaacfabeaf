/**
 * `mv route <name>#<stage> --key KEY`: which of a stage's versions serves a request key. Deterministic: a
 * pure function of the artifact, stage, key and the stage's recorded weights (see registry/routing.ts).
 */
import { Git } from '../git.js';
import { MvError } from '../errors.js';
import { holderInfo, type HolderInfo } from '../registry/holders.js';
import { requireNotDeprecated, stageHolders } from '../registry/lookup.js';
import { parseRef, pinnedId } from '../registry/ref.js';
import { readArtifact } from '../registry/registry-state.js';
import { routeKey } from '../registry/routing.js';
import { deployStage } from '../registry/stage-names.js';
import { lastChange, type ArtifactState } from '../registry/state.js';
import { percent } from '../registry/weights.js';

export interface RouteOptions {
  cwd?: string;
  /** `name#stage` */
  ref: string;
  key: string;
}

export interface RouteResult {
  artifact: string;
  stage: string;
  key: string;
  /** The key's bucket, 0–9999. */
  bucket: number;
  id: string;
  version: string;
  weight: number;
  /** The tag of the event that set the weights used. */
  event: string;
  holders: HolderInfo[];
  notes: string[];
}

export async function route(options: RouteOptions): Promise<RouteResult> {
  const ref = parseRef(options.ref);
  const git = new Git(options.cwd ?? process.cwd());
  if (ref.kind !== 'stage') {
    const { state } = await readArtifact(git, ref.artifact);
    const example = `${ref.artifact}#${deployStage(state.stagesSeen)}`;
    throw new MvError('STAGE_REF_REQUIRED', `route takes a stage ref like ${example}, not ${ref.text}.`, { hint: `Example: mvr route ${example} --key customer-4711` });
  }
  if (options.key.length === 0) throw new MvError('INVALID_KEY', 'The routing key is empty.', { hint: 'Pass the request key, e.g. a customer or session id: --key customer-4711.' });
  const { state, notes } = await readArtifact(git, ref.artifact);
  requireNotDeprecated(state, ref);
  return { ...routeIn(state, ref.stage, options.key), notes };
}

/** Routes a key with the stage's current holders in `state` (also used for past states by audit). */
export function routeIn(state: ArtifactState, stage: string, key: string): Omit<RouteResult, 'notes'> {
  const holdings = stageHolders(state, stage);
  const { bucket, holding } = routeKey({ artifact: state.name, stage, key, holdings });
  return {
    artifact: state.name,
    stage,
    key,
    bucket,
    id: pinnedId(state.name, holding!.version),
    version: holding!.version,
    weight: percent(holding!.bp),
    event: lastChange(state, stage)!.event.tag,
    holders: holderInfo(state.name, holdings),
  };
}

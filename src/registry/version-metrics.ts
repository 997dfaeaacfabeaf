/** Reading what a registered version recorded (its pointer, in the tagged commit) for gates and diffs. */
import { MvError } from '../errors.js';
import type { Git } from '../git.js';
import { readCommittedPointer, type LocatedPointer } from '../pointer/locate.js';
import type { MetricsLookup } from './gates.js';
import { pinnedId } from './ref.js';
import type { ArtifactState, VersionState } from './state.js';

/** The version's pointer, or undefined when its commit has none (a version registered by GTO). */
export async function versionPointer(git: Git, state: ArtifactState, version: VersionState): Promise<LocatedPointer | undefined> {
  const hint = version.registered?.payload?.pointer?.path;
  return readCommittedPointer(git, version.commit, state.name, typeof hint === 'string' ? hint : undefined, version.version);
}

export async function requireVersionPointer(git: Git, state: ArtifactState, version: VersionState): Promise<LocatedPointer> {
  const located = await versionPointer(git, state, version);
  if (located) return located;
  const id = pinnedId(state.name, version.version);
  throw new MvError('NO_POINTER', `${id} points at commit ${version.commit.slice(0, 12)}, which has no ${state.name}.mv.yaml pointer file (it was registered without mv, e.g. by GTO), so there is nothing recorded to read.`, {
    hint: `Registry commands (ls, show, history, promote, resolve) still work for ${id}; to record files, metrics and lineage, register a new version with \`mvr add ${state.name} <path>…\`.`,
  });
}

export async function metricsOf(git: Git, state: ArtifactState, version: VersionState): Promise<MetricsLookup> {
  const located = await versionPointer(git, state, version);
  if (!located) return { missing: 'has no pointer file in its commit (registered without mv), so its metrics are unknown' };
  return { metrics: located.pointer.metrics ?? {} };
}

/** Comparing mv's reading of a registry with GTO's, in the shape of GTO's answers (see gto-reader.ts). */
import { Git } from '../../src/git.js';
import { readRegistry } from '../../src/registry/registry-state.js';
import { isSemver } from '../../src/semver.js';
import { latestVersion, type ArtifactState } from '../../src/registry/state.js';
import type { GtoAnswer, GtoAnswers } from './gto-reader.js';

/** A version as GTO spells it: `v1.2.3`, or a commit id. */
export function gtoVersion(version: string): string {
  return isSemver(version) ? `v${version}` : version;
}

/** mv's answers for every artifact, in GTO's shape: stages are mv's holders (one each, unless traffic is split). */
export async function mvAnswers(dir: string): Promise<GtoAnswers> {
  const registry = await readRegistry(new Git(dir));
  const problem = [...registry.problems.values()][0];
  if (problem) return { error: problem.message };
  const answers: Record<string, GtoAnswer> = {};
  for (const [name, state] of registry.artifacts) answers[name] = mvAnswer(state);
  return answers;
}

export function mvAnswer(state: ArtifactState): GtoAnswer {
  const stages = [...state.stages].filter(([, holders]) => holders.length > 0).sort(([a], [b]) => (a < b ? -1 : 1));
  const latest = latestVersion(state);
  return {
    active: !state.deprecated,
    latest: latest ? gtoVersion(latest.version) : null,
    stages: Object.fromEntries(stages.map(([stage, holders]) => [stage, holders.length === 1 ? gtoVersion(holders[0]!.version) : holders.map((h) => `${gtoVersion(h.version)} ${h.bp / 100}%`).join(', ')])),
    all_in_stage: Object.fromEntries(
      [...state.members]
        .filter(([, members]) => members.length > 0)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([stage, members]) => [stage, members.map((m) => gtoVersion(m.version.version))]),
    ),
    versions: [...state.versions.values()].filter((v) => v.active).map((v) => gtoVersion(v.version)).sort(),
  };
}

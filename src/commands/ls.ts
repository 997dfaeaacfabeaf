/**
 * `mv ls`: every artifact with its latest version and what each stage holds now. Deprecated artifacts are
 * left out unless asked for, as `gto show` does: their stages resolve to nothing.
 */
import { Git } from '../git.js';
import { holderInfo, type HolderInfo } from '../registry/holders.js';
import { pinnedId } from '../registry/ref.js';
import { readRegistry } from '../registry/registry-state.js';
import { ARCHIVED_STAGE } from '../registry/stage-names.js';
import { isActive, latestVersion, stagesHeldBy, type ArtifactState } from '../registry/state.js';

export interface LsOptions {
  cwd?: string;
  /** Include deprecated artifacts. */
  deprecated?: boolean;
}

export interface ArtifactSummary {
  name: string;
  /** The latest version's pinned id, as GTO defines it: the highest active registered version (null when none). */
  latest: string | null;
  /** Versions that can be promoted or served. */
  versions: number;
  archived: number;
  deregistered: number;
  /** Active versions that hold no stage. */
  candidates: string[];
  /** Stages that hold versions now, with their traffic weights. */
  stages: Record<string, HolderInfo[]>;
  deprecated: boolean;
}

export interface LsResult {
  artifacts: ArtifactSummary[];
  /** Deprecated artifacts left out (0 with `deprecated`). */
  hidden: number;
  notes: string[];
}

export async function ls(options: LsOptions = {}): Promise<LsResult> {
  const registry = await readRegistry(new Git(options.cwd ?? process.cwd()));
  const all = [...registry.artifacts.values()];
  const shown = all.filter((state) => options.deprecated || !state.deprecated);
  const hidden = all.length - shown.length;
  const notes = [
    ...registry.notes,
    ...shown.flatMap((state) => state.notes),
    ...[...registry.problems.values()].map((problem) => `${problem.message} (left out)`),
    ...(hidden ? [`${hidden} deprecated artifact${hidden > 1 ? 's are' : ' is'} not listed (\`mv ls --deprecated\` lists ${hidden > 1 ? 'them' : 'it'}).`] : []),
  ];
  return { artifacts: shown.map(summarize), hidden, notes };
}

export function summarize(state: ArtifactState): ArtifactSummary {
  const versions = [...state.versions.values()].filter((v) => v.registered);
  const latest = latestVersion(state);
  return {
    name: state.name,
    latest: latest ? pinnedId(state.name, latest.version) : null,
    versions: versions.filter(isActive).length,
    archived: versions.filter((v) => v.archived).length,
    deregistered: versions.filter((v) => !v.active && !v.archived).length,
    candidates: versions.filter((v) => isActive(v) && !stagesHeldBy(state, v.version).some((s) => s.stage !== ARCHIVED_STAGE)).map((v) => pinnedId(state.name, v.version)),
    stages: Object.fromEntries([...state.stages].filter(([, h]) => h.length > 0).map(([stage, h]) => [stage, holderInfo(state.name, h)])),
    deprecated: state.deprecated !== undefined,
  };
}

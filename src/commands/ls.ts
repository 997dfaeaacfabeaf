/** `mv ls`: every artifact with its newest version and what each stage holds now. */
import { Git } from '../git.js';
import { holderInfo, type HolderInfo } from '../registry/holders.js';
import { pinnedId } from '../registry/ref.js';
import { readRegistry } from '../registry/registry-state.js';
import { isActive, latestVersion, type ArtifactState } from '../registry/state.js';

export interface LsOptions {
  cwd?: string;
}

export interface ArtifactSummary {
  name: string;
  /** The highest active version's pinned id (null when there is none). */
  latest: string | null;
  /** Versions that can be promoted or served. */
  versions: number;
  archived: number;
  deregistered: number;
  /** Active versions that never had a stage event. */
  candidates: string[];
  /** Stages that hold versions now, with their traffic weights. */
  stages: Record<string, HolderInfo[]>;
  deprecated: boolean;
}

export interface LsResult {
  artifacts: ArtifactSummary[];
  notes: string[];
}

export async function ls(options: LsOptions = {}): Promise<LsResult> {
  const registry = await readRegistry(new Git(options.cwd ?? process.cwd()));
  return { artifacts: [...registry.artifacts.values()].map(summarize), notes: registry.notes };
}

export function summarize(state: ArtifactState): ArtifactSummary {
  const versions = [...state.versions.values()].filter((v) => v.registered);
  const latest = latestVersion(state);
  return {
    name: state.name,
    latest: latest ? pinnedId(state.name, latest.version) : null,
    versions: versions.filter(isActive).length,
    archived: versions.filter((v) => v.archived).length,
    deregistered: versions.filter((v) => v.deregistered).length,
    candidates: versions.filter((v) => isActive(v) && v.stagesEver.size === 0).map((v) => pinnedId(state.name, v.version)),
    stages: Object.fromEntries([...state.stages].filter(([, h]) => h.length > 0).map(([stage, h]) => [stage, holderInfo(state.name, h)])),
    deprecated: state.deprecated !== undefined,
  };
}

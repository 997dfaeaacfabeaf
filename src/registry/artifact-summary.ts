/** One artifact at a glance, as `mv ls` lists it and the dashboard's overview shows it. */
import { holderInfo, type HolderInfo } from './holders.js';
import { pinnedId } from './ref.js';
import { ARCHIVED_STAGE } from './stage-names.js';
import { isActive, latestVersion, stagesHeldBy, type ArtifactState } from './state.js';

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
  /** Whether any registry tag names it (GTO's `registered`): false when only GTO's index lists it. */
  registered: boolean;
  /** The file of GTO's index that lists it at HEAD (`artifacts.yaml`), or null. */
  listedIn: string | null;
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
    registered: state.events.length > 0,
    listedIn: state.listing?.file ?? null,
  };
}

/** What changed between two versions, as `mv diff` reports it and the dashboard's diff page shows it. */
import type { ModelFileDiff } from '../model-files/tensor-diff.js';
import type { LocatedPointer } from '../pointer/locate.js';
import { diffPointers, type PointerDiff } from './pointer-diff.js';
import { pinnedId } from './ref.js';
import type { VersionState } from './state.js';

export interface DiffSide {
  id: string;
  version: string;
  commit: string;
  pointer: string;
  created: string;
}

export interface DiffResult extends PointerDiff {
  from: DiffSide;
  to: DiffSide;
  /** Model files both versions have (by path) whose bytes differ: which tensors changed (when both are cached). */
  models: ModelFileDiff[];
  notes: string[];
}

export interface DiffInput {
  artifact: string;
  version: VersionState;
  located: LocatedPointer;
}

/** What `mv diff` reports for two versions whose pointers have been read. */
export function diffResult(a: DiffInput, b: DiffInput, notes: string[]): DiffResult {
  return { from: diffSide(a), to: diffSide(b), ...diffPointers(a.located, b.located), models: [], notes };
}

function diffSide({ artifact, version, located }: DiffInput): DiffSide {
  return { id: pinnedId(artifact, version.version), version: version.version, commit: version.commit, pointer: located.file, created: located.pointer.created };
}

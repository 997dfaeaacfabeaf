/** `mv diff <ref> <ref>`: what changed between two versions, read from the pointers in their tagged commits. */
import { Git } from '../git.js';
import { MvError } from '../errors.js';
import { diffPointers, type PointerDiff } from '../registry/pointer-diff.js';
import { parseRef, pinnedId } from '../registry/ref.js';
import { versionOfAnyRef } from '../registry/ref-target.js';
import { readArtifact } from '../registry/registry-state.js';
import { DEFAULT_STAGES } from '../registry/stage-names.js';
import { requireVersionPointer } from '../registry/version-metrics.js';
import type { VersionState } from '../registry/state.js';
import type { LocatedPointer } from '../pointer/locate.js';
import { modelFileDiffs } from '../model-files/model-diff.js';
import type { ModelFileDiff } from '../model-files/tensor-diff.js';
import { openRepo } from '../repo.js';

export interface DiffOptions {
  cwd?: string;
  from: string;
  to: string;
}

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

export async function diff(options: DiffOptions): Promise<DiffResult> {
  const git = new Git(options.cwd ?? process.cwd());
  const refs = [parseRef(options.from), parseRef(options.to)] as const;
  const notes: string[] = [];
  const sides = [];
  for (const ref of refs) {
    const read = await readArtifact(git, ref.artifact);
    notes.push(...read.notes.filter((n) => !notes.includes(n)));
    const version = versionOfAnyRef(read.state, ref, DEFAULT_STAGES, 'mv diff REF …');
    const located = await requireVersionPointer(git, read.state, version);
    sides.push({ artifact: ref.artifact, version, located });
  }
  const [a, b] = sides as [(typeof sides)[number], (typeof sides)[number]];
  if (a.artifact === b.artifact && a.version.version === b.version.version) {
    const id = pinnedId(a.artifact, a.version.version);
    throw new MvError('SAME_VERSION', `Both refs name ${id}.`, { hint: `Compare two versions, e.g. \`mv diff ${id} ${refs[0].artifact}@latest\`.` });
  }
  const result = diffResult(a, b, notes);
  await addModelDiffs(options.cwd ?? process.cwd(), result, a.located, b.located);
  return result;
}

/** Adds the tensors that changed in model files the two versions share a path for. */
async function addModelDiffs(cwd: string, result: DiffResult, from: LocatedPointer, to: LocatedPointer): Promise<void> {
  const repo = await openRepo(cwd).catch(() => undefined);
  if (!repo) return;
  const { models, notes } = await modelFileDiffs(repo.cache, from, to);
  result.models = models;
  result.notes.push(...notes);
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

/** `mv diff <ref> <ref>`: what changed between two versions, read from the pointers in their tagged commits. */
import { Git } from '../git.js';
import { MvError } from '../errors.js';
import { diffPointers, type PointerDiff } from '../registry/pointer-diff.js';
import { parseRef, pinnedId } from '../registry/ref.js';
import { versionOfAnyRef } from '../registry/ref-target.js';
import { readArtifact } from '../registry/registry-state.js';
import { DEFAULT_STAGES } from '../registry/stage-names.js';
import { requireVersionPointer } from '../registry/version-metrics.js';

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
    sides.push({ side: { id: pinnedId(ref.artifact, version.version), version: version.version, commit: version.commit, pointer: located.file, created: located.pointer.created }, located });
  }
  const [a, b] = sides as [(typeof sides)[number], (typeof sides)[number]];
  if (a.side.id === b.side.id) {
    throw new MvError('SAME_VERSION', `Both refs name ${a.side.id}.`, { hint: `Compare two versions, e.g. \`mv diff ${a.side.id} ${refs[0].artifact}@latest\`.` });
  }
  return { from: a.side, to: b.side, ...diffPointers(a.located, b.located), notes };
}

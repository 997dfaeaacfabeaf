/** `mv diff <ref> <ref>`: what changed between two versions, read from the pointers in their tagged commits. */
import { Git } from '../git.js';
import { MvError } from '../errors.js';
import { parseRef, pinnedId } from '../registry/ref.js';
import { versionOfAnyRef } from '../registry/ref-target.js';
import { readArtifact } from '../registry/registry-state.js';
import { DEFAULT_STAGES } from '../registry/stage-names.js';
import { requireVersionPointer } from '../registry/version-metrics.js';
import { diffResult, type DiffResult, type DiffSide } from '../registry/version-diff.js';

export type { DiffResult, DiffSide };

export interface DiffOptions {
  cwd?: string;
  from: string;
  to: string;
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
  return diffResult(a, b, notes);
}

/**
 * `mv ls`: every artifact with its latest version and what each stage holds now. Deprecated artifacts are
 * left out unless asked for, as `gto show` does: their stages resolve to nothing.
 */
import { Git } from '../git.js';
import { summarize, type ArtifactSummary } from '../registry/artifact-summary.js';
import { readRegistry } from '../registry/registry-state.js';

export type { ArtifactSummary };

export interface LsOptions {
  cwd?: string;
  /** Include deprecated artifacts. */
  deprecated?: boolean;
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
    ...(hidden ? [`${hidden} deprecated artifact${hidden > 1 ? 's are' : ' is'} not listed (\`mvr ls --deprecated\` lists ${hidden > 1 ? 'them' : 'it'}).`] : []),
  ];
  return { artifacts: shown.map(summarize), hidden, notes };
}

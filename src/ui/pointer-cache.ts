/**
 * Pointers of registered versions, read in batches and kept: a version's pointer is a blob in the commit
 * its tag points at, and commits never change, so an entry never goes stale.
 */
import type { Git } from '../git.js';
import { readCommittedPointers, type PointerRead } from '../pointer/locate.js';
import type { ArtifactState, VersionState } from '../registry/state.js';

const MAX_ENTRIES = 50_000;

export class PointerCache {
  private readonly git: Git;
  private readonly entries = new Map<string, PointerRead>();

  constructor(git: Git) {
    this.git = git;
  }

  /** The pointers of `versions` of `state`'s artifact, in order. */
  async read(state: ArtifactState, versions: VersionState[]): Promise<PointerRead[]> {
    const keys = versions.map((v) => `${state.name}\0${v.commit}\0${hintOf(v) ?? ''}\0${v.version}`);
    const known = new Map(keys.filter((k) => this.entries.has(k)).map((k) => [k, this.entries.get(k)!]));
    const wanted = [...new Set(keys.filter((k) => !known.has(k)))];
    if (wanted.length > 0) {
      const byKey = new Map(keys.map((k, i) => [k, versions[i]!]));
      const reads = await readCommittedPointers(this.git, wanted.map((k) => ({ name: state.name, commit: byKey.get(k)!.commit, hint: hintOf(byKey.get(k)!), version: byKey.get(k)!.version })));
      if (this.entries.size + reads.length > MAX_ENTRIES) this.entries.clear();
      wanted.forEach((key, i) => {
        known.set(key, reads[i]!);
        this.entries.set(key, reads[i]!);
      });
    }
    return keys.map((k) => known.get(k)!);
  }

  async readOne(state: ArtifactState, version: VersionState): Promise<PointerRead> {
    return (await this.read(state, [version]))[0]!;
  }
}

/** The pointer path the version's registration tag recorded, if any. */
function hintOf(version: VersionState): string | undefined {
  const path = version.registered?.payload?.pointer?.path;
  return typeof path === 'string' ? path : undefined;
}

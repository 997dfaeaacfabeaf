/** The version record (its tags) and committed pointer a version or latest ref names. */
import { MvError } from '../errors.js';
import type { Git } from '../git.js';
import { readCommittedPointer, type LocatedPointer } from '../pointer/locate.js';
import { requireNotDeprecated, versionOfRef } from './lookup.js';
import { pinnedId, type Ref } from './ref.js';
import { readArtifact } from './registry-state.js';
import { isSemver } from '../semver.js';
import { listVersions, requireOneCommit, unknownVersion, type VersionRecord } from './versions.js';

export interface VersionPointer extends LocatedPointer {
  artifact: string;
  version: string;
  /**
   * The version's tags, when the pointer is the one committed where its registration tag points
   * (`record.register.commit`); undefined for a work-tree pointer (it may be ahead of any tag).
   */
  record?: VersionRecord;
}

/**
 * An artifact's versions (deregistered ones included), highest first, as `listVersions` reads them: for
 * callers that have read the registry's tags already.
 */
export type KnownVersions = (artifact: string) => VersionRecord[];

/** The version record a version or latest ref names. */
export async function findVersionRecord(git: Git, ref: Extract<Ref, { kind: 'version' | 'latest' }>, known?: KnownVersions): Promise<VersionRecord> {
  if (ref.kind === 'version' && !isSemver(ref.version)) {
    throw new MvError('NO_POINTER', `${ref.text} is a commit with stage tags but no version tag, so mv has no files recorded for it.`, {
      hint: 'Files can only be restored for versions added with `mvr add`.',
    });
  }
  const versions = known ? known(ref.artifact) : await listVersions(git, ref.artifact);
  if (versions.length === 0) {
    throw new MvError('UNKNOWN_ARTIFACT', `There is no artifact ${ref.artifact} in this repository (no ${ref.artifact}@v… tag).`, {
      hint: 'List artifacts with `mvr ls`; in a shallow or tag-less clone (CI), fetch the registry tags first: `git fetch --tags`.',
    });
  }
  let wanted = ref.kind === 'version' ? ref.version : undefined;
  if (ref.kind === 'latest') {
    // What `latest` means depends on every tag of the artifact (a deprecation hides it), as in `mv resolve`.
    const { state } = await readArtifact(git, ref.artifact);
    requireNotDeprecated(state, ref);
    wanted = versionOfRef(state, ref).version;
  }
  const record = versions.find((v) => v.version === wanted);
  if (!record) throw unknownVersion(ref.artifact, wanted ?? 'latest', versions);
  return requireOneCommit(record);
}

/** Reads the pointer committed with a registered version. */
export async function pointerOfRecord(git: Git, record: VersionRecord): Promise<VersionPointer> {
  const located = await readCommittedPointer(git, record.register.commit, record.artifact, record.register.payload?.pointer?.path, record.version);
  if (!located) {
    throw new MvError('NO_POINTER', `${pinnedId(record.artifact, record.version)} has no pointer file in commit ${record.register.commit.slice(0, 12)}; it was registered without mv (e.g. by GTO), so mv has no files to restore.`, {
      hint: 'Registry commands (show, history, promote) still work for it; files can only be restored for versions added with `mvr add`.',
    });
  }
  return { ...located, artifact: record.artifact, version: record.version, record };
}

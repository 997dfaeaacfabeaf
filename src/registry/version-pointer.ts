/** The pointer a ref designates: the work tree's for a bare name, the tagged commit's for a version. */
import { MvError } from '../errors.js';
import type { Git } from '../git.js';
import { findWorkspacePointer, readCommittedPointer, type LocatedPointer } from '../pointer/locate.js';
import { parseRef, pinnedId, type Ref } from './ref.js';
import { listVersions, unknownVersion, type VersionRecord } from './versions.js';

export interface VersionPointer extends LocatedPointer {
  artifact: string;
  version: string;
  /** Undefined for a work-tree pointer (it may be ahead of any tag). */
  record?: VersionRecord;
}

/** The version record a version or latest ref names. */
export async function findVersionRecord(git: Git, ref: Extract<Ref, { kind: 'version' | 'latest' }>): Promise<VersionRecord> {
  const versions = await listVersions(git, ref.artifact);
  if (versions.length === 0) {
    throw new MvError('UNKNOWN_ARTIFACT', `There is no artifact ${ref.artifact} in this repository (no ${ref.artifact}@v… tag).`, {
      hint: 'List artifacts with `mv ls`; in a shallow or tag-less clone (CI), fetch the registry tags first: `git fetch --tags`.',
    });
  }
  const record = ref.kind === 'latest' ? versions.find((v) => !v.deregister) : versions.find((v) => v.version === ref.version);
  if (!record) throw unknownVersion(ref.artifact, ref.kind === 'version' ? ref.version : 'latest', versions);
  return record;
}

/** Reads the pointer committed with a registered version. */
export async function pointerOfRecord(git: Git, record: VersionRecord): Promise<VersionPointer> {
  const located = await readCommittedPointer(git, record.register.commit, record.artifact, record.register.payload?.pointer?.path, record.version);
  if (!located) {
    throw new MvError('NO_POINTER', `${pinnedId(record.artifact, record.version)} has no pointer file in commit ${record.register.commit.slice(0, 12)}; it was registered without mv (e.g. by GTO), so mv has no files to restore.`, {
      hint: 'Registry commands (show, history, promote) still work for it; files can only be restored for versions added with `mv add`.',
    });
  }
  return { ...located, artifact: record.artifact, version: record.version, record };
}

export async function resolvePointer(git: Git, root: string, text: string): Promise<VersionPointer> {
  const ref = parseRef(text);
  if (ref.kind === 'artifact') {
    const located = await findWorkspacePointer(git, root, ref.artifact);
    if (!located) {
      throw new MvError('UNKNOWN_ARTIFACT', `No committed pointer for ${ref.artifact} in this work tree.`, {
        hint: 'List artifacts with `mv ls`, or name a version: `mv checkout name@vX.Y.Z`.',
      });
    }
    return { ...located, artifact: ref.artifact, version: located.pointer.version };
  }
  if (ref.kind === 'stage') {
    const { resolveStagePointer } = await import('./stage-pointer.js');
    return resolveStagePointer(git, ref);
  }
  return pointerOfRecord(git, await findVersionRecord(git, ref));
}

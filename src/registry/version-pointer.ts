/** The pointer a ref designates: the work tree's for a bare name, the tagged commit's for a version or stage. */
import { MvError } from '../errors.js';
import type { Git } from '../git.js';
import { findWorkspacePointer } from '../pointer/locate.js';
import { parseRef } from './ref.js';
import { resolveStagePointer } from './stage-pointer.js';
import { findVersionRecord, pointerOfRecord, type KnownVersions, type VersionPointer } from './version-record.js';

export { findVersionRecord, pointerOfRecord, type KnownVersions, type VersionPointer } from './version-record.js';

/** `known`: the registry's versions, when the caller has read its tags already. */
export async function resolvePointer(git: Git, root: string, text: string, known?: KnownVersions): Promise<VersionPointer> {
  const ref = parseRef(text);
  if (ref.kind === 'artifact') {
    const located = await findWorkspacePointer(git, root, ref.artifact);
    if (!located) {
      throw new MvError('UNKNOWN_ARTIFACT', `No committed pointer for ${ref.artifact} in this work tree.`, {
        hint: 'List artifacts with `mvr ls`, or name a version or stage of one (`name@vX.Y.Z`, `name#production`).',
      });
    }
    return { ...located, artifact: ref.artifact, version: located.pointer.version };
  }
  if (ref.kind === 'stage') return resolveStagePointer(git, ref, known);
  return pointerOfRecord(git, await findVersionRecord(git, ref, known));
}

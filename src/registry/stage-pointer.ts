/** Resolving `name#stage` to the one version that holds the stage (replaced by the registry state model). */
import { MvError } from '../errors.js';
import type { Git } from '../git.js';
import type { Ref } from './ref.js';
import type { VersionPointer } from './version-pointer.js';

export function resolveStagePointer(_git: Git, ref: Extract<Ref, { kind: 'stage' }>): Promise<VersionPointer> {
  throw new MvError('UNSUPPORTED_REF', `${ref.text}: stage refs are resolved by the registry.`, { hint: `Name the version: ${ref.artifact}@vX.Y.Z.` });
}

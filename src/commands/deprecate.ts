/**
 * `mv deprecate <ref>`: retire a whole artifact (`name@deprecated`), or with a version ref deregister that
 * version (`name@vX.Y.Z!`). A version that still holds a stage is not deregistered: move the stage first,
 * or archive it.
 */
import { findVersion, versionOfRef } from '../registry/lookup.js';
import { planDeprecate, planDeregister } from '../registry/retire-plans.js';
import { parseRef, pinnedId } from '../registry/ref.js';
import { MvError } from '../errors.js';
import { openRepo } from '../repo.js';
import { writeResult, writeArtifactTags, type RegistryWriteOptions, type RegistryWriteResult } from './registry-write.js';

export interface DeprecateOptions extends RegistryWriteOptions {
  ref: string;
}

export interface DeprecateResult extends RegistryWriteResult {
  /** `deprecate` for an artifact, `deregister` for a version. */
  event: 'deprecate' | 'deregister';
  id: string;
}

export async function deprecate(options: DeprecateOptions): Promise<DeprecateResult> {
  const repo = await openRepo(options.cwd ?? process.cwd());
  const ref = parseRef(options.ref);
  if (ref.kind === 'stage') {
    throw new MvError('VERSION_REQUIRED', `${ref.text} names a stage; deprecate takes an artifact (\`${ref.artifact}\`) or a version (\`${ref.artifact}@vX.Y.Z\`).`, {
      hint: `To take versions out of ${ref.stage}, promote or roll back another version.`,
    });
  }
  let id: string = ref.artifact;
  const head = ref.kind === 'artifact' ? await repo.git.headCommit() : undefined;
  const written = await writeArtifactTags(repo.git, ref.artifact, options, (state) => {
    if (ref.kind === 'artifact') {
      // Any commit will do for a deprecation; HEAD is where it was decided.
      const latestCommit = [...state.versions.values()].find((v) => v.registered)?.commit;
      return planDeprecate(state, head ?? latestCommit ?? state.events.at(-1)!.commit, options.message);
    }
    const version = ref.kind === 'version' ? findVersion(state, ref.version) : versionOfRef(state, ref);
    id = pinnedId(ref.artifact, version.version);
    return planDeregister(state, version, options.message);
  });
  return { ...writeResult(written, Boolean(options.sign), Boolean(options.dryRun)), event: ref.kind === 'artifact' ? 'deprecate' : 'deregister', id };
}

/**
 * `mv archive <ref>`: retire a version for good. It leaves every stage it is in, is assigned to
 * `archived` and is deregistered, so GTO reads it as gone too; archived is terminal.
 */
import { parseRef, pinnedId } from '../registry/ref.js';
import { versionOfAnyRef } from '../registry/ref-target.js';
import { planArchive } from '../registry/retire-plans.js';
import { openRepo } from '../repo.js';
import { writeResult, writeArtifactTags, type RegistryWriteOptions, type RegistryWriteResult } from './registry-write.js';

export interface ArchiveOptions extends RegistryWriteOptions {
  ref: string;
}

export interface ArchiveResult extends RegistryWriteResult {
  version: string;
  id: string;
}

export async function archive(options: ArchiveOptions): Promise<ArchiveResult> {
  const repo = await openRepo(options.cwd ?? process.cwd());
  const ref = parseRef(options.ref);
  let chosen = '';
  const written = await writeArtifactTags(repo.git, ref.artifact, options, (state) => {
    const version = versionOfAnyRef(state, ref, repo.config.stages, 'mvr archive REF');
    chosen = version.version;
    return planArchive(state, version, options.message);
  });
  return { ...writeResult(written, Boolean(options.sign), Boolean(options.dryRun)), version: chosen, id: pinnedId(ref.artifact, chosen) };
}

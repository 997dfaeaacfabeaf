/**
 * Resolving `name#stage` to the pointer of the one version that holds the stage. Reads only tags and git
 * objects, so it works in a bare repository (`mv get --repo URL`).
 */
import { MvError } from '../errors.js';
import type { Git } from '../git.js';
import { requireNotDeprecated, stageHolders } from './lookup.js';
import { pinnedId, type Ref } from './ref.js';
import { readArtifact } from './registry-state.js';
import { canonicalOrder, percent } from './weights.js';
import { findVersionRecord, pointerOfRecord, type KnownVersions, type VersionPointer } from './version-record.js';

export async function resolveStagePointer(git: Git, ref: Extract<Ref, { kind: 'stage' }>, known?: KnownVersions): Promise<VersionPointer> {
  const { state } = await readArtifact(git, ref.artifact);
  requireNotDeprecated(state, ref);
  const holders = stageHolders(state, ref.stage);
  if (holders.length > 1) {
    const list = canonicalOrder(holders).map((h) => `${pinnedId(ref.artifact, h.version)} (${percent(h.bp)}%)`);
    throw new MvError('SEVERAL_HOLDERS', `${ref.text} is served by ${holders.length} versions: ${list.join(', ')}.`, {
      hint: `Name one of them, e.g. \`${pinnedId(ref.artifact, canonicalOrder(holders)[0]!.version)}\`; serving code picks per request with \`mvr route ${ref.text} --key KEY\`.`,
      details: { holders: canonicalOrder(holders).map((h) => ({ id: pinnedId(ref.artifact, h.version), version: h.version, weight: percent(h.bp) })) },
    });
  }
  const version = state.versions.get(holders[0]!.version)!;
  if (version.unregistered) {
    throw new MvError('NO_POINTER', `${ref.text} is commit ${version.commit.slice(0, 12)}, which has stage tags but no version tag, so mv has no files recorded for it.`, {
      hint: `Registry commands (show, history, resolve) still work; files can only be restored for versions added with \`mvr add\`.`,
    });
  }
  return pointerOfRecord(git, await findVersionRecord(git, { kind: 'version', artifact: ref.artifact, version: version.version, text: pinnedId(ref.artifact, version.version) }, known));
}

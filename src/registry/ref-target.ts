/** The one version a ref names, for commands that act on a version (promote, archive, show, diff). */
import { MvError } from '../errors.js';
import { findVersion, stageHolders, versionOfRef } from './lookup.js';
import { pinnedId, type Ref } from './ref.js';
import { versionsHighestFirst, type ArtifactState, type VersionState } from './state.js';
import { canonicalOrder, describeHoldings } from './weights.js';

export function versionOfAnyRef(state: ArtifactState, ref: Ref, knownStages: readonly string[], example: string): VersionState {
  switch (ref.kind) {
    case 'version':
    case 'latest':
      return versionOfRef(state, ref);
    case 'stage': {
      const holders = stageHolders(state, ref.stage, knownStages);
      if (holders.length === 1) return findVersion(state, holders[0]!.version);
      throw new MvError('SEVERAL_HOLDERS', `${ref.text} is held by several versions (${describeHoldings(holders)}), so it does not name one version.`, {
        hint: `Name one: ${canonicalOrder(holders).map((h) => `\`${example.replace('REF', pinnedId(state.name, h.version))}\``).join(' or ')}.`,
      });
    }
    case 'artifact': {
      const versions = versionsHighestFirst(state).filter((v) => v.registered).slice(0, 5);
      throw new MvError('VERSION_REQUIRED', `${ref.text} names an artifact, not a version.`, {
        hint: versions.length ? `Name a version, e.g. \`${example.replace('REF', pinnedId(state.name, versions[0]!.version))}\` (versions: ${versions.map((v) => `v${v.version}`).join(', ')}).` : `${state.name} has no versions yet.`,
      });
    }
  }
}

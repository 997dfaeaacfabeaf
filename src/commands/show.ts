/**
 * `mv show <ref>`: an artifact (its stages and versions), a version (who registered it, its stages, its
 * events, what its pointer records) or a stage (its holders and the event that set them). With
 * `allInStage`, every version in each stage as GTO counts them (`gto show --vs -1`), newest assignment
 * first: GTO keeps an earlier version in a stage until it is unassigned.
 */
import { MvError } from '../errors.js';
import { displayText } from '../display-text.js';
import { Git } from '../git.js';
import { requireNotDeprecated, stageHolders, versionOfRef } from '../registry/lookup.js';
import { parseRef, pinnedId } from '../registry/ref.js';
import { readArtifact } from '../registry/registry-state.js';
import { artifactResult, stageInfo, versionResult, type ShowResult, type StageInfo, type StageMemberInfo, type VersionStatus, type VersionSummary } from '../registry/show-result.js';
import { versionPointer } from '../registry/version-metrics.js';
import type { LocatedPointer } from '../pointer/locate.js';
import { readPurgeRecords } from '../safety/purge-record.js';
import { versionModelFiles } from '../pointer/version-models.js';
import { openRepo } from '../repo.js';

export type { ShowResult, StageInfo, StageMemberInfo, VersionStatus, VersionSummary };
export { recordedVersion, type RecordedVersion } from '../registry/show-result.js';

export interface ShowOptions {
  cwd?: string;
  ref: string;
  /** List every version in each stage as GTO counts them, not only the holders. */
  allInStage?: boolean;
}

export async function show(options: ShowOptions): Promise<ShowResult> {
  const ref = parseRef(options.ref);
  const git = new Git(options.cwd ?? process.cwd());
  // A version's purge records are read while the artifact's tags are, not with them: those are one
  // artifact's tags, and purge tags live under their own prefix.
  const purges = ref.kind === 'version' || ref.kind === 'latest' ? readPurgeRecords(git) : undefined;
  purges?.catch(() => undefined);
  const { state, notes } = await readArtifact(git, ref.artifact);
  if (ref.kind === 'artifact') return artifactResult(state, notes, Boolean(options.allInStage));
  if (ref.kind === 'stage') {
    requireNotDeprecated(state, ref);
    stageHolders(state, ref.stage);
    return { kind: 'stage', artifact: state.name, notes, ...stageInfo(state, ref.stage, Boolean(options.allInStage)) };
  }
  const version = versionOfRef(state, ref);
  const purge = (await purges!).filter((r) => r.artifact === state.name && r.version === version.version).at(-1);
  // A tag whose commit holds another version's pointer (or none) is shown, and said to be so.
  const located = await versionPointer(git, state, version).catch((error: unknown) => {
    if (!(error instanceof MvError && error.code === 'POINTER_MISMATCH')) throw error;
    notes.push(error.message);
    return undefined;
  });
  if (!located && !notes.some((n) => n.includes(version.commit.slice(0, 12)))) {
    notes.push(`${pinnedId(state.name, version.version)} has no ${state.name} pointer in commit ${version.commit.slice(0, 12)} (registered without mv, e.g. by GTO): no files are recorded for it.`);
  }
  const result = versionResult(state, version, located, notes, purge);
  if (located) await addModelFiles(options.cwd ?? process.cwd(), result, located);
  return result;
}

/** Adds what the version's model files' headers say, for those the local cache holds. */
async function addModelFiles(cwd: string, result: Extract<ShowResult, { kind: 'version' }>, located: LocatedPointer): Promise<void> {
  const repo = await openRepo(cwd).catch(() => undefined);
  if (!repo) return;
  const { models, uncached } = await versionModelFiles(repo.cache, located.pointer, located.file);
  if (models.length) result.version.models = models;
  if (uncached.length) result.notes.push(`${uncached.map(displayText).join(', ')}: not in the cache; \`mvr fetch ${result.version.id}\` to see their tensors.`);
}

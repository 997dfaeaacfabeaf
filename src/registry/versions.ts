/** The registered versions of artifacts, read from `name@vX.Y.Z` (and `name@vX.Y.Z!`) tags. */
import semver from 'semver';
import { MvError } from '../errors.js';
import type { Git } from '../git.js';
import { tagForm } from './fullname.js';
import { readTagRecords, type TagRecord } from './tag-records.js';

export interface VersionRecord {
  artifact: string;
  version: string;
  /** The first registration tag. */
  register: TagRecord;
  /** The deregistration in force: the version's newest version tag deregisters it (GTO's rule). */
  deregister?: TagRecord;
  /** Registrations of the same version at other commits (GTO keeps the oldest): mv delivers neither. */
  conflicts?: TagRecord[];
}

/**
 * Groups register/deregister records by artifact and version. As GTO reads them, a version is
 * deregistered while its newest version tag (by date; a deregistration wins a tie) is a deregistration,
 * so a later registration (`name@vX#N`) makes it active again.
 */
export function versionsFromRecords(records: TagRecord[]): Map<string, Map<string, VersionRecord>> {
  const byArtifact = new Map<string, Map<string, VersionRecord>>();
  const direct = records
    .filter((r) => (r.kind === 'register' || r.kind === 'deregister') && r.annotated)
    .sort((a, b) => a.time! - b.time! || (a.kind === b.kind ? 0 : a.kind === 'register' ? -1 : 1) || (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
  for (const record of direct) {
    const versions = byArtifact.get(record.artifact) ?? new Map<string, VersionRecord>();
    byArtifact.set(record.artifact, versions);
    const entry = versions.get(record.version!);
    if (record.kind === 'register') {
      if (!entry) versions.set(record.version!, { artifact: record.artifact, version: record.version!, register: record });
      else if (entry.register.commit === record.commit) delete entry.deregister;
      else (entry.conflicts ??= []).push(record);
    } else if (entry && entry.register.commit === record.commit) entry.deregister = record;
  }
  return byArtifact;
}

/** Every version of one artifact (deregistered ones included), highest first. */
export async function listVersions(git: Git, artifact: string): Promise<VersionRecord[]> {
  return artifactVersions(versionsFromRecords(await readTagRecords(git, [`refs/tags/${tagForm(artifact)}@*`])), artifact);
}

/** One artifact's versions among those `versionsFromRecords` grouped (deregistered ones included), highest first. */
export function artifactVersions(byArtifact: Map<string, Map<string, VersionRecord>>, artifact: string): VersionRecord[] {
  const versions = byArtifact.get(artifact);
  return versions ? [...versions.values()].sort((a, b) => semver.rcompare(a.version, b.version)) : [];
}

/**
 * One artifact's registered versions (highest first) and every version number its tags take, annotated
 * or not (a lightweight tag still blocks the name), from one `git for-each-ref`.
 */
export async function versionTags(git: Git, artifact: string): Promise<{ registered: VersionRecord[]; taken: string[]; deprecated: boolean }> {
  const records = await readTagRecords(git, [`refs/tags/${tagForm(artifact)}@*`]);
  return {
    deprecated: records.some((r) => r.kind === 'deprecate' && r.artifact === artifact),
    registered: artifactVersions(versionsFromRecords(records), artifact),
    taken: [...new Set(records.filter((r) => r.version !== undefined).map((r) => r.version!))],
  };
}

/**
 * A version registered at more than one commit. mv never registers a version twice, so one of the tags
 * was made by hand or forged (a back-dated `name@vX#N` that GTO's reading would prefer): a pinned id must
 * not silently deliver other bytes, so nothing is read or served for it until the stray tag is deleted.
 */
export function versionConflict(artifact: string, version: string, tags: Array<{ tag: string; commit: string }>): MvError {
  const id = `${artifact}@v${version}`;
  return new MvError('VERSION_CONFLICT', `${id} is registered at ${tags.length} different commits (${tags.map((t) => `${t.tag} at ${t.commit.slice(0, 12)}`).join(', ')}), so mv will not pick one.`, {
    hint: `mv registers a version once; the other tags were made by hand or by someone else. Look at each (\`git show 'refs/tags/${tags[0]!.tag}'\`), then delete the wrong ones here and on the remote (\`git tag -d <tag> && git push origin ':refs/tags/<tag>'\`).`,
    details: { id, tags },
  });
}

/** The error for a version whose registration tags disagree on its commit (see versionConflict), if they do. */
export function conflictOf(record: VersionRecord): MvError | undefined {
  if (!record.conflicts?.length) return undefined;
  return versionConflict(record.artifact, record.version, [record.register, ...record.conflicts].map((r) => ({ tag: r.tag, commit: r.commit })));
}

/** Refuses a version whose registration tags disagree on its commit. */
export function requireOneCommit(record: VersionRecord): VersionRecord {
  const conflict = conflictOf(record);
  if (conflict) throw conflict;
  return record;
}

export function unknownVersion(artifact: string, version: string, existing: VersionRecord[]): MvError {
  const list = existing.slice(0, 8).map((v) => `v${v.version}`).join(', ');
  return new MvError('UNKNOWN_VERSION', `${version === 'latest' ? `${artifact}@latest names nothing` : `${artifact}@v${version} does not exist`}.`, {
    hint: existing.length ? `Versions of ${artifact}: ${list}${existing.length > 8 ? ', …' : ''}.` : `${artifact} has no versions yet; create one with \`mvr add ${artifact} <path>…\`.`,
  });
}

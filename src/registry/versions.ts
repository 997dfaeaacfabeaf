/** The registered versions of artifacts, read from `name@vX.Y.Z` (and `name@vX.Y.Z!`) tags. */
import semver from 'semver';
import { MvError } from '../errors.js';
import type { Git } from '../git.js';
import { readTagRecords, type TagRecord } from './tag-records.js';

export interface VersionRecord {
  artifact: string;
  version: string;
  /** The registration tag. */
  register: TagRecord;
  /** The deregistration tag, if the version was deregistered. */
  deregister?: TagRecord;
}

/** Groups register/deregister records by artifact and version. */
export function versionsFromRecords(records: TagRecord[]): Map<string, Map<string, VersionRecord>> {
  const byArtifact = new Map<string, Map<string, VersionRecord>>();
  for (const record of records) {
    if (record.kind !== 'register' || !record.annotated) continue;
    const versions = byArtifact.get(record.artifact) ?? new Map<string, VersionRecord>();
    versions.set(record.version!, { artifact: record.artifact, version: record.version!, register: record });
    byArtifact.set(record.artifact, versions);
  }
  for (const record of records) {
    if (record.kind !== 'deregister' || !record.annotated) continue;
    const entry = byArtifact.get(record.artifact)?.get(record.version!);
    if (entry) entry.deregister = record;
  }
  return byArtifact;
}

/** Every version of one artifact (deregistered ones included), highest first. */
export async function listVersions(git: Git, artifact: string): Promise<VersionRecord[]> {
  const records = await readTagRecords(git, [`refs/tags/${artifact}@*`]);
  const versions = versionsFromRecords(records).get(artifact);
  return versions ? [...versions.values()].sort((a, b) => semver.rcompare(a.version, b.version)) : [];
}

/**
 * One artifact's registered versions (highest first) and every version number its tags take, annotated
 * or not (a lightweight tag still blocks the name), from one `git for-each-ref`.
 */
export async function versionTags(git: Git, artifact: string): Promise<{ registered: VersionRecord[]; taken: string[]; deprecated: boolean }> {
  const records = await readTagRecords(git, [`refs/tags/${artifact}@*`]);
  const versions = versionsFromRecords(records).get(artifact);
  return {
    deprecated: records.some((r) => r.kind === 'deprecate' && r.artifact === artifact),
    registered: versions ? [...versions.values()].sort((a, b) => semver.rcompare(a.version, b.version)) : [],
    taken: [...new Set(records.filter((r) => r.version !== undefined).map((r) => r.version!))],
  };
}

export function unknownVersion(artifact: string, version: string, existing: VersionRecord[]): MvError {
  const list = existing.slice(0, 8).map((v) => `v${v.version}`).join(', ');
  return new MvError('UNKNOWN_VERSION', `${artifact}@v${version} does not exist.`, {
    hint: existing.length ? `Versions of ${artifact}: ${list}${existing.length > 8 ? ', …' : ''}.` : `${artifact} has no versions yet; create one with \`mv add ${artifact} <path>…\`.`,
  });
}

/**
 * Purge events: `mv purge` leaves an annotated tag `mv-purge/<artifact>/v<version>/<N>` on the version's
 * commit. The name has no `@` or `#`, so GTO (and mv's registry reader) ignore it; the tagger and date say
 * who and when, the message why and which objects were removed. A version with a purge tag is purged:
 * gc no longer keeps its objects, and commands that miss them say so instead of "object missing".
 */
import { displayText } from '../display-text.js';
import { MvError } from '../errors.js';
import type { Git } from '../git.js';
import type { Actor } from '../registry/events.js';
import { isoTime } from '../registry/events.js';
import { pinnedId } from '../registry/ref.js';
import { parseTagPayload } from '../registry/tag-message.js';
import { tagForm } from '../registry/fullname.js';
import { REGISTRY_TAG_PATTERNS, readTagRecords, readTagRows, tagRecordsFromRows, type TagRecord, type TagRow } from '../registry/tag-records.js';
import { versionsFromRecords, type VersionRecord } from '../registry/versions.js';

export const PURGE_TAG_PREFIX = 'mv-purge/';
const PURGE_TAG = /^mv-purge\/(.+)\/v([^/]+)\/(\d{1,9})$/;

export interface PurgePayload {
  mv: 1;
  event: 'purge';
  artifact: string;
  version: string;
  pointer: { path: string; oid: string } | null;
  reason?: string;
  /** Where the objects were removed: `cache`, and the remote (name and URL, no credentials) with -r. */
  from: string[];
  /** Every object removed, in deletion order. */
  objects: string[];
  bytes: number;
}

export interface PurgeRecord {
  tag: string;
  artifact: string;
  version: string;
  id: string;
  counter: number;
  commit: string;
  by: Actor;
  at: string;
  time: number;
  reason?: string;
  from: string[];
  objects: string[];
  bytes: number;
}

export function purgeTagName(artifact: string, version: string, counter: number): string {
  return `${PURGE_TAG_PREFIX}${artifact}/v${version}/${counter}`;
}

/**
 * Every purge event in the repository, oldest first. Anyone who can push a tag can write one, so a purge
 * tag counts only as `mv purge` writes it (validPurges); the registry tags are read only when there are
 * purge tags at all.
 */
export async function readPurgeRecords(git: Git): Promise<PurgeRecord[]> {
  const candidates = purgeRecordsFromRows(await readTagRows(git, [`refs/tags/${PURGE_TAG_PREFIX}`]));
  if (candidates.length === 0) return [];
  const artifacts = [...new Set(candidates.map((c) => c.artifact))];
  return validPurges(candidates, versionsFromRecords(await readTagRecords(git, artifacts.map((a) => `refs/tags/${tagForm(a)}@*`))));
}

/**
 * The registry's tag records and every purge event, from one `git for-each-ref` over all tags: for
 * commands that need both.
 */
export async function readTagAndPurgeRecords(git: Git): Promise<{ records: TagRecord[]; purges: PurgeRecord[] }> {
  const rows = await readTagRows(git, [...REGISTRY_TAG_PATTERNS, `refs/tags/${PURGE_TAG_PREFIX}`]);
  const records = tagRecordsFromRows(rows);
  return { records, purges: validPurges(purgeRecordsFromRows(rows), versionsFromRecords(records)) };
}

/**
 * The purge records that stand: each on the commit of a version registered there (the commit `mv purge`
 * tags), of a version registered at one commit only. A record made before the version existed, or placed
 * on any other commit, purges nothing, so no tag can strip gc's protection from a version yet to be made.
 */
function validPurges(candidates: PurgeRecord[], versions: Map<string, Map<string, VersionRecord>>): PurgeRecord[] {
  return candidates.filter((record) => {
    const version = versions.get(record.artifact)?.get(record.version);
    return version !== undefined && !version.conflicts?.length && version.register.commit === record.commit;
  });
}

/** The purge events among `rows` (tags of any kind), oldest first; not yet checked against the registry. */
function purgeRecordsFromRows(rows: TagRow[]): PurgeRecord[] {
  const records: PurgeRecord[] = [];
  for (const row of rows) {
    const record = purgeRecordFromRow(row);
    if (record) records.push(record);
  }
  return records.sort((a, b) => a.time - b.time || a.counter - b.counter);
}

/**
 * The purge event a tag records: an annotated tag with mv's purge payload, naming the version its tag name
 * names; undefined for any other tag.
 */
function purgeRecordFromRow(row: TagRow): PurgeRecord | undefined {
  const name = PURGE_TAG.exec(row.tag);
  if (!name || row.type !== 'tag' || row.oversized) return undefined;
  const payload = parseTagPayload(row.body) as Partial<PurgePayload> | undefined;
  const time = Number(row.taggerDate.split(' ')[0]);
  const artifact = name[1]!;
  const version = name[2]!;
  if (payload?.event !== 'purge' || payload.artifact !== artifact || payload.version !== version) return undefined;
  return {
    tag: row.tag,
    artifact,
    version,
    id: pinnedId(artifact, version),
    counter: Number(name[3]),
    commit: row.target,
    by: { name: row.taggerName, email: row.taggerEmail.replace(/^<|>$/g, '') },
    at: isoTime(time),
    time,
    ...(typeof payload?.reason === 'string' ? { reason: payload.reason } : {}),
    from: Array.isArray(payload?.from) ? payload.from.filter((f): f is string => typeof f === 'string') : [],
    objects: Array.isArray(payload?.objects) ? payload.objects.filter((o): o is string => typeof o === 'string') : [],
    bytes: typeof payload?.bytes === 'number' ? payload.bytes : 0,
  };
}

/** Purge records by pinned id (`name@vX.Y.Z`), oldest first. */
export function purgesById(records: PurgeRecord[]): Map<string, PurgeRecord[]> {
  const byId = new Map<string, PurgeRecord[]>();
  for (const record of records) byId.set(record.id, [...(byId.get(record.id) ?? []), record]);
  return byId;
}

/** Records the purge as an annotated tag on the version's commit; the next free `N` is taken. */
export async function writePurgeRecord(git: Git, options: { commit: string; payload: PurgePayload; existing: number }): Promise<string> {
  const { artifact, version } = options.payload;
  const summary = `Purge ${pinnedId(artifact, version)}${options.payload.reason ? `: ${options.payload.reason.replace(/[\r\n]+/g, ' ')}` : ''}`;
  const message = `${summary}\n\n${JSON.stringify(options.payload)}\n`;
  for (let counter = options.existing + 1; ; counter++) {
    const name = purgeTagName(artifact, version, counter);
    try {
      await git.createAnnotatedTag({ name, target: options.commit, message });
      return name;
    } catch (error) {
      if (!(error instanceof MvError && error.code === 'TAG_EXISTS') || counter > options.existing + 20) throw error;
    }
  }
}

/** Who purged a version, when and why, for messages. */
export function describePurge(record: PurgeRecord): string {
  return `${displayText(record.id)} was purged by ${displayText(record.by.name)} <${displayText(record.by.email)}> on ${record.at}${record.reason ? ` (${displayText(record.reason)})` : ''}; see \`git show refs/tags/${record.tag}\``;
}

/**
 * The error for commands that cannot find the objects of purged versions, or undefined when none of
 * `versions` was purged (then the caller's "object missing" error stands).
 */
export async function purgedVersionError(git: Git, versions: Array<{ artifact: string; version: string }>): Promise<MvError | undefined> {
  const byId = purgesById(await readPurgeRecords(git));
  const purged = versions.map((v) => byId.get(pinnedId(v.artifact, v.version))?.at(-1)).filter((r): r is PurgeRecord => r !== undefined);
  if (purged.length === 0) return undefined;
  const fromRemote = purged.some((r) => r.from.length > 1);
  return new MvError('VERSION_PURGED', `${purged.map(describePurge).join('; ')}.`, {
    hint: fromRemote
      ? 'Its bytes were deliberately removed and cannot be restored by mv; use another version (`mvr show <name>`).'
      : 'Its bytes were removed from this cache; a remote may still hold them (`mvr fetch <ref> -r <remote>`), otherwise use another version.',
    details: { purged: purged.map((r) => ({ id: r.id, tag: r.tag, by: r.by, at: r.at, ...(r.reason ? { reason: r.reason } : {}) })) },
  });
}

/** A purged version that a push or fetch leaves out. */
export interface LeftOut {
  id: string;
  artifact: string;
  version: string;
}

/** `versions` split into those no purge record names and the purged ones (a push never sends those). */
export async function splitPurged<T extends { id: string; pointer: { name: string; version: string } }>(git: Git, versions: T[]): Promise<{ kept: T[]; purged: LeftOut[] }> {
  const purges = purgesById(await readPurgeRecords(git));
  const purged = versions.filter((v) => purges.has(v.id)).map((v) => ({ id: v.id, artifact: v.pointer.name, version: v.pointer.version }));
  return { kept: versions.filter((v) => !purges.has(v.id)), purged };
}

/** The note of a push or fetch that left purged versions out; undefined when it left none out. */
export function leftOutNote(purged: LeftOut[]): string | undefined {
  const ids = [...new Set(purged.map((v) => v.id))];
  return ids.length ? `Left out ${ids.join(', ')}: purged (\`mvr show\` says by whom and why)` : undefined;
}

/** Before reporting objects a remote lacks: when the versions were purged, that is the real reason. */
export async function throwIfPurged(git: Git, failures: Array<{ code: string }>, versions: Array<{ artifact: string; version: string }>): Promise<void> {
  if (!failures.some((f) => f.code === 'OBJECT_MISSING')) return;
  const error = await purgedVersionError(git, versions);
  if (error) throw error;
}

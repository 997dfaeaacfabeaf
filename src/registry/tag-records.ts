/**
 * Reading registry tags: one `git for-each-ref` call returns every tag with its target, tagger, date and
 * message. Lightweight tags (no tagger, no message) are returned flagged so callers can report and skip
 * them; tags outside the grammar are dropped.
 */
import type { Git } from '../git.js';
import { parseTagPayload, type TagPayload } from './tag-message.js';
import { tagForm } from './fullname.js';
import { parseTagName, type ParsedTagName } from './tag-name.js';

export interface TagRecord extends ParsedTagName {
  tag: string;
  annotated: boolean;
  /** The commit the tag points at (peeled). */
  commit: string;
  /** The tag object's id (undefined for lightweight tags). */
  object?: string;
  tagger?: { name: string; email: string };
  /** Unix seconds of the tagger date (undefined for lightweight tags). */
  time?: number;
  /** The tagger's time zone offset, e.g. "+0100". */
  tz?: string;
  /** Unix seconds of the committer date of the tagged commit (GTO counts it as an event of the version). */
  commitTime?: number;
  subject: string;
  body: string;
  signed: boolean;
  payload?: TagPayload;
}

/** One tag as `git for-each-ref` reports it: what every reader of tags (registry events, purge records) needs. */
export interface TagRow {
  /** The name without `refs/tags/`. */
  tag: string;
  /** `tag` for an annotated tag; the type of the tagged object for a lightweight one. */
  type: string;
  /** The tag object's id, or the tagged object's for a lightweight tag. */
  object: string;
  /** What an annotated tag points at (peeled once); empty for a lightweight tag. */
  target: string;
  taggerName: string;
  /** As git prints it, in angle brackets. */
  taggerEmail: string;
  /** `<unix seconds> <tz>`. */
  taggerDate: string;
  subject: string;
  body: string;
  signature: string;
  /** The tagged commit's committer date, `<unix seconds> <tz>`; empty when it is no commit. */
  targetDate: string;
}

const FIELDS = [
  '%(refname)',
  '%(objecttype)',
  '%(objectname)',
  '%(*objectname)',
  '%(taggername)',
  '%(taggeremail)',
  '%(taggerdate:raw)',
  '%(contents:subject)',
  '%(contents:body)',
  '%(contents:signature)',
  '%(*committerdate:raw)',
];

/** The tags under `refs/tags/` matching the glob `patterns` (every tag by default), in one `git for-each-ref`. */
export async function readTagRows(git: Git, patterns: string[] = ['refs/tags/']): Promise<TagRow[]> {
  return (await git.refRecords(FIELDS, patterns)).map((parts) => ({
    tag: parts[0]!.slice('refs/tags/'.length),
    type: parts[1]!,
    object: parts[2]!,
    target: parts[3]!,
    taggerName: parts[4]!,
    taggerEmail: parts[5]!,
    taggerDate: parts[6]!,
    subject: parts[7]!,
    body: parts[8]!,
    signature: parts[9]!,
    targetDate: parts[10]!,
  }));
}

/**
 * Tags under `refs/tags/` matching the glob `patterns` (all registry tags by default). Unrelated tags
 * (`v1.0`, `release-3`) are skipped.
 */
export async function readTagRecords(git: Git, patterns: string[] = ['refs/tags/']): Promise<TagRecord[]> {
  return tagRecordsFromRows(await readTagRows(git, patterns));
}

/** The registry events among `rows`; other tags are skipped. */
export function tagRecordsFromRows(rows: TagRow[]): TagRecord[] {
  const records: TagRecord[] = [];
  for (const row of rows) {
    const parsed = parseTagName(row.tag);
    if (!parsed) continue;
    const annotated = row.type === 'tag';
    const record: TagRecord = parsed as TagRecord;
    record.tag = row.tag;
    record.annotated = annotated;
    record.commit = annotated ? row.target : row.object;
    record.subject = row.subject;
    record.body = row.body;
    record.signed = row.signature.length > 0;
    if (annotated) {
      const date = row.taggerDate;
      const space = date.indexOf(' ');
      record.object = row.object;
      record.tagger = { name: row.taggerName, email: row.taggerEmail.replace(/^<|>$/g, '') };
      record.time = Number(space < 0 ? date : date.slice(0, space));
      record.tz = space < 0 ? '+0000' : date.slice(space + 1);
      if (row.targetDate) record.commitTime = Number(row.targetDate.split(' ')[0]);
      const payload = parseTagPayload(row.body);
      if (payload) record.payload = payload;
    }
    records.push(record);
  }
  return records;
}

/**
 * `for-each-ref` patterns for one artifact's tags. Its `*` stops at a slash, and a stage name may hold
 * one (`churn#team/prod#3`): the third pattern takes those tags.
 */
export function artifactTagPatterns(artifact: string): string[] {
  return [...artifactTagRefspecs(artifact), `refs/tags/${tagForm(artifact)}#*/**`];
}

/** Fetch refspec globs for one artifact's tags (a refspec's `*` matches `/` too). */
export function artifactTagRefspecs(artifact: string): string[] {
  return [`refs/tags/${tagForm(artifact)}@*`, `refs/tags/${tagForm(artifact)}#*`];
}

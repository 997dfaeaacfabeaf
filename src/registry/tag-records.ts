/**
 * Reading registry tags: one `git for-each-ref` call returns every tag with its target, tagger, date and
 * message. Lightweight tags (no tagger, no message) are returned flagged so callers can report and skip
 * them; tags outside the grammar are dropped. Anyone who can push a tag chooses its size, so what one tag
 * and all of them may hold is bounded (MAX_TAG_BYTES, MAX_TAGS_BYTES), and only tags with a registry's
 * names are asked for: git never even reads the others.
 */
import { formatBytes } from '../byte-size.js';
import { MvError } from '../errors.js';
import type { Git } from '../git.js';
import { parseTagPayload, type TagPayload } from './tag-message.js';
import { tagForm } from './fullname.js';
import { parseTagName, type ParsedTagName } from './tag-name.js';

export interface TagRecord extends ParsedTagName {
  tag: string;
  /** An annotated tag whose message was read; false for a lightweight tag and for an `oversized` one: neither is an event. */
  annotated: boolean;
  /** An annotated tag larger than MAX_TAG_BYTES: its message was left out unread. */
  oversized?: true;
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
  /** The tag was larger than MAX_TAG_BYTES: the fields from the one that passed it on (the message, at the latest) are empty. */
  oversized: boolean;
}

/** The message comes last: a tag too large to read still gives its name, target and tagger. */
const FIELDS = [
  '%(refname)',
  '%(objecttype)',
  '%(objectname)',
  '%(*objectname)',
  '%(taggername)',
  '%(taggeremail)',
  '%(taggerdate:raw)',
  '%(*committerdate:raw)',
  '%(contents:subject)',
  '%(contents:body)',
  '%(contents:signature)',
];

/**
 * The most one tag's fields may hold, in characters (what the process holds; mv's text is ASCII, a
 * character a byte). mv's own registry messages are a few hundred; a tag over it is no event anyone meant.
 */
export const MAX_TAG_BYTES = 1024 * 1024;
/**
 * The most a purge record may hold: it lists every object it removed (74 characters each), so a purge of
 * a folder of 15,000 files is over a megabyte; this allows some 900,000.
 */
export const MAX_PURGE_TAG_BYTES = 64 * 1024 * 1024;
const PURGE_TAGS = 'refs/tags/mv-purge/';
/** The most one read of tags may hold: past it the read fails rather than fill memory. */
export const MAX_TAGS_BYTES = 128 * 1024 * 1024;

/**
 * `for-each-ref` patterns of every tag the registry grammar can name (`name@…`, `name#…`, in any folder;
 * `*` stops at a slash, and a stage name may hold one). Other tags are never read.
 */
export const REGISTRY_TAG_PATTERNS = ['refs/tags/**/*@*', 'refs/tags/**/*#*', 'refs/tags/**/*#*/**'];

/** The tags under `refs/tags/` matching the glob `patterns` (every registry tag by default), in one `git for-each-ref`. */
export async function readTagRows(git: Git, patterns: string[] = REGISTRY_TAG_PATTERNS): Promise<TagRow[]> {
  const records = await git.boundedRefRecords(FIELDS, patterns, {
    perRecord: MAX_TAG_BYTES,
    perRecordFor: (ref) => (ref.startsWith(PURGE_TAGS) ? MAX_PURGE_TAG_BYTES : MAX_TAG_BYTES),
    total: MAX_TAGS_BYTES,
    overTotal: tagsTooLarge,
  });
  return records.map(({ values, cut }) => ({
    tag: values[0]!.slice('refs/tags/'.length),
    type: values[1]!,
    object: values[2]!,
    target: values[3]!,
    taggerName: values[4]!,
    taggerEmail: values[5]!,
    taggerDate: values[6]!,
    targetDate: values[7]!,
    subject: values[8]!,
    body: values[9]!,
    signature: values[10]!,
    oversized: cut,
  }));
}

function tagsTooLarge(): MvError {
  return new MvError('TAGS_TOO_LARGE', `The registry's tags hold more than ${formatBytes(MAX_TAGS_BYTES)}, more than mv reads; tags were probably made to fill memory.`, {
    hint: "List the largest with `git for-each-ref --sort=-objectsize --format='%(objectsize) %(refname)' refs/tags/` and delete the ones that are no registry events you made (`git tag -d`, and `git push origin --delete` for the shared ones).",
  });
}

/**
 * Tags under `refs/tags/` matching the glob `patterns` (all registry tags by default). Unrelated tags
 * (`v1.0`, `release-3`) are skipped.
 */
export async function readTagRecords(git: Git, patterns: string[] = REGISTRY_TAG_PATTERNS): Promise<TagRecord[]> {
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
    record.annotated = annotated && !row.oversized;
    if (row.oversized) record.oversized = true;
    record.commit = annotated ? row.target : row.object;
    record.subject = row.subject;
    record.body = row.body;
    record.signed = row.signature.length > 0;
    if (record.annotated) {
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

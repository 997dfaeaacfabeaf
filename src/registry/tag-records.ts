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

/**
 * Tags under `refs/tags/` matching the glob `patterns` (all registry tags by default). Unrelated tags
 * (`v1.0`, `release-3`) are skipped.
 */
export async function readTagRecords(git: Git, patterns: string[] = ['refs/tags/']): Promise<TagRecord[]> {
  const records: TagRecord[] = [];
  for (const parts of await git.refRecords(FIELDS, patterns)) {
    const tag = parts[0]!.slice('refs/tags/'.length);
    const parsed = parseTagName(tag);
    if (!parsed) continue;
    const annotated = parts[1] === 'tag';
    const objectName = parts[2]!;
    const body = parts[8]!;
    const record: TagRecord = parsed as TagRecord;
    record.tag = tag;
    record.annotated = annotated;
    record.commit = annotated ? parts[3]! : objectName;
    record.subject = parts[7]!;
    record.body = body;
    record.signed = parts[9]!.length > 0;
    if (annotated) {
      const date = parts[6]!;
      const space = date.indexOf(' ');
      record.object = objectName;
      record.tagger = { name: parts[4]!, email: parts[5]!.replace(/^<|>$/g, '') };
      record.time = Number(space < 0 ? date : date.slice(0, space));
      record.tz = space < 0 ? '+0000' : date.slice(space + 1);
      const committed = parts[10]!;
      if (committed) record.commitTime = Number(committed.split(' ')[0]);
      const payload = parseTagPayload(body);
      if (payload) record.payload = payload;
    }
    records.push(record);
  }
  return records;
}

/** Glob patterns for one artifact's tags. */
export function artifactTagPatterns(artifact: string): string[] {
  return [`refs/tags/${tagForm(artifact)}@*`, `refs/tags/${tagForm(artifact)}#*`];
}

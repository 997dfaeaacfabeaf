/**
 * Reading registry tags: one `git for-each-ref` call returns every tag with its target, tagger, date and
 * message. Lightweight tags (no tagger, no message) are returned flagged so callers can report and skip
 * them; tags outside the grammar are dropped.
 */
import type { Git } from '../git.js';
import { parseTagPayload, type TagPayload } from './tag-message.js';
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
];

/**
 * Tags under `refs/tags/` matching the glob `patterns` (all registry tags by default). Unrelated tags
 * (`v1.0`, `release-3`) are skipped.
 */
export async function readTagRecords(git: Git, patterns: string[] = ['refs/tags/']): Promise<TagRecord[]> {
  const out = await git.run(['for-each-ref', `--format=${FIELDS.join('%00')}%00`, '--', ...patterns]);
  const parts = out.split('\0');
  const records: TagRecord[] = [];
  for (let i = 0; i + FIELDS.length <= parts.length; i += FIELDS.length) {
    const [refname = '', type, objectName = '', peeled, taggerName = '', taggerEmail = '', date = '', subject = '', body = '', signature = ''] = parts.slice(i, i + FIELDS.length);
    const tag = refname.replace(/^\n/, '').replace(/^refs\/tags\//, '');
    const parsed = parseTagName(tag);
    if (!parsed) continue;
    const annotated = type === 'tag';
    const [seconds, tz] = date.split(' ');
    records.push({
      ...parsed,
      tag,
      annotated,
      commit: annotated ? (peeled ?? '') : objectName,
      ...(annotated
        ? {
            object: objectName,
            tagger: { name: taggerName, email: taggerEmail.replace(/^<|>$/g, '') },
            time: Number(seconds),
            tz: tz ?? '+0000',
          }
        : {}),
      subject,
      body,
      signed: signature.length > 0,
      ...(annotated ? withPayload(body) : {}),
    });
  }
  return records;
}

function withPayload(body: string): { payload?: TagPayload } {
  const payload = parseTagPayload(body);
  return payload ? { payload } : {};
}

/** Glob patterns for one artifact's tags. */
export function artifactTagPatterns(artifact: string): string[] {
  return [`refs/tags/${artifact}@*`, `refs/tags/${artifact}#*`];
}

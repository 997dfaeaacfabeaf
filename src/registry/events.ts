/**
 * Registry events: one per annotated registry tag, with who made it, when, why, and the version it is
 * about. mv's tags carry that in their JSON payload; tags made by GTO carry free text only, so the version
 * of a stage event is the version registered at the tagged commit (one version per commit per artifact).
 *
 * Order: stage events carry a per-artifact counter `#N`, which is the authoritative order (tagger dates
 * have one-second resolution). Tags without a counter (registrations, GTO's simple mode) are merged in by
 * tagger date, before counted events of the same second.
 */
import { isPayloadLine, type TagPayload } from './tag-message.js';
import type { TagEventKind } from './tag-name.js';
import type { TagRecord } from './tag-records.js';
import { compareVersions } from './weights.js';

export interface Actor {
  name: string;
  email: string;
}

export interface RegistryEvent {
  kind: TagEventKind;
  artifact: string;
  tag: string;
  counter?: number;
  /** The commit the tag points at. */
  commit: string;
  /** The version the event is about (a commit id for a stage tag on a commit with no registered version). */
  version?: string;
  stage?: string;
  /** Tagger date, Unix seconds. */
  time: number;
  /** Tagger time zone, e.g. "+0100". */
  tz: string;
  by: Actor;
  /** The tag message without mv's machine-readable line. */
  message: string;
  /** The reason given with -m (mv tags), or the message (other tools' tags). */
  reason?: string;
  payload?: TagPayload;
  /** A rollback event: it re-assigned the holders from before the event it names. */
  rollbackOf?: string;
  /** Gates that --force overrode. */
  forced?: string[];
  signed: boolean;
}

/** Registry events of annotated tags, with notes about the tags that were skipped. */
export function eventsFromRecords(records: TagRecord[]): { events: RegistryEvent[]; notes: string[] } {
  const notes: string[] = [];
  const versionAt = new Map<string, string>();
  for (const record of records) {
    if (record.kind !== 'register' || !record.annotated) continue;
    const key = `${record.artifact}\0${record.commit}`;
    // One version per commit; if a tool broke that rule, the highest registered wins, deterministically.
    const existing = versionAt.get(key);
    if (!existing || compareVersions(existing, record.version!) < 0) versionAt.set(key, record.version!);
  }
  const events: RegistryEvent[] = [];
  for (const record of records) {
    if (!record.annotated) {
      notes.push(`${record.tag} is a lightweight tag; registry tags must be annotated, so it was ignored (recreate it with \`git tag -a\`).`);
      continue;
    }
    events.push(toEvent(record, versionAt));
  }
  return { events, notes };
}

function toEvent(record: TagRecord, versionAt: Map<string, string>): RegistryEvent {
  const payload = record.payload && record.payload.artifact === record.artifact ? record.payload : undefined;
  const message = stripPayload(record.subject, record.body);
  let version = record.version;
  if (version === undefined && record.kind !== 'deprecate') {
    version = (typeof payload?.version === 'string' ? payload.version : undefined) ?? versionAt.get(`${record.artifact}\0${record.commit}`) ?? record.commit;
  }
  const reason = payload ? (typeof payload.reason === 'string' ? payload.reason : undefined) : message || undefined;
  const rollbackOf = typeof payload?.rollback_of === 'string' ? payload.rollback_of : undefined;
  const forced = Array.isArray(payload?.forced) ? payload.forced.filter((f): f is string => typeof f === 'string') : undefined;
  return {
    kind: record.kind,
    artifact: record.artifact,
    tag: record.tag,
    ...(record.counter !== undefined ? { counter: record.counter } : {}),
    commit: record.commit,
    ...(version !== undefined ? { version } : {}),
    ...(record.stage !== undefined ? { stage: record.stage } : {}),
    time: record.time ?? 0,
    tz: record.tz ?? '+0000',
    by: record.tagger ?? { name: '', email: '' },
    message,
    ...(reason !== undefined ? { reason } : {}),
    ...(payload ? { payload } : {}),
    ...(rollbackOf ? { rollbackOf } : {}),
    ...(forced?.length ? { forced } : {}),
    signed: record.signed,
  };
}

/** The human part of a tag message: subject and body without mv's payload line. */
function stripPayload(subject: string, body: string): string {
  const lines = body.split('\n').filter((line) => !isPayloadLine(line.trim()));
  return [subject, ...lines].join('\n').trim();
}

const KIND_RANK: Record<TagEventKind, number> = { register: 0, assign: 1, unassign: 2, deregister: 3, deprecate: 4 };

/** Events in registry order (see the module comment). */
export function orderEvents(events: RegistryEvent[]): RegistryEvent[] {
  const counted = events.filter((e) => e.counter !== undefined).sort((a, b) => a.counter! - b.counter! || a.time - b.time || cmp(a.tag, b.tag));
  const timed = events.filter((e) => e.counter === undefined).sort((a, b) => a.time - b.time || KIND_RANK[a.kind] - KIND_RANK[b.kind] || cmp(a.tag, b.tag));
  const ordered: RegistryEvent[] = [];
  let i = 0;
  let j = 0;
  while (i < counted.length || j < timed.length) {
    const c = counted[i];
    const t = timed[j];
    if (t && (!c || t.time <= c.time)) {
      ordered.push(t);
      j++;
    } else {
      ordered.push(c!);
      i++;
    }
  }
  return ordered;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** ISO 8601 UTC of a tagger date. */
export function isoTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.000Z$/, 'Z');
}

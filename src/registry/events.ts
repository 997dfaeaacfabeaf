/**
 * Registry events: one per annotated registry tag, with who made it, when, why, and (for mv's tags) the
 * machine-readable payload. Lightweight tags are not events: GTO skips them too.
 *
 * Order (GTO's rule): by tagger date, never by counter. Within one second GTO gives removals the last
 * word — an unassignment beats an assignment of the same version and stage, a deregistration beats a
 * registration, and any event of the artifact beats a deprecation — so events of one second are taken
 * in the order deprecate, register, deregister, assign, unassign (GTO's event priorities), then by counter
 * and tag name. mv dates its own tags so that this order always agrees with its counters (see plan-time.ts).
 */
import { isPayloadLine, type TagPayload } from './tag-message.js';
import type { TagEventKind } from './tag-name.js';
import { formatBytes } from '../byte-size.js';
import { MAX_TAG_BYTES, type TagRecord } from './tag-records.js';

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
  /** Unix seconds of that commit's committer date (GTO counts it as an event of the version). */
  commitTime: number;
  /**
   * The version the event is about. For a stage event it is the version registered at the tagged commit,
   * as GTO reads it (set when the artifact's events are replayed); a commit with no registered version is
   * its own version, named by the commit id.
   */
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
  const events: RegistryEvent[] = [];
  for (const record of records) {
    if (record.oversized) {
      notes.push(`${record.tag} is larger than ${formatBytes(MAX_TAG_BYTES)}, more than any registry event holds, so it was ignored and its message not read.`);
      continue;
    }
    if (!record.annotated) {
      notes.push(`${record.tag} is a lightweight tag; registry tags must be annotated, so it was ignored (recreate it with \`git tag -a\`).`);
      continue;
    }
    events.push(toEvent(record));
  }
  return { events, notes };
}

function toEvent(record: TagRecord): RegistryEvent {
  const payload = record.payload && record.payload.artifact === record.artifact ? record.payload : undefined;
  const message = stripPayload(record.subject, record.body);
  const reason = payload ? (typeof payload.reason === 'string' ? payload.reason : undefined) : message || undefined;
  const rollbackOf = typeof payload?.rollback_of === 'string' ? payload.rollback_of : undefined;
  const forced = Array.isArray(payload?.forced) ? payload.forced.filter((f): f is string => typeof f === 'string') : undefined;
  return {
    kind: record.kind,
    artifact: record.artifact,
    tag: record.tag,
    counter: record.counter,
    commit: record.commit,
    commitTime: record.commitTime ?? 0,
    version: record.version,
    stage: record.stage,
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

/** GTO's event priorities, which also settle events of one second (see the module comment). */
export const KIND_RANK: Record<TagEventKind, number> = { deprecate: 0, register: 1, deregister: 2, assign: 3, unassign: 4 };

export function compareEvents(a: RegistryEvent, b: RegistryEvent): number {
  return a.time - b.time || KIND_RANK[a.kind] - KIND_RANK[b.kind] || (a.counter ?? -1) - (b.counter ?? -1) || cmp(a.tag, b.tag);
}

/** Events in registry order (see the module comment). */
export function orderEvents(events: RegistryEvent[]): RegistryEvent[] {
  return [...events].sort(compareEvents);
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** ISO 8601 UTC of a tagger date. */
export function isoTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.000Z$/, 'Z');
}

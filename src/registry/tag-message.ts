/**
 * Tag messages: the first line is for people ("Register churn@v2.4.1: weekly retrain"); after a blank
 * line, one JSON line carries the event for machines, so the whole registry reads from one
 * `git for-each-ref` call. Tags made by other tools (GTO) have free text and no payload.
 */
import { isPlainObject } from '../plain-object.js';

export const PAYLOAD_SCHEMA = 1;

export interface TagPayload {
  mv: number;
  /** A registry event (see tag-name.ts), or another kind of mv tag's (`purge`). */
  event: string;
  artifact: string;
  version?: string;
  stage?: string;
  /** Registration: where the version's pointer is, and the oid of its bytes (tamper evidence). */
  pointer?: { path: string; oid: string };
  /** Stage events: the stage's full state after the event, version → traffic percent. */
  state?: Record<string, number>;
  /** The reason given with -m. */
  reason?: string;
  [key: string]: unknown;
}

export function formatTagMessage(summary: string, payload: TagPayload): string {
  const firstLine = summary.replace(/[\r\n]+/g, ' ').trim();
  return `${firstLine}\n\n${JSON.stringify(payload)}\n`;
}

/**
 * Extracts mv's payload from a tag message body, if there is one (the last line starting `{"mv":`). Tag
 * messages are anyone's text: a payload without `mv`, `event` and `artifact` is none, and a known field of
 * the wrong shape is dropped rather than trusted. Checked by hand, not by a zod schema: `mv resolve` reads
 * every tag and must start without loading zod.
 */
export function parseTagPayload(body: string): TagPayload | undefined {
  let at = body.lastIndexOf(PAYLOAD_START);
  while (at > 0 && body.charCodeAt(at - 1) !== 10) at = body.lastIndexOf(PAYLOAD_START, at - 1);
  if (at < 0) return undefined;
  const end = body.indexOf('\n', at);
  let value: unknown;
  try {
    value = JSON.parse(body.slice(at, end < 0 ? undefined : end));
  } catch {
    return undefined;
  }
  if (!isPlainObject(value) || typeof value.mv !== 'number' || typeof value.event !== 'string' || typeof value.artifact !== 'string') return undefined;
  const payload: TagPayload = { ...value, mv: value.mv, event: value.event, artifact: value.artifact };
  for (const key of ['version', 'stage', 'reason'] as const) if (typeof value[key] !== 'string') delete payload[key];
  const pointer = value.pointer;
  if (!(isPlainObject(pointer) && typeof pointer.path === 'string' && typeof pointer.oid === 'string')) delete payload.pointer;
  const state = value.state;
  if (!(isPlainObject(state) && Object.values(state).every((weight) => typeof weight === 'number'))) delete payload.state;
  return payload;
}

/** Whether a message line is mv's machine-readable payload line. */
export function isPayloadLine(line: string): boolean {
  return line.startsWith(PAYLOAD_START);
}

const PAYLOAD_START = '{"mv":';

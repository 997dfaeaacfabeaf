/** How registry events appear in results and `--json`: who, when, why, and what changed. */
import { isoTime, type Actor, type RegistryEvent } from './events.js';
import { holderInfo, type HolderInfo } from './holders.js';
import { pinnedId } from './ref.js';
import type { ArtifactState, StageChange } from './state.js';
import { parseTagName, type TagEventKind } from './tag-name.js';
import type { SignatureCheck } from './signatures.js';

export interface StageChangeInfo {
  stage: string;
  before: HolderInfo[];
  after: HolderInfo[];
}

export interface EventInfo {
  tag: string;
  /** The `#N` counter (null for tags without one: registrations, deprecations). */
  counter: number | null;
  event: TagEventKind;
  version?: string;
  id?: string;
  stage?: string;
  /** Stage holders before and after, for every stage the event changed. */
  changes: StageChangeInfo[];
  /** For a rollback: the tag of the event it undid. */
  rollbackOf?: string;
  /** For a tag written together with another that is credited with the change (e.g. the unassign tag of a promotion): that tag. */
  partOf?: string;
  /** Gates that were overridden with --force. */
  forced?: string[];
  /** A version tag the registry did not take (another tag registers that version at another commit; see the notes). */
  ignored?: true;
  by: Actor;
  /** Tagger date, ISO 8601 UTC. */
  at: string;
  /** Tagger date, Unix seconds. */
  time: number;
  reason?: string;
  /** The tag message for people (without mv's JSON line). */
  message: string;
  commit: string;
  signed: boolean;
  /** For signed events, in `mv audit`: whether git could verify the signature, and whose it is. */
  signature?: SignatureCheck;
}

export function eventInfo(state: ArtifactState, event: RegistryEvent, changes: StageChange[] = changesOf(state, event)): EventInfo {
  // A version tag the registry ignored is about no version it knows: it still names the one in its own name.
  const ignored = event.version === undefined && (event.kind === 'register' || event.kind === 'deregister');
  const version = ignored ? parseTagName(event.tag)?.version : event.version;
  return {
    tag: event.tag,
    counter: event.counter ?? null,
    event: event.kind,
    ...(version !== undefined ? { version, id: pinnedId(state.name, version) } : {}),
    stage: event.stage,
    changes: changes.map((c) => ({ stage: c.stage, before: holderInfo(state.name, c.before), after: holderInfo(state.name, c.after) })),
    ...(event.rollbackOf ? { rollbackOf: event.rollbackOf } : {}),
    ...(state.parts.has(event) ? { partOf: state.parts.get(event)!.tag } : {}),
    ...(event.forced ? { forced: event.forced } : {}),
    ...(ignored ? { ignored: true as const } : {}),
    by: event.by,
    at: isoTime(event.time),
    time: event.time,
    reason: event.reason,
    message: event.message,
    commit: event.commit,
    signed: event.signed,
  };
}

export function changesOf(state: ArtifactState, event: RegistryEvent): StageChange[] {
  return state.changes.filter((c) => c.event === event);
}

/** Who registered a version, when and why. */
export interface RegistrationInfo {
  tag: string;
  by: Actor;
  at: string;
  reason?: string;
}

export function registrationInfo(event: RegistryEvent): RegistrationInfo {
  return { tag: event.tag, by: event.by, at: isoTime(event.time), reason: event.reason };
}

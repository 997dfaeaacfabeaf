/**
 * `mv audit <name> [--at TIME] [--stage S] [--key KEY]`: the state of each stage at a moment, replayed from
 * the tag history, with who made the change in force, when and why. With `--key`, the exact version that
 * served that request key then: routing is a pure function of the key and the recorded weights.
 */
import { Git } from '../git.js';
import { MvError } from '../errors.js';
import { checkFullname } from '../registry/fullname.js';
import { eventInfo, type EventInfo } from '../registry/event-info.js';
import { isoTime } from '../registry/events.js';
import { holderInfo, type HolderInfo } from '../registry/holders.js';
import { readArtifact } from '../registry/registry-state.js';
import { deployStage } from '../registry/stage-names.js';
import { enteredStage, lastChange, type ArtifactState } from '../registry/state.js';
import { parseTime } from '../registry/time.js';
import { routeIn, type RouteResult } from './route.js';
import { checkSignature, type SignatureCheck } from '../registry/signatures.js';

export interface AuditOptions {
  cwd?: string;
  name: string;
  /** ISO 8601 time, or `@<unix seconds>`; now when omitted. */
  at?: string;
  stage?: string;
  /** A request key: report the version that served it (needs a stage; default: the production stage). */
  key?: string;
}

export interface StageAtTime {
  stage: string;
  holders: HolderInfo[];
  /** The event whose result was in force at that time (who, when, why). */
  event: EventInfo;
}

export interface AuditResult {
  artifact: string;
  at: string;
  stages: StageAtTime[];
  /**
   * With --key: the version that served the key, the event whose weights were in force (`event`) and the
   * event that brought that version into the stage (`assignedBy`: who promoted it, when, why).
   */
  key?: Omit<RouteResult, 'notes' | 'event'> & { event: EventInfo; assignedBy: EventInfo };
  notes: string[];
}

/** Tags dated more than this after the local clock are named in a note (clocks drift by minutes, not days). */
const FUTURE_SKEW = 24 * 3600;

export async function audit(options: AuditOptions): Promise<AuditResult> {
  const name = checkFullname(options.name);
  const now = Math.floor(Date.now() / 1000);
  const until = options.at === undefined ? now : parseTime(options.at);
  const git = new Git(options.cwd ?? process.cwd());
  // Without --at, what holds each stage now is what resolve and route serve: every event counts, also
  // one dated after this machine's clock (a tagger date is whatever the tag's maker set).
  const { state, notes } = await readArtifact(git, name, options.at === undefined ? {} : { until });
  const future = state.events.filter((e) => e.time > now + FUTURE_SKEW);
  if (future.length) {
    notes.push(`${future.length} tag(s) of ${name} are dated after this machine's clock (${future.slice(0, 3).map((e) => `${e.tag} on ${isoTime(e.time)}`).join(', ')}${future.length > 3 ? ', …' : ''}): a tagger date is set by whoever made the tag, so times in this audit rest on them.`);
  }
  const stageForKey = options.key !== undefined ? (options.stage ?? deployStage(state.stagesSeen)) : options.stage;
  const stages: StageAtTime[] = [];
  for (const [stage, holders] of state.stages) {
    const change = lastChange(state, stage);
    if (!change || (stageForKey && stage !== stageForKey)) continue;
    stages.push({ stage, holders: holderInfo(name, holders), event: eventInfo(state, change.event) });
  }
  if (stageForKey && stages.length === 0) throw nothingAt(state, stageForKey, until);
  const result: AuditResult = { artifact: name, at: isoTime(until), stages, notes };
  if (options.key !== undefined) {
    if (stages[0]!.holders.length === 0) throw nothingAt(state, stageForKey!, until);
    const { event: _tag, ...routed } = routeIn(state, stageForKey!, options.key);
    const entered = enteredStage(state, stageForKey!, routed.version);
    result.key = { ...routed, event: stages[0]!.event, assignedBy: entered ? eventInfo(state, entered.event) : stages[0]!.event };
  }
  await addSignatures(git, [...stages.map((s) => s.event), ...(result.key ? [result.key.event, result.key.assignedBy] : [])]);
  return result;
}

/** Who signed the signed events shown (one `git verify-tag` per distinct tag). */
async function addSignatures(git: Git, events: EventInfo[]): Promise<void> {
  const checks = new Map<string, Promise<SignatureCheck>>();
  for (const event of events) {
    if (!event.signed) continue;
    if (!checks.has(event.tag)) checks.set(event.tag, checkSignature(git, event.tag));
    event.signature = await checks.get(event.tag)!;
  }
}

function nothingAt(state: ArtifactState, stage: string, until: number): MvError {
  const first = state.events.find((e) => e.stage === stage);
  return new MvError('STAGE_EMPTY', `No version of ${state.name} was in ${stage} at ${isoTime(until)}.`, {
    hint: first ? 'See when it changed with `mvr history ' + state.name + ' --stage ' + stage + '`.' : `Nothing was assigned to ${stage} by then; see \`mvr history ${state.name}\`.`,
  });
}

/**
 * `mv check-ref <tag>`: for CI triggered by a pushed tag — what registry event the tag is: artifact,
 * version, stage and kind (register, assign, unassign, deregister, deprecate). A tag that is not a
 * registry tag gives null (and no output), as in GTO, so a job triggered by every tag can run it.
 */
import { Git } from '../git.js';
import { MvError } from '../errors.js';
import { eventInfo, type EventInfo } from '../registry/event-info.js';
import { pinnedId } from '../registry/ref.js';
import { readArtifact } from '../registry/registry-state.js';
import { parseTagName, type TagEventKind } from '../registry/tag-name.js';

export interface CheckRefOptions {
  cwd?: string;
  /** A tag name, with or without `refs/tags/`. */
  tag: string;
}

export interface CheckRefResult {
  tag: string;
  artifact: string;
  event: TagEventKind;
  version?: string;
  id?: string;
  stage?: string;
  counter?: number;
  /** Whether the tag exists here as an annotated tag (a CI checkout may not have fetched it). */
  exists: boolean;
  /** Who, when, why and the resulting stage state, when the tag exists. */
  details?: EventInfo;
  notes: string[];
}

/** The registry event a tag is, or null when the tag is not a registry tag. */
export async function checkRef(options: CheckRefOptions): Promise<CheckRefResult | null> {
  const tag = options.tag.replace(/^refs\/tags\//, '');
  const parsed = parseTagName(tag);
  if (!parsed) return null;
  const { state, notes } = await readArtifact(new Git(options.cwd ?? process.cwd()), parsed.artifact).catch((error: unknown) => {
    if (error instanceof MvError && error.code === 'UNKNOWN_ARTIFACT') return { state: undefined, notes: [] as string[] };
    throw error;
  });
  const event = state?.events.find((e) => e.tag === tag);
  const version = event?.version ?? parsed.version;
  return {
    tag,
    artifact: parsed.artifact,
    event: parsed.kind,
    ...(version !== undefined ? { version, id: pinnedId(parsed.artifact, version) } : {}),
    ...(parsed.stage !== undefined ? { stage: parsed.stage } : {}),
    ...(parsed.counter !== undefined ? { counter: parsed.counter } : {}),
    exists: event !== undefined,
    ...(state && event ? { details: eventInfo(state, event) } : {}),
    notes,
  };
}

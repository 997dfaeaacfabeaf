/**
 * Carrying out a write plan: name the tags (stage tags get the artifact's next counters), date them no
 * earlier than the plan allows (waiting a moment for the clock when it is close), create them in one ref
 * transaction (or signed, one by one), and make sure no other tag took the same counter meanwhile.
 *
 * Concurrency without locks: after creating its tags, a writer re-reads the artifact's tags; if any other
 * tag carries one of its counters, it deletes its own (never published, so nothing anyone saw is lost),
 * waits a moment and plans again from the fresh state. Of two racing writers at least the later one sees
 * the clash, so two tags never keep one counter. Existing tags are never overwritten: creation refuses
 * taken names. With a remote, tags are fetched before planning and pushed atomically; a push rejected
 * because the name was taken there meanwhile is resolved the same way: delete, fetch, plan again.
 */
import { MvError } from '../errors.js';
import type { Git } from '../git.js';
import { isoTime } from './events.js';
import { formatTagMessage } from './tag-message.js';
import { assignTag, deprecateTag, deregisterTag, unassignTag } from './tag-name.js';
import { readRegistry } from './registry-state.js';
import type { ArtifactState } from './state.js';
import { replayArtifact } from './state.js';
import type { TagDraft, WritePlan } from './write-plan.js';
import { artifactTagPatterns, artifactTagRefspecs, readTagRecords } from './tag-records.js';

export interface WriteOptions {
  git: Git;
  artifact: string;
  /** Plans the write from the artifact's current state (called again after a clash). */
  plan: (state: ArtifactState) => Promise<WritePlan> | WritePlan;
  push?: boolean;
  sign?: boolean;
  attempts?: number;
  /** Plan and name the tags, create none (`--dry-run`). */
  dryRun?: boolean;
}

export interface WrittenTags {
  plan: WritePlan;
  tags: string[];
  /** The remote the tags were pushed to. */
  pushedTo?: string;
  /** How many times the plan was made (more than 1 after a clash with a concurrent writer). */
  attempts: number;
}

export function tagName(artifact: string, draft: TagDraft, counter: number | undefined): string {
  switch (draft.kind) {
    case 'assign':
      return assignTag(artifact, draft.stage!, counter!);
    case 'unassign':
      return unassignTag(artifact, draft.stage!, counter!);
    case 'deregister':
      return deregisterTag(artifact, draft.version!, counter);
    case 'deprecate':
      return deprecateTag(artifact, counter);
  }
}

/** Whether the draft's tag takes a counter: stage tags always; the others only when their plain name is taken (as GTO does). */
function takesCounter(artifact: string, draft: TagDraft, known: Set<string>): boolean {
  return draft.kind === 'assign' || draft.kind === 'unassign' || known.has(tagName(artifact, draft, undefined));
}

/** How long to wait for the clock to pass a plan's earliest date before dating the tags explicitly instead. */
const MAX_WAIT_SECONDS = 3;
const MAX_WAITS = 5;

export async function writeRegistryTags(options: WriteOptions): Promise<WrittenTags> {
  const { git, artifact } = options;
  const attempts = options.attempts ?? 8;
  const remote = options.push ? await requirePushRemote(git) : undefined;
  let waits = 0;
  for (let attempt = 1; ; attempt++) {
    if (remote) await fetchArtifactTags(git, remote, artifact);
    // Who writes the tags and when, read alongside the registry; awaited once there is something to write.
    const tagger = git.committerIdent();
    tagger.catch(() => undefined);
    const { artifacts, tagNames: known } = await readRegistry(git, { artifact });
    const state = artifacts.get(artifact) ?? replayArtifact(artifact, []);
    const plan = await options.plan(state);
    if (plan.drafts.length === 0) return { plan, tags: [], attempts: attempt };
    if (options.dryRun) return { plan, tags: namedTags(artifact, plan, state.maxCounter, known).map((t) => t.name), attempts: attempt };

    const ident = await tagger;
    const date = await tagDate(identTime(ident), plan.notBefore, waits < MAX_WAITS);
    if (date === 'waited') {
      waits++;
      attempt--;
      continue;
    }
    if (date !== undefined) plan.warnings.push(futureDateWarning(artifact, date));

    const tags = namedTags(artifact, plan, state.maxCounter, known);

    let created: Array<{ name: string; oid: string }>;
    try {
      created = await createTags(git, tags, { sign: Boolean(options.sign), date, tagger: ident });
    } catch (error) {
      if (error instanceof MvError && error.code === 'TAG_EXISTS' && attempt < attempts) {
        await pause(attempt);
        continue;
      }
      throw error;
    }
    if (await counterTakenByAnother(git, artifact, tags, known)) {
      await deleteTags(git, created);
      if (attempt >= attempts) throw contended(artifact, attempts);
      await pause(attempt);
      continue;
    }
    if (remote) {
      const failure = await git.pushTags(remote, created.map((t) => t.name));
      if (failure !== undefined) {
        // Never published: remove ours, then see whether the remote gained a tag of the same name meanwhile.
        await deleteTags(git, created);
        await fetchArtifactTags(git, remote, artifact);
        const clashed = await Promise.all(created.map((t) => git.resolveRef(`refs/tags/${t.name}`)));
        if (!clashed.some(Boolean)) {
          throw new MvError('PUSH_FAILED', `Could not push ${created.map((t) => t.name).join(', ')} to ${remote}: ${failure}`, {
            hint: 'Nothing was created (the local tags were removed again). Check the remote and your access, then run the command again.',
          });
        }
        if (attempt >= attempts) throw contended(artifact, attempts);
        await pause(attempt);
        continue;
      }
    }
    return { plan, tags: created.map((t) => t.name), pushedTo: remote, attempts: attempt };
  }
}

/** The plan's tags, named: stage tags (and clashing plain names) take the artifact's next counters. */
function namedTags(artifact: string, plan: WritePlan, maxCounter: number, known: Set<string>): Array<{ name: string; counter: number | undefined; target: string; message: string }> {
  let counter = maxCounter;
  return plan.drafts.map((draft) => {
    const numbered = takesCounter(artifact, draft, known) ? ++counter : undefined;
    return { name: tagName(artifact, draft, numbered), counter: numbered, target: draft.target, message: formatTagMessage(draft.summary, draft.payload) };
  });
}

/**
 * The tagger date to give the tags: undefined for now (the clock is past `notBefore`); 'waited' after
 * waiting a moment for the clock to get there (the plan is made again); or `notBefore` itself when the
 * date is fixed (GIT_COMMITTER_DATE) or the artifact's newest event is dated too far ahead to wait for.
 */
async function tagDate(now: number, notBefore: number, mayWait: boolean): Promise<number | undefined | 'waited'> {
  if (notBefore === 0) return undefined;
  if (now >= notBefore) return undefined;
  if (mayWait && process.env.GIT_COMMITTER_DATE === undefined && notBefore - now <= MAX_WAIT_SECONDS) {
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, notBefore * 1000 - Date.now()) + 20));
    return 'waited';
  }
  return notBefore;
}

/** The Unix seconds of a git ident ("Name <email> 1700000000 +0100"). */
function identTime(ident: string): number {
  return Number(/ (\d+) [+-]\d{4}$/.exec(ident)?.[1] ?? Math.floor(Date.now() / 1000));
}

function futureDateWarning(artifact: string, date: number): string {
  const why = process.env.GIT_COMMITTER_DATE !== undefined ? 'GIT_COMMITTER_DATE is set to a date before' : 'the clock is behind';
  return `${why} ${artifact}'s newest registry event, so the new tags are dated ${isoTime(date)}, just after it (GTO orders events by date alone)${process.env.GIT_COMMITTER_DATE !== undefined ? '' : '; check the clocks of the machines that write tags'}.`;
}

async function createTags(
  git: Git,
  tags: Array<{ name: string; target: string; message: string }>,
  options: { sign: boolean; date: number | undefined; tagger: string },
): Promise<Array<{ name: string; oid: string }>> {
  const dated = options.date === undefined ? {} : { date: options.date };
  if (!options.sign) {
    const oids = await git.createAnnotatedTags(tags, { ...dated, tagger: options.tagger });
    return tags.map((t, i) => ({ name: t.name, oid: oids[i]! }));
  }
  const created: Array<{ name: string; oid: string }> = [];
  try {
    for (const tag of tags) created.push({ name: tag.name, oid: await git.createSignedTag(tag, dated) });
  } catch (error) {
    await deleteTags(git, created);
    throw error;
  }
  return created;
}

/** Whether a tag this writer did not know about carries one of its counters. */
async function counterTakenByAnother(git: Git, artifact: string, tags: Array<{ name: string; counter: number | undefined }>, known: Set<string>): Promise<boolean> {
  const mine = new Set(tags.map((t) => t.name));
  const counters = new Set(tags.map((t) => t.counter).filter((c) => c !== undefined));
  if (counters.size === 0) return false;
  const records = await readTagRecords(git, artifactTagPatterns(artifact));
  return records.some((r) => r.artifact === artifact && !mine.has(r.tag) && !known.has(r.tag) && r.counter !== undefined && counters.has(r.counter));
}

async function deleteTags(git: Git, tags: Array<{ name: string; oid: string }>): Promise<void> {
  for (const tag of tags) await git.deleteRef(`refs/tags/${tag.name}`, tag.oid).catch(() => undefined);
}

async function requirePushRemote(git: Git): Promise<string> {
  const remote = await git.pushRemote();
  if (remote) return remote;
  throw new MvError('NO_GIT_REMOTE', 'This repository has no git remote to push the tag to.', {
    hint: 'Add one with `git remote add origin <url>`, or run without --push and push the tag later with `git push origin refs/tags/<tag>`.',
  });
}

async function fetchArtifactTags(git: Git, remote: string, artifact: string): Promise<void> {
  try {
    await git.fetchTags(remote, artifactTagRefspecs(artifact));
  } catch (error) {
    throw new MvError('FETCH_FAILED', `Could not fetch ${artifact}'s tags from ${remote}: ${error instanceof Error ? error.message : String(error)}`, {
      hint: 'A tag that differs locally and on the remote must be reconciled by hand (`git fetch --tags` shows which); otherwise check the remote and your access.',
      cause: error,
    });
  }
}

function contended(artifact: string, attempts: number): MvError {
  return new MvError('REGISTRY_CONTENDED', `Other writers kept taking ${artifact}'s next counter; gave up after ${attempts} attempts and created nothing.`, {
    hint: 'Run the command again.',
  });
}

/** Backoff with jitter, so racing writers do not retry in lockstep. */
function pause(attempt: number): Promise<void> {
  const ms = Math.min(1000, 25 * 2 ** attempt) * (0.5 + Math.random());
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Reading the registry: one `git for-each-ref` call (over one artifact's tags when only that artifact is
 * asked about), replayed into per-artifact state, with GTO's index (`artifacts.yaml`) committed at HEAD
 * read alongside by one `git cat-file` (gto-index.ts). Works in bare repositories too: it reads only tags
 * and git objects.
 */
import { MvError } from '../errors.js';
import { GitCommandError, type Git } from '../git.js';
import { eventsFromRecords, type RegistryEvent } from './events.js';
import { readGtoIndex, type GtoIndex } from './gto-index.js';
import { replayArtifact, type ArtifactState, type IndexListing } from './state.js';
import { artifactTagPatterns, readTagRecords } from './tag-records.js';

export interface Registry {
  artifacts: Map<string, ArtifactState>;
  /** Artifacts whose tags cannot be read (GTO refuses them too), with why. */
  problems: Map<string, MvError>;
  /** Tags that were skipped and why (lightweight tags), and what of GTO's index was left out. */
  notes: string[];
  /** Every registry tag name read, lightweight ones included. */
  tagNames: Set<string>;
}

export interface ReadRegistryOptions {
  /** Only this artifact's tags are read. */
  artifact?: string;
  /** Only events tagged at or before this time (Unix seconds) are replayed; HEAD's commit counts when it is dated by then. */
  until?: number;
}

export async function readRegistry(git: Git, options: ReadRegistryOptions = {}): Promise<Registry> {
  const indexRead = readGtoIndex(git);
  // Awaited after the tags, whose failure (not a repository) is the one to report.
  indexRead.catch(() => undefined);
  let records;
  try {
    records = await readTagRecords(git, options.artifact ? artifactTagPatterns(options.artifact) : undefined);
  } catch (error) {
    if (error instanceof GitCommandError && /not a git repository/i.test(error.message)) {
      throw new MvError('NOT_A_GIT_REPO', `${git.cwd} is not inside a git repository.`, {
        hint: 'Change to your project directory (a clone of the repository that holds the registry tags).',
      });
    }
    throw error;
  }
  const { index, notes: indexNotes } = await indexRead;
  const { events, notes } = eventsFromRecords(records.filter((r) => !options.artifact || r.artifact === options.artifact));
  const byArtifact = new Map<string, RegistryEvent[]>();
  for (const event of events) {
    if (options.until !== undefined && event.time > options.until) continue;
    const list = byArtifact.get(event.artifact) ?? [];
    list.push(event);
    byArtifact.set(event.artifact, list);
  }
  const listings = indexListings(index, options);
  for (const name of listings.keys()) if (!byArtifact.has(name)) byArtifact.set(name, []);
  const artifacts = new Map<string, ArtifactState>();
  const problems = new Map<string, MvError>();
  for (const name of [...byArtifact.keys()].sort()) {
    try {
      artifacts.set(name, replayArtifact(name, byArtifact.get(name)!, listings.get(name)));
    } catch (error) {
      if (!(error instanceof MvError)) throw error;
      problems.set(name, error);
    }
  }
  // A counter is taken by any tag that carries it, lightweight or not (GTO counts them all too).
  for (const record of records) {
    const state = artifacts.get(record.artifact);
    if (state && record.counter !== undefined) state.maxCounter = Math.max(state.maxCounter, record.counter);
  }
  const leftOut = (index?.leftOut ?? []).filter((entry) => options.artifact === undefined || entry.name === options.artifact).map((entry) => entry.note);
  return { artifacts, problems, notes: [...notes, ...indexNotes, ...leftOut], tagNames: new Set(records.map((r) => r.tag)) };
}

/** The index's entries the read covers: the asked artifact's only, and none when HEAD's commit is dated after `until`. */
function indexListings(index: GtoIndex | undefined, options: ReadRegistryOptions): Map<string, IndexListing> {
  const listings = new Map<string, IndexListing>();
  if (!index || (options.until !== undefined && index.commitTime > options.until)) return listings;
  for (const [name, annotation] of index.artifacts) {
    if (options.artifact !== undefined && name !== options.artifact) continue;
    listings.set(name, { file: index.file, commit: index.commit, commitTime: index.commitTime, annotation });
  }
  return listings;
}

/** The artifact's state, or an error that lists the artifacts there are. */
export function requireArtifact(registry: Registry, name: string): ArtifactState {
  const state = registry.artifacts.get(name);
  if (state) return state;
  throw registry.problems.get(name) ?? unknownArtifact(name, [...registry.artifacts.keys()]);
}

export function unknownArtifact(name: string, existing: string[]): MvError {
  const list = existing.slice(0, 10).join(', ');
  return new MvError('UNKNOWN_ARTIFACT', `There is no artifact ${name} in this registry.`, {
    hint: existing.length
      ? `Artifacts: ${list}${existing.length > 10 ? ', …' : ''} (see \`mvr ls\`).`
      : `The registry is empty here; register a version with \`mvr add ${name} <path>…\`, or, in a shallow or tag-less clone (CI), fetch the tags first: \`git fetch --tags\`.`,
  });
}

/** Reads one artifact's state, failing when neither its tags nor GTO's index at HEAD name it. */
export async function readArtifact(git: Git, name: string, options: Omit<ReadRegistryOptions, 'artifact'> = {}): Promise<{ state: ArtifactState; notes: string[]; tagNames: Set<string> }> {
  const registry = await readRegistry(git, { ...options, artifact: name });
  const problem = registry.problems.get(name);
  if (problem) throw problem;
  const state = registry.artifacts.get(name);
  if (state) return { state, notes: [...registry.notes, ...state.notes], tagNames: registry.tagNames };
  if (options.until !== undefined) {
    const all = await readRegistry(git, { artifact: name });
    if (all.artifacts.has(name) || all.problems.has(name)) return { state: replayArtifact(name, []), notes: registry.notes, tagNames: registry.tagNames };
  }
  throw await artifactNotFound(git, name);
}

/** The error for an artifact the registry does not know, listing the artifacts there are (a second read, on this error path only). */
export async function artifactNotFound(git: Git, name: string): Promise<MvError> {
  const everything = await readRegistry(git);
  return everything.problems.get(name) ?? unknownArtifact(name, [...everything.artifacts.keys()]);
}

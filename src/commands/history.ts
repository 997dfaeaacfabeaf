/**
 * `mv history <name>`: every registry event of an artifact, newest first as in `gto history` (oldest first
 * with `ascending`), with who, when, why and what changed.
 */
import { Git } from '../git.js';
import { eventInfo, type EventInfo } from '../registry/event-info.js';
import { checkFullname } from '../registry/fullname.js';
import { readArtifact } from '../registry/registry-state.js';

export interface HistoryOptions {
  cwd?: string;
  name: string;
  /** Only events that changed this stage. */
  stage?: string;
  /** Oldest first. */
  ascending?: boolean;
}

export interface HistoryResult {
  artifact: string;
  /** Newest first (oldest first with `ascending`), in registry order: by date, as GTO orders them. */
  events: EventInfo[];
  notes: string[];
}

export async function history(options: HistoryOptions): Promise<HistoryResult> {
  const name = checkFullname(options.name);
  const { state, notes } = await readArtifact(new Git(options.cwd ?? process.cwd()), name);
  const events = state.events.map((e) => eventInfo(state, e)).filter((e) => !options.stage || e.stage === options.stage || e.changes.some((c) => c.stage === options.stage));
  return { artifact: name, events: options.ascending ? events : events.reverse(), notes };
}

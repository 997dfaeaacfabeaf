/** `mv history <name>`: every registry event of an artifact in order, with who, when, why and what changed. */
import { Git } from '../git.js';
import { checkArtifactName } from '../names.js';
import { eventInfo, type EventInfo } from '../registry/event-info.js';
import { readArtifact } from '../registry/registry-state.js';

export interface HistoryOptions {
  cwd?: string;
  name: string;
  /** Only events that changed this stage. */
  stage?: string;
}

export interface HistoryResult {
  artifact: string;
  /** Oldest first, in registry order (by `#N` counter; tags without one by date). */
  events: EventInfo[];
  notes: string[];
}

export async function history(options: HistoryOptions): Promise<HistoryResult> {
  const name = checkArtifactName(options.name);
  const { state, notes } = await readArtifact(new Git(options.cwd ?? process.cwd()), name);
  const events = state.events.map((e) => eventInfo(state, e)).filter((e) => !options.stage || e.stage === options.stage || e.changes.some((c) => c.stage === options.stage));
  return { artifact: name, events, notes };
}

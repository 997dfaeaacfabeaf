/**
 * What mv does inside each git hook (`mvr hooks run <hook>` puts them together with the commands they use).
 * - pre-commit: every staged pointer must be valid and its objects in the cache, or the commit is refused.
 * - post-checkout / post-merge: with `hooks.checkout: true`, bring the work tree's artifacts in line with
 *   the checked-out pointers; never fails the git operation, only reports.
 * - pre-push: see pre-push.ts.
 */
import { displayPath, shellQuote } from '../display-text.js';
import { MvError } from '../errors.js';
import { parsePointer, type Pointer } from '../pointer/pointer.js';
import { POINTER_SUFFIX } from '../pointer/pointer.js';
import { pointerObjects } from '../pointer/objects.js';
import type { Repo } from '../repo.js';
import type { HookName, HookOutcome } from './hook-script.js';


export async function preCommit(repo: Repo): Promise<HookOutcome> {
  const staged = await repo.git.stagedFiles(`**/*${POINTER_SUFFIX}`);
  const problems: string[] = [];
  for (const file of staged) {
    const content = await repo.git.stagedFile(file);
    if (content === undefined) continue;
    let pointer: Pointer;
    try {
      pointer = parsePointer(content, file);
    } catch (error) {
      if (error instanceof MvError) {
        problems.push(`${error.message}${error.hint ? `\n  ${error.hint}` : ''}`);
        continue;
      }
      throw error;
    }
    const missing = [];
    for (const { oid, path } of pointerObjects(pointer, file)) if (!(await repo.cache.has(oid))) missing.push(`${path} (${oid.slice(0, 19)}…)`);
    if (missing.length) {
      problems.push(`${displayPath(file)}: the cache lacks ${missing.join(', ')}.\n  Re-create the version with \`mvr add ${pointer.name} …\`, fetch it with \`mvr fetch ${pointer.name}@v${pointer.version}\`, or, if the pointer was edited by hand, restore it with \`git checkout HEAD -- ${shellQuote(file)}\`.`);
    }
  }
  if (problems.length === 0) return { hook: 'pre-commit', exitCode: 0, messages: [] };
  return { hook: 'pre-commit', exitCode: 1, messages: ['mv: commit refused: a staged pointer cannot be trusted.', ...problems] };
}

/** What a checkout of every committed pointer reports, as far as a hook tells it. */
export interface WorkspaceSync {
  artifacts: Array<{ id: string; written: string[]; removed: string[] }>;
}

/** post-checkout / post-merge: runs `checkout` when `hooks.checkout` is on and reports what it changed. */
export async function syncWorkspace(repo: Repo, hook: HookName, checkout: () => Promise<WorkspaceSync>): Promise<HookOutcome> {
  if (!repo.config.hooks.checkout) return { hook, exitCode: 0, messages: [] };
  try {
    const result = await checkout();
    const messages = result.artifacts
      .filter((a) => a.written.length || a.removed.length)
      .map((a) => `mv: ${a.id}: ${a.written.length} file(s) written, ${a.removed.length} removed`);
    return { hook, exitCode: 0, messages };
  } catch (error) {
    if (error instanceof MvError) return { hook, exitCode: 0, messages: [`mv: artifacts not updated: ${error.message}`, ...(error.hint ? [`mv: ${error.hint}`] : [])] };
    throw error;
  }
}

/**
 * Near misses of a command name: what the `mv` shell function refuses instead of handing a typo such as
 * `mv ad churn model.pt tokenizer/` to the system mv, which would move the files.
 */

import { editDistance } from '../edit-distance.js';

export { editDistance };

/** A word that looks like a command name: letters, digits, `-` and `_`, starting with a letter. */
const BARE_WORD = /^[A-Za-z][A-Za-z0-9_-]*$/;

/** The largest edit distance still taken for a typo. */
export const MAX_DISTANCE = 2;

/**
 * The commands `word` is a near miss of, closest first: a bare word within MAX_DISTANCE edits of a
 * command, and fewer edits than the command has letters (so `x` is not taken for `ls`: that would be
 * rewriting the whole name, not a typo). An exact command name is not a near miss.
 */
export function nearCommands(word: string, commands: readonly string[]): string[] {
  if (!BARE_WORD.test(word)) return [];
  const lower = word.toLowerCase();
  if (commands.includes(word)) return [];
  const scored = commands
    .map((command, order) => ({ command, order, distance: editDistance(lower, command) }))
    .filter((c) => c.distance <= MAX_DISTANCE && c.distance < c.command.length);
  if (scored.length === 0) return [];
  const best = Math.min(...scored.map((c) => c.distance));
  return scored.filter((c) => c.distance === best).sort((x, y) => x.order - y.order).map((c) => c.command);
}

/** `unknown command 'ad' — did you mean 'add'?` */
export function nearMissMessage(word: string, candidates: readonly string[]): string {
  const quoted = candidates.map((c) => `'${c}'`);
  const options = quoted.length <= 1 ? (quoted[0] ?? '') : `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]!}`;
  return `unknown command '${word}' — did you mean ${options}?`;
}

/**
 * Near misses of a command name: what the `mv` shell function refuses instead of handing a typo such as
 * `mv ad churn model.pt tokenizer/` to the system mv, which would move the files.
 */

import { nearest } from '../edit-distance.js';

/** A word that looks like a command name: letters, digits, `-` and `_`, starting with a letter. */
const BARE_WORD = /^[A-Za-z][A-Za-z0-9_-]*$/;

/**
 * The commands `word` is a near miss of, closest first: a bare word within two edits of a
 * command, and fewer edits than the command has letters (so `x` is not taken for `ls`: that would be
 * rewriting the whole name, not a typo). An exact command name is not a near miss.
 */
export function nearCommands(word: string, commands: readonly string[]): string[] {
  if (!BARE_WORD.test(word)) return [];
  if (commands.includes(word)) return [];
  return nearest(word.toLowerCase(), commands);
}

/** `unknown command 'ad' — did you mean 'add'?` */
export function nearMissMessage(word: string, candidates: readonly string[]): string {
  const quoted = candidates.map((c) => `'${c}'`);
  const options = quoted.length <= 1 ? (quoted[0] ?? '') : `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]!}`;
  return `unknown command '${word}' — did you mean ${options}?`;
}

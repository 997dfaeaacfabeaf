/**
 * `mvr shell-init <shell>` runs at the start of every interactive shell, and `mvr shell-init --check WORD`
 * whenever the `mv` function meets a bare word that is not a file: both are answered here without loading
 * commander and every command definition. Anything else (--help, no shell, a shell mvr does not know) is
 * left to the full CLI, which reports usage as usual.
 */
import { PACKAGE_BIN } from '../package-bin.js';
import { nearCommands, nearMissMessage } from '../shell/near-command.js';
import { isShell, shellInit } from '../shell/shell-init.js';
import { COMMAND_NAMES } from './command-names.js';

/** Exit code 2, after saying so, when `word` is a near miss of a command; 0 otherwise. */
export function checkWord(word: string): number {
  const candidates = nearCommands(word, COMMAND_NAMES);
  if (candidates.length === 0) return 0;
  process.stderr.write(`mv: ${nearMissMessage(word, candidates)}\nmv: nothing was moved: '${word}' is not a file or folder here.\n`);
  return 2;
}

export function shellInitText(shell: Parameters<typeof shellInit>[0]): string {
  return shellInit(shell, { bin: PACKAGE_BIN, commands: COMMAND_NAMES });
}

/** The exit code, or undefined when the arguments (after `shell-init`) need the full CLI. */
export function runShellInit(args: string[]): number | undefined {
  if (args.length === 2 && args[0] === '--check') return checkWord(args[1]!);
  if (args.length === 1 && isShell(args[0]!)) {
    process.stdout.write(shellInitText(args[0]));
    return 0;
  }
  return undefined;
}

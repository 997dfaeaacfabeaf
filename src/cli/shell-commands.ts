/** CLI definition of `mvr shell-init`. */
import { Option, type Command } from 'commander';
import { UsageError } from '../errors.js';
import { COMMAND_NAMES } from './command-names.js';
import { print } from './output.js';
import { EXIT_USAGE } from './run.js';

export function registerShellCommands(program: Command): void {
  program
    .command('shell-init')
    .description('print the shell function `mv` for your rc file: `mv <command>` runs mvr, any other `mv` is the system mv')
    .argument('[shell]', 'bash, zsh or fish')
    // Called by the function itself when the first argument is a bare word that is not a file.
    .addOption(new Option('--check <word>', 'exit 2 (and say so) if <word> is a near miss of a command').hideHelp())
    .action(async (shell: string | undefined, opts: { check?: string }) => {
      const { isShell, shellInit, SHELLS } = await import('../shell/shell-init.js');
      if (opts.check !== undefined) {
        const { nearCommands, nearMissMessage } = await import('../shell/near-command.js');
        const candidates = nearCommands(opts.check, COMMAND_NAMES);
        if (candidates.length === 0) return;
        process.stderr.write(`mv: ${nearMissMessage(opts.check, candidates)}\nmv: nothing was moved: '${opts.check}' is not a file or folder here.\n`);
        process.exitCode = EXIT_USAGE;
        return;
      }
      if (shell === undefined || !isShell(shell)) {
        const guess = (process.env.SHELL ?? '').split('/').pop() ?? '';
        const example = guess === 'fish' ? 'mvr shell-init fish | source' : `eval "$(mvr shell-init ${isShell(guess) ? guess : 'bash'})"`;
        throw new UsageError(
          shell === undefined ? `Name your shell: mvr shell-init ${SHELLS.join('|')}.` : `${JSON.stringify(shell)} is not a shell mvr supports (${SHELLS.join(', ')}).`,
          `Add this line at the end of your shell's rc file: ${example}`,
        );
      }
      const { PACKAGE_BIN } = await import('../package-bin.js');
      print(shellInit(shell, { bin: PACKAGE_BIN, commands: COMMAND_NAMES }).trimEnd());
    });
}

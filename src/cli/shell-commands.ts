/** CLI definition of `mvr shell-init` (its plain forms are answered by shell-entry.ts before the CLI loads). */
import { Option, type Command } from 'commander';

export function registerShellCommands(program: Command): void {
  program
    .command('shell-init')
    .description('print the shell function `mv` for your rc file: `mv <command>` runs mvr, any other `mv` is the system mv')
    .argument('[shell]', 'bash, zsh or fish')
    // Called by the function itself when the first argument is a bare word that is not a file.
    .addOption(new Option('--check <word>', 'exit 2 (and say so) if <word> is a near miss of a command').hideHelp())
    .action(async (shell: string | undefined, opts: { check?: string }) => {
      const [{ checkWord, shellInitText }, { isShell }, { shellInitUsage }] = await Promise.all([import('./shell-entry.js'), import('../shell/shell-init.js'), import('../shell/shell-usage.js')]);
      if (opts.check !== undefined) {
        process.exitCode = checkWord(opts.check);
        return;
      }
      if (shell === undefined || !isShell(shell)) throw shellInitUsage(shell, process.env.SHELL);
      process.stdout.write(shellInitText(shell));
    });
}

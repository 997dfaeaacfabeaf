/** CLI definitions of `mv hooks`. */
import type { Command } from 'commander';
import { text } from 'node:stream/consumers';
import { note, print, printJson } from './output.js';

export function registerHooksCommands(program: Command): void {
  const hooks = program.command('hooks').description('git hooks that validate pointers and carry artifacts with git push');
  hooks
    .command('install')
    .description('install pre-commit, pre-push, post-checkout and post-merge hooks (existing hooks are kept and chained)')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { json?: boolean }) => {
      const { hooksInstall } = await import('../commands/hooks.js');
      const result = await hooksInstall({ cwd: process.cwd() });
      if (opts.json) return printJson(result);
      for (const h of result.hooks) print(`${h.hook}: ${h.unchanged ? 'already installed' : 'installed'}${h.chained ? ' (runs the previous hook after mv)' : ''}`);
      note(`Hooks folder: ${result.dir}`);
    });
  hooks
    .command('uninstall')
    .description("remove mv's hooks and restore the hooks that were there before")
    .option('--json', 'print the result as JSON')
    .action(async (opts: { json?: boolean }) => {
      const { hooksUninstall } = await import('../commands/hooks.js');
      const result = await hooksUninstall({ cwd: process.cwd() });
      if (opts.json) return printJson(result);
      for (const h of result.hooks) print(`${h.hook}: ${h.unchanged ? 'not an mv hook, left alone' : h.chained ? 'previous hook restored' : 'removed'}`);
    });
  hooks
    .command('run', { hidden: true })
    .description('run mv\'s part of a git hook (called by the installed hook scripts)')
    .argument('<hook>')
    .argument('[args...]')
    .action(async (hook: string, args: string[]) => {
      const { hooksRun } = await import('../commands/hooks.js');
      const input = hook === 'pre-push' ? await text(process.stdin) : '';
      const outcome = await hooksRun({ cwd: process.cwd(), hook, args, input });
      for (const message of outcome.messages) note(message);
      process.exitCode = outcome.exitCode;
    });
}

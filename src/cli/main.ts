/** The CLI entry: builds the commander program, runs one command, returns the exit code. */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerCoreCommands } from './core-commands.js';
import { registerRegistryCommands } from './registry-commands.js';
import { registerRemoteCommands } from './remote-commands.js';
import { registerHooksCommands } from './hooks-commands.js';
import { registerUiCommands } from './ui-commands.js';
import { registerSafetyCommands } from './safety-commands.js';
import { registerShellCommands } from './shell-commands.js';
import { examplesText, HELP_EXAMPLES } from './help-examples.js';
import { checkOptionValues } from './option-values.js';
import { EXIT_USAGE, installInterruptHandler, interruptedExitCode, reportError } from './run.js';
import { loadStyles, warn } from './output.js';

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export function buildProgram(): Command {
  const program = new Command('mvr')
    .description('Git-native model versioning: weights, data, pipeline, params and metrics as one version; git tags as the registry.')
    .version(packageVersion(), '-V, --version')
    // Program options only before the command name, so `mvr add … --version 1.2.0` reaches add.
    .enablePositionalOptions()
    .showHelpAfterError('(run `mvr <command> --help` for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) })
    .hook('preAction', checkOptionValues);
  registerCoreCommands(program);
  registerRegistryCommands(program);
  registerRemoteCommands(program);
  registerHooksCommands(program);
  registerUiCommands(program);
  registerSafetyCommands(program);
  registerShellCommands(program);
  const finish = (command: Command, path: string): void => {
    const examples = HELP_EXAMPLES[path];
    if (examples) command.addHelpText('after', examplesText(examples));
    for (const sub of command.commands) {
      const subPath = path ? `${path} ${sub.name()}` : sub.name();
      sub.exitOverride();
      sub.showHelpAfterError(`(run \`mvr ${subPath} --help\` for usage)`);
      finish(sub, subPath);
    }
  };
  finish(program, '');
  return program;
}

/**
 * Commands that leave the repository's git hooks to themselves: `hooks` (it writes them), those that run
 * outside any repository, and the registry reads, which never open the work tree (finding the hooks would
 * be one more git process for each; the next command that opens the repository upgrades them for free).
 */
const NO_HOOK_UPGRADE = new Set(['hooks', 'shell-init', 'help', 'ls', 'history', 'audit', 'route', 'resolve', 'check-ref']);

let showedHelp = false;

/** Whether the last run of `main` only showed help or the version (bin/mvr keeps one code cache for those). */
export function helpShown(): boolean {
  return showedHelp;
}

export async function main(argv: string[]): Promise<number> {
  showedHelp = false;
  installInterruptHandler();
  await loadStyles();
  const json = argv.includes('--json');
  const program = buildProgram();
  try {
    if (argv.length === 0) {
      program.outputHelp({ error: true });
      return EXIT_USAGE;
    }
    const command = argv[0]!;
    if (!command.startsWith('-') && !NO_HOOK_UPGRADE.has(command) && program.commands.some((c) => c.name() === command)) await upgradeLegacyHooks();
    await program.parseAsync(argv, { from: 'user' });
    return interruptedExitCode() ?? (typeof process.exitCode === 'number' ? process.exitCode : 0);
  } catch (error) {
    if (error instanceof CommanderError && (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help')) {
      showedHelp = true;
      return 0;
    }
    return reportError(error, json);
  }
}

/**
 * Hooks written before the program was called mvr look for `mv` and would stop every push and every
 * commit of a pointer; they are rewritten to call this mvr before the command runs (it may push). Hooks
 * of an earlier mvr format could run an mvr the clone holds; they are rewritten for the mvr they name.
 */
async function upgradeLegacyHooks(): Promise<void> {
  const [{ upgradeLegacyHooks: upgrade }, { locateRepoAhead }, { PACKAGE_BIN }] = await Promise.all([import('../hooks/install.js'), import('../git.js'), import('../package-bin.js')]);
  let hooksDir: string;
  try {
    // The command that follows opens the repository with this same answer.
    ({ hooksDir } = await locateRepoAhead(process.cwd()));
  } catch {
    // Outside a repository there are no hooks; the command reports that itself if it needs one.
    return;
  }
  try {
    const { legacy, outdated } = await upgrade(hooksDir, PACKAGE_BIN);
    if (legacy.length) process.stderr.write(`Updated this repository's git hooks (${legacy.join(', ')}) to call mvr; the earlier ones looked for \`mv\`.\n`);
    if (outdated.length) process.stderr.write(`Updated this repository's git hooks (${outdated.join(', ')}): they no longer run an mvr the repository itself holds.\n`);
  } catch (error) {
    warn(`this repository's git hooks were written by an earlier version of mv and need rewriting, which failed (${error instanceof Error ? error.message : String(error)}). Run \`mvr hooks install\`.`);
  }
}

/** The CLI entry: builds the commander program, runs one command, returns the exit code. */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerCoreCommands } from './core-commands.js';
import { registerRegistryCommands } from './registry-commands.js';
import { registerRemoteCommands } from './remote-commands.js';
import { registerHooksCommands } from './hooks-commands.js';
import { registerUiCommands } from './ui-commands.js';
import { registerSafetyCommands } from './safety-commands.js';
import { EXIT_USAGE, installInterruptHandler, interruptedExitCode, reportError } from './run.js';

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export function buildProgram(): Command {
  const program = new Command('mv')
    .description('Git-native model versioning: weights, data, pipeline, params and metrics as one version; git tags as the registry.')
    .version(packageVersion(), '-V, --version')
    // Program options only before the command name, so `mv add … --version 1.2.0` reaches add.
    .enablePositionalOptions()
    .showHelpAfterError('(run `mv <command> --help` for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  registerCoreCommands(program);
  registerRegistryCommands(program);
  registerRemoteCommands(program);
  registerHooksCommands(program);
  registerUiCommands(program);
  registerSafetyCommands(program);
  const overrideExits = (command: Command): void => {
    for (const sub of command.commands) {
      sub.exitOverride();
      overrideExits(sub);
    }
  };
  overrideExits(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  installInterruptHandler();
  const json = argv.includes('--json');
  const program = buildProgram();
  try {
    if (argv.length === 0) {
      program.outputHelp({ error: true });
      return EXIT_USAGE;
    }
    await program.parseAsync(argv, { from: 'user' });
    return interruptedExitCode() ?? (typeof process.exitCode === 'number' ? process.exitCode : 0);
  } catch (error) {
    if (error instanceof CommanderError && (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help')) return 0;
    return reportError(error, json);
  }
}

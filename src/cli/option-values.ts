/**
 * Values of options checked before a command runs, with the library's own parsers: a value that cannot be
 * what the option asks for (`--traffic 150`, `--at yesterday`) is a usage error (exit 2), with the
 * parser's message and hint. Parsers are loaded only for the command being run.
 */
import type { Command } from 'commander';
import { MvError, UsageError } from '../errors.js';

type Check = (value: string) => unknown;

/** Command path → option attribute → the parser that must accept its value. */
const CHECKS: Readonly<Record<string, Readonly<Record<string, () => Promise<Check>>>>> = {
  add: { version: async () => (await import('../version/version-policy.js')).parseVersionArgument },
  promote: { traffic: async () => (await import('../commands/registry-write.js')).parseTraffic },
  audit: { at: async () => (await import('../registry/time.js')).parseTime },
  gc: {
    grace: async () => {
      const { parseDuration } = await import('../safety/duration.js');
      return (value) => parseDuration(value, '--grace');
    },
  },
};

function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** A commander preAction hook: throws a UsageError for the first option value its parser refuses. */
export async function checkOptionValues(_program: Command, command: Command): Promise<void> {
  const checks = CHECKS[commandPath(command)];
  if (!checks) return;
  const values = command.opts<Record<string, unknown>>();
  for (const [attribute, load] of Object.entries(checks)) {
    const value = values[attribute];
    if (typeof value !== 'string') continue;
    try {
      (await load())(value);
    } catch (error) {
      if (error instanceof MvError && !(error instanceof UsageError)) throw new UsageError(error.message, error.hint);
      throw error;
    }
  }
}

/**
 * The names mv answers to. `bin/mv` reads this list before loading anything else: any other first
 * argument is handed to the next `mv` on PATH (coreutils), so a global install never breaks `mv a b`.
 */
export const COMMAND_NAMES = [
  'init',
  'add',
  'status',
  'checkout',
  'ls',
  'show',
  'history',
  'diff',
  'resolve',
  'route',
  'promote',
  'rollback',
  'archive',
  'deprecate',
  'audit',
  'check-ref',
  'remote',
  'push',
  'pull',
  'fetch',
  'get',
  'gc',
  'purge',
  'verify',
  'hooks',
  'ui',
  'help',
] as const;

export const OWN_FLAGS = ['--help', '-h', '--version', '-V'] as const;

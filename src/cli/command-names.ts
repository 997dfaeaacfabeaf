/**
 * The commands mvr answers to. `mvr shell-init` builds the `mv` shell function from this list: these
 * first arguments go to mvr, anything else to the system mv. A test keeps it equal to the commands the
 * CLI defines.
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
  'shell-init',
  'help',
] as const;

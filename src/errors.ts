/**
 * User-facing errors. A `MvError` is an expected failure caused by input or state: it carries a stable
 * `code`, a message that says what happened (naming the file, field, ref or remote) and a `hint` that says
 * what to do. The CLI prints it without a stack trace and exits 1. Any other thrown `Error` is a bug.
 */
export class MvError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  /** Extra machine-readable context, included in `--json` error output. */
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, options: { hint?: string; cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MvError';
    this.code = code;
    this.hint = options.hint;
    this.details = options.details;
  }
}

/** Wrong command-line usage (unknown flag, missing argument, conflicting flags): exit code 2. */
export class UsageError extends MvError {
  constructor(message: string, hint?: string) {
    super('USAGE', message, hint === undefined ? {} : { hint });
    this.name = 'UsageError';
  }
}

export function isMvError(error: unknown): error is MvError {
  return error instanceof MvError;
}

/** Node's errno code of a failed system call, if any (`ENOENT`, `ENOSPC`, …). */
export function errnoCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

/**
 * Turns a system error from a file operation into a user-facing one when the cause is the environment
 * (disk full, permissions, read-only file system) rather than a bug.
 */
export function fsError(error: unknown, action: string, path: string): unknown {
  switch (errnoCode(error)) {
    case 'ENOSPC':
    case 'EDQUOT':
      return new MvError('DISK_FULL', `No space left on the device while ${action} ${path}.`, {
        hint: 'Free some space (or point the cache at a larger disk with `cache.dir` in .mv/config.yaml) and run the command again; nothing was left half-written.',
        cause: error,
      });
    case 'EACCES':
    case 'EPERM':
      return new MvError('PERMISSION_DENIED', `Permission denied while ${action} ${path}.`, {
        hint: 'Check the ownership and permissions of that path.',
        cause: error,
      });
    case 'EROFS':
      return new MvError('READ_ONLY_FS', `The file system is read-only while ${action} ${path}.`, {
        hint: 'Run the command where the cache and workspace are writable.',
        cause: error,
      });
    case 'ENOENT':
      return new MvError('PATH_MISSING', `No such file or directory: ${path} (while ${action}).`, { cause: error });
    case 'EISDIR':
      return new MvError('PATH_IS_DIRECTORY', `${path} is a directory (while ${action}).`, { cause: error });
    case 'ENOTDIR':
      return new MvError('PATH_NOT_A_FOLDER', `A part of ${path} is a file where a folder is needed (while ${action}).`, {
        hint: 'Move that file away, then run the command again.',
        cause: error,
      });
    case 'ENAMETOOLONG':
      return new MvError('NAME_TOO_LONG', `A file name in ${path} is too long for the file system (while ${action}).`, {
        hint: 'Names are limited to 255 bytes (and whole paths to 4096); use a shorter name or a shallower folder.',
        cause: error,
      });
    case 'ELOOP':
      return new MvError('LINK_LOOP', `${path} leads through too many symbolic links (a loop?) (while ${action}).`, {
        hint: 'Replace the links on the way with real files or folders.',
        cause: error,
      });
    case 'EMFILE':
    case 'ENFILE':
      return new MvError('TOO_MANY_OPEN_FILES', `The system ran out of open files while ${action} ${path}.`, {
        hint: 'Raise the limit (`ulimit -n 65536`), or run with fewer parallel transfers (-j), then run the command again.',
        cause: error,
      });
    case 'EIO':
      return new MvError('IO_ERROR', `The device reported an I/O error while ${action} ${path}.`, {
        hint: 'Check the disk (dmesg, SMART) and the mount; then run `mv verify`.',
        cause: error,
      });
    case 'EBUSY':
    case 'ETXTBSY':
      return new MvError('PATH_BUSY', `${path} is in use (while ${action}).`, { hint: 'Stop the program using it, then run the command again.', cause: error });
    default:
      return error;
  }
}

/** Failures caused by the machine (space, permissions, limits, devices); a missing file mv expected is not one of them. */
const ENVIRONMENT_CODES = new Set(['ENOSPC', 'EDQUOT', 'EACCES', 'EPERM', 'EROFS', 'ENAMETOOLONG', 'ELOOP', 'EMFILE', 'ENFILE', 'EIO', 'EBUSY', 'ETXTBSY']);

/**
 * A failed system call that reached the top level without a message of mv's own: the environment, not a
 * bug, so it is reported with the path and what to do, never as a stack trace. Undefined for anything else.
 */
export function systemCallError(error: unknown): MvError | undefined {
  if (!(error instanceof Error) || error instanceof MvError) return undefined;
  const { syscall, path, dest } = error as NodeJS.ErrnoException & { dest?: string };
  if (typeof syscall !== 'string' || !ENVIRONMENT_CODES.has(errnoCode(error) ?? '')) return undefined;
  const mapped = fsError(error, syscall === 'open' || syscall === 'read' ? 'reading' : syscall === 'write' ? 'writing' : `${syscall}`, path ?? dest ?? 'a file');
  return mapped instanceof MvError ? mapped : undefined;
}

/** A git command failed in a way mv did not anticipate; carries git's own message. */
export class GitCommandError extends Error {
  readonly args: string[];
  constructor(args: string[], message: string) {
    super(`git ${args.join(' ')}: ${message.replace(/^Error: /, '').trim()}`);
    this.name = 'GitCommandError';
    this.args = args;
  }
}

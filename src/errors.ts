/**
 * User-facing errors. A `MvError` is an expected failure caused by input or state: it carries a stable
 * `code`, a message that says what happened (naming the file, field, ref or remote) and a `hint` that says
 * what to do. The CLI prints it without a stack trace and exits 1. Any other thrown `Error` is a bug.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { displayPath } from './display-text.js';

/**
 * Every code a `MvError` can carry. Codes are stable (scripts match on them in `--json` output), and each is
 * described in docs/errors.md.
 */
export const ERROR_CODES = [
  'ALREADY_INITIALIZED',
  'ALREADY_TRACKED',
  'ALREADY_VERSIONED',
  'ARTIFACT_DEPRECATED',
  'CACHE_MISSING',
  'CONFIG_MODIFIED',
  'CONTENT_MISMATCH',
  'CORRUPT_CHUNK',
  'CORRUPT_COPY',
  'CORRUPT_DOWNLOAD',
  'CORRUPT_OBJECT',
  'CROSS_DEVICE',
  'DIRTY_WORKTREE',
  'DISK_FULL',
  'EMPTY_FOLDER',
  'ENTRIES_FAILED',
  'EXPORT_DIR_NOT_EMPTY',
  'EXPORT_NOT_A_FOLDER',
  'FETCH_FAILED',
  'FILE_CHANGED',
  'FILE_OPERATION_FAILED',
  'GATE_FAILED',
  'GC_UNSUPPORTED',
  'GIT_FAILED',
  'HEAD_MOVED',
  'HOST_UNAVAILABLE',
  'IGNORED_INPUT',
  'INCOMPLETE_TRANSFER',
  'INPUTS_DROPPED',
  'INTERNAL',
  'INTERRUPTED',
  'INVALID_ARTIFACT',
  'INVALID_CONFIG',
  'INVALID_DURATION',
  'INVALID_KEY',
  'INVALID_MANIFEST',
  'INVALID_NAME',
  'INVALID_OID',
  'INVALID_PACK',
  'INVALID_PATH',
  'INVALID_POINTER',
  'INVALID_RECIPE',
  'INVALID_REF',
  'INVALID_REMOTE_NAME',
  'INVALID_REMOTE_URL',
  'INVALID_STAGE',
  'INVALID_TIME',
  'INVALID_TRAFFIC',
  'INVALID_TYPE',
  'INVALID_VERSION',
  'IO_ERROR',
  'LINEAGE_REQUIRED',
  'LINKED_FILE',
  'LINKED_FOLDER',
  'LINK_LOOP',
  'LINK_OUTSIDE',
  'LOCAL_CHANGES',
  'LOCKED',
  'MULTIPLE_VERSIONS',
  'NAME_TOO_LONG',
  'NOTHING_TO_ROLL_BACK',
  'NOTHING_TO_SHARE',
  'NOT_A_GIT_REPO',
  'NOT_INITIALIZED',
  'NO_COMMITS',
  'NO_CREDENTIALS',
  'NO_GIT_IDENTITY',
  'NO_GIT_REMOTE',
  'NO_POINTER',
  'NO_REGION',
  'NO_REMOTE',
  'NO_WORK_TREE',
  'OBJECTS_REMOVED',
  'OBJECT_MISSING',
  'OUTPUT_NOT_A_FOLDER',
  'OUTPUT_NOT_EMPTY',
  'PACK_MISSING',
  'PARSE_ERROR',
  'PATH_BUSY',
  'PATH_CONFLICT',
  'PATH_IS_DIRECTORY',
  'PATH_MISSING',
  'PATH_NOT_A_FOLDER',
  'PERMISSION_DENIED',
  'POINTER_MISMATCH',
  'PORT_FORBIDDEN',
  'PORT_IN_USE',
  'PURGE_IN_USE',
  'PURGE_NEEDS_FORCE',
  'PUSH_FAILED',
  'READ_ONLY_FS',
  'REGISTRY_CONTENDED',
  'REMOTE_ACCESS_DENIED',
  'REMOTE_CHANGED',
  'REMOTE_EXISTS',
  'REMOTE_FOLDER_MISSING',
  'REMOTE_FULL',
  'REMOTE_GC_NEEDS_FORCE',
  'REMOTE_NOT_FOUND',
  'REMOTE_PERMISSION_DENIED',
  'REMOTE_READ_ONLY',
  'REMOTE_UNREACHABLE',
  'REPO_UNREACHABLE',
  'ROLLBACK_TARGET_GONE',
  'SAME_VERSION',
  'SECRET_FILE_TRACKED',
  'SECRET_IN_CONFIG',
  'SECRET_IN_URL',
  'SEVERAL_HOLDERS',
  'SHARED_CACHE',
  'SIGNING_FAILED',
  'STAGE_EMPTY',
  'STAGE_REF_REQUIRED',
  'STALLED_TRANSFER',
  'TAGS_TOO_LARGE',
  'TAG_EXISTS',
  'TOO_MANY_OPEN_FILES',
  'TRANSFER_ERROR',
  'TRANSFER_FAILED',
  'UI_NOT_LOOPBACK',
  'UNKNOWN_ARTIFACT',
  'UNKNOWN_REMOTE',
  'UNKNOWN_STAGE',
  'UNKNOWN_VERSION',
  'UNPINNED_REF',
  'UNSAFE_PERMISSIONS',
  'UNEXPECTED_FILE',
  'UNSUPPORTED_FILE',
  'UNSUPPORTED_FILE_NAME',
  'UNSUPPORTED_REMOTE',
  'UNSUPPORTED_SCHEMA',
  'UPGRADE_REQUIRED',
  'USAGE',
  'VERSION_ARCHIVED',
  'VERSION_CONFLICT',
  'VERSION_DEREGISTERED',
  'VERSION_EXISTS',
  'VERSION_IN_STAGE',
  'VERSION_PURGED',
  'VERSION_REQUIRED',
  'VERSION_TOO_LOW',
  'VERSION_UNREGISTERED',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

const KNOWN_CODES: ReadonlySet<string> = new Set(ERROR_CODES);

/** Whether `code` is one of mv's error codes (for codes that crossed a thread or process boundary as text). */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && KNOWN_CODES.has(code);
}

export class MvError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  /** Extra machine-readable context, included in `--json` error output. */
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: { hint?: string; cause?: unknown; details?: Record<string, unknown> } = {}) {
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
export function fsError(error: unknown, action: string, file: string): unknown {
  // A file name may hold any character but NUL and "/" (a line break too): it is shown escaped.
  const path = displayPath(file);
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
      return new MvError('PATH_IS_DIRECTORY', `${path} is a directory (while ${action}).`, { hint: 'A file is needed there: move that folder away, then run the command again.', cause: error });
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
        hint: 'Check the disk (dmesg, SMART) and the mount; then run `mvr verify`.',
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

/** Opens `path` for reading; a failure is the error `fsError` makes of it (naming the path). */
export async function openForReading(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'r');
  } catch (error) {
    throw fsError(error, 'reading', path);
  }
}

/** Shared plumbing for command actions: the --json flag, Ctrl-C, and turning errors into exit codes. */
import { GitCommandError, MvError, UsageError, systemCallError } from '../errors.js';
import { c, note, printJson } from './output.js';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

/** The shell's convention: 128 + the signal's number. */
const SIGNAL_EXIT: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

/**
 * After the first signal, the command has this long to stop at its next safe point and undo what it
 * started; past it the process exits anyway (something ignored the abort, e.g. a wait for another
 * process's lock), so a stop never takes more than a second.
 */
const STOP_DEADLINE_MS = 800;

const controller = new AbortController();
let stoppedBy: NodeJS.Signals | undefined;

/** Aborted on the first SIGINT, SIGTERM or SIGHUP; a second one exits at once. */
export const interruptSignal: AbortSignal = controller.signal;

/** 130, 143 or 129 once a signal asked the command to stop; undefined otherwise. */
export function interruptedExitCode(): number | undefined {
  return stoppedBy === undefined ? undefined : (SIGNAL_EXIT[stoppedBy] ?? EXIT_INTERRUPTED);
}

export function installInterruptHandler(): void {
  // A reader that stops early (`mv history | head`) is not an error.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw error;
    });
  }
  const onSignal = (signal: NodeJS.Signals) => {
    if (stoppedBy !== undefined) process.exit(interruptedExitCode());
    stoppedBy = signal;
    const how = signal === 'SIGINT' ? 'Interrupted' : `Interrupted by ${signal}`;
    controller.abort(new MvError('INTERRUPTED', `${how}; nothing was left half-written.`, { hint: 'Run the command again to finish.' }));
    setTimeout(() => {
      process.stderr.write(`${c.red('error:')} ${how}.\n`);
      process.exit(interruptedExitCode());
    }, STOP_DEADLINE_MS).unref();
  };
  // Each handler knows its signal, even when called without it (`process.emit('SIGINT')`).
  for (const signal of Object.keys(SIGNAL_EXIT) as NodeJS.Signals[]) process.on(signal, () => onSignal(signal));
}

/** The process exit code for an error, after reporting it. */
export function reportError(error: unknown, json: boolean): number {
  // Once stopped by a signal, whatever failed next (a killed git or cp, an aborted request) is that stop.
  if (interruptSignal.aborted && interruptSignal.reason instanceof MvError && error !== interruptSignal.reason) return reportError(interruptSignal.reason, json);
  if (isCommanderError(error)) {
    // commander has already printed its message on stderr; --json callers also get it on stdout.
    if (error.exitCode !== 0 && json) printJson({ error: { code: 'USAGE', message: error.message.replace(/^error: /, '') } });
    return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  }
  if (error instanceof MvError) {
    if (json) printJson({ error: { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}), ...(error.details ?? {}) } });
    note(`${c.red('error:')} ${error.message}`);
    if (error.hint) note(`${c.dim('hint:')} ${error.hint}`);
    if (error.code === 'INTERRUPTED') return interruptedExitCode() ?? EXIT_INTERRUPTED;
    return error instanceof UsageError ? EXIT_USAGE : EXIT_FAILED;
  }
  const system = systemCallError(error);
  if (system) return reportError(system, json);
  if (error instanceof GitCommandError) {
    // git refused something mv did not foresee: show git's own words, not a stack trace.
    if (json) printJson({ error: { code: 'GIT_FAILED', message: error.message } });
    note(`${c.red('error:')} ${error.message}\n${c.dim('hint:')} git refused the operation; nothing was left half-done. If the cause is not clear from git's message, please report it.`);
    return EXIT_FAILED;
  }
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  if (json) printJson({ error: { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) } });
  note(`${c.red('internal error:')} ${detail}\nThis is a bug in mv; please report it with the command you ran.`);
  return EXIT_FAILED;
}

/**
 * commander's own errors (it has printed them already); recognised by shape (code `commander.*`, a numeric
 * exit code) so this module does not load commander, and whatever name a bundler gives its classes.
 */
function isCommanderError(error: unknown): error is { exitCode: number; message: string } {
  if (!(error instanceof Error)) return false;
  const { code, exitCode } = error as { code?: unknown; exitCode?: unknown };
  return typeof code === 'string' && code.startsWith('commander.') && typeof exitCode === 'number';
}

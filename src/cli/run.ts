/** Shared plumbing for command actions: the --json flag, Ctrl-C, and turning errors into exit codes. */
import { GitCommandError, MvError, UsageError, systemCallError } from '../errors.js';
import { c, note, printJson } from './output.js';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

const controller = new AbortController();
let interrupts = 0;

/** Aborted on the first Ctrl-C; a second one exits at once. */
export const interruptSignal: AbortSignal = controller.signal;

export function installInterruptHandler(): void {
  // A reader that stops early (`mv history | head`) is not an error.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw error;
    });
  }
  const onSignal = () => {
    interrupts++;
    if (interrupts > 1) process.exit(EXIT_INTERRUPTED);
    controller.abort(new MvError('INTERRUPTED', 'Interrupted; nothing was left half-written.', { hint: 'Run the command again to finish.' }));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/** The process exit code for an error, after reporting it. */
export function reportError(error: unknown, json: boolean): number {
  if (isCommanderError(error)) {
    // commander has already printed its message on stderr; --json callers also get it on stdout.
    if (error.exitCode !== 0 && json) printJson({ error: { code: 'USAGE', message: error.message.replace(/^error: /, '') } });
    return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  }
  if (error instanceof MvError) {
    if (json) printJson({ error: { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}), ...(error.details ?? {}) } });
    note(`${c.red('error:')} ${error.message}`);
    if (error.hint) note(`${c.dim('hint:')} ${error.hint}`);
    if (error.code === 'INTERRUPTED') return EXIT_INTERRUPTED;
    return error instanceof UsageError ? EXIT_USAGE : EXIT_FAILED;
  }
  if (interruptSignal.aborted && interruptSignal.reason instanceof MvError) return reportError(interruptSignal.reason, json);
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

/** commander's own errors (it has printed them already); recognised by shape so this module does not load commander. */
function isCommanderError(error: unknown): error is { exitCode: number; message: string } {
  return error instanceof Error && error.name === 'CommanderError' && typeof (error as { exitCode?: unknown }).exitCode === 'number';
}

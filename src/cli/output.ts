/**
 * Terminal output: colour and spinners only when stdout is a terminal (and NO_COLOR is unset); plain,
 * quiet text otherwise, so hooks and CI logs stay clean. JSON goes to stdout, messages to stderr.
 * Spinners also need a real terminal on stderr with a size: `script` without a terminal, `docker -t`,
 * some CI runners and `ssh -t` from scripts report 0 columns or rows, and TERM=dumb cannot move the cursor.
 */
import type { ChalkInstance } from 'chalk';
import { inertJson, neutraliseOutput } from '../display-text.js';

export const interactive = Boolean(process.stdout.isTTY) && Boolean(process.stderr.isTTY);
// Both streams: messages on stderr are styled with the same functions, and a log of `2>file` must stay plain.
export const colour = interactive && !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb';

type Styles = Pick<ChalkInstance, 'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'cyan'>;
const plain = (text: unknown) => String(text);

/**
 * Text styles: identity functions until `loadStyles` (which each entry point awaits before it renders)
 * finds a colour terminal and puts chalk's in their place, so piped runs (serving code calling
 * `mv resolve`, hooks, CI) do not even load chalk.
 */
export const c: Styles = { bold: plain, dim: plain, red: plain, green: plain, yellow: plain, cyan: plain } as unknown as Styles;

export async function loadStyles(): Promise<void> {
  if (!colour) return;
  const chalk = new (await import('chalk')).Chalk({ level: 1 });
  Object.assign(c, { bold: chalk.bold, dim: chalk.dim, red: chalk.red, green: chalk.green, yellow: chalk.yellow, cyan: chalk.cyan });
}

/** "1 object", "3 objects". */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** Writes text output; anything untrusted that a renderer did not neutralise is escaped here. */
export function print(line = ''): void {
  process.stdout.write(`${neutraliseOutput(line, colour)}\n`);
}

/** JSON keeps exact values; characters that could drive a terminal or reorder a line are written as `\uXXXX`. */
export function printJson(value: unknown): void {
  process.stdout.write(`${jsonText(value)}\n`);
}

export function jsonText(value: unknown): string {
  return inertJson(JSON.stringify(value, null, 2));
}

export function warn(message: string): void {
  process.stderr.write(`${c.yellow('warning:')} ${neutraliseOutput(message, colour)}\n`);
}

export function note(message: string): void {
  process.stderr.write(`${neutraliseOutput(message, colour)}\n`);
}

export { formatBytes } from '../byte-size.js';

export interface Activity {
  update(text: string): void;
  stop(): void;
}

/** Whether a spinner can redraw its line on `stream`: a terminal that can move the cursor and has a size. */
export function canAnimate(stream: { isTTY?: boolean; columns?: number; rows?: number }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (!stream.isTTY || env.TERM === 'dumb') return false;
  return Number.isInteger(stream.columns) && stream.columns! > 0 && Number.isInteger(stream.rows) && stream.rows! > 0;
}

const NO_ACTIVITY: Activity = { update: () => undefined, stop: () => undefined };

/**
 * A spinner on a terminal; nothing at all otherwise (and never with --json). A terminal that shrinks to
 * no size while it runs (a detached pty) stops it for good.
 */
export async function startActivity(text: string, json: boolean): Promise<Activity> {
  if (!interactive || json || !canAnimate(process.stderr)) return NO_ACTIVITY;
  const { default: ora } = await import('ora');
  // discardStdin would put the terminal in raw mode without ever reading it (Node 20): Ctrl-C became a
  // byte nobody read instead of a SIGINT. The terminal stays as it is, so Ctrl-C stops the command.
  const spinner = ora({ text, stream: process.stderr, discardStdin: false }).start();
  let running = true;
  const stop = () => {
    if (!running) return;
    running = false;
    process.stderr.off('resize', onResize);
    spinner.stop();
  };
  const onResize = () => {
    if (!canAnimate(process.stderr)) stop();
  };
  process.stderr.on('resize', onResize);
  return {
    update: (next) => {
      if (running && canAnimate(process.stderr)) spinner.text = next;
      else onResize();
    },
    stop,
  };
}

/** Throttles progress callbacks to a few updates a second. */
export function throttle(fn: () => void, ms = 100): () => void {
  let last = 0;
  return () => {
    const now = Date.now();
    if (now - last >= ms) {
      last = now;
      fn();
    }
  };
}

/**
 * Terminal output: colour and spinners only when stdout is a terminal (and NO_COLOR is unset); plain,
 * quiet text otherwise, so hooks and CI logs stay clean. JSON goes to stdout, messages to stderr.
 */
import type { ChalkInstance } from 'chalk';
import { inertJson, neutraliseOutput } from '../display-text.js';

export const interactive = Boolean(process.stdout.isTTY) && Boolean(process.stderr.isTTY);
export const colour = Boolean(process.stdout.isTTY) && !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb';

type Styles = Pick<ChalkInstance, 'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'cyan'>;
const plain = (text: unknown) => String(text);

/**
 * Text styles: chalk on a terminal; identity functions otherwise, so piped runs (serving code calling
 * `mv resolve`, hooks, CI) do not even load it.
 */
export const c: Styles = colour
  ? new (await import('chalk')).Chalk({ level: 1 })
  : ({ bold: plain, dim: plain, red: plain, green: plain, yellow: plain, cyan: plain } as unknown as Styles);

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

/** A spinner on a terminal; nothing at all otherwise (and never with --json). */
export async function startActivity(text: string, json: boolean): Promise<Activity> {
  if (!interactive || json) return { update: () => undefined, stop: () => undefined };
  const { default: ora } = await import('ora');
  const spinner = ora({ text, stream: process.stderr }).start();
  return {
    update: (next) => {
      spinner.text = next;
    },
    stop: () => spinner.stop(),
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

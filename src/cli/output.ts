/**
 * Terminal output: colour and spinners only when stdout is a terminal (and NO_COLOR is unset); plain,
 * quiet text otherwise, so hooks and CI logs stay clean. JSON goes to stdout, messages to stderr.
 */
export const interactive = Boolean(process.stdout.isTTY) && Boolean(process.stderr.isTTY);
const colour = Boolean(process.stdout.isTTY) && !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb';

/** 16-colour ANSI styles (a colour library costs ~20 ms of start-up, which `mv resolve` cannot spare). */
function style(open: number, close: number): (text: string) => string {
  return colour ? (text) => `\u001b[${open}m${text}\u001b[${close}m` : (text) => text;
}

export const c = {
  bold: style(1, 22),
  dim: style(2, 22),
  red: style(31, 39),
  green: style(32, 39),
  yellow: style(33, 39),
  cyan: style(36, 39),
};

export function print(line = ''): void {
  process.stdout.write(`${line}\n`);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function warn(message: string): void {
  process.stderr.write(`${c.yellow('warning:')} ${message}\n`);
}

export function note(message: string): void {
  process.stderr.write(`${message}\n`);
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(value >= 100 ? 0 : 1)} ${units[unit]}`;
}

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

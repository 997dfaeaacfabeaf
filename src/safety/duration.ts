/** Durations users give on the command line (`--grace 24h`): a number and a unit, or 0. */
import { MvError } from '../errors.js';

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Milliseconds of `30m`, `24h`, `7d`, `2w`, `90s` or `0`. */
export function parseDuration(text: string, option: string): number {
  const trimmed = text.trim();
  if (trimmed === '0') return 0;
  const match = /^(\d{1,6})(?:\.(\d{1,3}))?\s*([smhdw])$/i.exec(trimmed);
  if (!match) {
    throw new MvError('INVALID_DURATION', `${option} ${JSON.stringify(text)} is not a duration.`, {
      hint: 'Give a number and a unit: s, m, h, d or w (e.g. `30m`, `24h`, `7d`), or 0.',
    });
  }
  const value = Number(`${match[1]!}.${match[2] ?? '0'}`);
  return Math.round(value * UNITS[match[3]!.toLowerCase()]!);
}

/** `1d 2h`-style text of a duration, for messages. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0';
  for (const [unit, size] of [['d', UNITS.d!], ['h', UNITS.h!], ['m', UNITS.m!]] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${Math.round(ms / 1000)}s`;
}

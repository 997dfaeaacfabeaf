/** Parsing the points in time users give to `mv audit --at`. */
import { MvError } from '../errors.js';

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Unix seconds of an ISO 8601 date or time (`2026-11-25`, `2026-11-25T10:00Z`, `2026-11-25 10:00:30+01:00`)
 * or `@<unix seconds>`. A time without a zone is UTC, so an audit means the same on every machine; a date
 * alone means the end of that day (the state once the day was over).
 */
export function parseTime(text: string): number {
  const trimmed = text.trim();
  const epoch = /^@(\d{1,12})$/.exec(trimmed);
  if (epoch) return Number(epoch[1]);
  const m = ISO.exec(trimmed);
  if (m) {
    const [, y, mo, d, h, mi, s, zone] = m;
    const dateOnly = h === undefined;
    const offset = zoneOffsetMinutes(zone);
    const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), dateOnly ? 23 : Number(h), dateOnly ? 59 : Number(mi), dateOnly ? 59 : Number(s ?? 0));
    const check = new Date(ms);
    const valid = check.getUTCFullYear() === Number(y) && check.getUTCMonth() === Number(mo) - 1 && check.getUTCDate() === Number(d) && (dateOnly || (Number(h) < 24 && Number(mi) < 60 && Number(s ?? 0) < 60));
    if (valid && offset !== undefined) return Math.floor(ms / 1000) - offset * 60;
  }
  throw new MvError('INVALID_TIME', `${JSON.stringify(text)} is not a time mv understands.`, {
    hint: 'Use ISO 8601, e.g. `2026-11-25T10:00Z`, `2026-11-25T10:00:00+01:00` or `2026-11-25` (end of that day, UTC), or `@<unix seconds>`.',
  });
}

function zoneOffsetMinutes(zone: string | undefined): number | undefined {
  if (!zone || zone.toUpperCase() === 'Z') return 0;
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
  if (!m || Number(m[2]) > 14 || Number(m[3]) > 59) return undefined;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

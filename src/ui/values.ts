/** Turning recorded values (metrics, params, environment) into short display text. */

/** Nested mappings as dotted keys; lists and scalars are leaves. */
export function flattenValues(value: Record<string, unknown>, prefix = '', out: Map<string, unknown> = new Map()): Map<string, unknown> {
  for (const [key, child] of Object.entries(value)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (child !== null && typeof child === 'object' && !Array.isArray(child)) flattenValues(child as Record<string, unknown>, name, out);
    else out.set(name, child);
  }
  return out;
}

/** A value as text: strings as they are, numbers with up to 6 significant digits, the rest as JSON. */
export function displayValue(value: unknown): string {
  if (value === undefined) return '—';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6)));
  if (typeof value === 'boolean' || typeof value === 'bigint' || value === null) return String(value);
  return JSON.stringify(value) ?? typeof value;
}

/** A signed delta, e.g. "+0.012" or "−3". */
export function displayDelta(delta: number): string {
  if (delta === 0) return '±0';
  return `${delta > 0 ? '+' : '−'}${displayValue(Math.abs(delta))}`;
}

/** "2026-05-01 10:00 UTC" from an ISO 8601 UTC time. */
export function displayTime(iso: string): string {
  const match = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d)/.exec(iso);
  return match ? `${match[1]} ${match[2]} UTC` : iso;
}

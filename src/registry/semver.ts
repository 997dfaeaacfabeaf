/**
 * Strict SemVer 2.0.0 checking and ordering for the registry's hot paths (reading thousands of tags on
 * every `mv resolve`), without loading the full `semver` package.
 */
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

interface Parsed {
  core: [number, number, number];
  pre: Array<string | number>;
}

const cache = new Map<string, Parsed | null>();

function parse(text: string): Parsed | null {
  let parsed = cache.get(text);
  if (parsed !== undefined) return parsed;
  const m = text.length <= 256 ? SEMVER.exec(text) : null;
  parsed = m ? { core: [Number(m[1]), Number(m[2]), Number(m[3])], pre: m[4] ? m[4].split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p)) : [] } : null;
  cache.set(text, parsed);
  return parsed;
}

/** Whether `text` is a SemVer version exactly as written (`1.2.3`, `1.2.3-rc.1+build`; no `v`, no spaces). */
export function isSemver(text: string): boolean {
  return parse(text) !== null;
}

/**
 * SemVer precedence (build metadata ignored; ties broken by text so the order is total). Strings that are
 * not versions (commit ids of versions GTO knows only by commit) sort below every version, by text.
 */
export function compareSemver(a: string, b: string): number {
  if (a === b) return 0;
  const x = parse(a);
  const y = parse(b);
  if (!x || !y) return x ? 1 : y ? -1 : a < b ? -1 : 1;
  for (let i = 0; i < 3; i++) if (x.core[i] !== y.core[i]) return x.core[i]! < y.core[i]! ? -1 : 1;
  if (x.pre.length === 0 || y.pre.length === 0) return x.pre.length === y.pre.length ? (a < b ? -1 : 1) : x.pre.length === 0 ? 1 : -1;
  for (let i = 0; i < Math.max(x.pre.length, y.pre.length); i++) {
    const p = x.pre[i];
    const q = y.pre[i];
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    if (p === q) continue;
    if (typeof p === 'number' && typeof q === 'number') return p < q ? -1 : 1;
    if (typeof p === 'number') return -1;
    if (typeof q === 'number') return 1;
    return p < q ? -1 : 1;
  }
  return a < b ? -1 : 1;
}

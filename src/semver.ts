/**
 * SemVer checks for version strings read from tags and typed by users, on the `semver` package. A version
 * is accepted exactly as written (`1.2.3`, `1.2.3-rc.1+build`): no leading `v` or `=`, no spaces.
 */
import type SemVer from 'semver/classes/semver.js';
import parse from 'semver/functions/parse.js';

/**
 * Parsed versions by text: a registry replay compares the same few hundred version strings hundreds of
 * thousands of times. Bounded, since the strings come from tags anyone can push.
 */
const parsed = new Map<string, SemVer | null>();
const MAX_PARSED = 100_000;

function parsedSemver(text: string): SemVer | null {
  let version = parsed.get(text);
  if (version === undefined) {
    version = text.length > 256 || /^[v=]/.test(text) || text.trim() !== text ? null : parse(text);
    if (version && version.raw !== text) version = null;
    if (parsed.size >= MAX_PARSED) parsed.clear();
    parsed.set(text, version);
  }
  return version;
}

export function isSemver(text: string): boolean {
  return parsedSemver(text) !== null;
}

/**
 * SemVer precedence, made total by comparing build metadata too (as `semver`'s `compareBuild`). Strings
 * that are not versions (commit ids of versions GTO knows only by commit) sort below every version, by text.
 */
export function compareSemver(a: string, b: string): number {
  if (a === b) return 0;
  const x = parsedSemver(a);
  const y = parsedSemver(b);
  if (!x || !y) return x ? 1 : y ? -1 : a < b ? -1 : 1;
  return x.compare(y) || x.compareBuild(y);
}

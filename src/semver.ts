/**
 * SemVer checks for version strings read from tags and typed by users, on the `semver` package. A version
 * is accepted exactly as written (`1.2.3`, `1.2.3-rc.1+build`): no leading `v` or `=`, no spaces.
 */
import compareBuild from 'semver/functions/compare-build.js';
import parse from 'semver/functions/parse.js';

export function isSemver(text: string): boolean {
  if (text.length > 256 || /^[v=]/.test(text) || text.trim() !== text) return false;
  return parse(text)?.raw === text;
}

/**
 * SemVer precedence, made total by comparing build metadata too (`compareBuild`). Strings that are not
 * versions (commit ids of versions GTO knows only by commit) sort below every version, by text.
 */
export function compareSemver(a: string, b: string): number {
  if (a === b) return 0;
  const x = isSemver(a);
  const y = isSemver(b);
  if (!x || !y) return x ? 1 : y ? -1 : a < b ? -1 : 1;
  return compareBuild(a, b);
}

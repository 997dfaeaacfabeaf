/**
 * Which version number a new version gets. Rules (docs/versions.md):
 * - `--version X.Y.Z` is taken as given, unless that version exists (registered or deregistered).
 * - A version lower than the highest is a maintenance release: accepted only if it is higher than every
 *   existing version of its MAJOR line and that line exists (1.4.2 after 1.4.1 and 2.0.0; not 1.4.0).
 * - `--bump major|minor|patch` increments the highest existing version; the first version is 0.1.0
 *   (1.0.0 for --bump major, 0.0.1 for --bump patch).
 * - `--bump auto` (the default) picks the level from what changed against the previous version.
 */
import semver from 'semver';
import { MvError, UsageError } from '../errors.js';

export type BumpLevel = 'major' | 'minor' | 'patch';
export type BumpRequest = BumpLevel | 'auto';

export interface VersionPlan {
  version: string;
  /** Why this number: for people, printed by `mv add`. */
  reason: string;
}

/** Parses a version typed by a user ("1.2.3" or "v1.2.3"). */
export function parseVersionArgument(input: string): string {
  const text = input.startsWith('v') ? input.slice(1) : input;
  const parsed = semver.parse(text);
  if (!parsed || parsed.version !== text) {
    throw new MvError('INVALID_VERSION', `${JSON.stringify(input)} is not a semantic version.`, {
      hint: 'Use MAJOR.MINOR.PATCH with an optional -prerelease or +build, e.g. 1.2.0 or 2.0.0-rc.1.',
    });
  }
  return parsed.version;
}

export function parseBump(input: string): BumpRequest {
  if (input === 'major' || input === 'minor' || input === 'patch' || input === 'auto') return input;
  throw new UsageError(`--bump must be major, minor, patch or auto, not ${JSON.stringify(input)}.`);
}

export function highestVersion(existing: string[]): string | undefined {
  return existing.length === 0 ? undefined : semver.rsort([...existing])[0];
}

export function checkRequestedVersion(version: string, existing: string[], artifact: string): VersionPlan {
  if (existing.includes(version)) {
    throw new MvError('VERSION_EXISTS', `${artifact}@v${version} already exists; versions are immutable.`, {
      hint: `Choose another number (the highest is v${highestVersion(existing)}), or use --bump patch|minor|major.`,
    });
  }
  const highest = highestVersion(existing);
  if (!highest || semver.gt(version, highest)) return { version, reason: 'as requested' };
  const major = semver.major(version);
  const line = existing.filter((v) => semver.major(v) === major);
  const lineHighest = highestVersion(line);
  if (!lineHighest) {
    throw new MvError('VERSION_TOO_LOW', `v${version} is lower than the highest version v${highest} and starts no existing line (there is no ${major}.x version).`, {
      hint: `Use a version above v${highest}; a lower version is only allowed as a maintenance release of an existing MAJOR line.`,
    });
  }
  if (!semver.gt(version, lineHighest)) {
    throw new MvError('VERSION_TOO_LOW', `v${version} is not higher than v${lineHighest}, the newest of the ${major}.x line.`, {
      hint: `A maintenance release must be the newest of its line: try v${semver.inc(lineHighest, 'patch')}.`,
    });
  }
  return { version, reason: `maintenance release on the ${major}.x line (highest overall is v${highest})` };
}

export function bumpedVersion(level: BumpLevel, existing: string[], why: string): VersionPlan {
  const highest = highestVersion(existing);
  if (!highest) {
    const first = level === 'major' ? '1.0.0' : level === 'minor' ? '0.1.0' : '0.0.1';
    return { version: first, reason: 'first version' };
  }
  return { version: semver.inc(highest, level)!, reason: `${level} bump from v${highest}: ${why}` };
}

/**
 * What commands accept as a ref: `name`, `name@v1.2.3` (or `name@1.2.3`), `name@latest` (highest SemVer,
 * never for deploys), `name#stage` (the version(s) holding the stage now) and `name@<commit id>` (a
 * commit that GTO counts as a version: it has stage tags but no version tag). An artifact in a folder is
 * named `path:name`, as GTO names it.
 */
import { isSemver } from '../semver.js';
import { MvError } from '../errors.js';
import { fullnameProblem, isGtoName } from './fullname.js';

export type Ref =
  | { kind: 'artifact'; artifact: string; text: string }
  | { kind: 'version'; artifact: string; version: string; text: string }
  | { kind: 'latest'; artifact: string; text: string }
  | { kind: 'stage'; artifact: string; stage: string; text: string };

const COMMIT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

export function parseRef(text: string): Ref {
  const bad = (problem: string) =>
    new MvError('INVALID_REF', `${JSON.stringify(text)} ${problem}.`, {
      hint: 'Refs look like `churn`, `churn@v1.2.3`, `churn@latest` or `churn#production` (an artifact in a folder: `models:churn`).',
    });
  const hash = text.indexOf('#');
  const at = text.lastIndexOf('@');
  if (hash >= 0) {
    const artifact = text.slice(0, hash);
    const stage = text.slice(hash + 1);
    if (fullnameProblem(artifact)) throw bad('does not start with a valid artifact name');
    if (!isGtoName(stage)) throw bad('does not name a valid stage after "#"');
    return { kind: 'stage', artifact, stage, text };
  }
  if (at >= 0) {
    const artifact = text.slice(0, at);
    const rest = text.slice(at + 1);
    if (fullnameProblem(artifact)) throw bad('does not start with a valid artifact name');
    if (rest === 'latest') return { kind: 'latest', artifact, text };
    if (COMMIT_ID.test(rest)) return { kind: 'version', artifact, version: rest, text };
    const bare = rest.startsWith('v') ? rest.slice(1) : rest;
    if (!isSemver(bare)) throw bad('has no valid version after "@" (expected vX.Y.Z or latest)');
    return { kind: 'version', artifact, version: bare, text };
  }
  const problem = fullnameProblem(text);
  if (problem) throw bad(problem.replace(`${JSON.stringify(text)} `, ''));
  return { kind: 'artifact', artifact: text, text };
}

/** The pinned id of a version: `name@v1.2.3`, or `name@<commit id>` for a commit with no version tag. */
export function pinnedId(artifact: string, version: string): string {
  return isSemver(version) ? `${artifact}@v${version}` : `${artifact}@${version}`;
}

/**
 * The warning for a ref that names no fixed version (`name@latest`, a bare name): `what` it resolved to
 * today, and the pin or stage to deploy instead.
 */
export function notAPinWarning(text: string, id: string, what: string, stageRef: string): string {
  return `${text} resolved to ${id}, ${what}; it changes as versions are added, so never deploy it: pin ${id} or use a stage (${stageRef}).`;
}

/** How a version is shown to people: `v1.2.3`, or the first 12 digits of a commit id. */
export function versionLabel(version: string): string {
  return isSemver(version) ? `v${version}` : version.slice(0, 12);
}

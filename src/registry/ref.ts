/**
 * What commands accept as a ref: `name`, `name@v1.2.3` (or `name@1.2.3`), `name@latest` (highest SemVer,
 * never for deploys) and `name#stage` (the version(s) holding the stage now).
 */
import { isSemver } from './semver.js';
import { MvError } from '../errors.js';
import { nameProblem } from '../names.js';

export type Ref =
  | { kind: 'artifact'; artifact: string; text: string }
  | { kind: 'version'; artifact: string; version: string; text: string }
  | { kind: 'latest'; artifact: string; text: string }
  | { kind: 'stage'; artifact: string; stage: string; text: string };

export function parseRef(text: string): Ref {
  const bad = (problem: string) =>
    new MvError('INVALID_REF', `${JSON.stringify(text)} ${problem}.`, {
      hint: 'Refs look like `churn`, `churn@v1.2.3`, `churn@latest` or `churn#production`.',
    });
  const hash = text.indexOf('#');
  const at = text.lastIndexOf('@');
  if (hash >= 0) {
    const artifact = text.slice(0, hash);
    const stage = text.slice(hash + 1);
    if (nameProblem(artifact)) throw bad('does not start with a valid artifact name');
    if (!/^[a-z][a-z0-9_-]*$/i.test(stage)) throw bad('does not name a valid stage after "#"');
    return { kind: 'stage', artifact, stage, text };
  }
  if (at >= 0) {
    const artifact = text.slice(0, at);
    const rest = text.slice(at + 1);
    if (nameProblem(artifact)) throw bad('does not start with a valid artifact name');
    if (rest === 'latest') return { kind: 'latest', artifact, text };
    const bare = rest.startsWith('v') ? rest.slice(1) : rest;
    if (!isSemver(bare)) throw bad('has no valid version after "@" (expected vX.Y.Z or latest)');
    return { kind: 'version', artifact, version: bare, text };
  }
  const problem = nameProblem(text);
  if (problem) throw bad(problem.replace(`${JSON.stringify(text)} `, ''));
  return { kind: 'artifact', artifact: text, text };
}

/** The pinned id of a version: `name@v1.2.3`. */
export function pinnedId(artifact: string, version: string): string {
  return `${artifact}@v${version}`;
}

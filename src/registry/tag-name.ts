/**
 * GTO's tag grammar, which mv writes and reads:
 *   name@v1.2.3       register a version          name@v1.2.3!      deregister it
 *   name#stage#N      assign a stage              name#stage!#N     unassign it
 *   name@deprecated   deprecate the artifact
 * `#N` counts events per artifact; GTO also accepts it (optionally) on the other forms.
 */
import { isSemver } from './semver.js';
import { nameProblem } from '../names.js';

export type TagEventKind = 'register' | 'deregister' | 'assign' | 'unassign' | 'deprecate';

export interface ParsedTagName {
  kind: TagEventKind;
  artifact: string;
  /** SemVer without the leading "v" (register, deregister). */
  version?: string;
  stage?: string;
  /** The `#N` counter, when present. */
  counter?: number;
}

const TAG_PATTERN = /^(?<artifact>[^@#]+)(?:@(?<deprecated>deprecated)|@v(?<version>[^!#]+)(?<dereg>!)?|#(?<stage>[^!#]+)(?<unassign>!)?)(?:#(?<counter>\d{1,9}))?$/;

/** Parses a tag name (without `refs/tags/`); undefined for tags that are not registry events. */
export function parseTagName(tag: string): ParsedTagName | undefined {
  const match = TAG_PATTERN.exec(tag);
  const g = match?.groups;
  if (!g?.artifact || nameProblem(g.artifact)) return undefined;
  const counter = g.counter === undefined ? undefined : Number(g.counter);
  const base = { artifact: g.artifact, ...(counter === undefined ? {} : { counter }) };
  if (g.deprecated) return { kind: 'deprecate', ...base };
  if (g.version !== undefined) {
    if (!isSemver(g.version)) return undefined;
    return { kind: g.dereg ? 'deregister' : 'register', version: g.version, ...base };
  }
  if (g.stage !== undefined) {
    if (nameProblem(g.stage)) return undefined;
    // GTO requires the counter on stage events; a bare `name#stage` is its "simple" mode, read as well.
    return { kind: g.unassign ? 'unassign' : 'assign', stage: g.stage, ...base };
  }
  return undefined;
}

export function registerTag(artifact: string, version: string): string {
  return `${artifact}@v${version}`;
}

export function deregisterTag(artifact: string, version: string): string {
  return `${artifact}@v${version}!`;
}

export function assignTag(artifact: string, stage: string, counter: number): string {
  return `${artifact}#${stage}#${counter}`;
}

export function unassignTag(artifact: string, stage: string, counter: number): string {
  return `${artifact}#${stage}!#${counter}`;
}

export function deprecateTag(artifact: string): string {
  return `${artifact}@deprecated`;
}

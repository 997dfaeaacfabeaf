/**
 * GTO's tag grammar, which mv writes and reads (GTO's `tag_re`):
 *   name@v1.2.3       register a version          name@v1.2.3!      deregister it
 *   name#stage#N      assign a stage              name#stage!#N     unassign it
 *   name@deprecated   deprecate the artifact
 * `#N` counts events per artifact; it is optional on every form (GTO's "simple" tags have none). An
 * artifact in a folder (`path:name`) is written `path=name`. GTO ignores the counter when it orders
 * events: see events.ts.
 */
import { GTO_NAME, TAG_FULLNAME, fromTagForm, tagForm } from './fullname.js';

export type TagEventKind = 'register' | 'deregister' | 'assign' | 'unassign' | 'deprecate';

export interface ParsedTagName {
  kind: TagEventKind;
  /** The artifact's fullname (`path:name` for an artifact in a folder). */
  artifact: string;
  /** SemVer without the leading "v" (register, deregister). */
  version?: string;
  stage?: string;
  /** The `#N` counter, when present. */
  counter?: number;
}

const NUMBER = '(?:0|[1-9]\\d*)';
const PRERELEASE_ID = '(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)';
const SEMVER = `${NUMBER}\\.${NUMBER}\\.${NUMBER}(?:-${PRERELEASE_ID}(?:\\.${PRERELEASE_ID})*)?(?:\\+[0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*)?`;

const TAG_PATTERN = new RegExp(
  `^(?<artifact>${TAG_FULLNAME})(?:(?:#(?<stage>${GTO_NAME})|@v(?<version>${SEMVER}))(?<cancel>!?)|@(?<deprecated>deprecated))(?:#(?<counter>[0-9]{1,15}))?$`,
);

/** Parses a tag name (without `refs/tags/`); undefined for tags that are not registry events. */
export function parseTagName(tag: string): ParsedTagName | undefined {
  const g = TAG_PATTERN.exec(tag)?.groups;
  if (!g?.artifact) return undefined;
  const base = { artifact: fromTagForm(g.artifact), ...(g.counter === undefined ? {} : { counter: Number(g.counter) }) };
  if (g.deprecated) return { kind: 'deprecate', ...base };
  if (g.version !== undefined) return { kind: g.cancel ? 'deregister' : 'register', version: g.version, ...base };
  return { kind: g.cancel ? 'unassign' : 'assign', stage: g.stage!, ...base };
}

function withCounter(tag: string, counter: number | undefined): string {
  return counter === undefined ? tag : `${tag}#${counter}`;
}

export function registerTag(artifact: string, version: string): string {
  return `${tagForm(artifact)}@v${version}`;
}

export function deregisterTag(artifact: string, version: string, counter?: number): string {
  return withCounter(`${tagForm(artifact)}@v${version}!`, counter);
}

export function assignTag(artifact: string, stage: string, counter: number): string {
  return `${tagForm(artifact)}#${stage}#${counter}`;
}

export function unassignTag(artifact: string, stage: string, counter: number): string {
  return `${tagForm(artifact)}#${stage}!#${counter}`;
}

export function deprecateTag(artifact: string, counter?: number): string {
  return withCounter(`${tagForm(artifact)}@deprecated`, counter);
}

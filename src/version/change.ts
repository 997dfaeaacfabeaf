/**
 * What changed between two versions of an artifact, and the SemVer level that change implies:
 * a changed signature breaks callers (major); new data, params, pipeline or parent make a new capability
 * (minor); new weights alone are a fix (patch).
 */
import { isDeepStrictEqual } from 'node:util';
import type { DataEntry, PathEntry, Pointer } from '../pointer/pointer.js';
import type { BumpLevel } from './version-policy.js';

export interface ChangeSummary {
  level: BumpLevel | 'none';
  reasons: string[];
}

function dataIdentity(entry: DataEntry): string {
  if ('oid' in entry && typeof entry.oid === 'string') return entry.oid;
  if ('uri' in entry) return JSON.stringify([entry.uri, entry.etag ?? null, entry.version ?? null]);
  return `artifact:${String((entry as { artifact?: unknown }).artifact)}`;
}

function sameContent(a: readonly DataEntry[] | undefined, b: readonly DataEntry[] | undefined): boolean {
  return isDeepStrictEqual((a ?? []).map(dataIdentity).sort(), (b ?? []).map(dataIdentity).sort());
}

function filesIdentity(files: readonly PathEntry[]): string[] {
  return files.map((f) => `${f.path}\0${f.oid}`).sort();
}

export function classifyChange(previous: Pointer, next: Pointer): ChangeSummary {
  const major: string[] = [];
  const minor: string[] = [];
  const patch: string[] = [];
  if (!isDeepStrictEqual(previous.signature ?? null, next.signature ?? null)) major.push('signature changed');
  if (previous.type !== next.type) major.push(`type changed from ${previous.type} to ${next.type}`);
  const a = previous.lineage;
  const b = next.lineage;
  if (!sameContent(a.data, b.data)) minor.push('training data changed');
  if (!isDeepStrictEqual(a.params ?? {}, b.params ?? {}) || a.params_file?.oid !== b.params_file?.oid) minor.push('params changed');
  if (!sameContent(a.pipeline, b.pipeline)) minor.push('pipeline changed');
  if ((a.parent ?? null) !== (b.parent ?? null)) minor.push('parent changed');
  if (!isDeepStrictEqual(filesIdentity(previous.files), filesIdentity(next.files))) patch.push('files changed');
  if (!isDeepStrictEqual(previous.metrics ?? {}, next.metrics ?? {})) patch.push('metrics changed');
  if (major.length) return { level: 'major', reasons: [...major, ...minor, ...patch] };
  if (minor.length) return { level: 'minor', reasons: [...minor, ...patch] };
  if (patch.length) return { level: 'patch', reasons: patch };
  return { level: 'none', reasons: [] };
}

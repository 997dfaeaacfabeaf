/**
 * The params, metrics and signature files the user named on the command line of `mv add` in this clone,
 * per artifact (`.git/mv/named-parts.json`, where nothing arrives through a clone). A file git ignores is
 * taken over from the committed pointer only if it is one of them: the user chose it here, not a pointer
 * edited by someone else.
 */
import { join } from 'node:path';
import { isPlainObject } from '../plain-object.js';
import type { Repo } from '../repo.js';
import { readStateJson, writeStateJson } from '../state-json.js';

function namedPartsFile(repo: Repo): string {
  return join(repo.stateDir, 'named-parts.json');
}

/** The repository paths named for `artifact`; none when the record is missing or damaged. */
export async function namedParts(repo: Repo, artifact: string): Promise<Set<string>> {
  const all = await readAll(namedPartsFile(repo));
  return new Set(Object.hasOwn(all, artifact) ? all[artifact] : []);
}

/** Adds `paths` to what was named for `artifact`. */
export async function rememberNamedParts(repo: Repo, artifact: string, paths: string[]): Promise<void> {
  if (paths.length === 0) return;
  const file = namedPartsFile(repo);
  const all = await readAll(file);
  const known = new Set(Object.hasOwn(all, artifact) ? all[artifact] : []);
  if (paths.every((p) => known.has(p))) return;
  for (const path of paths) known.add(path);
  all[artifact] = [...known].sort();
  await writeStateJson(file, all);
}

async function readAll(file: string): Promise<Record<string, string[]>> {
  const parsed = await readStateJson(file);
  const all = Object.create(null) as Record<string, string[]>;
  if (!isPlainObject(parsed)) return all;
  for (const [artifact, paths] of Object.entries(parsed)) {
    if (Array.isArray(paths)) all[artifact] = paths.filter((p): p is string => typeof p === 'string');
  }
  return all;
}

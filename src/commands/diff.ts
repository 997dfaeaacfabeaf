/** `mv diff <ref> <ref>`: what changed between two versions, read from the pointers in their tagged commits. */
import { diffEntries, parseManifest } from '../cache/manifest.js';
import { isOid } from '../cache/oid.js';
import { Git } from '../git.js';
import { openRepo } from '../repo.js';
import { MvError } from '../errors.js';
import { parseRef, pinnedId } from '../registry/ref.js';
import { versionOfAnyRef } from '../registry/ref-target.js';
import { readArtifact } from '../registry/registry-state.js';
import { DEFAULT_STAGES } from '../registry/stage-names.js';
import { requireVersionPointer } from '../registry/version-metrics.js';
import { modelFileDiffs } from '../pointer/model-diff.js';
import type { LocatedPointer } from '../pointer/locate.js';
import { diffResult, type DiffResult, type DiffSide } from '../registry/version-diff.js';

export type { DiffResult, DiffSide };

export interface DiffOptions {
  cwd?: string;
  from: string;
  to: string;
  /** List the paths added, removed and changed inside folders, not only their counts. */
  files?: boolean;
}

export async function diff(options: DiffOptions): Promise<DiffResult> {
  const git = new Git(options.cwd ?? process.cwd());
  const refs = [parseRef(options.from), parseRef(options.to)] as const;
  const notes: string[] = [];
  // One registry read per artifact; the two pointers are read together.
  const reads = new Map<string, ReturnType<typeof readArtifact>>();
  const versions = [];
  for (const ref of refs) {
    if (!reads.has(ref.artifact)) reads.set(ref.artifact, readArtifact(git, ref.artifact));
    const read = await reads.get(ref.artifact)!;
    notes.push(...read.notes.filter((n) => !notes.includes(n)));
    versions.push({ artifact: ref.artifact, state: read.state, version: versionOfAnyRef(read.state, ref, DEFAULT_STAGES, 'mvr diff REF …') });
  }
  if (versions[0]!.artifact === versions[1]!.artifact && versions[0]!.version.version === versions[1]!.version.version) {
    const id = pinnedId(versions[0]!.artifact, versions[0]!.version.version);
    throw new MvError('SAME_VERSION', `Both refs name ${id}.`, { hint: `Compare two versions, e.g. \`mvr diff ${id} ${refs[0].artifact}@latest\`.` });
  }
  const [a, b] = await Promise.all(
    versions.map(async ({ artifact, state, version }) => ({ artifact, version, located: await requireVersionPointer(git, state, version) })),
  );
  if (!a || !b) throw new Error('diff compares two versions');
  const result = diffResult(a, b, notes);
  await compareFolders(options.cwd ?? process.cwd(), result, options.files ?? false);
  await addModelDiffs(options.cwd ?? process.cwd(), result, a.located, b.located);
  return result;
}

/** Adds the tensors that changed in model files the two versions share a path for. */
async function addModelDiffs(cwd: string, result: DiffResult, from: LocatedPointer, to: LocatedPointer): Promise<void> {
  const repo = await openRepo(cwd).catch(() => undefined);
  if (!repo) return;
  const { models, notes } = await modelFileDiffs(repo.cache, from, to);
  result.models = models;
  result.notes.push(...notes);
}

/**
 * A changed folder (artifact files or data) is compared file by file, from the two manifests in the
 * cache; when either is not there, a note says how to get it.
 */
async function compareFolders(cwd: string, result: DiffResult, withPaths: boolean): Promise<void> {
  const folders = [...result.files, ...result.data].filter((e) => e.change === 'changed' && e.key.endsWith('/'));
  if (folders.length === 0) return;
  const cache = await openRepo(cwd).then((repo) => repo.cache, () => undefined);
  const manifest = async (entry: Record<string, unknown> | undefined) => {
    const oid = entry?.oid;
    if (!cache || !isOid(oid)) return undefined;
    const bytes = await cache.readVerified(oid).catch(() => undefined);
    return bytes ? parseManifest(bytes.toString('utf8'), oid) : undefined;
  };
  let unknown = 0;
  for (const entry of folders) {
    const [before, after] = await Promise.all([manifest(entry.from), manifest(entry.to)]);
    if (!before || !after) {
      unknown++;
      continue;
    }
    const changes = diffEntries(before, after);
    const sizeIn = (list: typeof before) => new Map(list.map((e) => [e.path, e.size]));
    const [was, now] = [sizeIn(before), sizeIn(after)];
    const sum = (paths: string[], sizes: Map<string, number>) => paths.reduce((total, p) => total + (sizes.get(p) ?? 0), 0);
    entry.folder = {
      added: changes.added.length,
      removed: changes.removed.length,
      changed: changes.modified.length,
      unchanged: after.length - changes.added.length - changes.modified.length,
      bytes: { added: sum(changes.added, now), removed: sum(changes.removed, was), changed: sum(changes.modified, now) },
      ...(withPaths ? { paths: { added: changes.added, removed: changes.removed, changed: changes.modified } } : {}),
    };
  }
  if (unknown) result.notes.push(`${unknown} changed folder(s) could not be compared file by file: their manifests are not in the cache (\`mvr fetch --lineage ${result.from.id} ${result.to.id}\` brings them).`);
}

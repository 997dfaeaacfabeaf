/**
 * Hashing what a version records — the artifact's files and folders, its data and pipeline paths, its
 * params file — and, unless it is a dry run, storing them in the cache. Unchanged files are recognised by
 * the stat cache. The entries come out as the pointer writes them, relative to the pointer's folder.
 */
import { MvError } from '../errors.js';
import { joinRepoPath, relativeFromFolder } from '../paths.js';
import type { DataEntry, FileRef, PathEntry } from '../pointer/pointer.js';
import type { Repo } from '../repo.js';
import type { PathArg } from '../workspace/add-checks.js';
import { snapshotPath, type Progress, type Snapshot, type SnapshotContext } from '../workspace/snapshot.js';
import { loadStatCache } from '../workspace/state-files.js';
import type { AddRequest } from './request.js';

export interface HashedInputs {
  files: PathEntry[];
  data: DataEntry[];
  pipeline: PathEntry[];
  paramsFile: FileRef | undefined;
  /** What is on disk now, by repository path (folders' entries included), for the plan's report. */
  snapshots: Map<string, Snapshot>;
  warnings: string[];
}

export interface HashOptions {
  /** Store the content in the cache; a dry run only hashes, and keeps the stat cache as it was. */
  store: boolean;
  onProgress?: Progress | undefined;
  signal?: AbortSignal | undefined;
}

export async function hashInputs(repo: Repo, request: AddRequest, options: HashOptions): Promise<HashedInputs> {
  const stats = await loadStatCache(repo);
  const ctx: SnapshotContext = { root: repo.root, cache: repo.cache, stats, store: options.store, onProgress: options.onProgress, signal: options.signal };
  const warnings: string[] = [];
  const snapshots = new Map<string, Snapshot>();
  const entries = async (paths: PathArg[], context: SnapshotContext) => {
    const out: PathEntry[] = [];
    for (const p of paths) {
      const snapshot = await snapshotPath(p.repoPath, context);
      snapshots.set(snapshot.repoPath, snapshot);
      out.push(entryFor(snapshot, request.folder));
    }
    return out;
  };
  try {
    // With a linking cache type, the artifact's own files become the cache objects (data and code are
    // copied) — except for root, whom the read-only bit does not stop from writing into a linked file,
    // which would change the only copy of the version's bytes. `mv checkout` links them once a remote holds them.
    let linkType = repo.config.cache.type;
    if (linkType !== 'copy' && options.store && process.getuid?.() === 0) {
      warnings.push(`cache.type is ${linkType}, but mv runs as root, which file permissions do not stop: the files were copied into the cache rather than linked, so an edit in place cannot change the version. \`mvr checkout\` links them once a remote holds them.`);
      linkType = 'copy';
    }
    const files = await entries(request.artifactPaths, linkType === 'copy' || !options.store ? ctx : { ...ctx, link: linkType });
    const data = [...(await entries(request.dataPaths, ctx)), ...request.otherData];
    const pipeline = await entries(request.pipelinePaths, ctx);
    const params = request.paramsFile ? (await entries([request.paramsFile], ctx))[0] : undefined;
    options.signal?.throwIfAborted();
    return { files, data, pipeline, paramsFile: params ? { path: params.path, oid: params.oid } : undefined, snapshots, warnings };
  } finally {
    if (options.store) await stats.save();
  }
}

function entryFor(snapshot: Snapshot, folder: string): PathEntry {
  if (snapshot.kind === 'dir' && snapshot.nfiles === 0) {
    throw new MvError('EMPTY_FOLDER', `${snapshot.repoPath} has no files; empty folders are not versioned.`, { hint: 'Add the folder once it holds the files, or leave it out.' });
  }
  const path = relativeFromFolder(folder, snapshot.repoPath);
  if (joinRepoPath(folder, path) !== snapshot.repoPath) throw new Error(`path round trip failed for ${snapshot.repoPath}`);
  return snapshot.kind === 'dir' ? { path, oid: snapshot.oid, size: snapshot.size, nfiles: snapshot.nfiles } : { path, oid: snapshot.oid, size: snapshot.size };
}

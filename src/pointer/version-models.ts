/**
 * The model files of a version, read from the local cache: which of its files (folders' files included)
 * are safetensors or GGUF, with what `mv show` says about each. Files are recognised by their header;
 * only those named `.safetensors` or `.gguf`, or large enough to be stored as chunks, are opened.
 */
import type { LocalCache } from '../cache/local-cache.js';
import { parseManifest } from '../cache/manifest.js';
import type { Oid } from '../cache/oid.js';
import { CHUNKED_MIN_FILE } from '../chunk/params.js';
import { MvError } from '../errors.js';
import { pointerObjects } from './objects.js';
import type { Pointer } from './pointer.js';
import { readTensorLayout } from '../model-files/read-layout.js';
import { summarizeLayout, type ModelSummary, type TensorLayout } from '../model-files/tensor-layout.js';

export interface ModelFile extends ModelSummary {
  /** Repository path of the file. */
  path: string;
  oid: Oid;
  size: number;
}

export interface VersionFile {
  path: string;
  oid: Oid;
  size: number;
}

/** The version's files (folders expanded where their manifest is cached) that may be model files. */
export async function candidateModelFiles(cache: LocalCache, pointer: Pointer, file: string): Promise<VersionFile[]> {
  const out: VersionFile[] = [];
  for (const object of pointerObjects(pointer, file, ['file'])) {
    if (!object.directory) {
      out.push({ path: object.path, oid: object.oid, size: object.size ?? 0 });
      continue;
    }
    let bytes: Buffer;
    try {
      bytes = await cache.readVerified(object.oid);
    } catch (error) {
      if (error instanceof MvError) continue;
      throw error;
    }
    for (const entry of parseManifest(bytes.toString('utf8'), `${object.oid} (${object.path})`)) out.push({ path: `${object.path}${entry.path}`, oid: entry.oid, size: entry.size });
  }
  return out.filter((f) => /\.(safetensors|gguf)$/i.test(f.path) || f.size >= CHUNKED_MIN_FILE);
}

/** A cached file's tensor layout; undefined when it is not a model file or not in the cache. */
export async function cachedLayout(cache: LocalCache, file: VersionFile): Promise<TensorLayout | undefined | 'uncached'> {
  if (!(await cache.has(file.oid))) return 'uncached';
  return readTensorLayout(cache.path(file.oid));
}

/** What `mv show` lists for a version's model files; `uncached` names the candidates the cache lacks. */
export async function versionModelFiles(cache: LocalCache, pointer: Pointer, file: string): Promise<{ models: ModelFile[]; uncached: string[] }> {
  const models: ModelFile[] = [];
  const uncached: string[] = [];
  for (const candidate of await candidateModelFiles(cache, pointer, file)) {
    const layout = await cachedLayout(cache, candidate);
    if (layout === 'uncached') {
      if (/\.(safetensors|gguf)$/i.test(candidate.path)) uncached.push(candidate.path);
      continue;
    }
    if (layout) models.push({ path: candidate.path, oid: candidate.oid, size: candidate.size, ...summarizeLayout(layout) });
  }
  return { models, uncached };
}

/** The tensor-level part of `mv diff`: for each model file the two versions both have (by path), what changed. */
import type { LocalCache } from '../cache/local-cache.js';
import { displayText } from '../display-text.js';
import type { Pointer } from './pointer.js';
import { diffTensors, tensorHashes, type ModelFileDiff } from '../model-files/tensor-diff.js';
import { cachedLayout, candidateModelFiles } from './version-models.js';

export async function modelFileDiffs(cache: LocalCache, from: { pointer: Pointer; file: string }, to: { pointer: Pointer; file: string }): Promise<{ models: ModelFileDiff[]; notes: string[] }> {
  const models: ModelFileDiff[] = [];
  const notes: string[] = [];
  const before = new Map((await candidateModelFiles(cache, from.pointer, from.file)).map((f) => [f.path, f]));
  for (const after of await candidateModelFiles(cache, to.pointer, to.file)) {
    const old = before.get(after.path);
    if (!old || old.oid === after.oid) continue;
    const [a, b] = [await cachedLayout(cache, old), await cachedLayout(cache, after)];
    if (a === 'uncached' || b === 'uncached') {
      if (/\.(safetensors|gguf)$/i.test(after.path)) notes.push(`${displayText(after.path)}: fetch both versions (\`mvr fetch <ref>\`) to see which tensors changed.`);
      continue;
    }
    if (!a || !b) continue;
    const diff = diffTensors({ layout: a, hashes: await tensorHashes(cache.path(old.oid), a) }, { layout: b, hashes: await tensorHashes(cache.path(after.oid), b) });
    models.push({ path: after.path, from: { oid: old.oid, size: old.size, tensors: a.tensors.length }, to: { oid: after.oid, size: after.size, tensors: b.tensors.length }, ...diff });
  }
  return { models, notes };
}

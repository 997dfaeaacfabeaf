/**
 * Checking a file the remote holds as chunks without keeping it: its chunks are read in file order
 * (chunks adjacent in one source in one request), each checked against its hash, and all of them hashed
 * together as the file, which must give the oid the recipe is stored under.
 */
import { createHash } from 'node:crypto';
import { oidFromHex } from '../cache/oid.js';
import { MvError } from '../errors.js';
import type { ChunkStore } from './chunk-store.js';
import { recipeSources, type Recipe, type RecipeChunk } from './recipe.js';
import { describeSource, type SourceKey } from './sources.js';

export type RecipeCheck = { outcome: 'ok' } | { outcome: 'missing'; sources: SourceKey[] } | { outcome: 'corrupt'; reason: string };

const RUN_BYTES = 8 * 1024 * 1024;

export async function checkRecipeContent(store: ChunkStore, recipe: Recipe, signal?: AbortSignal): Promise<RecipeCheck> {
  const missing: SourceKey[] = [];
  for (const source of recipeSources(recipe)) if (!(await store.hasSource(source))) missing.push(source);
  if (missing.length > 0) return { outcome: 'missing', sources: missing };
  const whole = createHash('sha256');
  for (const run of runs(recipe.chunks)) {
    const start = run[0]!.offset;
    const end = run[run.length - 1]!.offset + run[run.length - 1]!.length;
    const parts: Buffer[] = [];
    try {
      for await (const block of await store.readRange(run[0]!.source, start, end, signal)) parts.push(block as Buffer);
    } catch (error) {
      if (error instanceof MvError && (error.code === 'PACK_MISSING' || error.code === 'OBJECT_MISSING')) return { outcome: 'missing', sources: [run[0]!.source] };
      throw error;
    }
    const bytes = Buffer.concat(parts);
    if (bytes.length !== end - start) return { outcome: 'corrupt', reason: `${describeSource(run[0]!.source)} is shorter than the recipe says` };
    for (const chunk of run) {
      const data = bytes.subarray(chunk.offset - start, chunk.offset - start + chunk.length);
      // The source's full key, so that the damaged pack can be found and removed.
      if (createHash('sha256').update(data).digest('hex') !== chunk.hash) return { outcome: 'corrupt', reason: `chunk ${chunk.hash.slice(0, 12)}… in ${chunk.source} has the wrong content` };
      whole.update(data);
    }
  }
  const oid = oidFromHex(whole.digest('hex'));
  return oid === recipe.oid ? { outcome: 'ok' } : { outcome: 'corrupt', reason: `its chunks make a file that hashes to ${oid}` };
}

/** The recipe's chunks in file order, split into runs that are adjacent in one source. */
function* runs(chunks: readonly RecipeChunk[]): Generator<RecipeChunk[]> {
  let run: RecipeChunk[] = [];
  let bytes = 0;
  for (const chunk of chunks) {
    const last = run[run.length - 1];
    if (last && (last.source !== chunk.source || last.offset + last.length !== chunk.offset || bytes + chunk.length > RUN_BYTES)) {
      yield run;
      run = [];
      bytes = 0;
    }
    run.push(chunk);
    bytes += chunk.length;
  }
  if (run.length > 0) yield run;
}

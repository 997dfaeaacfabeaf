/**
 * Uploading a file as chunks in one pass over it: the chunker's buffers feed the upload planner, and the
 * bytes of each new chunk go straight from the buffer that was hashed into the pack being written, so the
 * file is read once and every byte is hashed once (chunk hashes and the whole-file hash, on the hashing
 * thread). A pack is published as soon as it is full, while chunking goes on; the recipe is written last,
 * after the whole file proved to hash to its oid and every reused pack was confirmed present.
 */
import type { Oid } from '../cache/oid.js';
import type { ChunkStore, PackWrite } from './chunk-store.js';
import { chunkFile, type ChunkBlock } from './chunker.js';
import { UploadPlanner, type KnownChunks, type PackPlan, type PlanUploadOptions, type UploadPlan } from './plan-upload.js';
import { commitRecipe, type StoreResult } from './chunked-transfer.js';
import { maxRecipeBytes } from './recipe.js';

export interface ChunkUploadOptions extends PlanUploadOptions {
  /** Chunks the remote is known to hold (from the recipes of earlier versions). */
  known: KnownChunks;
  /** Where chunks must end (tensor boundaries). */
  boundaries?: readonly number[];
  /** Packs published at once while chunking continues (each is up to a pack's size on disk). */
  publishing?: number;
  /** Replace an existing recipe of the file (a damaged one) instead of keeping it. */
  replace?: boolean;
  /** Called with the bytes of the file chunked so far, block by block, for progress. */
  onBytes?: (bytes: number) => void;
  signal?: AbortSignal;
}

export interface ChunkUploadResult extends StoreResult {
  plan: UploadPlan;
  /**
   * The recipe would be larger than readers accept for a file of this size (a file of very many tiny
   * tensors, each cut apart): it is not written, and the caller sends the file whole.
   */
  tooFine?: true;
}

export async function chunkAndStore(store: ChunkStore, file: { path: string; oid: Oid }, options: ChunkUploadOptions): Promise<ChunkUploadResult> {
  const planner = new UploadPlanner(file.oid, options.known, options.packMaxBytes === undefined ? {} : { packMaxBytes: options.packMaxBytes });
  const result: StoreResult = { packsWritten: 0, packsPresent: 0, bytesSent: 0, recipeWritten: false };
  const publishing = new Set<Promise<void>>();
  const failures: unknown[] = [];
  let current: PackWrite | undefined;

  const publish = async (write: PackWrite, pack: PackPlan) => {
    while (publishing.size >= Math.max(1, options.publishing ?? 2)) await Promise.race(publishing);
    if (failures.length > 0) {
      await write.abandon();
      throw failures[0];
    }
    const job = write.finish(pack, options.signal).then(
      (stored) => {
        if (stored) {
          result.packsWritten++;
          result.bytesSent += pack.size;
        } else {
          result.packsPresent++;
        }
      },
      (error: unknown) => {
        failures.push(error);
      },
    );
    const tracked = job.finally(() => publishing.delete(tracked));
    publishing.add(tracked);
  };

  const onChunks = async ({ view, base, chunks, first, end }: ChunkBlock) => {
    // Runs of stored chunks that are adjacent in the buffer go out in one write.
    let runStart = -1;
    let runEnd = -1;
    const flush = async () => {
      if (runStart < 0) return;
      await current!.write(view.subarray(runStart - base, runEnd - base));
      runStart = -1;
    };
    for (let row = first; row < end; row++) {
      const offset = chunks.offset(row);
      const length = chunks.length(row);
      options.onBytes?.(length);
      const decision = planner.add(chunks, row);
      if (decision.closed) {
        await flush();
        const full = current!;
        current = undefined;
        await publish(full, decision.closed);
      }
      if (!decision.store) {
        await flush();
        continue;
      }
      current ??= await store.beginPack();
      if (runStart >= 0 && runEnd === offset) runEnd += length;
      else {
        await flush();
        runStart = offset;
        runEnd = offset + length;
      }
    }
    await flush();
  };

  let plan: UploadPlan;
  try {
    await chunkFile(file.path, { expect: file.oid, onChunks, ...(options.boundaries ? { boundaries: options.boundaries } : {}), ...(options.signal ? { signal: options.signal } : {}) });
    const { last, ...finished } = planner.finish();
    plan = finished;
    if (last) {
      const full = current!;
      current = undefined;
      await publish(full, last);
    }
    await Promise.all(publishing);
    if (failures.length > 0) throw failures[0];
  } catch (error) {
    await current?.abandon();
    await Promise.allSettled(publishing);
    throw error;
  }

  if (plan.recipeBytes.length > maxRecipeBytes(plan.recipe.size)) return { ...result, plan, tooFine: true };
  await commitRecipe(store, plan, result, options.replace ? { replace: true } : {});
  return { ...result, plan };
}

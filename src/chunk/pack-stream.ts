/**
 * The bytes of a planned pack, streamed from the file being uploaded: runs of chunks that are adjacent in
 * the file are read together (up to 8 MiB at a time), every chunk is hashed again on the way and checked
 * against the plan, then the index and trailer follow. Memory stays at one run, whatever the pack size,
 * and a file that changed since it was chunked fails the upload instead of storing a wrong pack.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { MvError, fsError } from '../errors.js';
import type { PackPlan, PackPlanChunk } from './plan-upload.js';

const RUN = 8 * 1024 * 1024;

export function packStream(sourcePath: string, plan: PackPlan): Readable {
  return Readable.from(packBytes(sourcePath, plan), { objectMode: false });
}

async function* packBytes(sourcePath: string, plan: PackPlan): AsyncGenerator<Buffer> {
  const handle = await open(sourcePath, 'r').catch((error: unknown) => {
    throw fsError(error, 'reading', sourcePath);
  });
  try {
    for (const run of runs(plan.chunks)) {
      const length = run.reduce((sum, c) => sum + c.length, 0);
      const buffer = Buffer.allocUnsafe(length);
      const { bytesRead } = await handle.read(buffer, 0, length, run[0]!.source);
      if (bytesRead !== length) throw changedSource(sourcePath);
      let at = 0;
      for (const chunk of run) {
        if (createHash('sha256').update(buffer.subarray(at, at + chunk.length)).digest('hex') !== chunk.hash) throw changedSource(sourcePath);
        at += chunk.length;
      }
      yield buffer;
    }
    yield plan.tail;
  } finally {
    await handle.close();
  }
}

/** Consecutive pack chunks that are also consecutive in the file, at most `RUN` bytes each (a longer chunk alone). */
function* runs(chunks: readonly PackPlanChunk[]): Generator<PackPlanChunk[]> {
  let run: PackPlanChunk[] = [];
  let runLength = 0;
  for (const chunk of chunks) {
    const last = run[run.length - 1];
    if (last && (last.source + last.length !== chunk.source || runLength + chunk.length > RUN)) {
      yield run;
      run = [];
      runLength = 0;
    }
    run.push(chunk);
    runLength += chunk.length;
  }
  if (run.length > 0) yield run;
}

function changedSource(path: string): MvError {
  return new MvError('FILE_CHANGED', `${path} changed after it was chunked; no pack was stored from it.`, {
    hint: 'Run `mvr verify` to check the cache object, then push again.',
  });
}

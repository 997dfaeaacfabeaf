/**
 * Carrying out an assembly plan: every range is read (packs and whole objects from the remote, earlier
 * versions from local files), each chunk is checked against its hash and written at every offset the file
 * holds it, and the finished temp file is hashed whole and compared with the file's oid before anyone may
 * use it. A local chunk that turns out damaged is fetched from the remote instead; a damaged chunk from the
 * remote fails the rebuild. On any failure the temp file is removed: nothing half-built is ever placed.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rm, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { MvError, fsError } from '../errors.js';
import { STREAM_CHUNK, hashFile } from '../cache/hash.js';
import { shortOid } from '../cache/oid.js';
import type { ChunkStore } from './chunk-store.js';
import { runLimited } from './run-limited.js';
import { remoteReads, type AssemblyPiece, type AssemblyPlan, type RangeRead } from './plan-assembly.js';
import { describeSource } from './sources.js';

export interface AssembleOptions {
  store: ChunkStore;
  /** Where to build the file: a path that does not exist yet, on the file system of its destination. */
  temp: string;
  concurrency?: number;
  signal?: AbortSignal;
  /** Called with the number of bytes just read (from the remote or local files), for progress. */
  onBytes?: (bytes: number) => void;
}

export interface AssembleResult {
  /** Bytes read from the remote. */
  remoteBytes: number;
  /** Bytes of chunks taken from local files (those that checked out; damaged ones are fetched again). */
  localBytes: number;
  /** Chunks whose local copy was damaged and that were read from the remote instead. */
  refetched: number;
}

export async function assembleFile(plan: AssemblyPlan, options: AssembleOptions): Promise<AssembleResult> {
  const handle = await open(options.temp, 'wx', 0o644).catch((error: unknown) => {
    throw fsError(error, 'creating', options.temp);
  });
  const result: AssembleResult = { remoteBytes: 0, localBytes: 0, refetched: 0 };
  const damaged: AssemblyPiece[] = [];
  let closed = false;
  try {
    await handle.truncate(plan.size);
    await runLimited(plan.reads, options, (read, signal) => copyRange(read, handle, options, signal, result, damaged));
    if (damaged.length > 0) {
      result.refetched = damaged.length;
      const again = remoteReads(damaged.splice(0), 0);
      await runLimited(again, options, (read, signal) => copyRange(read, handle, options, signal, result, damaged));
    }
    await handle.close();
    closed = true;
    const built = await hashFile(options.temp);
    if (built.oid !== plan.oid || built.size !== plan.size) {
      throw new MvError('CORRUPT_DOWNLOAD', `The file rebuilt from the recipe of ${shortOid(plan.oid)} on ${options.store.location} has the wrong content (got ${shortOid(built.oid)}); it was not stored.`, {
        hint: 'The recipe on the remote is wrong: run `mvr verify -r <remote>`, then push the version again from a clone that has it.',
        details: { oid: plan.oid, remote: options.store.location },
      });
    }
    return result;
  } catch (error) {
    if (!closed) await handle.close().catch(() => undefined);
    await rm(options.temp, { force: true });
    throw fsError(error, 'writing', options.temp);
  }
}

async function copyRange(read: RangeRead, handle: FileHandle, options: AssembleOptions, signal: AbortSignal, result: AssembleResult, damaged: AssemblyPiece[]): Promise<void> {
  const fromRemote = read.source.kind === 'remote';
  const stream: Readable =
    read.source.kind === 'remote'
      ? await options.store.readRange(read.source.key, read.start, read.end, signal)
      : createReadStream(read.source.path, { start: read.start, end: read.end - 1, highWaterMark: STREAM_CHUNK, signal });
  const pieces = read.pieces;
  let index = 0;
  let position = read.start;
  let piece: Buffer | undefined;
  let filled = 0;
  try {
    for await (const block of stream as AsyncIterable<Buffer>) {
      options.onBytes?.(block.length);
      if (fromRemote) result.remoteBytes += block.length;
      let at = 0;
      while (at < block.length && index < pieces.length) {
        const wanted = pieces[index]!;
        if (position < wanted.offset) {
          const skip = Math.min(wanted.offset - position, block.length - at);
          at += skip;
          position += skip;
          continue;
        }
        piece ??= Buffer.allocUnsafe(wanted.length);
        const take = Math.min(wanted.length - filled, block.length - at);
        block.copy(piece, filled, at, at + take);
        filled += take;
        at += take;
        position += take;
        if (filled < wanted.length) continue;
        if (createHash('sha256').update(piece).digest('hex') === wanted.hash) {
          for (const target of wanted.targets) await handle.write(piece, 0, wanted.length, target);
          if (!fromRemote) result.localBytes += wanted.length;
        } else if (fromRemote) {
          throw corruptChunk(wanted, options.store.location);
        } else {
          damaged.push(wanted);
        }
        index++;
        piece = undefined;
        filled = 0;
      }
    }
  } catch (error) {
    // A local file that cannot be read is one more damaged copy: its chunks come from the remote.
    if (fromRemote || signal.aborted) throw error;
    damaged.push(...pieces.slice(index));
    return;
  } finally {
    stream.destroy();
  }
  if (index < pieces.length) {
    if (read.source.kind === 'local') {
      // A local file shorter than expected: what it lacks comes from the remote.
      damaged.push(...pieces.slice(index));
      return;
    }
    throw new MvError('INCOMPLETE_TRANSFER', `${options.store.location} sent less of ${describeSource(read.source.key)} than asked for.`, {
      hint: 'Run the command again.',
    });
  }
}

function corruptChunk(piece: AssemblyPiece, location: string): MvError {
  return new MvError('CORRUPT_CHUNK', `Chunk ${piece.hash.slice(0, 12)}… in ${describeSource(piece.source)} on ${location} has the wrong content; nothing was stored.`, {
    hint: 'The remote holds a damaged pack or recipe: `mvr verify -r <remote> --rehash-remote` names the versions, and `mvr push <version> --recheck` from a clone that holds them writes them again.',
    details: { chunk: piece.hash, source: piece.source, remote: location },
  });
}

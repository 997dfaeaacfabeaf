/**
 * Streaming content-defined chunking in about 13 MiB of buffers, plus 48 bytes a chunk for the chunk
 * list (chunk-table.ts): a file or stream is read in 4 MiB blocks, cut by `cutPoint` on the main thread,
 * and every chunk is hashed with SHA-256 by a worker thread (chunk-hasher.ts) while the next block is read
 * and cut.
 * Forced boundaries (tensor starts and ends) split the input into segments that are chunked on their
 * own: no chunk spans one, so the chunks of a segment depend on the segment's bytes alone.
 */
import type { Readable } from 'node:stream';
import { MvError, fsError, openForReading } from '../errors.js';
import { oidFromHex, shortOid, type Oid } from '../cache/oid.js';
import { cutPoint } from './cut.js';
import { CHUNK_MAX } from './params.js';
import { InlineHasher, WorkerHasher, type ChunkHasher } from './chunk-hasher.js';
import { ChunkTable } from './chunk-table.js';

export interface ChunkedFile {
  size: number;
  /** In file order: each row's offset in the input, its length and hash (source 0). */
  chunks: ChunkTable;
  /** The SHA-256 of the whole input, when `wholeHash` or `expect` asked for it. */
  oid?: Oid;
}

export interface ChunkingOptions {
  /** Offsets where a chunk must end (tensor boundaries); any order, duplicates and out-of-range ones ignored. */
  boundaries?: readonly number[];
  /** Also hash the whole input (one more SHA-256 pass, beside the chunk hashes). */
  wholeHash?: boolean;
  /** The input must hash to this oid; otherwise the chunking fails with `CONTENT_MISMATCH`. */
  expect?: Oid;
  signal?: AbortSignal;
  /**
   * Receives each block's chunks, hashed, in input order: rows `first…end - 1` of `chunks`, whose bytes
   * are in `view` (`view[at - base]` is the byte at input offset `at`). The view is valid until the
   * returned promise settles (then its buffer is read into again), so a consumer can store the chunks'
   * bytes without reading the input a second time.
   */
  onChunks?: (block: ChunkBlock) => Promise<void>;
}

export interface ChunkBlock {
  view: Uint8Array;
  base: number;
  chunks: ChunkTable;
  first: number;
  end: number;
}

const BLOCK = 4 * 1024 * 1024;

/** Fills `buffer[at, at + max)` with the next bytes of the input; 0 means the input has ended. */
type Fill = (buffer: Uint8Array, at: number, max: number) => Promise<number>;

export async function chunkFile(path: string, options: ChunkingOptions = {}): Promise<ChunkedFile> {
  const handle = await openForReading(path);
  try {
    let position = 0;
    const fill: Fill = async (buffer, at, max) => {
      const { bytesRead } = await handle.read(buffer, at, max, position);
      position += bytesRead;
      return bytesRead;
    };
    return await chunkInput(fill, path, options);
  } catch (error) {
    throw fsError(error, 'reading', path);
  } finally {
    await handle.close();
  }
}

export async function chunkReadable(stream: Readable, where: string, options: ChunkingOptions = {}): Promise<ChunkedFile> {
  const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<unknown>;
  let pending: Uint8Array | undefined;
  let used = 0;
  const fill: Fill = async (buffer, at, max) => {
    let filled = 0;
    while (filled < max) {
      if (!pending || used === pending.length) {
        const next = await iterator.next();
        if (next.done) break;
        if (!(next.value instanceof Uint8Array)) throw new Error(`chunkReadable: ${where} yielded a ${typeof next.value}, not bytes`);
        pending = next.value;
        used = 0;
      }
      const take = Math.min(max - filled, pending.length - used);
      buffer.set(pending.subarray(used, used + take), at + filled);
      filled += take;
      used += take;
    }
    return filled;
  };
  try {
    return await chunkInput(fill, where, options);
  } finally {
    stream.destroy();
  }
}

/** Chunks bytes held in memory (tests, headers, small inputs); the same boundaries as the streaming path. */
export async function chunkBytes(data: Uint8Array, options: ChunkingOptions = {}): Promise<ChunkedFile> {
  let offset = 0;
  const fill: Fill = (buffer, at, max) => {
    const take = Math.min(max, data.length - offset);
    buffer.set(data.subarray(offset, offset + take), at);
    offset += take;
    return Promise.resolve(take);
  };
  return chunkInput(fill, 'bytes', options);
}

/**
 * Three buffers of `CHUNK_MAX + BLOCK` bytes take turns: while one is cut, the next block is read into
 * another (at `CHUNK_MAX`) and the chunks of the previous one are hashed. The uncut tail of a block (under
 * `CHUNK_MAX` bytes, unless the input ended) is copied just in front of the next block.
 */
async function chunkInput(fill: Fill, where: string, options: ChunkingOptions): Promise<ChunkedFile> {
  const segmenter = new Segmenter(options.boundaries ?? []);
  const chunks = new ChunkTable();
  const buffers = Array.from({ length: 3 }, () => new Uint8Array(new SharedArrayBuffer(CHUNK_MAX + BLOCK)));
  let turn = 0;
  let data = buffers[0]!;
  let base = -CHUNK_MAX; // the input offset of data[0]
  let pos = CHUNK_MAX;
  let end = CHUNK_MAX + (await fill(data, CHUNK_MAX, BLOCK));
  let ended = end === CHUNK_MAX;
  const whole = options.wholeHash === true || options.expect !== undefined;
  // A first block that is not full is the whole input: not worth a thread.
  const hasher: ChunkHasher = end - CHUNK_MAX < BLOCK ? new InlineHasher(buffers, whole) : new WorkerHasher(buffers, whole);
  const hashing: Array<Promise<void>> = [Promise.resolve(), Promise.resolve(), Promise.resolve()];
  let consumed: Promise<void> = Promise.resolve();
  let reading: Promise<number> | undefined;
  try {
    for (;;) {
      options.signal?.throwIfAborted();
      const slot = turn % 3;
      const nextSlot = (turn + 1) % 3;
      // The next buffer is free once the chunks it held two turns ago are hashed.
      await hashing[nextSlot];
      const spare = buffers[nextSlot]!;
      reading = ended ? undefined : fill(spare, CHUNK_MAX, BLOCK);
      const from = pos;
      const cuts: number[] = [];
      const first = chunks.count;
      const blockBase = base;
      pos = segmenter.cut(data, pos, end, base, ended, (at, length) => {
        cuts.push(at, length);
        chunks.append(blockBase + at, length);
      });
      const hashed = hasher.hash({ buffer: slot, cuts: Int32Array.from(cuts), from, to: pos }).then((digests) => chunks.setHashes(first, digests));
      const onChunks = options.onChunks;
      // Blocks reach the consumer in order, each before its buffer is read into again.
      const block: ChunkBlock = { view: data, base: blockBase, chunks, first, end: chunks.count };
      consumed = onChunks ? Promise.all([hashed, consumed]).then(() => onChunks(block)) : hashed;
      hashing[slot] = consumed;
      // Awaited later (before the buffer is reused, or on the way out); marked handled now so that a
      // failure in between is not reported as unhandled.
      consumed.catch(() => undefined);
      if (ended) break;
      const read = await reading!;
      const tail = end - pos;
      spare.set(data.subarray(pos, end), CHUNK_MAX - tail);
      base += end - CHUNK_MAX;
      data = spare;
      turn++;
      pos = CHUNK_MAX - tail;
      end = CHUNK_MAX + read;
      ended = read === 0;
    }
    await Promise.all(hashing);
  } catch (error) {
    // Nothing may still read into a buffer or from the input once the caller cleans up.
    await Promise.allSettled([...hashing, reading]);
    hasher.abandon();
    throw error;
  }
  const wholeHex = await hasher.close();
  chunks.trim();
  const result: ChunkedFile = { size: base + end, chunks };
  if (wholeHex !== undefined) {
    result.oid = oidFromHex(wholeHex);
    if (options.expect && result.oid !== options.expect) {
      throw new MvError('CONTENT_MISMATCH', `${where} does not have the expected content ${shortOid(options.expect)} (it hashes to ${shortOid(result.oid)}).`, {
        hint: 'Run `mvr verify` to find damaged cache objects, then re-add or fetch them.',
        details: { oid: options.expect },
      });
    }
  }
  return result;
}

/** Cuts a window of the input into chunks, never across a forced boundary. */
class Segmenter {
  private readonly forced: number[];
  private next = 0;

  constructor(boundaries: readonly number[]) {
    this.forced = [...new Set(boundaries)].filter((b) => Number.isSafeInteger(b) && b > 0).sort((a, b) => a - b);
  }

  /**
   * Cuts `data[pos, end)` (input offset of `data[0]` is `base`) and returns where it stopped: at `end`
   * when `final`, else where fewer than `CHUNK_MAX` bytes remain before `end` and no forced boundary
   * falls in them.
   */
  cut(data: Uint8Array, pos: number, end: number, base: number, final: boolean, onChunk: (at: number, length: number) => void): number {
    const forced = this.forced;
    while (pos < end) {
      while (this.next < forced.length && forced[this.next]! <= base + pos) this.next++;
      const boundary = this.next < forced.length ? forced[this.next]! - base : Number.POSITIVE_INFINITY;
      let segmentEnd: number;
      if (boundary <= end) segmentEnd = boundary;
      else if (final || end - pos >= CHUNK_MAX) segmentEnd = end;
      else break;
      const length = cutPoint(data, pos, segmentEnd);
      onChunk(pos, length);
      pos += length;
    }
    return pos;
  }
}

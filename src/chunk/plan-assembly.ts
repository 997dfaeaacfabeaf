/**
 * Planning the rebuild of a file from its recipe, as a pure function: chunks already on this machine
 * (in a cached earlier version) are copied from there, the rest are read from packs as byte ranges, with
 * ranges that touch (or are at most `maxGap` bytes apart) in one pack read in one request. Each distinct
 * chunk is read once and written to every place the file holds it.
 */
import type { Oid } from '../cache/oid.js';
import type { Recipe } from './recipe.js';

/** Where a chunk's bytes are on this machine: a file and the offset in it. */
export interface LocalChunk {
  path: string;
  offset: number;
}

export type LocalChunks = ReadonlyMap<string, LocalChunk>;

export interface AssemblyPiece {
  hash: string;
  length: number;
  /** Where the chunk starts in its source (pack or local file). */
  offset: number;
  /** Every offset of the rebuilt file that holds this chunk. */
  targets: number[];
  /** The chunk's place in a pack, from the recipe: where to fetch it if the local copy turns out damaged. */
  pack: string;
  packOffset: number;
}

/** One read: a byte range of a pack or of a local file, holding `pieces` in order, none overlapping. */
export interface RangeRead {
  source: { kind: 'pack'; pack: string } | { kind: 'local'; path: string };
  start: number;
  end: number;
  pieces: AssemblyPiece[];
}

export interface AssemblyPlan {
  oid: Oid;
  size: number;
  reads: RangeRead[];
  /** Bytes read from packs (gaps between coalesced chunks included) and how many requests that takes. */
  remoteBytes: number;
  remoteRequests: number;
  /** Bytes copied from local files. */
  localBytes: number;
}

export interface PlanAssemblyOptions {
  /** Chunks of one pack at most this many bytes apart are read in one request; 0 by default. */
  maxGap?: number;
}

export function planAssembly(recipe: Recipe, local: LocalChunks, options: PlanAssemblyOptions = {}): AssemblyPlan {
  const pieces = new Map<string, AssemblyPiece>();
  let target = 0;
  for (const chunk of recipe.chunks) {
    const piece = pieces.get(chunk.hash);
    if (piece) piece.targets.push(target);
    else pieces.set(chunk.hash, { hash: chunk.hash, length: chunk.length, offset: chunk.offset, targets: [target], pack: chunk.pack, packOffset: chunk.offset });
    target += chunk.length;
  }
  const fromPacks: AssemblyPiece[] = [];
  const fromLocal = new Map<string, AssemblyPiece[]>();
  for (const piece of pieces.values()) {
    const here = local.get(piece.hash);
    if (here) {
      const list = fromLocal.get(here.path) ?? [];
      list.push({ ...piece, offset: here.offset });
      fromLocal.set(here.path, list);
    } else {
      fromPacks.push(piece);
    }
  }
  const reads = [...packReads(fromPacks, options.maxGap ?? 0)];
  const remote = reads.slice();
  for (const [path, list] of fromLocal) reads.push(...coalesce(list, 0, { kind: 'local', path }));
  return {
    oid: recipe.oid,
    size: recipe.size,
    reads,
    remoteBytes: remote.reduce((sum, r) => sum + r.end - r.start, 0),
    remoteRequests: remote.length,
    localBytes: reads.filter((r) => r.source.kind === 'local').reduce((sum, r) => sum + r.end - r.start, 0),
  };
}

/** Reads from packs for `pieces` (at their recipe locations), coalesced per pack. */
export function packReads(pieces: readonly AssemblyPiece[], maxGap: number): RangeRead[] {
  const byPack = new Map<string, AssemblyPiece[]>();
  for (const piece of pieces) {
    const list = byPack.get(piece.pack) ?? [];
    list.push({ ...piece, offset: piece.packOffset });
    byPack.set(piece.pack, list);
  }
  const reads: RangeRead[] = [];
  for (const [pack, list] of byPack) reads.push(...coalesce(list, maxGap, { kind: 'pack', pack }));
  return reads;
}

/** Sorts pieces of one source by offset and merges neighbours into ranges; overlapping pieces start a new range. */
function coalesce(list: AssemblyPiece[], maxGap: number, source: RangeRead['source']): RangeRead[] {
  list.sort((a, b) => a.offset - b.offset);
  const reads: RangeRead[] = [];
  let current: RangeRead | undefined;
  for (const piece of list) {
    const end = piece.offset + piece.length;
    if (current && piece.offset >= current.end && piece.offset - current.end <= maxGap) {
      current.pieces.push(piece);
      current.end = end;
    } else {
      current = { source, start: piece.offset, end, pieces: [piece] };
      reads.push(current);
    }
  }
  return reads;
}

/**
 * Where the tensors of a model file are, read from its header (safetensors or GGUF): the chunker cuts at
 * every tensor's start and end, so an unchanged tensor is the same chunks whatever its neighbours did,
 * and `mv show` / `mv diff` describe a version's tensors without reading their data. Names, dtypes and
 * shapes come from the file: they are untrusted text.
 */
import { createHash } from 'node:crypto';

export type ModelFormat = 'safetensors' | 'gguf';

export interface TensorInfo {
  name: string;
  dtype: string;
  shape: number[];
  /** Byte range of the tensor's data in the file: [start, end). */
  start: number;
  end: number;
}

export interface TensorLayout {
  format: ModelFormat;
  /** Where the header ends and tensor data begins. */
  dataStart: number;
  /** Sorted by `start`; ranges never overlap and lie within the file. */
  tensors: TensorInfo[];
}

export interface DtypeTotal {
  dtype: string;
  tensors: number;
  parameters: number;
  bytes: number;
}

export interface ModelSummary {
  format: ModelFormat;
  headerBytes: number;
  tensorCount: number;
  parameterCount: number;
  /** Per dtype, largest share of parameters first. */
  dtypes: DtypeTotal[];
}

/** The offsets where chunks must end: the end of the header and every tensor's start and end. */
export function tensorBoundaries(layout: TensorLayout): number[] {
  const cuts = new Set<number>([layout.dataStart]);
  for (const tensor of layout.tensors) {
    cuts.add(tensor.start);
    cuts.add(tensor.end);
  }
  return [...cuts].sort((a, b) => a - b);
}

function elementCount(shape: readonly number[]): number {
  return shape.reduce((product, dim) => product * dim, 1);
}

export function summarizeLayout(layout: TensorLayout): ModelSummary {
  const totals = new Map<string, DtypeTotal>();
  let parameterCount = 0;
  for (const tensor of layout.tensors) {
    const parameters = elementCount(tensor.shape);
    parameterCount += parameters;
    const total = totals.get(tensor.dtype) ?? { dtype: tensor.dtype, tensors: 0, parameters: 0, bytes: 0 };
    total.tensors++;
    total.parameters += parameters;
    total.bytes += tensor.end - tensor.start;
    totals.set(tensor.dtype, total);
  }
  return {
    format: layout.format,
    headerBytes: layout.dataStart,
    tensorCount: layout.tensors.length,
    parameterCount,
    dtypes: [...totals.values()].sort((a, b) => b.parameters - a.parameters || (a.dtype < b.dtype ? -1 : 1)),
  };
}

/**
 * A fingerprint of each tensor's bytes from the chunk list of its file (a recipe, or the chunker's
 * output): SHA-256 over the hashes of the chunks that make up the tensor. Tensor boundaries are chunk
 * boundaries, so two versions' tensors have equal fingerprints exactly when their bytes are equal, from two
 * recipes and without reading either file. (`mvr diff` hashes the cached files instead, so that it needs no
 * remote: docs/decisions.md.) Undefined for a tensor whose range is not made of whole chunks (a chunk list
 * cut without this layout).
 */
export function tensorFingerprints(layout: TensorLayout, chunks: ReadonlyArray<{ length: number; hash: string }>): Array<string | undefined> {
  const starts: number[] = [];
  let offset = 0;
  for (const chunk of chunks) {
    starts.push(offset);
    offset += chunk.length;
  }
  return layout.tensors.map((tensor) => {
    if (tensor.start === tensor.end) return createHash('sha256').digest('hex');
    let i = lowerBound(starts, tensor.start);
    if (starts[i] !== tensor.start) return undefined;
    const hash = createHash('sha256');
    let at = tensor.start;
    for (; i < chunks.length && at < tensor.end; i++) {
      hash.update(chunks[i]!.hash, 'hex');
      at += chunks[i]!.length;
    }
    return at === tensor.end ? hash.digest('hex') : undefined;
  });
}

function lowerBound(sorted: readonly number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid]! < value) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Inputs for the chunk tests: reproducible bytes, the chunking specification read literally, model files. */
import { createCipheriv, createHash } from 'node:crypto';
import { GEAR } from '../../src/chunk/gear.js';
import { CHUNK_MAX, CHUNK_MIN, CHUNK_NORMAL, GEAR_WINDOW, MASK_LOOSE, MASK_STRICT } from '../../src/chunk/params.js';

/** `size` bytes that look random, the same for the same seed (AES-256-CTR over zeros). */
export function pseudoRandom(size: number, seed: string | number = 1): Buffer {
  const key = createHash('sha256').update(String(seed)).digest();
  return createCipheriv('aes-256-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(size));
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The cut as docs/formats.md states it: every candidate length, its 32-byte window hashed from scratch. */
export function cutReference(data: Uint8Array, start: number, end: number): number {
  const n = end - start;
  if (n <= CHUNK_MIN) return n;
  const limit = Math.min(n, CHUNK_MAX);
  for (let length = CHUNK_MIN; length <= limit; length++) {
    let h = 0;
    for (let k = length - GEAR_WINDOW; k < length; k++) h = ((h << 1) + GEAR[data[start + k]!]!) | 0;
    if ((h & (length <= CHUNK_NORMAL ? MASK_STRICT : MASK_LOOSE)) === 0) return length;
  }
  return limit;
}

/** Chunk lengths by the specification: segments split at the boundaries, each cut from its start. */
export function referenceLengths(data: Uint8Array, boundaries: readonly number[] = []): number[] {
  const cuts = [...new Set(boundaries)].filter((b) => b > 0 && b < data.length).sort((a, b) => a - b);
  const lengths: number[] = [];
  let segmentStart = 0;
  for (const segmentEnd of [...cuts, data.length]) {
    let pos = segmentStart;
    while (pos < segmentEnd) {
      const length = cutReference(data, pos, segmentEnd);
      lengths.push(length);
      pos += length;
    }
    segmentStart = segmentEnd;
  }
  return lengths;
}

export interface TensorSpec {
  name: string;
  dtype: string;
  shape: number[];
  data: Uint8Array;
}

/** A safetensors file: u64 header length, JSON header (tensors in the given order), data back to back. */
export function safetensorsFile(tensors: TensorSpec[], options: { metadata?: Record<string, string>; header?: (header: Record<string, unknown>) => unknown } = {}): Buffer {
  const header: Record<string, unknown> = {};
  if (options.metadata) header.__metadata__ = options.metadata;
  let offset = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.data.length] };
    offset += t.data.length;
  }
  const json = Buffer.from(JSON.stringify(options.header ? options.header(header) : header));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([length, json, ...tensors.map((t) => t.data)]);
}

export interface GgufTensorSpec {
  name: string;
  /** GGML type id (0 = F32, 1 = F16, 8 = Q8_0, …). */
  type: number;
  shape: number[];
  data: Uint8Array;
}

/** Little helpers for GGUF fields. */
const u32 = (n: number, le = true) => {
  const b = Buffer.alloc(4);
  if (le) b.writeUInt32LE(n);
  else b.writeUInt32BE(n);
  return b;
};
const u64 = (n: number | bigint, le = true) => {
  const b = Buffer.alloc(8);
  if (le) b.writeBigUInt64LE(BigInt(n));
  else b.writeBigUInt64BE(BigInt(n));
  return b;
};
const str = (s: string, le = true) => Buffer.concat([u64(Buffer.byteLength(s), le), Buffer.from(s)]);

export const gguf = { u32, u64, str };

/**
 * A GGUF v3 file: a string, a string array and the alignment as metadata, then the tensor table, then
 * the tensors, each at an aligned offset.
 */
export function ggufFile(tensors: GgufTensorSpec[], options: { alignment?: number; bigEndian?: boolean; extraMetadata?: Buffer[]; offsets?: number[] } = {}): Buffer {
  const le = !options.bigEndian;
  const alignment = options.alignment ?? 32;
  const metadata = [
    Buffer.concat([str('general.architecture', le), u32(8, le), str('llama', le)]),
    Buffer.concat([str('tokenizer.ggml.tokens', le), u32(9, le), u32(8, le), u64(3, le), str('a', le), str('bb', le), str('ccc', le)]),
    Buffer.concat([str('general.alignment', le), u32(4, le), u32(alignment, le)]),
    ...(options.extraMetadata ?? []),
  ];
  const offsets: number[] = [];
  let offset = 0;
  for (const t of tensors) {
    offsets.push(offset);
    offset = Math.ceil((offset + t.data.length) / alignment) * alignment;
  }
  const infos = tensors.map((t, i) => Buffer.concat([str(t.name, le), u32(t.shape.length, le), ...t.shape.map((d) => u64(d, le)), u32(t.type, le), u64(options.offsets?.[i] ?? offsets[i]!, le)]));
  const head = Buffer.concat([Buffer.from('GGUF'), u32(3, le), u64(tensors.length, le), u64(metadata.length, le), ...metadata, ...infos]);
  const dataStart = Math.ceil(head.length / alignment) * alignment;
  const out = Buffer.alloc(dataStart + offset);
  head.copy(out, 0);
  tensors.forEach((t, i) => Buffer.from(t.data).copy(out, dataStart + offsets[i]!));
  return out;
}

/**
 * The safetensors header: 8 bytes (little-endian u64 N), then N bytes of JSON mapping each tensor's name
 * to `{dtype, shape, data_offsets: [begin, end]}` (offsets relative to the end of the header), plus an
 * optional `__metadata__` map of strings. A header is accepted only as the reference implementation
 * would load it: tensors cover the data section exactly, in order, without gaps or overlaps, each as long
 * as its shape and dtype say. Anything else is "not a safetensors file" (no tensor boundaries): the file
 * is still chunked, only without them. The checks run before any large allocation.
 */
import type { TensorInfo, TensorLayout } from './tensor-layout.js';
import { isPlainObject } from '../plain-object.js';

/** Headers above this size are not read (real ones are kilobytes to a few megabytes). */
export const SAFETENSORS_MAX_HEADER = 16 * 1024 * 1024;
const MAX_DEPTH = 8;
const MAX_RANK = 32;

/** Bits per element of the dtypes safetensors defines; others are accepted without the size check. */
const DTYPE_BITS: ReadonlyMap<string, number> = new Map([
  ['BOOL', 8],
  ['F4', 4],
  ['F6_E2M3', 6],
  ['F6_E3M2', 6],
  ['U8', 8],
  ['I8', 8],
  ['F8_E5M2', 8],
  ['F8_E4M3', 8],
  ['F8_E8M0', 8],
  ['I16', 16],
  ['U16', 16],
  ['F16', 16],
  ['BF16', 16],
  ['I32', 32],
  ['U32', 32],
  ['F32', 32],
  ['C64', 64],
  ['F64', 64],
  ['I64', 64],
  ['U64', 64],
]);

/**
 * The header length from a file's first 8 bytes, if it can be a safetensors header in a file of
 * `fileSize` bytes (and is small enough to read).
 */
export function safetensorsHeaderLength(first8: Uint8Array, fileSize: number): number | undefined {
  if (first8.length < 8) return undefined;
  const length = Buffer.from(first8.buffer, first8.byteOffset, 8).readBigUInt64LE(0);
  if (length < 2n || length > BigInt(Math.min(SAFETENSORS_MAX_HEADER, fileSize - 8))) return undefined;
  return Number(length);
}

/** The tensor layout described by `header` (the N bytes after the length), or undefined. */
export function parseSafetensorsHeader(header: Uint8Array, fileSize: number): TensorLayout | undefined {
  if (header[0] !== 0x7b /* { */ || !shallowJson(header)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(header.buffer, header.byteOffset, header.byteLength).toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isPlainObject(raw)) return undefined;
  const dataStart = 8 + header.length;
  const dataLength = fileSize - dataStart;
  const tensors: TensorInfo[] = [];
  for (const [name, value] of Object.entries(raw)) {
    if (name === '__metadata__') {
      if (!isPlainObject(value) || !Object.values(value).every((v) => typeof v === 'string')) return undefined;
      continue;
    }
    const tensor = tensorEntry(name, value, dataStart);
    if (!tensor) return undefined;
    tensors.push(tensor);
  }
  tensors.sort((a, b) => a.start - b.start || a.end - b.end);
  let expected = dataStart;
  for (const tensor of tensors) {
    if (tensor.start !== expected) return undefined;
    expected = tensor.end;
  }
  if (expected !== dataStart + dataLength) return undefined;
  return { format: 'safetensors', dataStart, tensors };
}

function tensorEntry(name: string, value: unknown, dataStart: number): TensorInfo | undefined {
  if (!isPlainObject(value)) return undefined;
  const { dtype, shape, data_offsets: offsets } = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
  if (typeof dtype !== 'string' || dtype.length > 64) return undefined;
  if (!Array.isArray(shape) || shape.length > MAX_RANK || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) return undefined;
  if (!Array.isArray(offsets) || offsets.length !== 2) return undefined;
  const [begin, end] = offsets as unknown[];
  if (!Number.isSafeInteger(begin) || !Number.isSafeInteger(end) || (begin as number) < 0 || (end as number) < (begin as number)) return undefined;
  const dims = shape as number[];
  let elements = 1;
  for (const d of dims) {
    elements *= d;
    if (!Number.isSafeInteger(elements)) return undefined;
  }
  const bits = DTYPE_BITS.get(dtype);
  const length = (end as number) - (begin as number);
  if (bits !== undefined && elements * bits !== length * 8) return undefined;
  return { name, dtype, shape: dims, start: dataStart + (begin as number), end: dataStart + (end as number) };
}

/**
 * Whether the JSON text nests at most `MAX_DEPTH` levels (a valid header nests 3), checked before
 * parsing: the parser copes with any depth, but a deep document costs time and memory for nothing.
 */
function shallowJson(text: Uint8Array): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b /* { [ */) {
      if (++depth > MAX_DEPTH) return false;
    } else if (c === 0x7d || c === 0x5d /* } ] */) depth--;
  }
  return true;
}

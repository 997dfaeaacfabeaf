/**
 * The GGUF header (versions 2 and 3, either byte order): magic "GGUF", version u32, tensor count u64,
 * metadata count u64, the metadata key/value pairs, then per tensor its name, dimensions, GGML type and
 * offset (relative to the aligned start of the data section). Only what tensor boundaries and a summary
 * need is kept: `general.alignment`, and each tensor's name, shape, type and offset. Every other value is
 * skipped by its length without being decoded, so a header with huge vocabularies costs no memory, and
 * the reading stops at `GGUF_MAX_HEADER` bytes whatever the counts claim. A header that fails any check
 * is "not a GGUF file" (no tensor boundaries).
 */
import type { FileHandle } from 'node:fs/promises';
import { GGML_TYPES } from './ggml-types.js';
import type { TensorInfo, TensorLayout } from './tensor-layout.js';

/** Headers (metadata and tensor table) above this size are not read; large vocabularies take ~20 MiB. */
export const GGUF_MAX_HEADER = 64 * 1024 * 1024;
const MAX_TENSORS = 1_000_000;
const MAX_KEYS = 1_000_000;
const MAX_NAME = 64 * 1024;
const MAX_DIMS = 8;
const MAX_NESTING = 4;
const DEFAULT_ALIGNMENT = 32;
const WINDOW = 1024 * 1024;

const ValueType = {
  U8: 0,
  I8: 1,
  U16: 2,
  I16: 3,
  U32: 4,
  I32: 5,
  F32: 6,
  Bool: 7,
  String: 8,
  Array: 9,
  U64: 10,
  I64: 11,
  F64: 12,
} as const;

const FIXED_SIZE: ReadonlyMap<number, number> = new Map([
  [ValueType.U8, 1],
  [ValueType.I8, 1],
  [ValueType.U16, 2],
  [ValueType.I16, 2],
  [ValueType.U32, 4],
  [ValueType.I32, 4],
  [ValueType.F32, 4],
  [ValueType.Bool, 1],
  [ValueType.U64, 8],
  [ValueType.I64, 8],
  [ValueType.F64, 8],
]);

/** Thrown inside the parser for any malformed header; never escapes `readGgufLayout`. */
class BadHeader extends Error {}

/** Reads a file's header through a 1 MiB window, never past `GGUF_MAX_HEADER` or the end of the file. */
class HeaderReader {
  private readonly window = Buffer.alloc(WINDOW);
  private windowStart = 0;
  private windowEnd = 0;
  position = 0;
  littleEndian = true;

  constructor(
    private readonly handle: FileHandle,
    private readonly fileSize: number,
  ) {}

  private async need(n: number): Promise<number> {
    if (n > WINDOW || this.position + n > Math.min(this.fileSize, GGUF_MAX_HEADER)) throw new BadHeader('header too large');
    if (this.position < this.windowStart || this.position + n > this.windowEnd) {
      const { bytesRead } = await this.handle.read(this.window, 0, WINDOW, this.position);
      this.windowStart = this.position;
      this.windowEnd = this.position + bytesRead;
      if (this.position + n > this.windowEnd) throw new BadHeader('truncated');
    }
    const at = this.position - this.windowStart;
    this.position += n;
    return at;
  }

  async u32(): Promise<number> {
    const at = await this.need(4);
    return this.littleEndian ? this.window.readUInt32LE(at) : this.window.readUInt32BE(at);
  }

  /** A u64 that must fit a safe integer. */
  async u64(): Promise<number> {
    const at = await this.need(8);
    const value = this.littleEndian ? this.window.readBigUInt64LE(at) : this.window.readBigUInt64BE(at);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new BadHeader('value too large');
    return Number(value);
  }

  async bytes(n: number): Promise<Buffer> {
    const at = await this.need(n);
    return Buffer.from(this.window.subarray(at, at + n));
  }

  skip(n: number): void {
    if (this.position + n > Math.min(this.fileSize, GGUF_MAX_HEADER)) throw new BadHeader('header too large');
    this.position += n;
  }
}

/** The layout of a GGUF file whose first bytes are "GGUF", or undefined when the header does not hold up. */
export async function readGgufLayout(handle: FileHandle, fileSize: number): Promise<TensorLayout | undefined> {
  try {
    return await parseGguf(new HeaderReader(handle, fileSize), fileSize);
  } catch (error) {
    if (error instanceof BadHeader) return undefined;
    throw error;
  }
}

async function parseGguf(r: HeaderReader, fileSize: number): Promise<TensorLayout> {
  if ((await r.bytes(4)).toString('latin1') !== 'GGUF') throw new BadHeader('magic');
  let version = await r.u32();
  if (version !== 2 && version !== 3) {
    // A big-endian file: its version reads byte-swapped.
    r.littleEndian = false;
    r.position = 4;
    version = await r.u32();
    if (version !== 2 && version !== 3) throw new BadHeader('version');
  }
  const tensorCount = await r.u64();
  const keyCount = await r.u64();
  if (tensorCount > MAX_TENSORS || keyCount > MAX_KEYS) throw new BadHeader('counts');

  let alignment = DEFAULT_ALIGNMENT;
  for (let k = 0; k < keyCount; k++) {
    const key = await readString(r, MAX_NAME);
    const type = await r.u32();
    if (key === 'general.alignment') {
      if (type !== ValueType.U32 && type !== ValueType.U64) throw new BadHeader('alignment type');
      alignment = type === ValueType.U32 ? await r.u32() : await r.u64();
      if (alignment < 1 || alignment > 1 << 30 || (alignment & (alignment - 1)) !== 0) throw new BadHeader('alignment');
    } else {
      await skipValue(r, type, 0);
    }
  }

  const raw: Array<{ name: string; shape: number[]; type: number; offset: number }> = [];
  const names = new Set<string>();
  for (let t = 0; t < tensorCount; t++) {
    const name = await readString(r, MAX_NAME);
    if (names.has(name)) throw new BadHeader('duplicate tensor');
    names.add(name);
    const dims = await r.u32();
    if (dims > MAX_DIMS) throw new BadHeader('dims');
    const shape: number[] = [];
    for (let d = 0; d < dims; d++) shape.push(await r.u64());
    const type = await r.u32();
    const offset = await r.u64();
    raw.push({ name, shape, type, offset });
  }

  const dataStart = Math.ceil(r.position / alignment) * alignment;
  if (dataStart > fileSize) throw new BadHeader('no data section');
  raw.sort((a, b) => a.offset - b.offset);
  const tensors: TensorInfo[] = [];
  for (let i = 0; i < raw.length; i++) {
    const t = raw[i]!;
    if (t.offset % alignment !== 0) throw new BadHeader('unaligned tensor');
    const start = dataStart + t.offset;
    const elements = t.shape.reduce((product, d) => product * d, 1);
    if (!Number.isSafeInteger(elements)) throw new BadHeader('shape');
    const ggml = GGML_TYPES.get(t.type);
    let end: number;
    if (ggml) {
      if ((t.shape[0] ?? 1) % ggml.blockSize !== 0) throw new BadHeader('shape not in whole blocks');
      end = start + (elements / ggml.blockSize) * ggml.typeSize;
    } else {
      // An unknown type's size is unknown: the tensor runs to the next one (or the end of the file).
      end = i + 1 < raw.length ? dataStart + raw[i + 1]!.offset : fileSize;
    }
    if (!Number.isSafeInteger(end) || end > fileSize) throw new BadHeader('tensor beyond the end of the file');
    if (tensors.length > 0 && start < tensors[tensors.length - 1]!.end) throw new BadHeader('overlapping tensors');
    tensors.push({ name: t.name, dtype: ggml?.name ?? `type ${t.type}`, shape: t.shape, start, end });
  }
  return { format: 'gguf', dataStart, tensors };
}

async function readString(r: HeaderReader, max: number): Promise<string> {
  const length = await r.u64();
  if (length > max) throw new BadHeader('string too long');
  return (await r.bytes(length)).toString('utf8');
}

async function skipValue(r: HeaderReader, type: number, depth: number): Promise<void> {
  const fixed = FIXED_SIZE.get(type);
  if (fixed !== undefined) return r.skip(fixed);
  if (type === ValueType.String) return r.skip(await r.u64());
  if (type !== ValueType.Array || depth >= MAX_NESTING) throw new BadHeader('value type');
  const elementType = await r.u32();
  const count = await r.u64();
  const elementSize = FIXED_SIZE.get(elementType);
  if (elementSize !== undefined) {
    if (count > GGUF_MAX_HEADER / elementSize) throw new BadHeader('array too long');
    return r.skip(count * elementSize);
  }
  // Strings and arrays take at least 8 bytes each: the header limit bounds this loop.
  if (count > GGUF_MAX_HEADER / 8) throw new BadHeader('array too long');
  for (let i = 0; i < count; i++) await skipValue(r, elementType, depth + 1);
}

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chunkFile } from '../../src/chunk/chunker.js';
import { modelBoundaries, modelSummary, readTensorLayout } from '../../src/model-files/read-layout.js';
import { tensorBoundaries, tensorFingerprints } from '../../src/model-files/tensor-layout.js';
import { tempDir } from '../helpers/git-repo.js';
import { gguf, ggufFile, pseudoRandom, safetensorsFile, type TensorSpec } from './fixtures.js';

const { u32, u64, str } = gguf;

async function fileWith(bytes: Uint8Array, name = 'model.bin'): Promise<string> {
  const path = join(await tempDir(), name);
  await writeFile(path, bytes);
  return path;
}

function f32(name: string, shape: number[], seed: string | number): TensorSpec {
  return { name, dtype: 'F32', shape, data: pseudoRandom(4 * shape.reduce((a, b) => a * b, 1), seed) };
}

describe('safetensors headers', () => {
  it('give tensor ranges, boundaries and a summary', async () => {
    const tensors = [f32('embed.weight', [100, 64], 'e'), { name: 'norm.bias', dtype: 'BF16', shape: [64], data: pseudoRandom(128, 'n') }, f32('head.weight', [64, 10], 'h')];
    const path = await fileWith(safetensorsFile(tensors, { metadata: { format: 'pt' } }));
    const layout = (await readTensorLayout(path))!;
    expect(layout.format).toBe('safetensors');
    expect(layout.tensors.map((t) => [t.name, t.dtype, t.shape, t.end - t.start])).toEqual([
      ['embed.weight', 'F32', [100, 64], 25600],
      ['norm.bias', 'BF16', [64], 128],
      ['head.weight', 'F32', [64, 10], 2560],
    ]);
    expect(layout.tensors[0]!.start).toBe(layout.dataStart);
    expect(await modelBoundaries(path)).toEqual([layout.dataStart, layout.dataStart + 25600, layout.dataStart + 25728, layout.dataStart + 28288]);
    const summary = (await modelSummary(path))!;
    expect(summary).toMatchObject({ format: 'safetensors', tensorCount: 3, parameterCount: 6400 + 64 + 640, headerBytes: layout.dataStart });
    expect(summary.dtypes.map((d) => [d.dtype, d.tensors, d.parameters])).toEqual([
      ['F32', 2, 7040],
      ['BF16', 1, 64],
    ]);
  });

  it('accept tensors listed in any order and zero-sized ones', async () => {
    const path = await fileWith(
      safetensorsFile([f32('b', [8], 1), f32('empty', [0, 4], 2), f32('a', [4], 3)], {
        header: (h) => Object.fromEntries(Object.entries(h).reverse()),
      }),
    );
    const layout = (await readTensorLayout(path))!;
    expect(layout.tensors.map((t) => t.name)).toEqual(['b', 'empty', 'a']);
  });

  it('that are hostile or broken give no boundaries, without a crash or a large allocation', async () => {
    const good = safetensorsFile([f32('x', [16], 1), f32('y', [16], 2)]);
    const headerLength = Number(good.readBigUInt64LE(0));
    const withHeader = (json: string, data = Buffer.alloc(128)) => {
      const text = Buffer.from(json);
      const length = Buffer.alloc(8);
      length.writeBigUInt64LE(BigInt(text.length));
      return Buffer.concat([length, text, data]);
    };
    const cases: Array<[string, Buffer]> = [
      ['huge header length', Buffer.concat([u64(2n ** 63n), Buffer.from('{}'), Buffer.alloc(64)])],
      ['length past the end', Buffer.concat([u64(10_000), Buffer.from('{"a":1}')])],
      ['length just past the end', Buffer.concat([u64(headerLength + 1000), good.subarray(8)])],
      ['not JSON', withHeader('{"x": nope}')],
      ['array root', withHeader('[1,2,3]')],
      ['number root', withHeader('{}'.replace('{}', '42'))],
      ['deep nesting', withHeader(`{"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`)],
      ['overlapping tensors', withHeader('{"a":{"dtype":"U8","shape":[100],"data_offsets":[0,100]},"b":{"dtype":"U8","shape":[100],"data_offsets":[28,128]}}')],
      ['gap between tensors', withHeader('{"a":{"dtype":"U8","shape":[60],"data_offsets":[0,60]},"b":{"dtype":"U8","shape":[60],"data_offsets":[68,128]}}')],
      ['out of range', withHeader('{"a":{"dtype":"U8","shape":[200],"data_offsets":[0,200]}}')],
      ['data not covered', withHeader('{"a":{"dtype":"U8","shape":[100],"data_offsets":[0,100]}}')],
      ['size not matching the shape', withHeader('{"a":{"dtype":"F32","shape":[31],"data_offsets":[0,128]}}')],
      ['negative offset', withHeader('{"a":{"dtype":"U8","shape":[128],"data_offsets":[-1,127]}}')],
      ['fractional shape', withHeader('{"a":{"dtype":"U8","shape":[1.5],"data_offsets":[0,128]}}')],
      ['overflowing shape', withHeader('{"a":{"dtype":"U8","shape":[4294967296,4294967296],"data_offsets":[0,128]}}')],
      ['missing offsets', withHeader('{"a":{"dtype":"U8","shape":[128]}}')],
      ['non-string metadata', withHeader('{"__metadata__":{"a":1},"a":{"dtype":"U8","shape":[128],"data_offsets":[0,128]}}')],
      ['tensor entry not an object', withHeader('{"a":[0,128]}')],
      ['empty file', Buffer.alloc(0)],
      ['too short', Buffer.from('{}')],
    ];
    for (const [what, bytes] of cases) {
      const path = await fileWith(bytes);
      expect({ what, layout: await readTensorLayout(path) }).toEqual({ what, layout: undefined });
      expect(await modelBoundaries(path)).toEqual([]);
    }
    expect(await readTensorLayout(await fileWith(withHeader('{"a":{"dtype":"U8","shape":[128],"data_offsets":[0,128]}}')))).toBeDefined();
  });

  it('never make the reader throw, whatever the bytes', async () => {
    const dir = await tempDir();
    const base = safetensorsFile([f32('x', [16], 1), f32('y', [4, 4], 2)], { metadata: { k: 'v' } });
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.integer({ min: 1, max: 255 }), fc.nat(), async (at, xor, cut) => {
        const bytes = Buffer.from(base);
        bytes[at % bytes.length]! ^= xor;
        const path = join(dir, `f${n++}`);
        await writeFile(path, bytes.subarray(0, bytes.length - (cut % 3 === 0 ? cut % 40 : 0)));
        const layout = await readTensorLayout(path);
        if (layout) for (const t of layout.tensors) expect(t.end).toBeLessThanOrEqual(bytes.length);
      }),
      { numRuns: 150 },
    );
  });
});

describe('GGUF headers', () => {
  const tensors = [
    { name: 'token_embd.weight', type: 0, shape: [64, 10], data: pseudoRandom(2560, 'a') },
    { name: 'blk.0.attn_q.weight', type: 8, shape: [64, 4], data: pseudoRandom((256 / 32) * 34, 'b') },
    { name: 'output_norm.weight', type: 1, shape: [7], data: pseudoRandom(14, 'c') },
  ];

  it('give tensor ranges from the aligned data section, skipping metadata', async () => {
    for (const bigEndian of [false, true]) {
      const bytes = ggufFile(tensors, { alignment: 64, bigEndian });
      const layout = (await readTensorLayout(await fileWith(bytes)))!;
      expect(layout.format).toBe('gguf');
      expect(layout.dataStart % 64).toBe(0);
      expect(layout.tensors.map((t) => [t.name, t.dtype, t.shape, t.end - t.start])).toEqual([
        ['token_embd.weight', 'F32', [64, 10], 2560],
        ['blk.0.attn_q.weight', 'Q8_0', [64, 4], 272],
        ['output_norm.weight', 'F16', [7], 14],
      ]);
      for (const [i, t] of tensors.entries()) {
        const info = layout.tensors[i]!;
        expect(bytes.subarray(info.start, info.end).equals(Buffer.from(t.data))).toBe(true);
      }
      const summary = (await modelSummary(await fileWith(bytes)))!;
      expect(summary).toMatchObject({ tensorCount: 3, parameterCount: 640 + 256 + 7 });
    }
  });

  it('that are hostile or broken give no boundaries', async () => {
    const head = (tensorCount: number | bigint, kvCount: number | bigint, ...rest: Buffer[]) => Buffer.concat([Buffer.from('GGUF'), u32(3), u64(tensorCount), u64(kvCount), ...rest]);
    const info = (name: string, dims: number[], type: number, offset: number | bigint) => Buffer.concat([str(name), u32(dims.length), ...dims.map((d) => u64(d)), u32(type), u64(offset)]);
    const pad = Buffer.alloc(4096);
    const cases: Array<[string, Buffer]> = [
      ['version 1', Buffer.concat([Buffer.from('GGUF'), u32(1), u32(0), u32(0), pad])],
      ['unknown version', Buffer.concat([Buffer.from('GGUF'), u32(7), u64(0), u64(0), pad])],
      ['huge tensor count', head(2n ** 40n, 0, pad)],
      ['huge key count', head(0, 2n ** 40n, pad)],
      ['string longer than the file', head(0, 1, u64(5_000_000), Buffer.from('abc'))],
      ['string length beyond 2^53', head(0, 1, u64(2n ** 63n), pad)],
      ['array claiming billions of elements', head(0, 1, str('k'), u32(9), u32(0), u64(2n ** 50n), pad)],
      ['array of strings past the end', head(0, 1, str('k'), u32(9), u32(8), u64(1_000_000), str('x'))],
      ['arrays nested too deep', head(0, 1, str('k'), u32(9), u32(9), u64(1), u32(9), u64(1), u32(9), u64(1), u32(9), u64(1), u32(9), u64(1), u32(0), u64(0), pad)],
      ['unknown value type', head(0, 1, str('k'), u32(99), pad)],
      ['bad alignment', head(0, 1, str('general.alignment'), u32(4), u32(24), pad)],
      ['tensor offset out of range', head(1, 0, info('a', [4], 0, 2n ** 40n), pad)],
      ['tensor running past the end', head(1, 0, info('a', [1_000_000], 0, 0), pad)],
      ['overlapping tensors', head(2, 0, info('a', [64], 0, 0), info('b', [64], 0, 32), pad)],
      ['unaligned tensor', head(1, 0, info('a', [4], 0, 8), pad)],
      ['duplicate names', head(2, 0, info('a', [4], 0, 0), info('a', [4], 0, 32), pad)],
      ['too many dimensions', head(1, 0, info('a', [1, 1, 1, 1, 1, 1, 1, 1, 1], 0, 0), pad)],
      ['overflowing shape', head(1, 0, info('a', [2 ** 30, 2 ** 30, 2 ** 30], 0, 0), pad)],
      ['quantized shape not in blocks', head(1, 0, info('a', [33], 8, 0), pad)],
      ['truncated tensor table', head(3, 0, info('a', [4], 0, 0))],
    ];
    for (const [what, bytes] of cases) {
      expect({ what, layout: await readTensorLayout(await fileWith(bytes)) }).toEqual({ what, layout: undefined });
    }
    expect(await readTensorLayout(await fileWith(head(1, 0, info('a', [4], 0, 0), pad)))).toBeDefined();
  });

  it('with a type this mv does not know still give boundaries, the tensor running to the next one', async () => {
    const bytes = ggufFile([
      { name: 'odd', type: 77, shape: [10], data: pseudoRandom(40, 1) },
      { name: 'next', type: 0, shape: [4], data: pseudoRandom(16, 2) },
    ]);
    const layout = (await readTensorLayout(await fileWith(bytes)))!;
    expect(layout.tensors.map((t) => [t.dtype, t.end - t.start])).toEqual([
      ['type 77', 64],
      ['F32', 16],
    ]);
  });

  it('never make the reader throw, whatever the bytes', async () => {
    const dir = await tempDir();
    const base = ggufFile(tensors);
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.integer({ min: 1, max: 255 }), async (at, xor) => {
        const bytes = Buffer.from(base);
        bytes[at % Math.min(bytes.length, 400)]! ^= xor;
        const path = join(dir, `g${n++}`);
        await writeFile(path, bytes);
        const layout = await readTensorLayout(path);
        if (layout) for (const t of layout.tensors) expect(t.end).toBeLessThanOrEqual(bytes.length);
      }),
      { numRuns: 200 },
    );
  });
});

describe('tensor-aware chunking', () => {
  it('keeps every unchanged tensor deduplicated when others change size and content', async () => {
    const v1 = [f32('a', [300, 300], 'a'), f32('b', [200, 500], 'b1'), f32('c', [400, 300], 'c'), f32('d', [3], 'd')];
    // v2: b retrained and grown, a new tensor before c; a, c and d unchanged but moved.
    const v2 = [v1[0]!, f32('b', [210, 500], 'b2'), f32('b2', [50, 50], 'new'), v1[2]!, v1[3]!];
    const chunked = async (tensors: TensorSpec[]) => {
      const path = await fileWith(safetensorsFile(tensors));
      const layout = (await readTensorLayout(path))!;
      const result = await chunkFile(path, { boundaries: tensorBoundaries(layout) });
      const chunks = result.chunks.records();
      const ends = new Set(chunks.map((c) => c.offset + c.length));
      for (const b of tensorBoundaries(layout)) if (b < result.size) expect(ends.has(b)).toBe(true);
      return { layout, chunks, fingerprints: tensorFingerprints(layout, chunks) };
    };
    const one = await chunked(v1);
    const two = await chunked(v2);
    const byName = (x: typeof one) => new Map(x.layout.tensors.map((t, i) => [t.name, x.fingerprints[i]]));
    const [f1, f2] = [byName(one), byName(two)];
    for (const name of ['a', 'c', 'd']) expect(f2.get(name)).toBe(f1.get(name));
    expect(f2.get('b')).not.toBe(f1.get('b'));
    expect([...f1.values(), ...f2.values()]).not.toContain(undefined);
    // Every chunk of a, c and d in v2 is a chunk of v1.
    const old = new Set(one.chunks.map((c) => c.hash));
    for (const t of two.layout.tensors.filter((t) => ['a', 'c', 'd'].includes(t.name))) {
      for (const c of two.chunks.filter((c) => c.offset >= t.start && c.offset < t.end)) expect(old.has(c.hash)).toBe(true);
    }
  });
});

/** `mv show` lists a version's model files (tensors, parameters, dtypes); `mv diff` says which tensors changed. */
import { describe, expect, it } from 'vitest';
import { add, diff, init, show } from '../../src/index.js';
import { diffTensors } from '../../src/model-files/tensor-diff.js';
import type { TensorLayout } from '../../src/model-files/tensor-layout.js';
import { modelLine, tensorSummaryLine } from '../../src/cli/model-render.js';
import { ggufFile, pseudoRandom } from '../chunk/fixtures.js';
import { gitRepo } from '../helpers/git-repo.js';
import { MODEL, MiB, modelBytes } from '../helpers/chunked-project.js';

describe('model files in show and diff', () => {
  it('show lists tensor count, parameters and dtypes of each model file in the cache, folders included', async () => {
    const repo = await gitRepo();
    await init({ cwd: repo.dir });
    await repo.write(MODEL, modelBytes('v1'));
    const small = ggufFile([
      { name: 'tok_embd.weight', type: 0, shape: [64, 32], data: pseudoRandom(64 * 32 * 4, 'g1') },
      { name: 'output.weight', type: 1, shape: [64, 32], data: pseudoRandom(64 * 32 * 2, 'g2') },
    ]);
    await repo.write('models/churn/quant/model.gguf', small);
    await add({ cwd: repo.dir, name: 'churn', paths: [MODEL, 'models/churn/quant/'], version: '0.1.0', allowDirty: true });
    const result = await show({ cwd: repo.dir, ref: 'churn@v0.1.0' });
    if (result.kind !== 'version') throw new Error(result.kind);
    const models = result.version.models!;
    expect(models.map((m) => [m.path, m.format, m.tensorCount, m.parameterCount])).toEqual([
      [MODEL, 'safetensors', 16, 16 * 512 * 1024],
      ['models/churn/quant/model.gguf', 'gguf', 2, 2 * 64 * 32],
    ]);
    expect(modelLine(models[0]!)).toBe('models/churn/model.safetensors: 16 tensors, 8.4 M parameters, bf16');
    expect(modelLine(models[1]!)).toBe('models/churn/quant/model.gguf: 2 tensors, 4.1 K parameters, f16 50.0%, f32 50.0%');
  });

  it('diff names the tensors that changed, with shape, dtype and bytes, and the share of bytes the versions share', async () => {
    const repo = await gitRepo();
    await init({ cwd: repo.dir });
    await repo.write(MODEL, modelBytes('v1'));
    await add({ cwd: repo.dir, name: 'churn', paths: [MODEL], version: '0.1.0', allowDirty: true });
    await repo.write(MODEL, modelBytes('v2', [2, 9]));
    await add({ cwd: repo.dir, name: 'churn', paths: [MODEL], version: '0.2.0', allowDirty: true });
    const result = await diff({ cwd: repo.dir, from: 'churn@v0.1.0', to: 'churn@v0.2.0' });
    expect(result.models).toHaveLength(1);
    const [model] = result.models;
    expect(model!.changed).toEqual([
      { name: 'layers.2.weight', change: 'changed', from: { shape: [512, 1024], dtype: 'BF16', bytes: MiB }, to: { shape: [512, 1024], dtype: 'BF16', bytes: MiB } },
      { name: 'layers.9.weight', change: 'changed', from: { shape: [512, 1024], dtype: 'BF16', bytes: MiB }, to: { shape: [512, 1024], dtype: 'BF16', bytes: MiB } },
    ]);
    expect(model!.sharedBytes).toBe(14 * MiB);
    expect(tensorSummaryLine(model!)).toBe('models/churn/model.safetensors: 2 of 16 tensors changed (2.0 MiB of 16.0 MiB; 87% of the bytes shared); shapes and dtypes unchanged');
  });

  it('reports added, removed, reshaped and retyped tensors', () => {
    const layout = (tensors: Array<[string, string, number[], number]>): TensorLayout => {
      let at = 100;
      return { format: 'safetensors', dataStart: 100, tensors: tensors.map(([name, dtype, shape, bytes]) => ({ name, dtype, shape, start: at, end: (at += bytes) })) };
    };
    const from = layout([['a', 'F32', [4], 16], ['b', 'F32', [4], 16], ['c', 'F32', [2, 2], 16]]);
    const to = layout([['a', 'F32', [4], 16], ['c', 'F32', [4], 16], ['d', 'BF16', [8], 16], ['b', 'F16', [4], 8]]);
    const result = diffTensors({ layout: from, hashes: ['1', '2', '3'] }, { layout: to, hashes: ['1', '3', '4', '5'] });
    expect(result.changed.map((t) => [t.name, t.change])).toEqual([['c', 'changed'], ['d', 'added'], ['b', 'changed']]);
    expect(result).toMatchObject({ sharedBytes: 16, shapesChanged: true, dtypesChanged: true });
    // A tensor gone from the newer file.
    expect(diffTensors({ layout: from, hashes: ['1', '2', '3'] }, { layout: layout([['a', 'F32', [4], 16]]), hashes: ['1'] }).changed.map((t) => [t.name, t.change])).toEqual([['b', 'removed'], ['c', 'removed']]);
  });
});

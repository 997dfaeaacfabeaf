/**
 * `mv add` as a user runs it at the end of each training: one word re-versions everything the committed
 * pointer records, a forgotten path is refused instead of silently dropped, and --dry-run shows the plan
 * while writing nothing at all. Through the library.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { add } from '../../src/commands/add.js';
import { init } from '../../src/commands/init.js';
import { planVersion } from '../../src/version/plan.js';
import { droppedInputs } from '../../src/version/dropped.js';
import { parsePointer } from '../../src/pointer/pointer.js';
import { gitRepo, type TestRepo } from '../helpers/git-repo.js';
import { writeProject } from '../helpers/project.js';
import { expectUnchanged, snapshotTree } from '../security/attack.js';

const POINTER = 'models/churn/churn.mv.yaml';
const FULL = {
  name: 'churn',
  paths: ['models/churn/model.pt', 'models/churn/tokenizer/'],
  data: ['data/train'],
  pipeline: ['src/preprocess.py'],
  paramsFile: 'params.yaml',
  params: ['dropout=0.2'],
  metricsFile: 'metrics.json',
};

async function project(): Promise<TestRepo> {
  const repo = await gitRepo();
  await writeProject(repo);
  await repo.write('signature.yaml', 'inputs: {text: string}\noutputs: {churn: float}\n');
  await repo.git('add', 'signature.yaml');
  await repo.git('commit', '-q', '-m', 'signature');
  await init({ cwd: repo.dir });
  return repo;
}

async function pointer(repo: TestRepo): Promise<Record<string, any>> {
  return parse(await repo.read(POINTER), { version: '1.2' }) as Record<string, any>;
}

describe('mv add with no paths versions what the committed pointer records', () => {
  it('same files, data, pipeline, params (file and -p), metrics and signature; only what changed decides the bump', async () => {
    const repo = await project();
    await add({ cwd: repo.dir, ...FULL, signatureFile: 'signature.yaml' });
    const first = await pointer(repo);
    await writeFile(join(repo.dir, 'models/churn/model.pt'), 'retrained weights');
    await writeFile(join(repo.dir, 'metrics.json'), '{"accuracy": 0.95, "f1": 0.9}\n');
    const again = await add({ cwd: repo.dir, name: 'churn' });
    expect(again).toMatchObject({ created: true, id: 'churn@v0.1.1', inherited: expect.arrayContaining(['files', 'data', 'pipeline', 'params file', 'metrics file', 'signature file', 'params given with -p']) });
    expect(again.versionReason).toContain('patch bump');
    const second = await pointer(repo);
    expect(second.files.map((f: { path: string }) => f.path)).toEqual(first.files.map((f: { path: string }) => f.path));
    expect(second.lineage.data).toEqual(first.lineage.data);
    expect(second.lineage.pipeline).toEqual(first.lineage.pipeline);
    expect(second.lineage.params).toEqual({ lr: 0.001, epochs: 20, dropout: 0.2 });
    expect(second.metrics).toEqual({ accuracy: 0.95, f1: 0.9 });
    expect(second.metrics_file).toBe('../../metrics.json');
    expect(second.signature).toEqual(first.signature);
  });

  it('each flag replaces its part alone', async () => {
    const repo = await project();
    await add({ cwd: repo.dir, ...FULL });
    await repo.write('data/extra/rows.csv', 'id\n9\n');
    const result = await add({ cwd: repo.dir, name: 'churn', data: ['data/train', 'data/extra'] });
    expect(result.versionReason).toContain('training data changed');
    const p = await pointer(repo);
    expect(p.lineage.data.map((d: { path: string }) => d.path)).toEqual(['../../data/train/', '../../data/extra/']);
    expect(p.files).toHaveLength(2);
    expect(p.lineage.pipeline).toHaveLength(1);
  });

  it('nothing changed: no new version, the existing id', async () => {
    const repo = await project();
    await add({ cwd: repo.dir, ...FULL });
    const again = await add({ cwd: repo.dir, name: 'churn' });
    expect(again).toMatchObject({ created: false, id: 'churn@v0.1.0' });
  });

  it('without a committed pointer, the paths are required', async () => {
    const repo = await project();
    await expect(add({ cwd: repo.dir, name: 'churn' })).rejects.toMatchObject({ code: 'USAGE', message: expect.stringContaining('no committed pointer') });
  });
});

describe('a new version never silently loses what the current one has', () => {
  it('a forgotten folder is refused, naming it and the flag; with --drop it goes', async () => {
    const repo = await project();
    await add({ cwd: repo.dir, ...FULL });
    const tags = await repo.git('tag', '-l');
    const pointerBefore = await repo.read(POINTER);
    await writeFile(join(repo.dir, 'models/churn/model.pt'), 'retrained');
    const refused = await add({ cwd: repo.dir, name: 'churn', paths: ['models/churn/model.pt'] }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'INPUTS_DROPPED', message: expect.stringContaining('file models/churn/tokenizer/'), hint: expect.stringContaining('--drop models/churn/tokenizer') });
    expect(await repo.git('tag', '-l')).toBe(tags);
    expect(await repo.read(POINTER)).toBe(pointerBefore);
    const dropped = await add({ cwd: repo.dir, name: 'churn', paths: ['models/churn/model.pt'], drop: ['models/churn/tokenizer/'] });
    expect(dropped).toMatchObject({ created: true, dropped: ['file models/churn/tokenizer/'] });
  });

  it('replacing a dataset is a loss of the old one: asked for with --drop', async () => {
    const repo = await project();
    await add({ cwd: repo.dir, ...FULL });
    await repo.write('data/v2/rows.csv', 'id\n1\n');
    await expect(add({ cwd: repo.dir, name: 'churn', data: ['data/v2'] })).rejects.toMatchObject({ code: 'INPUTS_DROPPED', message: expect.stringContaining('data data/train/') });
    await expect(add({ cwd: repo.dir, name: 'churn', data: ['data/v2'], drop: ['data/train'] })).resolves.toMatchObject({ created: true });
  });

  it('metrics a pointer cannot re-read (recorded before metrics_file) are refused unless given again or dropped', async () => {
    const repo = await project();
    await add({ cwd: repo.dir, ...FULL });
    // A pointer as older versions wrote it: metrics, but no record of their file.
    const text = (await repo.read(POINTER)).replace(/^metrics_file: .*\n/m, '');
    await writeFile(join(repo.dir, POINTER), text);
    await repo.git('commit', '-q', '-am', 'older pointer');
    await writeFile(join(repo.dir, 'models/churn/model.pt'), 'retrained');
    await expect(add({ cwd: repo.dir, name: 'churn' })).rejects.toMatchObject({ code: 'INPUTS_DROPPED', message: expect.stringContaining('metrics'), hint: expect.stringContaining('--drop metrics') });
    await expect(add({ cwd: repo.dir, name: 'churn', metricsFile: 'metrics.json' })).resolves.toMatchObject({ created: true });
  });

  it('droppedInputs and planVersion, as pure functions', () => {
    const oid = (c: string) => `sha256:${c.repeat(64)}` as const;
    const before = parsePointer(`mv: 1\nname: m\ntype: model\nversion: 1.0.0\nfiles:\n  - {path: a.bin, oid: ${oid('a')}, size: 1}\n  - {path: b/, oid: ${oid('b')}, size: 1, nfiles: 1}\nlineage:\n  data:\n    - {uri: "s3://x/train"}\n    - {artifact: base@v1.0.0}\nmetrics: {acc: 1}\ncreated: 2026-11-27T20:30:00Z\n`, 'm.mv.yaml');
    const after = { ...before, files: [before.files[0]!], lineage: { data: [{ artifact: 'base@v2.0.0' }] }, metrics: undefined };
    expect(droppedInputs({ pointer: before, file: 'm.mv.yaml' }, { pointer: after, file: 'm.mv.yaml' }).map((d) => d.what)).toEqual(['file b/', 'data s3://x/train', 'metrics']);
    expect(() => planVersion({ name: 'm', draft: after, pointerFile: 'm.mv.yaml', current: { pointer: before, file: 'm.mv.yaml' }, previous: { version: '1.0.0', pointer: before }, taken: ['1.0.0'], requested: {}, drops: [] })).toThrow(/would leave out/);
    const plan = planVersion({ name: 'm', draft: after, pointerFile: 'm.mv.yaml', current: { pointer: before, file: 'm.mv.yaml' }, previous: { version: '1.0.0', pointer: before }, taken: ['1.0.0'], requested: {}, drops: [{ kind: 'path', repoPath: 'b' }, { kind: 'uri', uri: 's3://x/train' }, { kind: 'part', part: 'metrics' }] });
    expect(plan).toMatchObject({ created: true, version: '1.1.0' });
    // --drop names only what the compared version records: an artifact by name@, not a path or part it lacks; also when nothing changed.
    const unchanged = { name: 'm', draft: before, pointerFile: 'm.mv.yaml', current: undefined, previous: { version: '1.0.0', pointer: before, file: 'm.mv.yaml' }, taken: ['1.0.0'], requested: {} };
    expect(() => planVersion({ ...unchanged, drops: [{ kind: 'path', repoPath: 'c.bin' }] })).toThrow('--drop c.bin: m@v1.0.0 records no file, input or part by that name');
    expect(() => planVersion({ ...unchanged, drops: [{ kind: 'part', part: 'params' }] })).toThrow('--drop params: m@v1.0.0 records no file');
    expect(() => planVersion({ ...unchanged, previous: undefined, taken: [], drops: [{ kind: 'artifact', name: 'base' }] })).toThrow('--drop base@: m has no earlier version with a pointer');
    expect(planVersion({ ...unchanged, draft: { ...before, lineage: {} }, drops: [{ kind: 'artifact', name: 'base' }, { kind: 'uri', uri: 's3://x/train' }] })).toMatchObject({ created: true, version: '1.1.0' });
  });
});

describe('mv add --dry-run', () => {
  it('reports the version, why, and every entry new, changed or unchanged, and writes nothing anywhere', async () => {
    const repo = await project();
    await add({ cwd: repo.dir, ...FULL });
    await writeFile(join(repo.dir, 'models/churn/tokenizer/vocab.json'), '{"hello": 1, "world": 2, "new": 3}\n');
    await repo.write('models/churn/tokenizer/merges.txt', 'a b\n');
    const before = await snapshotTree(repo.dir);
    const result = await add({ cwd: repo.dir, name: 'churn', dryRun: true });
    await expectUnchanged(repo.dir, before);
    expect(result).toMatchObject({ dryRun: true, created: false, id: 'churn@v0.1.1', tag: 'churn@v0.1.1' });
    const entries = Object.fromEntries(result.plan!.entries.map((e) => [e.path, e]));
    expect(entries['models/churn/model.pt']).toMatchObject({ role: 'file', status: 'unchanged' });
    expect(entries['models/churn/tokenizer/']).toMatchObject({ role: 'file', status: 'changed', nfiles: 3, inside: { added: ['merges.txt'], removed: [], modified: ['vocab.json'] } });
    expect(entries['data/train/']).toMatchObject({ role: 'data', status: 'unchanged' });
    expect(result.plan!.commit.paths).toEqual([POINTER]);
    // The plan is what the add then does.
    await expect(add({ cwd: repo.dir, name: 'churn' })).resolves.toMatchObject({ created: true, id: 'churn@v0.1.1' });
  });

  it('of a first version writes nothing either (no cache object, no state, no lock)', async () => {
    const repo = await project();
    const before = await snapshotTree(repo.dir);
    const result = await add({ cwd: repo.dir, ...FULL, dryRun: true });
    await expectUnchanged(repo.dir, before);
    expect(result).toMatchObject({ id: 'churn@v0.1.0', versionReason: 'first version' });
    expect(result.plan!.commit.paths).toEqual(expect.arrayContaining([POINTER, 'models/churn/.gitignore', 'data/.gitignore']));
    expect(result.plan!.entries.every((e) => e.status === 'new')).toBe(true);
  });
});

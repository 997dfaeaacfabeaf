import { readFile, rm, stat, writeFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectCached, expectPointer, readPointer, tagsOf } from '../helpers/assertions.js';
import { gitRepo } from '../helpers/git-repo.js';
import { mv, mvJson, mvOk } from '../helpers/mv-cli.js';
import { ADD_ARGS, initProject } from '../helpers/project.js';

describe('init → add → status → checkout, as a user runs it', () => {
  it('versions weights, tokenizer, data, pipeline, params and metrics as one version', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    const headBefore = await repo.git('rev-parse', 'HEAD');

    const run = await mvOk(repo.dir, [...ADD_ARGS, '-m', 'weekly retrain']);
    expect(run.stdout.trim()).toBe('churn@v0.1.0');

    const pointer = await expectPointer(repo, 'models/churn/churn.mv.yaml', {
      mv: 1,
      name: 'churn',
      type: 'model',
      version: '0.1.0',
      description: 'weekly retrain',
      lineage: {
        code: { commit: headBefore, branch: 'main', dirty: false },
        params: { lr: 0.001, epochs: 20 },
      },
      metrics: { accuracy: 0.912, f1: 0.88 },
    });
    expect(pointer.files.map((f: { path: string }) => f.path)).toEqual(['model.pt', 'tokenizer/']);
    expect(pointer.files[1].nfiles).toBe(2);
    expect(pointer.lineage.data[0]).toMatchObject({ path: '../../data/train/', nfiles: 2 });
    expect(pointer.lineage.pipeline[0]).toMatchObject({ path: '../../src/preprocess.py' });
    expect(pointer.lineage.params_file.path).toBe('../../params.yaml');
    expect(pointer.environment.os).toMatch(/^linux/);
    expect(pointer.created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    const cacheDir = join(repo.dir, '.mv/cache');
    for (const entry of [...pointer.files, ...pointer.lineage.data, ...pointer.lineage.pipeline]) await expectCached(cacheDir, entry.oid);

    // Only the pointer and .gitignore files are committed; the tag is annotated and points at that commit.
    const changed = (await repo.git('show', '--name-only', '--format=', 'HEAD')).split('\n').filter(Boolean).sort();
    expect(changed).toEqual(['data/.gitignore', 'models/churn/.gitignore', 'models/churn/churn.mv.yaml']);
    expect(await repo.git('cat-file', '-t', 'refs/tags/churn@v0.1.0')).toBe('tag');
    expect(await repo.git('rev-parse', 'refs/tags/churn@v0.1.0^{commit}')).toBe(await repo.git('rev-parse', 'HEAD'));
    expect(await repo.git('status', '--porcelain')).toBe('');
    expect(await repo.read('models/churn/.gitignore')).toBe('/model.pt\n/tokenizer/\n');
    const tagMessage = await repo.git('tag', '-l', '--format=%(contents)', 'churn@v0.1.0');
    expect(tagMessage.split('\n')[0]).toBe('Register churn@v0.1.0: weekly retrain');
    expect(tagMessage).toContain('"pointer":{"path":"models/churn/churn.mv.yaml"');

    const clean = await mvJson<{ clean: boolean }>(repo.dir, ['status']);
    expect(clean.clean).toBe(true);
  });

  it('reports modified and missing files, and checkout restores exactly the recorded bytes', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    await mvOk(repo.dir, ADD_ARGS);
    const original = await readFile(join(repo.dir, 'models/churn/model.pt'));
    const vocab = await repo.read('models/churn/tokenizer/vocab.json');

    await repo.write('models/churn/model.pt', 'overwritten');
    await rm(join(repo.dir, 'models/churn/tokenizer/vocab.json'));
    await repo.write('models/churn/tokenizer/extra.txt', 'extra');
    const status = await mvJson<{ clean: boolean; artifacts: Array<{ entries: Array<{ path: string; condition: string; changes?: unknown }> }> }>(repo.dir, ['status']);
    expect(status.clean).toBe(false);
    const entries = status.artifacts[0]!.entries;
    expect(entries.find((e) => e.path === 'models/churn/model.pt')!.condition).toBe('modified');
    expect(entries.find((e) => e.path === 'models/churn/tokenizer/')!.changes).toEqual({ added: ['extra.txt'], removed: ['vocab.json'], modified: [] });

    // Local content that exists nowhere else blocks checkout.
    const refused = await mv(repo.dir, ['checkout', 'churn']);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('models/churn/model.pt');
    expect(refused.stderr).toContain('--force');
    expect(await repo.read('models/churn/model.pt')).toBe('overwritten');

    await mvOk(repo.dir, ['checkout', 'churn', '--force']);
    expect(await readFile(join(repo.dir, 'models/churn/model.pt'))).toEqual(original);
    expect(await repo.read('models/churn/tokenizer/vocab.json')).toBe(vocab);
    await expect(stat(join(repo.dir, 'models/churn/tokenizer/extra.txt'))).rejects.toThrow();
    expect((await mvJson<{ clean: boolean }>(repo.dir, ['status'])).clean).toBe(true);

    // Deleted files come back without --force: nothing is lost by restoring them.
    await rm(join(repo.dir, 'models/churn/model.pt'));
    await rm(join(repo.dir, 'models/churn/tokenizer'), { recursive: true });
    await mvOk(repo.dir, ['checkout']);
    expect(await readFile(join(repo.dir, 'models/churn/model.pt'))).toEqual(original);
  });

  it('bumps versions from what changed, and does nothing when nothing changed', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    await mvOk(repo.dir, ADD_ARGS);

    const same = await mvOk(repo.dir, ADD_ARGS);
    expect(same.stdout.trim()).toBe('churn@v0.1.0');
    expect(same.stderr).toContain('Nothing changed');
    expect(await tagsOf(repo)).toEqual(['churn@v0.1.0']);

    await repo.write('models/churn/model.pt', 'new weights');
    const patch = await mvJson<{ id: string; change: { level: string; reasons: string[] } }>(repo.dir, ADD_ARGS);
    expect(patch.id).toBe('churn@v0.1.1');
    expect(patch.change).toEqual({ level: 'patch', reasons: ['files changed'] });

    await repo.write('params.yaml', 'lr: 0.01\nepochs: 20\n');
    await repo.commitAll('tune lr');
    await repo.write('models/churn/model.pt', 'retrained weights');
    const minor = await mvJson<{ id: string; change: { level: string; reasons: string[] } }>(repo.dir, ADD_ARGS);
    expect(minor.id).toBe('churn@v0.2.0');
    expect(minor.change.reasons).toContain('params changed');

    await repo.write('signature.yaml', 'inputs: {features: "float32[14]"}\noutputs: {churn: float32}\n');
    const major = await mvJson<{ id: string; change: { level: string } }>(repo.dir, [...ADD_ARGS, '--signature', 'signature.yaml', '--allow-dirty']);
    expect(major).toMatchObject({ id: 'churn@v1.0.0', change: { level: 'major' } });

    const explicit = await mvOk(repo.dir, [...ADD_ARGS, '--bump', 'minor', '--allow-dirty']);
    expect(explicit.stdout.trim()).toBe('churn@v1.1.0');
  });

  it('enforces version rules: no reuse, maintenance releases only on an existing major line', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    await mvOk(repo.dir, [...ADD_ARGS, '--version', '1.4.1']);
    await repo.write('models/churn/model.pt', 'v2');
    await mvOk(repo.dir, [...ADD_ARGS, '--version', '2.0.0']);
    const head = await repo.git('rev-parse', 'HEAD');

    await repo.write('models/churn/model.pt', 'v3');
    const reused = await mv(repo.dir, [...ADD_ARGS, '--version', '2.0.0']);
    expect(reused.exitCode).toBe(1);
    expect(reused.stderr).toContain('churn@v2.0.0 already exists');

    const tooLow = await mv(repo.dir, [...ADD_ARGS, '--version', '1.4.0']);
    expect(tooLow.exitCode).toBe(1);
    expect(tooLow.stderr).toContain('newest of the 1.x line');
    expect(await repo.git('rev-parse', 'HEAD')).toBe(head);

    const maintenance = await mvOk(repo.dir, [...ADD_ARGS, '--version', 'v1.4.2']);
    expect(maintenance.stdout.trim()).toBe('churn@v1.4.2');
    expect(maintenance.stderr).toContain('maintenance release');

    const both = await mv(repo.dir, [...ADD_ARGS, '--version', '3.0.0', '--bump', 'major']);
    expect(both.exitCode).toBe(2);
  });

  it('status names data that moved on since the version, without calling everything up to date', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    await mvOk(repo.dir, ADD_ARGS);
    expect((await mvOk(repo.dir, ['status'])).stdout).toContain('Everything is up to date.');
    await rm(join(repo.dir, 'data/train'), { recursive: true });

    const status = await mvOk(repo.dir, ['status']);
    expect(status.stdout).toContain('data missing: data/train/');
    expect(status.stdout).toContain("The artifacts' files are up to date; the data or pipeline lines above differ");
    expect(status.stdout).not.toContain('Everything is up to date.');
  });

  it('checks out an older version and status says which version is in the work tree', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    await mvOk(repo.dir, ADD_ARGS);
    const v1 = await readFile(join(repo.dir, 'models/churn/model.pt'));
    await repo.write('models/churn/model.pt', 'second version weights');
    await mvOk(repo.dir, ADD_ARGS);

    const out = await mvJson<{ artifacts: Array<{ id: string; written: string[] }> }>(repo.dir, ['checkout', 'churn@v0.1.0']);
    expect(out.artifacts[0]).toMatchObject({ id: 'churn@v0.1.0', written: ['models/churn/model.pt'] });
    expect(await readFile(join(repo.dir, 'models/churn/model.pt'))).toEqual(v1);
    const status = await mvOk(repo.dir, ['status']);
    expect(status.stdout).toContain('checked out v0.1.0');

    await mvOk(repo.dir, ['checkout', 'churn@latest']);
    expect(await repo.read('models/churn/model.pt')).toBe('second version weights');
    expect((await mvJson<{ clean: boolean }>(repo.dir, ['status'])).clean).toBe(true);
  });

  it('refuses dirty code unless --allow-dirty, which is recorded', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    await repo.write('README.md', '# project, edited\n');
    const refused = await mv(repo.dir, ADD_ARGS);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('README.md');
    expect(refused.stderr).toContain('--allow-dirty');
    expect(await tagsOf(repo)).toEqual([]);

    await mvOk(repo.dir, [...ADD_ARGS, '--allow-dirty']);
    expect((await readPointer(repo, 'models/churn/churn.mv.yaml')).lineage.code.dirty).toBe(true);
    // The user's uncommitted change is neither committed nor lost.
    expect(await repo.git('status', '--porcelain')).toBe(' M README.md');
  });

  it('does not count changes to files the version records itself (params, metrics, pipeline) as dirty', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    await repo.write('metrics.json', '{"accuracy": 0.95}\n');
    await repo.write('params.yaml', 'lr: 0.02\nepochs: 20\n');
    await repo.write('src/preprocess.py', 'def preprocess(rows):\n    return rows[1:]\n');
    await mvOk(repo.dir, ADD_ARGS);
    const pointer = await readPointer(repo, 'models/churn/churn.mv.yaml');
    expect(pointer.lineage.code.dirty).toBe(false);
    expect(pointer.metrics.accuracy).toBe(0.95);
    expect(pointer.lineage.params.lr).toBe(0.02);
    const { createHash } = await import('node:crypto');
    expect(pointer.lineage.pipeline[0].oid).toBe(`sha256:${createHash('sha256').update(await repo.read('src/preprocess.py')).digest('hex')}`);
  });

  it('warns when a version has no data or pipeline, and config can make it an error', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    const warned = await mvOk(repo.dir, ['add', 'churn', 'models/churn/model.pt']);
    expect(warned.stderr).toContain('cannot be reproduced');

    const config = await repo.read('.mv/config.yaml');
    await repo.write('.mv/config.yaml', config.replace('require_lineage: warn', 'require_lineage: error'));
    await repo.commitAll('strict lineage');
    await repo.write('models/other.bin', 'other');
    const refused = await mv(repo.dir, ['add', 'other', 'models/other.bin']);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('--data');
    await expect(stat(join(repo.dir, 'models/other.mv.yaml'))).rejects.toThrow();
  });
});

describe('bad input gets a clear error and changes nothing', () => {
  it('outside a git repository', async () => {
    const { tempDir } = await import('../helpers/git-repo.js');
    const dir = await tempDir();
    const run = await mv(dir, ['init']);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('not inside a git repository');
    expect(run.stderr).toContain('git init');
  });

  it('in a repository without commits', async () => {
    const repo = await gitRepo({ empty: true });
    await mvOk(repo.dir, ['init']);
    await repo.git('update-ref', '-d', 'HEAD');
    await repo.write('model.pt', 'w');
    const run = await mv(repo.dir, ['add', 'm', 'model.pt', '--data', 'model.pt']);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('has no commits');
  });

  it('before mv init', async () => {
    const repo = await gitRepo();
    await repo.write('model.pt', 'w');
    const run = await mv(repo.dir, ['add', 'm', 'model.pt']);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('mv init');
  });

  it.each([
    [['add', 'churn', 'nope.pt'], 'nope.pt does not exist'],
    [['add', 'churn', '../outside.pt'], 'outside the repository'],
    [['add', '-bad', 'models/churn/model.pt'], ''],
    [['add', 'bad name', 'models/churn/model.pt'], 'not a valid artifact name'],
    [['add', 'churn', '.git/config'], '.git'],
    [['add', 'churn', 'models/churn/model.pt', '--version', '1.2'], 'not a semantic version'],
    [['add', 'churn', 'models/churn/model.pt', '--params', 'missing.yaml'], 'missing.yaml does not exist'],
    [['add', 'churn', 'src/preprocess.py'], 'tracked by git'],
  ])('mv %j', async (args, message) => {
    const repo = await gitRepo();
    await initProject(repo);
    const head = await repo.git('rev-parse', 'HEAD');
    const before = await repo.git('status', '--porcelain');
    const run = await mv(repo.dir, args);
    expect(run.exitCode).toBeGreaterThan(0);
    expect(run.stderr).toContain(message);
    expect(run.stderr).not.toContain('    at ');
    expect(await repo.git('rev-parse', 'HEAD')).toBe(head);
    expect(await tagsOf(repo)).toEqual([]);
    expect(await repo.git('status', '--porcelain')).toBe(before);
  });

  it('names the file and line of a params file that does not parse', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    await repo.write('bad-params.yaml', 'lr: 0.1\nlayers: [1, 2\nepochs: 3\n');
    const run = await mv(repo.dir, [...ADD_ARGS.slice(0, 4), '--params', 'bad-params.yaml']);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/bad-params\.yaml:\d+:\d+/);
  });

  it('undoes the pointer and .gitignore when the tag cannot be created', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    const head = await repo.git('rev-parse', 'HEAD');
    const before = await repo.git('status', '--porcelain');
    // A ref below the tag's name makes creating the tag itself fail, after the pointer was written.
    await repo.git('update-ref', 'refs/tags/churn@v0.1.0/blocker', head);
    const run = await mv(repo.dir, ADD_ARGS);
    expect(run.exitCode).toBe(1);
    expect(await repo.git('rev-parse', 'HEAD')).toBe(head);
    await expect(stat(join(repo.dir, 'models/churn/churn.mv.yaml'))).rejects.toThrow();
    await expect(stat(join(repo.dir, 'models/churn/.gitignore'))).rejects.toThrow();
    expect(await repo.git('status', '--porcelain')).toBe(before);
    expect((await readdir(join(repo.dir, 'models/churn'))).sort()).toEqual(['model.pt', 'tokenizer']);
  });

  it('leaves nothing behind when interrupted with Ctrl-C', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    for (let i = 0; i < 40; i++) await writeFile(join(repo.dir, `models/churn/shard-${i}.bin`), Buffer.alloc(8 * 1024 * 1024, i));
    const head = await repo.git('rev-parse', 'HEAD');
    const { execa } = await import('execa');
    const { MV_BIN } = await import('../helpers/mv-cli.js');
    const child = execa(MV_BIN, ['add', 'churn', 'models/churn/', '--data', 'data/train'], { cwd: repo.dir, reject: false });
    await new Promise((r) => setTimeout(r, 400));
    child.kill('SIGINT');
    const result = await child;
    expect(result.exitCode).toBe(130);
    expect(result.stderr).toContain('Interrupted');
    expect(await repo.git('rev-parse', 'HEAD')).toBe(head);
    expect(await tagsOf(repo)).toEqual([]);
    await expect(stat(join(repo.dir, 'models/churn.mv.yaml'))).rejects.toThrow();
    const temp = await readdir(join(repo.dir, '.mv/cache/tmp')).catch(() => []);
    expect(temp).toEqual([]);
  });
});

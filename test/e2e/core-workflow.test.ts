import { readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectCached, expectPointer, tagsOf } from '../helpers/assertions.js';
import { gitRepo } from '../helpers/git-repo.js';
import { mv, mvJson, mvOk } from '../helpers/mv-cli.js';
import { ADD_ARGS, addChurn, initProject, writeProject } from '../helpers/project.js';

describe('init → add → status → checkout, as a user runs it', () => {
  it('versions weights, tokenizer, data, pipeline, params and metrics as one version', async () => {
    const repo = await gitRepo();
    await writeProject(repo);
    const init = await mvOk(repo.dir, ['init']);
    expect(init.stderr).toContain('Committed .mv/config.yaml and .mv/.gitignore.');
    const headBefore = await repo.git('rev-parse', 'HEAD');

    const run = await mvOk(repo.dir, [...ADD_ARGS, '-m', 'weekly retrain']);
    expect(run.stdout.trim()).toBe('churn@v0.1.0');
    expect(run.stderr).toMatch(/^Registered churn@v0\.1\.0: first version \(64\.\d KiB, commit [0-9a-f]{12}\)$/m);

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
    expect((await mvOk(repo.dir, ['status'])).stdout).toContain('Everything is up to date.');

    // The same add again registers nothing, and says so.
    const same = await mvOk(repo.dir, ADD_ARGS);
    expect(same.stdout.trim()).toBe('churn@v0.1.0');
    expect(same.stderr).toContain('Nothing changed since churn@v0.1.0; no new version was created.');
    expect(await tagsOf(repo)).toEqual(['churn@v0.1.0']);
  });

  it('reports modified and missing files, and checkout restores exactly the recorded bytes', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    await addChurn(repo);
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
});

describe('help and the safety commands, as a script runs them', () => {
  it('help lists the commands; verify, gc and purge answer with their exit codes', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    await addChurn(repo);
    const help = await mvOk(repo.dir, ['help']);
    expect(help.stdout).toMatch(/^Usage: mvr /);
    for (const command of ['add', 'checkout', 'promote', 'push', 'verify']) expect(help.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    expect((await mvOk(repo.dir, ['verify'])).stdout).toMatch(/ok$/);
    expect(await mvJson(repo.dir, ['gc', '--dry-run'])).toMatchObject({ dryRun: true, deleted: 0 });
    // The work tree's version cannot be purged: a clear refusal, exit 1.
    const purge = await mv(repo.dir, ['purge', 'churn@v0.1.0', '--force']);
    expect(purge.exitCode).toBe(1);
    expect(purge.stderr).toContain('churn@v0.1.0 is the version of models/churn/churn.mv.yaml in the work tree');
    expect(await tagsOf(repo)).toEqual(['churn@v0.1.0']);
  });
});

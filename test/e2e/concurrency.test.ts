import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tagsOf } from '../helpers/assertions.js';
import { gitRepo } from '../helpers/git-repo.js';
import { add } from '../../src/index.js';
import { mv } from '../helpers/mv-cli.js';
import { initProject } from '../helpers/project.js';

describe('concurrent commands in one repository', () => {
  it('two adds at once both succeed, one after the other', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    await repo.write('models/a/weights.bin', Buffer.alloc(3 * 1024 * 1024, 1));
    await repo.write('models/b/weights.bin', Buffer.alloc(3 * 1024 * 1024, 2));
    const [a, b] = await Promise.all([
      mv(repo.dir, ['add', 'model-a', 'models/a/', '--data', 'data/train']),
      mv(repo.dir, ['add', 'model-b', 'models/b/', '--data', 'data/train']),
    ]);
    expect([a.exitCode, b.exitCode]).toEqual([0, 0]);
    expect(await tagsOf(repo)).toEqual(['model-a@v0.1.0', 'model-b@v0.1.0']);
    // Both pointers are in history and the index, and data/.gitignore has the entry once.
    expect((await repo.git('ls-files', 'models')).split('\n').sort()).toEqual(['models/.gitignore', 'models/model-a.mv.yaml', 'models/model-b.mv.yaml']);
    expect(await repo.read('data/.gitignore')).toBe('/train/\n');
    expect(await repo.git('status', '--porcelain', '--', 'models/a', 'models/b', 'models/.gitignore', 'data')).toBe('');
  });

  it('two adds of the same artifact get distinct versions', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    await add({ cwd: repo.dir, name: 'churn', paths: ['models/churn/'], data: ['data/train'] });
    await repo.write('models/churn/model.pt', 'retrained');
    const runs = await Promise.all([
      mv(repo.dir, ['add', 'churn', 'models/churn/', '--data', 'data/train', '--bump', 'patch']),
      mv(repo.dir, ['add', 'churn', 'models/churn/', '--data', 'data/train', '--bump', 'minor']),
    ]);
    expect(runs.map((r) => r.exitCode)).toEqual([0, 0]);
    expect(new Set(runs.map((r) => r.stdout.trim())).size).toBe(2);
    expect((await tagsOf(repo)).length).toBe(3);
  });

  it('a lock left by a killed process is taken over', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    // A lock directory as a killed mv leaves it: present, and no longer refreshed.
    await mkdir(join(repo.dir, '.git/mv/repo.lock'), { recursive: true });
    const { utimes } = await import('node:fs/promises');
    const old = new Date(Date.now() - 60_000);
    await utimes(join(repo.dir, '.git/mv/repo.lock'), old, old);
    const run = await mv(repo.dir, ['add', 'churn', 'models/churn/', '--data', 'data/train']);
    expect(run.exitCode).toBe(0);
    expect(await readdir(join(repo.dir, '.git/mv'))).not.toContain('repo.lock');
  });
});

/**
 * Hostile names, paths and URLs on the command line: refused with exit 1 (2 when the command line itself
 * cannot be parsed), without a stack trace, before anything is written. Run through the CLI's main in
 * this process (`cli`), on copies of one project.
 */
import { mkdir, symlink, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tagsOf } from '../helpers/assertions.js';
import { copyRepo, gitRepo, suiteDir, tempDir, type TestRepo } from '../helpers/git-repo.js';
import { cli } from '../helpers/mv-cli.js';
import { addChurn, initProject } from '../helpers/project.js';

let template: string;
beforeAll(async () => {
  const repo = await gitRepo({ dir: join(await suiteDir('mv-hostile-'), 'project') });
  await initProject(repo);
  template = repo.dir;
});
const project = (): Promise<TestRepo> => copyRepo(template);

describe('hostile names are refused before anything is written', () => {
  it.each([
    ['-rf', 2],
    ['--help=x', 2],
    ['a..b', 1],
    ['churn@{1}', 1],
    ['my model', 1],
    ['evil\nname', 1],
    ['tab\tname', 1],
    ['nul\u0001name', 1],
    ['trailing/', 1],
    ['a//b', 1],
    ['x'.repeat(201), 1],
  ])('artifact name %j', async (name, exitCode) => {
    const repo = await project();
    const head = await repo.git('rev-parse', 'HEAD');
    const run = await cli(repo.dir, ['add', name, 'models/churn/model.pt', '--data', 'data/train']);
    expect(run.exitCode).toBe(exitCode);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(await repo.git('rev-parse', 'HEAD')).toBe(head);
    expect(await tagsOf(repo)).toEqual([]);
    await expect(stat(join(repo.dir, '.mv/cache/objects'))).rejects.toThrow();
  });
});

describe('paths that lead outside the repository', () => {
  it('refuses to add through a symbolic link that leaves the repository', async () => {
    const repo = await project();
    const outside = await tempDir();
    await mkdir(join(outside, 'secrets'));
    await symlink(join(outside, 'secrets'), join(repo.dir, 'linked'));
    await repo.write('../' + outside.split('/').pop()! + '/secrets/key', 'secret');
    const run = await cli(repo.dir, ['add', 'leak', 'linked/key', '--data', 'data/train']);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('outside the repository');
  });

  it('refuses to check out through a folder that was replaced by a link leading outside', async () => {
    const repo = await project();
    await addChurn(repo);
    const outside = await tempDir();
    const { rm } = await import('node:fs/promises');
    await rm(join(repo.dir, 'models/churn/tokenizer'), { recursive: true });
    await symlink(outside, join(repo.dir, 'models/churn/tokenizer'));
    const run = await cli(repo.dir, ['checkout', 'churn', '--force']);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('models/churn/tokenizer is a symbolic link; mv does not write through links');
    const { readdir } = await import('node:fs/promises');
    expect(await readdir(outside)).toEqual([]);
  });
});

describe('hostile remote names and URLs are refused before anything is written', () => {
  it.each([
    ['-origin', '/tmp'],
    ['a..b', '/tmp'],
    ['we@{1}', '/tmp'],
    ['my remote', '/tmp'],
    ['tab\tname', '/tmp'],
    ['origin', '/tmp/x\r\ninjected'],
    ['origin', 's3://user:secret@bucket/prefix'],
  ])('remote %j with URL %j', async (name, url) => {
    const repo = await project();
    const head = await repo.git('rev-parse', 'HEAD');
    const config = await repo.read('.mv/config.yaml');
    const run = await cli(repo.dir, ['remote', 'add', name, url]);
    expect(run.exitCode).toBeGreaterThan(0);
    expect(run.stderr).not.toContain('secret');
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(await repo.git('rev-parse', 'HEAD')).toBe(head);
    expect(await repo.read('.mv/config.yaml')).toBe(config);
  });

  it.each(['-prod', 'a..b', 'pro duction', 'x@{1}', 'archived'])('stage %j in the config', async (stage) => {
    const repo = await project();
    await repo.write('.mv/config.local.yaml', `stages: [candidate, ${JSON.stringify(stage)}]\n`);
    for (const args of [['status'], ['promote', 'churn@v0.1.0', 'candidate']]) {
      const run = await cli(repo.dir, args);
      expect(run.exitCode).toBe(1);
      expect(run.stderr).toContain('.mv/config');
    }
  });
});

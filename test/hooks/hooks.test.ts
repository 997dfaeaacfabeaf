import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { gitRepo } from '../helpers/git-repo.js';
import { mv, mvOk } from '../helpers/mv-cli.js';
import { ADD_ARGS, initProject } from '../helpers/project.js';

const HOOKS = ['pre-commit', 'pre-push', 'post-checkout', 'post-merge'];

describe('mv hooks install / uninstall', () => {
  it('chains to existing hooks and restores them exactly', async () => {
    const repo = await gitRepo();
    const hooksDir = join(repo.dir, '.git/hooks');
    const existing = '#!/bin/sh\necho "user pre-commit ran" >> "$(git rev-parse --git-dir)/user-hook.log"\n';
    await writeFile(join(hooksDir, 'pre-commit'), existing);
    await chmod(join(hooksDir, 'pre-commit'), 0o750);

    const installed = await mvOk(repo.dir, ['hooks', 'install']);
    expect(installed.stdout).toContain('pre-commit: installed (runs the previous hook after mv)');
    for (const hook of HOOKS) expect(await readFile(join(hooksDir, hook), 'utf8')).toContain(`# mv-hook: ${hook}`);
    // Installing twice changes nothing and does not chain mv to itself.
    expect((await mvOk(repo.dir, ['hooks', 'install'])).stdout).toContain('pre-commit: already installed');
    expect(await readFile(join(hooksDir, 'pre-commit.pre-mv'), 'utf8')).toBe(existing);

    await repo.write('notes.txt', 'x');
    await repo.commitAll('a commit through the hooks');
    expect(await readFile(join(repo.dir, '.git/user-hook.log'), 'utf8')).toBe('user pre-commit ran\n');

    await mvOk(repo.dir, ['hooks', 'uninstall']);
    expect(await readFile(join(hooksDir, 'pre-commit'), 'utf8')).toBe(existing);
    expect((await stat(join(hooksDir, 'pre-commit'))).mode & 0o777).toBe(0o750);
    await expect(stat(join(hooksDir, 'pre-push'))).rejects.toThrow();
    await repo.write('notes.txt', 'y');
    await repo.commitAll('after uninstall');
    expect(await readFile(join(repo.dir, '.git/user-hook.log'), 'utf8')).toBe('user pre-commit ran\nuser pre-commit ran\n');
  });

  it('honours core.hooksPath', async () => {
    const repo = await gitRepo();
    await repo.git('config', 'core.hooksPath', '.githooks');
    await mvOk(repo.dir, ['hooks', 'install']);
    expect(await readFile(join(repo.dir, '.githooks/pre-commit'), 'utf8')).toContain('# mv-hook: pre-commit');
    await expect(stat(join(repo.dir, '.git/hooks/pre-commit'))).rejects.toThrow();
  });
});

describe('pre-commit', () => {
  it('refuses a hand-broken pointer, naming the file, field and fix', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    await mvOk(repo.dir, ['hooks', 'install']);
    await mvOk(repo.dir, ADD_ARGS);
    const pointerFile = 'models/churn/churn.mv.yaml';
    const pointer = await repo.read(pointerFile);
    await repo.write(pointerFile, pointer.replace('path: model.pt', 'path: ../../../etc/passwd'));
    await repo.git('add', pointerFile);
    const commit = await execa('git', ['commit', '-m', 'broken pointer'], { cwd: repo.dir, reject: false });
    expect(commit.exitCode).not.toBe(0);
    expect(commit.stderr).toContain('commit refused');
    expect(commit.stderr).toContain(`${pointerFile}: field files[0].path`);
    expect(await repo.git('log', '-1', '--format=%s')).toBe('Register churn@v0.1.0');
  });

  it('refuses a pointer whose objects are not in the cache', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    await mvOk(repo.dir, ADD_ARGS);
    await mvOk(repo.dir, ['hooks', 'install']);
    const pointerFile = 'models/churn/churn.mv.yaml';
    const other = `sha256:${'0'.repeat(64)}`;
    const pointer = await repo.read(pointerFile);
    await repo.write(pointerFile, pointer.replace(/(path: model\.pt\n\s+oid: )sha256:[0-9a-f]{64}/, `$1${other}`));
    await repo.git('add', pointerFile);
    const commit = await execa('git', ['commit', '-m', 'pointer to nothing'], { cwd: repo.dir, reject: false });
    expect(commit.exitCode).not.toBe(0);
    expect(commit.stderr).toContain('the cache lacks model.pt');
    expect(commit.stderr).toContain('mv fetch churn@v0.1.0');
  });

  it('lets valid pointers and unrelated commits through', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    await mvOk(repo.dir, ['hooks', 'install']);
    await mvOk(repo.dir, ADD_ARGS);
    await repo.write('models/churn/model.pt', 'retrained');
    await mvOk(repo.dir, ADD_ARGS);
    // A pointer committed by hand with git (e.g. after a rebase) passes when valid and cached.
    const pointerFile = 'models/churn/churn.mv.yaml';
    await repo.write(pointerFile, `${await repo.read(pointerFile)}reviewed_by: lead\n`);
    await repo.git('add', pointerFile);
    await repo.git('commit', '-q', '-m', 'review note');
    expect(await repo.git('log', '-1', '--format=%s')).toBe('review note');
  });
});

describe('post-checkout', () => {
  it('with hooks.checkout, switching branches brings artifacts in line with the pointers', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    await mvOk(repo.dir, ADD_ARGS);
    const v1 = await readFile(join(repo.dir, 'models/churn/model.pt'));
    await repo.git('branch', 'v1-line');
    await repo.write('models/churn/model.pt', 'v2 weights');
    await mvOk(repo.dir, ADD_ARGS);
    await repo.write('.mv/config.local.yaml', 'hooks:\n  checkout: true\n');
    await mvOk(repo.dir, ['hooks', 'install']);

    await repo.git('checkout', '-q', 'v1-line');
    expect(await readFile(join(repo.dir, 'models/churn/model.pt'))).toEqual(v1);
    const back = await execa('git', ['checkout', 'main'], { cwd: repo.dir });
    expect(back.stderr).toContain('churn@v0.1.1: 1 file(s) written');
    expect(await repo.read('models/churn/model.pt')).toBe('v2 weights');
  });

  it('without hooks.checkout, does nothing', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    await mvOk(repo.dir, ADD_ARGS);
    await repo.git('branch', 'v1-line');
    await repo.write('models/churn/model.pt', 'v2 weights');
    await mvOk(repo.dir, ADD_ARGS);
    await mvOk(repo.dir, ['hooks', 'install']);
    await repo.git('checkout', '-q', 'v1-line');
    expect(await repo.read('models/churn/model.pt')).toBe('v2 weights');
    const status = await mv(repo.dir, ['status']);
    expect(status.stdout).toContain('changed');
  });
});

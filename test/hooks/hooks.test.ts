import { chmod, mkdir, readFile, readdir, stat, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { hooksInstall } from '../../src/commands/hooks.js';
import { hookScript } from '../../src/hooks/hook-script.js';
import { bareRemote, gitRepo, tempDir, type TestRepo } from '../helpers/git-repo.js';
import { MV_BIN, cli, mvOk } from '../helpers/mv-cli.js';
import { ADD_ARGS, addChurn, initProject } from '../helpers/project.js';

/** The hooks, installed through the library as `mvr hooks install` installs them (calling the built mvr). */
const installHooks = (repo: TestRepo) => hooksInstall({ cwd: repo.dir, mvBin: MV_BIN });

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
    await installHooks(repo);
    expect(await readFile(join(repo.dir, '.githooks/pre-commit'), 'utf8')).toContain('# mv-hook: pre-commit');
    await expect(stat(join(repo.dir, '.git/hooks/pre-commit'))).rejects.toThrow();
  });
});

describe('pre-commit', () => {
  it('refuses a hand-broken pointer, naming the file, field and fix', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    await installHooks(repo);
    await addChurn(repo);
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
    await addChurn(repo);
    await installHooks(repo);
    const pointerFile = 'models/churn/churn.mv.yaml';
    const other = `sha256:${'0'.repeat(64)}`;
    const pointer = await repo.read(pointerFile);
    await repo.write(pointerFile, pointer.replace(/(path: model\.pt\n\s+oid: )sha256:[0-9a-f]{64}/, `$1${other}`));
    await repo.git('add', pointerFile);
    const commit = await execa('git', ['commit', '-m', 'pointer to nothing'], { cwd: repo.dir, reject: false });
    expect(commit.exitCode).not.toBe(0);
    expect(commit.stderr).toContain('the cache lacks models/churn/model.pt');
    expect(commit.stderr).toContain('mvr fetch churn@v0.1.0');
  });

  it('lets valid pointers and unrelated commits through', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    await installHooks(repo);
    await addChurn(repo);
    await repo.write('models/churn/model.pt', 'retrained');
    await addChurn(repo);
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
    await addChurn(repo);
    const v1 = await readFile(join(repo.dir, 'models/churn/model.pt'));
    await repo.git('branch', 'v1-line');
    await repo.write('models/churn/model.pt', 'v2 weights');
    await addChurn(repo);
    await repo.write('.mv/config.local.yaml', 'hooks:\n  checkout: true\n');
    await installHooks(repo);

    await repo.git('checkout', '-q', 'v1-line');
    expect(await readFile(join(repo.dir, 'models/churn/model.pt'))).toEqual(v1);
    const back = await execa('git', ['checkout', 'main'], { cwd: repo.dir });
    expect(back.stderr).toContain('churn@v0.1.1: 1 file(s) written');
    expect(await repo.read('models/churn/model.pt')).toBe('v2 weights');
  });

  it('without hooks.checkout, does nothing', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    await addChurn(repo);
    await repo.git('branch', 'v1-line');
    await repo.write('models/churn/model.pt', 'v2 weights');
    await addChurn(repo);
    await installHooks(repo);
    await repo.git('checkout', '-q', 'v1-line');
    expect(await repo.read('models/churn/model.pt')).toBe('v2 weights');
    const status = await cli(repo.dir, ['status']);
    expect(status.stdout).toContain('changed');
  });
});

/** The hooks an earlier version wrote (its program was called mv), as they sit in users' repositories. */
const LEGACY = new URL('../../fixtures/hooks-v1/', import.meta.url);

async function installLegacyHooks(repo: TestRepo): Promise<string> {
  const hooksDir = join(repo.dir, '.git/hooks');
  for (const hook of HOOKS) {
    await writeFile(join(hooksDir, hook), await readFile(new URL(hook, LEGACY), 'utf8'));
    await chmod(join(hooksDir, hook), 0o755);
  }
  return hooksDir;
}

/** PATH with git and sh but neither mvr nor any mv that answers --version with a version number. */
const PLAIN_PATH = `${dirname(process.execPath)}:/usr/bin:/bin`;

describe('hooks written before the program was named mvr', () => {
  it('look for an `mv` on PATH and never run the system mv in its place', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    await addChurn(repo);
    await installLegacyHooks(repo);
    await repo.write('models/churn/churn.mv.yaml', `${await repo.read('models/churn/churn.mv.yaml')}note: x\n`);
    await repo.git('add', 'models/churn/churn.mv.yaml');
    const before = (await readdir(repo.dir)).sort();
    const commit = await execa('git', ['commit', '-m', 'through a legacy hook'], { cwd: repo.dir, reject: false, env: { PATH: PLAIN_PATH } });
    expect(commit.exitCode).not.toBe(0);
    expect(commit.stderr).toContain('mv was not found');
    // coreutils mv would have moved files called hooks and run into pre-commit.
    expect((await readdir(repo.dir)).sort()).toEqual(before);
  });

  // The built mvr rewrites them to call itself: these run it.
  it('are rewritten by any mvr command run in the repository, keeping the chained hook', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    const hooksDir = await installLegacyHooks(repo);
    const userHook = '#!/bin/sh\necho "user pre-push ran" >&2\n';
    await writeFile(join(hooksDir, 'pre-push.pre-mv'), userHook, { mode: 0o755 });
    const origin = await bareRemote();
    await repo.git('remote', 'add', 'origin', origin);
    const store = await tempDir('mv-store-');

    const run = await mvOk(repo.dir, ['remote', 'add', 'shared', store, '--default']);
    expect(run.stderr).toContain("Updated this repository's git hooks (pre-commit, pre-push, post-checkout, post-merge) to call mvr");
    for (const hook of HOOKS) expect(await readFile(join(hooksDir, hook), 'utf8')).toBe(hookScript(hook as never, MV_BIN));
    expect(await readFile(join(hooksDir, 'pre-push.pre-mv'), 'utf8')).toBe(userHook);
    // Only once: the next command has nothing to rewrite.
    expect((await mvOk(repo.dir, ADD_ARGS)).stderr).not.toContain('Updated this repository');

    // git push now runs mvr's part (the upload) and then the user's hook.
    const pushed = await execa('git', ['push', '--follow-tags', 'origin', 'main'], { cwd: repo.dir, reject: false, env: { PATH: PLAIN_PATH } });
    expect(pushed.exitCode).toBe(0);
    expect(pushed.stderr).toContain('mv: uploaded');
    expect(pushed.stderr).toContain('user pre-push ran');
  });

  it('are rewritten by mvr hooks install; mvr hooks of another install are left alone', async () => {
    const repo = await gitRepo();
    const hooksDir = await installLegacyHooks(repo);
    const installed = await mvOk(repo.dir, ['hooks', 'install']);
    expect(installed.stdout).toContain('pre-commit: installed');
    expect(installed.stdout).not.toContain('runs the previous hook');
    for (const hook of HOOKS) expect(await readFile(join(hooksDir, hook), 'utf8')).toBe(hookScript(hook as never, MV_BIN));

    const other = hookScript('pre-commit', '/opt/other/bin/mvr');
    await writeFile(join(hooksDir, 'pre-commit'), other);
    expect((await mvOk(repo.dir, ['ls'])).stderr).not.toContain('Updated');
    expect(await readFile(join(hooksDir, 'pre-commit'), 'utf8')).toBe(other);
  });
});

describe('hooks of the earlier format, which ran any node_modules/.bin/mvr in the work tree', () => {
  it('are rewritten by any mvr command run in the repository, each keeping the mvr it was installed from', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    const hooksDir = join(repo.dir, '.git/hooks');
    const installedFrom = "/opt/team's tools/bin/mvr";
    for (const hook of HOOKS) {
      const v2 = await readFile(new URL(hook, new URL('../../fixtures/hooks-v2/', import.meta.url)), 'utf8');
      await writeFile(join(hooksDir, hook), v2.replace("'__INSTALLED__'", `'${installedFrom.replace(/'/g, "'\\''")}'`), { mode: 0o755 });
    }
    const run = await mvOk(repo.dir, ['status']);
    expect(run.stderr).toContain("Updated this repository's git hooks (pre-commit, pre-push, post-checkout, post-merge): they no longer run an mvr the repository itself holds.");
    for (const hook of HOOKS) expect(await readFile(join(hooksDir, hook), 'utf8')).toBe(hookScript(hook as never, installedFrom));
    expect((await mvOk(repo.dir, ['status'])).stderr).not.toContain('Updated');
  });
});

describe('the hook scripts find mvr', () => {
  it('on PATH, or in the repository\'s node_modules as npm installs it, when the installed path is gone', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    const hooksDir = join(repo.dir, '.git/hooks');
    await writeFile(join(hooksDir, 'pre-commit'), hookScript('pre-commit', '/nonexistent/bin/mvr'), { mode: 0o755 });
    await addChurn(repo);
    const broken = async () => {
      await repo.write('models/churn/churn.mv.yaml', (await repo.read('models/churn/churn.mv.yaml')).replace('path: model.pt', 'path: ../../../etc/passwd'));
      await repo.git('add', 'models/churn/churn.mv.yaml');
      return execa('git', ['commit', '-m', 'broken'], { cwd: repo.dir, reject: false, env: { PATH: path } });
    };
    // Nowhere to be found: the commit of a pointer is stopped, saying where mvr was looked for.
    let path = PLAIN_PATH;
    const missing = await broken();
    expect(missing.exitCode).not.toBe(0);
    expect(missing.stderr).toContain('mvr was not found (looked at /nonexistent/bin/mvr, PATH and node_modules/.bin)');

    const bin = await tempDir('mv-path-');
    await symlink(MV_BIN, join(bin, 'mvr'));
    path = `${bin}:${PLAIN_PATH}`;
    const onPath = await broken();
    expect(onPath.exitCode).not.toBe(0);
    expect(onPath.stderr).toContain('commit refused');

    // npm's layout for a dependency installed from a folder: the package a link, its bin linked from .bin.
    await mkdir(join(repo.dir, 'node_modules/.bin'), { recursive: true });
    await symlink(dirname(dirname(MV_BIN)), join(repo.dir, 'node_modules/mv-registry'));
    await symlink('../mv-registry/bin/mvr', join(repo.dir, 'node_modules/.bin/mvr'));
    path = PLAIN_PATH;
    const local = await broken();
    expect(local.exitCode).not.toBe(0);
    expect(local.stderr).toContain('commit refused');
  });
});

import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { hooksInstall } from '../../src/commands/hooks.js';
import { remoteAdd } from '../../src/index.js';
import { readPointer } from '../helpers/assertions.js';
import { bareRemote, gitRepo, tempDir, type TestRepo } from '../helpers/git-repo.js';
import { MV_BIN } from '../helpers/mv-cli.js';
import { addChurn, initProject } from '../helpers/project.js';

async function objectsIn(store: string): Promise<string[]> {
  const found: string[] = [];
  for (const fanout of await readdir(join(store, 'objects')).catch(() => [])) {
    for (const rest of await readdir(join(store, 'objects', fanout)).catch(() => [])) found.push(`sha256:${fanout}${rest}`);
  }
  return found.sort();
}

/** A project with a bare git origin, a folder remote as mv's default, and the hooks installed. */
async function projectWithRemotes(): Promise<{ repo: TestRepo; origin: string; store: string }> {
  const repo = await gitRepo();
  await initProject(repo);
  const origin = await bareRemote();
  await repo.git('remote', 'add', 'origin', origin);
  const store = await tempDir('mv-store-');
  await remoteAdd({ cwd: repo.dir, name: 'shared', url: store, makeDefault: true });
  await hooksInstall({ cwd: repo.dir, mvBin: MV_BIN });
  return { repo, origin, store };
}

const gitPush = (repo: TestRepo, args: string[], env: Record<string, string> = {}) =>
  execa('git', ['push', ...args], { cwd: repo.dir, reject: false, env: { ...env } });

describe('pre-push', () => {
  it('uploads the objects of pushed versions before git sends the refs', async () => {
    const { repo, origin, store } = await projectWithRemotes();
    await addChurn(repo);
    const pointer = await readPointer(repo, 'models/churn/churn.mv.yaml');
    const pushed = await gitPush(repo, ['--follow-tags', 'origin', 'main']);
    expect(pushed.exitCode).toBe(0);
    expect(pushed.stderr).toContain('mv: uploaded');
    const stored = await objectsIn(store);
    for (const entry of [...pointer.files, ...pointer.lineage.data, ...pointer.lineage.pipeline]) expect(stored).toContain(entry.oid);
    expect(await execa('git', ['tag', '-l'], { cwd: origin }).then((r) => r.stdout)).toBe('churn@v0.1.0');

    // Pushing again sends nothing: no upload message.
    await repo.write('notes.md', 'unrelated');
    await repo.commitAll('unrelated change');
    const again = await gitPush(repo, ['origin', 'main']);
    expect(again.exitCode).toBe(0);
    expect(again.stderr).not.toContain('mv: uploaded');
  });

  it('refuses the push when the upload fails, and git sends nothing', async () => {
    const { repo, origin, store } = await projectWithRemotes();
    await addChurn(repo);
    // The remote cannot store anything: its objects folder is a file.
    await rm(join(store, 'objects'), { recursive: true, force: true });
    await writeFile(join(store, 'objects'), 'not a folder');
    const pushed = await gitPush(repo, ['--follow-tags', 'origin', 'main']);
    expect(pushed.exitCode).not.toBe(0);
    expect(pushed.stderr).toContain('mv: push refused');
    expect(pushed.stderr).toContain('MV_SKIP_PUSH=1');
    expect(await execa('git', ['for-each-ref'], { cwd: origin }).then((r) => r.stdout)).toBe('');

    // MV_SKIP_PUSH=1 lets the push through without uploading, as GIT_LFS_SKIP_PUSH does.
    const skipped = await gitPush(repo, ['--follow-tags', 'origin', 'main'], { MV_SKIP_PUSH: '1' });
    expect(skipped.exitCode).toBe(0);
    expect(await execa('git', ['tag', '-l'], { cwd: origin }).then((r) => r.stdout)).toBe('churn@v0.1.0');
  });

  it('does no remote work when the push carries no pointer, and still runs an existing pre-push hook', async () => {
    const repo = await gitRepo();
    const origin = await bareRemote();
    await repo.git('remote', 'add', 'origin', origin);
    const log = join(repo.dir, '.git/lfs-like-hook.log');
    await mkdir(join(repo.dir, '.git/hooks'), { recursive: true });
    await writeFile(join(repo.dir, '.git/hooks/pre-push'), `#!/bin/sh\ncat > /dev/null\necho "previous pre-push $1" >> ${log}\n`, { mode: 0o755 });
    await initProject(repo);
    // mv's default remote is unusable; a push without pointers must not touch it.
    const store = await tempDir('mv-store-');
    await remoteAdd({ cwd: repo.dir, name: 'broken', url: store, makeDefault: true });
    await writeFile(join(store, 'objects'), 'not a folder');
    await hooksInstall({ cwd: repo.dir, mvBin: MV_BIN });
    await repo.write('README.md', 'changed');
    await repo.commitAll('docs only');
    const pushed = await gitPush(repo, ['origin', 'main']);
    expect(pushed.exitCode).toBe(0);
    expect(pushed.stderr).not.toContain('mv:');
    expect(await readdir(join(repo.dir, '.git'))).toContain('lfs-like-hook.log');
    const { readFile } = await import('node:fs/promises');
    expect(await readFile(log, 'utf8')).toBe('previous pre-push origin\n');
  });
});

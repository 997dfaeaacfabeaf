import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tagsOf } from '../helpers/assertions.js';
import { gitRepo } from '../helpers/git-repo.js';
import { mv, mvJson, mvOk } from '../helpers/mv-cli.js';
import { ADD_ARGS, initProject } from '../helpers/project.js';

/** mv add refuses, with the message, and leaves the repository as it was. */
async function expectRefused(args: string[], message: string, setup: (dir: string) => Promise<void>): Promise<void> {
  const repo = await gitRepo();
  await initProject(repo);
  await setup(repo.dir);
  const head = await repo.git('rev-parse', 'HEAD');
  const run = await mv(repo.dir, args);
  expect(run.exitCode).toBe(1);
  expect(run.stderr).toContain(message);
  expect(await repo.git('rev-parse', 'HEAD')).toBe(head);
  expect(await tagsOf(repo)).toEqual([]);
  // Nothing it could not read back was written: status still works.
  await mvOk(repo.dir, ['status']);
}

describe('mv add never commits a pointer it would refuse to read', () => {
  it('an empty folder', () => expectRefused(['add', 'empty', 'nothing/', '--data', 'data/train'], 'has no files', (dir) => mkdir(join(dir, 'nothing'))));

  it('files whose names differ only by case', () =>
    expectRefused(['add', 'cased', 'cs/M.bin', 'cs/m.bin', '--data', 'data/train'], 'case-insensitive', async (dir) => {
      await mkdir(join(dir, 'cs'));
      await writeFile(join(dir, 'cs/M.bin'), '1');
      await writeFile(join(dir, 'cs/m.bin'), '2');
    }));

  it('a file with a newline in its name inside a folder (never silently left out)', () =>
    expectRefused(['add', 'nl', 'nl/', '--data', 'data/train'], 'control character', async (dir) => {
      await mkdir(join(dir, 'nl'));
      await writeFile(join(dir, 'nl/bad\nname.bin'), 'x');
      await writeFile(join(dir, 'nl/ok.bin'), 'ok');
    }));

  it('a symbolic link to a folder', () =>
    expectRefused(['add', 'linked', 'linkdir', '--data', 'data/train'], 'symbolic link to a folder', async (dir) => {
      await mkdir(join(dir, 'real'));
      await writeFile(join(dir, 'real/w.bin'), 'w');
      await symlink(join(dir, 'real'), join(dir, 'linkdir'));
    }));
});

describe('one file, one artifact', () => {
  it('refuses to version a file that another artifact already versions', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    await mvOk(repo.dir, ADD_ARGS);
    const run = await mv(repo.dir, ['add', 'other', 'models/churn/model.pt', '--data', 'data/train']);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('already versioned as part of churn');
    expect(await tagsOf(repo)).toEqual(['churn@v0.1.0']);
  });
});

describe('a broken pointer does not take the others down', () => {
  it('status reports it, exits 1, and still reports the healthy artifacts', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    await mvOk(repo.dir, ADD_ARGS);
    await repo.write('other/w.bin', 'w');
    await mvOk(repo.dir, ['add', 'other', 'other/w.bin', '--data', 'data/train']);
    await repo.write('other/other.mv.yaml', (await repo.read('other/other.mv.yaml')).replace(/oid: sha256:[0-9a-f]+/, 'oid: sha256:nothex'));
    await repo.git('commit', '-qam', 'hand edit');
    const run = await mv(repo.dir, ['status', '--json']);
    expect(run.exitCode).toBe(1);
    const result = JSON.parse(run.stdout);
    expect(result.invalid[0]).toMatchObject({ file: 'other/other.mv.yaml', code: 'INVALID_POINTER' });
    expect(result.invalid[0].hint).toContain('git checkout HEAD -- other/other.mv.yaml');
    expect(result.artifacts.map((a: { name: string }) => a.name)).toEqual(['churn']);
  });
});

describe('damaged cache objects never reach the work tree', () => {
  it('checkout refuses an object whose bytes do not match, small or large', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    await repo.write('models/churn/big.bin', Buffer.alloc(3 * 1024 * 1024, 7));
    const added = await mvJson<{ files: Array<{ path: string; oid: string }> }>(repo.dir, ['add', 'churn', 'models/churn/', '--data', 'data/train']);
    const { readFile } = await import('node:fs/promises');
    const manifest = JSON.parse(await readFile(join(repo.dir, '.mv/cache/objects', added.files[0]!.oid.slice(7, 9), added.files[0]!.oid.slice(9)), 'utf8'));
    for (const name of ['big.bin', 'model.pt']) {
      const entry = manifest.entries.find((e: { path: string }) => e.path === name);
      const object = join(repo.dir, '.mv/cache/objects', entry.oid.slice(7, 9), entry.oid.slice(9));
      await chmod(object, 0o644);
      await writeFile(object, Buffer.alloc(entry.size, 0));
      await repo.write(`models/churn/${name}`, 'local edit');
      const run = await mv(repo.dir, ['checkout', 'churn', '--force']);
      expect(run.exitCode).toBe(1);
      expect(run.stderr).toContain('does not match its content');
      expect(await repo.read(`models/churn/${name}`)).toBe('local edit');
    }
  });
});

/**
 * How checkout and add write files for each cache.type. Links are what users other than root get, so
 * those cases run the built mvr as an unprivileged user; root's cases and the default copy go through the
 * library.
 */
import { lstat, readFile, readlink, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkout, push, remoteAdd } from '../../src/index.js';
import { POOL_THRESHOLD } from '../../src/cache/file-pool.js';
import { expectCached, objectPath, readPointer } from '../helpers/assertions.js';
import { gitRepo } from '../helpers/git-repo.js';
import { cliOk, mvJson } from '../helpers/mv-cli.js';
import { ADD_ARGS, addChurn, initProject } from '../helpers/project.js';
import { giveToNobody, mvAsNobody, mvAsNobodyOk } from '../helpers/unprivileged.js';
import { manifest, oidOf } from '../security/attack.js';
import { tempDir } from '../helpers/git-repo.js';

/** Link modes are what users other than root get; they run as an unprivileged user here. */
async function asNobodyJson<T>(dir: string, args: string[]): Promise<T> {
  return JSON.parse((await mvAsNobodyOk(dir, [...args, '--json'])).stdout) as T;
}

async function useCacheType(dir: string, type: string): Promise<void> {
  await writeFile(join(dir, '.mv/config.local.yaml'), `cache:\n  type: ${type}\n`);
}

describe('checkout writes files as configured', () => {
  it('hardlink: the work-tree file is the read-only cache object', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    await useCacheType(repo.dir, 'hardlink');
    await giveToNobody(repo.dir);
    await mvAsNobodyOk(repo.dir, ADD_ARGS);
    const pointer = await readPointer(repo, 'models/churn/churn.mv.yaml');
    // The file is the read-only cache object: a local edit replaces it rather than writing into it.
    await rm(join(repo.dir, 'models/churn/model.pt'));
    await repo.write('models/churn/model.pt', 'local edit');
    await giveToNobody(repo.dir);
    // A user other than root cannot write into the linked file at all.
    const append = await import('execa').then(({ execa }) => execa('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'sh', '-c', 'echo edit >> models/churn/tokenizer/vocab.json'], { cwd: repo.dir, reject: false }));
    expect(append.exitCode).not.toBe(0);
    await mvAsNobodyOk(repo.dir, ['checkout', 'churn', '--force']);
    const file = await stat(join(repo.dir, 'models/churn/model.pt'));
    const object = await stat(objectPath(join(repo.dir, '.mv/cache'), pointer.files[0].oid));
    expect(file.ino).toBe(object.ino);
    expect(file.mode & 0o222).toBe(0);
    await expectCached(join(repo.dir, '.mv/cache'), pointer.files[0].oid);
  });

  it('symlink: the work-tree file links to the cache object', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    await useCacheType(repo.dir, 'symlink');
    await giveToNobody(repo.dir);
    await mvAsNobodyOk(repo.dir, ADD_ARGS);
    const pointer = await readPointer(repo, 'models/churn/churn.mv.yaml');
    await rm(join(repo.dir, 'models/churn/model.pt'));
    await repo.write('models/churn/model.pt', 'local edit');
    await giveToNobody(repo.dir);
    await mvAsNobodyOk(repo.dir, ['checkout', 'churn', '--force']);
    const path = join(repo.dir, 'models/churn/model.pt');
    expect((await lstat(path)).isSymbolicLink()).toBe(true);
    expect(await readlink(path)).toBe(objectPath(join(repo.dir, '.mv/cache'), pointer.files[0].oid));
    expect((await asNobodyJson<{ clean: boolean }>(repo.dir, ['status'])).clean).toBe(true);
  });

  it('copy (default): independent files with the recorded bytes', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    const original = await readFile(join(repo.dir, 'models/churn/model.pt'));
    await addChurn(repo);
    await repo.write('models/churn/model.pt', 'local edit');
    await checkout({ cwd: repo.dir, ref: 'churn', force: true });
    const path = join(repo.dir, 'models/churn/model.pt');
    expect((await lstat(path)).isSymbolicLink()).toBe(false);
    expect((await stat(path)).mode & 0o200).toBe(0o200);
    expect(await readFile(path)).toEqual(original);
  });
});

/** The worker pool runs the built file-worker.js: this add runs the built mvr. */
describe('large folders', () => {
  it('stores thousands of small files on worker threads with the same result as one by one', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    const parts = Math.ceil(POOL_THRESHOLD / 500);
    const entries: Array<{ path: string; oid: string; size: number }> = [];
    for (let d = 0; d < parts; d++) {
      await mkdir(join(repo.dir, `dataset/part${d}`), { recursive: true });
      for (let f = 0; f < 500; f++) {
        const text = `${d},${f}\n`;
        await writeFile(join(repo.dir, `dataset/part${d}/row-${f}.txt`), text);
        entries.push({ path: `part${d}/row-${f}.txt`, oid: oidOf(text), size: text.length });
      }
    }
    const added = await mvJson<{ files: Array<{ oid: string; nfiles: number }> }>(repo.dir, ['add', 'ds', 'dataset/', '--type', 'dataset']);
    expect(added.files[0]!.nfiles).toBe(parts * 500);
    await expectCached(join(repo.dir, '.mv/cache'), added.files[0]!.oid);
    await expectCached(join(repo.dir, '.mv/cache'), oidOf('3,499\n'));
    // The folder's oid is the one its content gives, one file at a time: any clone gets the same manifest.
    expect(added.files[0]!.oid).toBe(oidOf(manifest(entries)));
  });
});

describe('adding with a linking cache type stores without copying', () => {
  it('hardlink: the added file becomes the read-only cache object; status is clean', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    await useCacheType(repo.dir, 'hardlink');
    await repo.write('models/churn/big.bin', Buffer.alloc(3 * 1024 * 1024, 5));
    await giveToNobody(repo.dir);
    const { files } = await asNobodyJson<{ files: Array<{ oid: string }> }>(repo.dir, ['add', 'churn', 'models/churn/big.bin', 'models/churn/model.pt', '--data', 'data/train']);
    for (const [name, entry] of [['big.bin', files[0]!], ['model.pt', files[1]!]] as const) {
      const file = await stat(join(repo.dir, 'models/churn', name));
      expect(file.ino).toBe((await stat(objectPath(join(repo.dir, '.mv/cache'), entry.oid))).ino);
      expect(file.mode & 0o222).toBe(0);
      await expectCached(join(repo.dir, '.mv/cache'), entry.oid);
    }
    // Data is copied, never linked: it may be shared with other tools.
    expect((await stat(join(repo.dir, 'data/train/part-0.csv'))).mode & 0o200).toBe(0o200);
    expect((await asNobodyJson<{ clean: boolean }>(repo.dir, ['status'])).clean).toBe(true);
  });

  it('symlink: the added file moves into the cache and a link stands in its place', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    await useCacheType(repo.dir, 'symlink');
    const before = await readFile(join(repo.dir, 'models/churn/model.pt'));
    await giveToNobody(repo.dir);
    const { files } = await asNobodyJson<{ files: Array<{ oid: string }> }>(repo.dir, ['add', 'churn', 'models/churn/model.pt', '--data', 'data/train']);
    const path = join(repo.dir, 'models/churn/model.pt');
    expect((await lstat(path)).isSymbolicLink()).toBe(true);
    expect(await readlink(path)).toBe(objectPath(join(repo.dir, '.mv/cache'), files[0]!.oid));
    expect(await readFile(path)).toEqual(before);
    expect((await asNobodyJson<{ clean: boolean }>(repo.dir, ['status'])).clean).toBe(true);
  });
});

describe('linking cache types and root', () => {
  it('root: add copies instead of linking, an edit in place leaves the version intact, and checkout links once a remote holds the objects', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    await useCacheType(repo.dir, 'hardlink');
    const added = await addChurn(repo);
    expect(added.warnings.join('\n')).toContain('mv runs as root');
    const pointer = await readPointer(repo, 'models/churn/churn.mv.yaml');
    const oid = pointer.files[0].oid as string;
    const path = join(repo.dir, 'models/churn/model.pt');
    const object = objectPath(join(repo.dir, '.mv/cache'), oid);
    expect((await stat(path)).ino).not.toBe((await stat(object)).ino);
    // Root writes into the file in place, as `echo edit >> model.pt` would: the cached version is untouched.
    await writeFile(path, 'edit', { flag: 'a' });
    await expectCached(join(repo.dir, '.mv/cache'), oid);
    // Without a remote, checkout copies too, and says why.
    const restored = await cliOk(repo.dir, ['checkout', 'churn', '--force']);
    expect(restored.stderr).toMatch(/copied, not linked: mv runs as root/);
    expect((await stat(path)).ino).not.toBe((await stat(object)).ino);
    // Once a remote holds the objects, a linked file's bytes exist elsewhere too: checkout links.
    const remote = await tempDir('mv-remote-');
    await remoteAdd({ cwd: repo.dir, name: 'shared', url: remote, makeDefault: true });
    await push({ cwd: repo.dir });
    await rm(path);
    const linked = await cliOk(repo.dir, ['checkout', 'churn']);
    expect(linked.stderr).not.toContain('copied, not linked');
    expect((await stat(path)).ino).toBe((await stat(object)).ino);
  });

  it('a damaged cache object is never linked into the work tree, and status does not call it up to date', async () => {
    for (const type of ['hardlink', 'symlink']) {
      const repo = await gitRepo();
      await initProject(repo);
      await useCacheType(repo.dir, type);
      await giveToNobody(repo.dir);
      await mvAsNobodyOk(repo.dir, ADD_ARGS);
      const pointer = await readPointer(repo, 'models/churn/churn.mv.yaml');
      const object = objectPath(join(repo.dir, '.mv/cache'), pointer.files[0].oid);
      expect((await asNobodyJson<{ clean: boolean }>(repo.dir, ['status'])).clean).toBe(true);
      // The object is damaged behind mv's back (root writes into the read-only file the work tree links to).
      await writeFile(object, 'rotten bytes', { flag: 'a' });
      const damaged = await asNobodyJson<{ clean: boolean; artifacts: Array<{ entries: Array<{ path: string; condition: string }> }> }>(repo.dir, ['status']);
      expect(damaged.clean).toBe(false);
      expect(damaged.artifacts[0]!.entries.find((e) => e.path === 'models/churn/model.pt')!.condition).toBe('modified');
      // Checkout will not link the damaged object back into place.
      await rm(join(repo.dir, 'models/churn/model.pt'));
      const run = await mvAsNobody(repo.dir, ['checkout', 'churn']);
      expect(run.exitCode).toBe(1);
      expect(run.stderr).toContain('does not match its content');
      await expect(lstat(join(repo.dir, 'models/churn/model.pt'))).rejects.toThrow();
    }
  });
});

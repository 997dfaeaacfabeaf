import { lstat, readFile, readlink, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectCached, objectPath, readPointer } from '../helpers/assertions.js';
import { gitRepo } from '../helpers/git-repo.js';
import { mvJson, mvOk } from '../helpers/mv-cli.js';
import { ADD_ARGS, initProject } from '../helpers/project.js';

async function useCacheType(dir: string, type: string): Promise<void> {
  await writeFile(join(dir, '.mv/config.local.yaml'), `cache:\n  type: ${type}\n`);
}

describe('checkout writes files as configured', () => {
  it('hardlink: the work-tree file is the read-only cache object', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    await useCacheType(repo.dir, 'hardlink');
    await mvOk(repo.dir, ADD_ARGS);
    const pointer = await readPointer(repo, 'models/churn/churn.mv.yaml');
    // The file is the read-only cache object: a local edit replaces it rather than writing into it.
    await rm(join(repo.dir, 'models/churn/model.pt'));
    await repo.write('models/churn/model.pt', 'local edit');
    await mvOk(repo.dir, ['checkout', 'churn', '--force']);
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
    await mvOk(repo.dir, ADD_ARGS);
    const pointer = await readPointer(repo, 'models/churn/churn.mv.yaml');
    await repo.write('models/churn/model.pt', 'local edit');
    await mvOk(repo.dir, ['checkout', 'churn', '--force']);
    const path = join(repo.dir, 'models/churn/model.pt');
    expect((await lstat(path)).isSymbolicLink()).toBe(true);
    expect(await readlink(path)).toBe(objectPath(join(repo.dir, '.mv/cache'), pointer.files[0].oid));
    expect((await mvJson<{ clean: boolean }>(repo.dir, ['status'])).clean).toBe(true);
  });

  it('copy (default): independent files with the recorded bytes', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    const original = await readFile(join(repo.dir, 'models/churn/model.pt'));
    await mvOk(repo.dir, ADD_ARGS);
    await repo.write('models/churn/model.pt', 'local edit');
    await mvOk(repo.dir, ['checkout', 'churn', '--force']);
    const path = join(repo.dir, 'models/churn/model.pt');
    expect((await lstat(path)).isSymbolicLink()).toBe(false);
    expect((await stat(path)).mode & 0o200).toBe(0o200);
    expect(await readFile(path)).toEqual(original);
  });
});

describe('large folders', () => {
  it('stores thousands of small files on worker threads with the same result as one by one', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    for (let d = 0; d < 5; d++) {
      await mkdir(join(repo.dir, `dataset/part${d}`), { recursive: true });
      for (let f = 0; f < 500; f++) await writeFile(join(repo.dir, `dataset/part${d}/row-${f}.txt`), `${d},${f}\n`);
    }
    const added = await mvJson<{ files: Array<{ oid: string; nfiles: number }> }>(repo.dir, ['add', 'ds', 'dataset/', '--type', 'dataset']);
    expect(added.files[0]!.nfiles).toBe(2500);
    await expectCached(join(repo.dir, '.mv/cache'), added.files[0]!.oid);
    await expectCached(join(repo.dir, '.mv/cache'), `sha256:${(await import('node:crypto')).createHash('sha256').update('3,499\n').digest('hex')}`);
    // A second clone's cache would get identical manifest bytes: the folder's oid only depends on content.
    const { rm } = await import('node:fs/promises');
    await rm(join(repo.dir, '.mv/cache'), { recursive: true });
    await rm(join(repo.dir, '.mv/state'), { recursive: true });
    const again = await mvJson<{ files: Array<{ oid: string }>; created: boolean }>(repo.dir, ['add', 'ds', 'dataset/', '--type', 'dataset']);
    expect(again.created).toBe(false);
    expect(again.files[0]!.oid).toBe(added.files[0]!.oid);
  });
});

describe('adding with a linking cache type stores without copying', () => {
  it('hardlink: the added file becomes the read-only cache object; status is clean', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    await useCacheType(repo.dir, 'hardlink');
    await repo.write('models/churn/big.bin', Buffer.alloc(3 * 1024 * 1024, 5));
    const { files } = await mvJson<{ files: Array<{ oid: string }> }>(repo.dir, ['add', 'churn', 'models/churn/big.bin', 'models/churn/model.pt', '--data', 'data/train']);
    for (const [name, entry] of [['big.bin', files[0]!], ['model.pt', files[1]!]] as const) {
      const file = await stat(join(repo.dir, 'models/churn', name));
      expect(file.ino).toBe((await stat(objectPath(join(repo.dir, '.mv/cache'), entry.oid))).ino);
      expect(file.mode & 0o222).toBe(0);
      await expectCached(join(repo.dir, '.mv/cache'), entry.oid);
    }
    // Data is copied, never linked: it may be shared with other tools.
    expect((await stat(join(repo.dir, 'data/train/part-0.csv'))).mode & 0o200).toBe(0o200);
    expect((await mvJson<{ clean: boolean }>(repo.dir, ['status'])).clean).toBe(true);
  });

  it('symlink: the added file moves into the cache and a link stands in its place', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    await useCacheType(repo.dir, 'symlink');
    const before = await readFile(join(repo.dir, 'models/churn/model.pt'));
    const { files } = await mvJson<{ files: Array<{ oid: string }> }>(repo.dir, ['add', 'churn', 'models/churn/model.pt', '--data', 'data/train']);
    const path = join(repo.dir, 'models/churn/model.pt');
    expect((await lstat(path)).isSymbolicLink()).toBe(true);
    expect(await readlink(path)).toBe(objectPath(join(repo.dir, '.mv/cache'), files[0]!.oid));
    expect(await readFile(path)).toEqual(before);
    expect((await mvJson<{ clean: boolean }>(repo.dir, ['status'])).clean).toBe(true);
  });
});

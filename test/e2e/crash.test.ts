import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { gitRepo } from '../helpers/git-repo.js';
import { MV_BIN, mv, mvJson, mvOk } from '../helpers/mv-cli.js';
import { initProject } from '../helpers/project.js';

/** Every object in the cache hashes to its name; returns how many there are. */
async function checkCacheIntegrity(cacheDir: string): Promise<number> {
  let count = 0;
  for (const fanout of await readdir(join(cacheDir, 'objects')).catch(() => [])) {
    for (const rest of await readdir(join(cacheDir, 'objects', fanout))) {
      const bytes = await readFile(join(cacheDir, 'objects', fanout, rest));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(fanout + rest);
      count++;
    }
  }
  return count;
}

describe('killed at any moment', () => {
  it('SIGKILL during add and checkout never leaves a corrupt object, pointer or file; the next run cleans up', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    for (let i = 0; i < 6; i++) await writeFile(join(repo.dir, `models/churn/shard-${i}.bin`), Buffer.alloc(3 * 1024 * 1024, i + 1));
    const cache = join(repo.dir, '.mv/cache');
    // Kill add at increasing delays: before, during and after hashing and committing.
    for (const delay of [60, 200, 400, 700]) {
      const child = execa(MV_BIN, ['add', 'churn', 'models/churn/', '--data', 'data/train'], { cwd: repo.dir, reject: false });
      await new Promise((r) => setTimeout(r, delay));
      child.kill('SIGKILL');
      await child;
      await checkCacheIntegrity(cache);
      const tags = (await repo.git('tag', '-l')).split('\n').filter(Boolean);
      const pointerExists = await stat(join(repo.dir, 'models/churn.mv.yaml')).then(() => true, () => false);
      if (tags.length) {
        // A tag exists only for a complete version whose pointer is committed.
        expect(await repo.git('cat-file', '-t', `${tags[0]}^{commit}`)).toBe('commit');
        expect(await repo.git('show', `${tags[0]}:models/churn.mv.yaml`)).toContain('name: churn');
      }
      if (pointerExists) expect(await repo.read('models/churn.mv.yaml')).toMatch(/^mv: 1\n[\s\S]*created: .*Z\n$/);
    }
    // Whatever state the kills left, the next add completes and cleans the temp folder.
    await mvOk(repo.dir, ['add', 'churn', 'models/churn/', '--data', 'data/train']);
    expect(await readdir(join(cache, 'tmp'))).toEqual([]);
    expect((await mvJson<{ clean: boolean }>(repo.dir, ['status'])).clean).toBe(true);

    // Kill checkout while it rewrites the folder: each file is old or new, never a mix.
    const before = await readFile(join(repo.dir, 'models/churn/shard-0.bin'));
    for (let i = 0; i < 6; i++) await writeFile(join(repo.dir, `models/churn/shard-${i}.bin`), Buffer.alloc(3 * 1024 * 1024, 100 + i));
    await mvOk(repo.dir, ['add', 'churn', 'models/churn/', '--data', 'data/train']);
    for (const delay of [100, 250, 400]) {
      const child = execa(MV_BIN, ['checkout', 'churn@v0.1.0', '--force'], { cwd: repo.dir, reject: false });
      await new Promise((r) => setTimeout(r, delay));
      child.kill('SIGKILL');
      await child;
      for (let i = 0; i < 6; i++) {
        const bytes = await readFile(join(repo.dir, `models/churn/shard-${i}.bin`));
        expect(bytes.length).toBe(3 * 1024 * 1024);
        expect(new Set([bytes[0], bytes[bytes.length - 1]]).size).toBe(1);
        expect([i + 1, 100 + i]).toContain(bytes[0]);
      }
    }
    await mvOk(repo.dir, ['checkout', 'churn@v0.1.0', '--force']);
    expect(await readFile(join(repo.dir, 'models/churn/shard-0.bin'))).toEqual(before);
    const leftovers = (await readdir(join(repo.dir, 'models/churn'))).filter((n) => n.includes('.mv-tmp-'));
    expect(leftovers).toEqual([]);
    expect(await checkCacheIntegrity(cache)).toBeGreaterThan(6);
  });
});

describe('an add killed after it wrote files', () => {
  it('is rolled back by the next add: files restored, the orphan tag removed', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    await mvOk(repo.dir, ['add', 'churn', 'models/churn/', '--data', 'data/train']);
    const committed = await repo.read('models/churn.mv.yaml');
    const head = await repo.git('rev-parse', 'HEAD');
    // What a kill after the tag was made and before the branch moved leaves behind.
    const orphan = await repo.git('commit-tree', `${head}^{tree}`, '-p', head, '-m', 'orphan');
    await repo.git('tag', '-a', '-m', 'orphan', 'churn@v0.1.1', orphan);
    await repo.write('models/churn.mv.yaml', committed.replace('version: 0.1.0', 'version: 0.1.1'));
    const { spawnSync } = await import('node:child_process');
    const dead = spawnSync('true');
    await repo.write(`.git/mv/edits-${dead.pid}-1.json`, JSON.stringify({
      pid: dead.pid,
      files: [{ repoPath: 'models/churn.mv.yaml', previous: committed }],
      head,
      commit: orphan,
      tag: 'churn@v0.1.1',
    }));
    await repo.write('models/churn/model.pt', 'retrained');
    const run = await mvOk(repo.dir, ['add', 'churn', 'models/churn/', '--data', 'data/train']);
    expect(run.stderr).toContain('an earlier mv add was interrupted; rolled back models/churn.mv.yaml, tag churn@v0.1.1');
    expect(run.stdout.trim()).toBe('churn@v0.1.1');
    expect(await repo.git('rev-parse', 'churn@v0.1.1^{commit}')).toBe(await repo.git('rev-parse', 'HEAD'));
    expect(await readdir(join(repo.dir, '.git/mv'))).not.toContain(`edits-${dead.pid}-1.json`);
  });
});

describe('a checkout that creates a folder', () => {
  /** A dataset of `count` small files under data/big (enough to go through the worker pool); returns their bytes. */
  async function addDataset(repo: Awaited<ReturnType<typeof gitRepo>>, count: number): Promise<Map<string, Buffer>> {
    const files = new Map<string, Buffer>();
    for (let i = 0; i < count; i++) {
      const bytes = Buffer.from(`row ${i} ${'x'.repeat(i % 97)}\n`);
      files.set(`part-${Math.floor(i / 500)}/f${i}.txt`, bytes);
      await repo.write(`data/big/part-${Math.floor(i / 500)}/f${i}.txt`, bytes);
    }
    await mvOk(repo.dir, ['add', 'big', 'data/big/', '--type', 'dataset', '--data', 'data/train', '--pipeline', 'src/preprocess.py']);
    return files;
  }

  const staging = async (dir: string) => (await readdir(dir)).filter((n) => n.includes('.mv-tmp-'));

  /** Every file of the dataset is back with its bytes, and the stat cache knows them: status is clean. */
  async function expectRestored(repoDir: string, folder: string, files: Map<string, Buffer>): Promise<void> {
    for (const [path, bytes] of files) expect(await readFile(join(folder, path))).toEqual(bytes);
    expect((await mvJson<{ clean: boolean }>(repoDir, ['status'])).clean).toBe(true);
  }

  it('builds it aside: killed midway, the folder is absent or whole, and the next checkout removes what was left', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    const files = await addDataset(repo, 2500);
    const folder = join(repo.dir, 'data/big');
    let sawAbsent = false;
    for (const delay of [150, 300, 450, 600]) {
      await execa('rm', ['-rf', folder]);
      const child = execa(MV_BIN, ['checkout', 'big'], { cwd: repo.dir, reject: false });
      await new Promise((r) => setTimeout(r, delay));
      child.kill('SIGKILL');
      await child;
      const present = await stat(folder).then(() => true, () => false);
      if (!present) {
        sawAbsent = true;
        continue;
      }
      // Present means complete: every file, with its bytes.
      for (const [path, bytes] of files) expect(await readFile(join(folder, path))).toEqual(bytes);
    }
    expect(sawAbsent).toBe(true);
    await execa('rm', ['-rf', folder]);
    await mvOk(repo.dir, ['checkout', 'big']);
    expect(await staging(join(repo.dir, 'data'))).toEqual([]);
    await expectRestored(repo.dir, folder, files);
  });

  it('left behind inside a tracked folder by a killed checkout is no part of the artifact, and the next checkout removes it', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    const files = await addDataset(repo, 2100);
    const folder = join(repo.dir, 'data/big');
    // What a checkout killed while it built part-4 aside leaves (the pid is of no running process).
    const leftover = join(folder, '.part-4.mv-tmp-4194303-0badcafe-1');
    await execa('rm', ['-rf', join(folder, 'part-4')]);
    await repo.write('data/big/.part-4.mv-tmp-4194303-0badcafe-1/f2000.txt', 'half-writ');
    const status = await mv(repo.dir, ['status']);
    expect(status.stdout).not.toContain('.mv-tmp-');
    expect(status.stdout).toContain('part-4/f2000.txt');
    await mvOk(repo.dir, ['checkout', 'big']);
    await expect(stat(leftover)).rejects.toThrow();
    expect(await staging(folder)).toEqual([]);
    await expectRestored(repo.dir, folder, files);
  });

  it('that fails (a damaged cache object) leaves neither the folder nor anything half-built', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    const files = await addDataset(repo, 2100);
    const [victim, bytes] = [...files][1234]!;
    const oid = createHash('sha256').update(bytes).digest('hex');
    const object = join(repo.dir, '.mv/cache/objects', oid.slice(0, 2), oid.slice(2));
    await execa('chmod', ['u+w', object]);
    await writeFile(object, 'damaged\n');
    await execa('rm', ['-rf', join(repo.dir, 'data/big')]);
    const result = await execa(MV_BIN, ['checkout', 'big'], { cwd: repo.dir, reject: false });
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain(`sha256:${oid}`);
    expect(victim).toMatch(/^part-2\//);
    expect(await stat(join(repo.dir, 'data/big')).then(() => true, () => false)).toBe(false);
    expect(await staging(join(repo.dir, 'data'))).toEqual([]);
  });
});

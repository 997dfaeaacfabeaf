/**
 * A checkout killed with SIGKILL at each of the steps where it changes the work tree (test/helpers/steps.mjs
 * names them), and what the next command makes of what a killed checkout or add left behind.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { add, checkout, init } from '../../src/index.js';
import { POOL_THRESHOLD } from '../../src/cache/file-pool.js';
import { copyRepo, gitRepo, suiteDir, type TestRepo } from '../helpers/git-repo.js';
import { killAtStep, occurrence, traceSteps } from '../helpers/kill.js';
import { mv, mvJson, mvOk } from '../helpers/mv-cli.js';
import { writeProject } from '../helpers/project.js';
import { expectIntact } from '../helpers/safety.js';

const FOLDER = { name: 'churn', paths: ['models/churn/'], data: ['data/train'] };
const leftovers = async (dir: string) => (await readdir(dir)).filter((n) => n.includes('.mv-tmp-'));

describe('killed at any moment', () => {
  it('SIGKILL during checkout never leaves a file half-written; the next checkout cleans up', async () => {
    // Three files of 1.5 MiB (copied while hashed) and the small ones, in two versions.
    const repo = await gitRepo();
    await writeProject(repo);
    await init({ cwd: repo.dir });
    const shard = (i: number, fill: number) => writeFile(join(repo.dir, `models/churn/shard-${i}.bin`), Buffer.alloc(1536 * 1024, fill));
    for (let i = 0; i < 3; i++) await shard(i, i + 1);
    await add({ cwd: repo.dir, ...FOLDER });
    const names = (await readdir(join(repo.dir, 'models/churn'))).filter((n) => n !== 'tokenizer');
    const hashOf = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
    const read = async (dir: string) => new Map(await Promise.all(names.map(async (n) => [n, hashOf(await readFile(join(dir, 'models/churn', n)))] as const)));
    const v1 = await read(repo.dir);
    for (let i = 0; i < 3; i++) await shard(i, 100 + i);
    await writeFile(join(repo.dir, 'models/churn/model.pt'), randomBytes(4096));
    await add({ cwd: repo.dir, ...FOLDER });
    const v2 = await read(repo.dir);

    const args = ['checkout', 'churn@v0.1.0', '--force'];
    const steps = await traceSteps((await copyRepo(repo.dir)).dir, args);
    // Every rename and removal in the work tree: files put in place, the old ones removed.
    // The new files are all written beside their places, then renamed over the old ones, which are removed
    // last: killed before the first rename, before the last, and before the first removal.
    const renames = steps.flatMap((s, i) => (s.startsWith('rename models/churn/') ? [i] : []));
    const points = [renames[0]!, renames.at(-1)!, steps.findIndex((s) => s.startsWith('rm models/churn/'))];
    expect(renames).toHaveLength(4);
    for (const point of points) {
      const copy = await copyRepo(repo.dir);
      await killAtStep(copy.dir, args, occurrence(steps, point));
      // Each file is the old one or the new one, never a mix.
      for (const [name, hash] of await read(copy.dir)) expect([v1.get(name), v2.get(name)], name).toContain(hash);
      await expectIntact(join(copy.dir, '.mv/cache'));
      await checkout({ cwd: copy.dir, ref: 'churn@v0.1.0', force: true });
      expect(await read(copy.dir)).toEqual(v1);
      expect(await leftovers(join(copy.dir, 'models/churn'))).toEqual([]);
    }
  });
});

describe('an add killed after it wrote files', () => {
  it('is rolled back by the next add: files restored, the orphan tag removed', async () => {
    const repo = await gitRepo();
    await writeProject(repo);
    await init({ cwd: repo.dir });
    await add({ cwd: repo.dir, ...FOLDER });
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
    const next = await add({ cwd: repo.dir, ...FOLDER });
    expect(next.warnings).toContain('an earlier `mvr add` was interrupted; rolled back models/churn.mv.yaml, tag churn@v0.1.1.');
    expect(next.id).toBe('churn@v0.1.1');
    expect(await repo.git('rev-parse', 'churn@v0.1.1^{commit}')).toBe(await repo.git('rev-parse', 'HEAD'));
    expect(await readdir(join(repo.dir, '.git/mv'))).not.toContain(`edits-${dead.pid}-1.json`);
  });
});

/**
 * The worker pool runs the built file-worker.js, so the commands that hash or write this many files run
 * the built mvr.
 */
describe('a checkout that creates a folder', () => {
  /** A dataset of enough small files to be written by the worker pool, added as `big`; built once per file. */
  let template: TestRepo;
  const files = new Map<string, Buffer>();
  const count = POOL_THRESHOLD + 100;

  beforeAll(async () => {
    template = await gitRepo({ dir: join(await suiteDir('mv-big-'), 'project') });
    await writeProject(template);
    await init({ cwd: template.dir });
    for (let i = 0; i < count; i++) {
      const bytes = Buffer.from(`row ${i} ${'x'.repeat(i % 97)}\n`);
      files.set(`part-${Math.floor(i / 500)}/f${i}.txt`, bytes);
    }
    for (const [path, bytes] of files) await template.write(`data/big/${path}`, bytes);
    await mvOk(template.dir, ['add', 'big', 'data/big/', '--type', 'dataset', '--data', 'data/train', '--pipeline', 'src/preprocess.py']);
  });

  /** The paths of the dataset whose file is missing or has other bytes. */
  async function differing(repo: TestRepo): Promise<string[]> {
    const found: string[] = [];
    for (const [path, bytes] of files) if (!(await readFile(join(repo.dir, 'data/big', path)).catch(() => undefined))?.equals(bytes)) found.push(path);
    return found;
  }

  /** Every file of the dataset is back with its bytes, and the stat cache knows them: status is clean. */
  async function expectRestored(repo: TestRepo): Promise<void> {
    expect(await differing(repo)).toEqual([]);
    expect((await mvJson<{ clean: boolean }>(repo.dir, ['status'])).clean).toBe(true);
  }

  it('builds it aside: killed midway, the folder is absent or whole, and the next checkout removes what was left', async () => {
    const source = await copyRepo(template.dir);
    await rm(join(source.dir, 'data/big'), { recursive: true });
    const steps = await traceSteps((await copyRepo(source.dir)).dir, ['checkout', 'big']);
    // The folder takes its name in one rename, once every file is in it.
    const into = steps.indexOf('rename data/big');
    expect(into).toBeGreaterThan(0);
    for (const [point, present] of [[into, false], [into + 1, true]] as const) {
      const repo = await copyRepo(source.dir);
      await killAtStep(repo.dir, ['checkout', 'big'], occurrence(steps, point));
      expect(await stat(join(repo.dir, 'data/big')).then(() => true, () => false)).toBe(present);
      if (present) expect(await differing(repo)).toEqual([]);
      else expect(await leftovers(join(repo.dir, 'data'))).toHaveLength(1);
      await mvOk(repo.dir, ['checkout', 'big']);
      expect(await leftovers(join(repo.dir, 'data'))).toEqual([]);
      await expectRestored(repo);
    }
  });

  it('left behind inside a tracked folder by a killed checkout is no part of the artifact, and the next checkout removes it', async () => {
    const repo = await copyRepo(template.dir);
    const folder = join(repo.dir, 'data/big');
    // What a checkout killed while it built part-4 aside leaves (the pid is of no running process).
    const leftover = join(folder, '.part-4.mv-tmp-4194303-0badcafe-1');
    await execa('rm', ['-rf', join(folder, 'part-4')]);
    await repo.write('data/big/.part-4.mv-tmp-4194303-0badcafe-1/f2000.txt', 'half-writ');
    const found = await mv(repo.dir, ['status']);
    expect(found.stdout).not.toContain('.mv-tmp-');
    expect(found.stdout).toContain('part-4/f2000.txt');
    await mvOk(repo.dir, ['checkout', 'big']);
    await expect(stat(leftover)).rejects.toThrow();
    expect(await leftovers(folder)).toEqual([]);
    await expectRestored(repo);
  });

  it('that fails (a damaged cache object) leaves neither the folder nor anything half-built', async () => {
    const repo = await copyRepo(template.dir);
    const [victim, bytes] = [...files][1234]!;
    const oid = createHash('sha256').update(bytes).digest('hex');
    const object = join(repo.dir, '.mv/cache/objects', oid.slice(0, 2), oid.slice(2));
    await execa('chmod', ['u+w', object]);
    await writeFile(object, 'damaged\n');
    await execa('rm', ['-rf', join(repo.dir, 'data/big')]);
    const result = await mv(repo.dir, ['checkout', 'big']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(`sha256:${oid}`);
    expect(victim).toMatch(/^part-2\//);
    expect(await stat(join(repo.dir, 'data/big')).then(() => true, () => false)).toBe(false);
    expect(await leftovers(join(repo.dir, 'data'))).toEqual([]);
  });
});

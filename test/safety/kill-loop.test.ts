/**
 * SIGKILL at random moments of gc, push, pull and add, in a loop. After every kill: each object in the
 * cache and the remote hashes to its name, no manifest is left without its files, every registered
 * version still verifies, and the next run finishes the job.
 */
import { randomBytes } from 'node:crypto';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { openRepo, parsePointer, type Oid } from '../../src/index.js';
import { tempDir } from '../helpers/git-repo.js';
import { MV_BIN, mvOk } from '../helpers/mv-cli.js';
import { seeded } from '../helpers/mounts.js';
import { ADD_ARGS } from '../helpers/project.js';
import { POINTER_FILE, cloneThroughOrigin, projectWithVersion, sameBytes } from '../helpers/remote-project.js';
import { expectIntact, oidsIn } from '../helpers/safety.js';

const SEED = Number(process.env.MV_FAULT_SEED ?? 20261127);

async function killAfter(cwd: string, args: string[], ms: number): Promise<void> {
  const child = execa(MV_BIN, args, { cwd, reject: false });
  await new Promise((r) => setTimeout(r, ms));
  child.kill('SIGKILL');
  await child;
}

/** A folder version made unreferenced (tag deleted, branch reset, reflog expired): its manifest and files are garbage. */
async function orphanFolderVersion(dir: string, files: number): Promise<void> {
  const git = (...args: string[]) => execa('git', args, { cwd: dir });
  const head = (await git('rev-parse', 'HEAD')).stdout;
  for (let i = 0; i < files; i++) await writeFile(join(dir, `models/churn/tokenizer/shard-${i}.json`), randomBytes(512));
  await mvOk(dir, ADD_ARGS);
  const tag = (await git('describe', '--tags', '--exact-match', 'HEAD')).stdout;
  await git('tag', '-d', tag);
  await git('reset', '-q', '--hard', head);
  await git('reflog', 'expire', '--expire=now', '--all');
  for (let i = 0; i < files; i++) await execa('rm', ['-f', join(dir, `models/churn/tokenizer/shard-${i}.json`)]);
}

describe(`killed at random moments (seed ${SEED}; set MV_FAULT_SEED to replay)`, () => {
  it('gc: never a manifest without its files, never a lost version', async () => {
    const random = seeded(SEED);
    const repo = await projectWithVersion();
    const cache = join(repo.dir, '.mv/cache');
    const { cache: store } = await openRepo(repo.dir);
    for (let round = 0; round < 5; round++) {
      await orphanFolderVersion(repo.dir, 40);
      for (let i = 0; i < 150; i++) await store.putBuffer(randomBytes(256));
      await killAfter(repo.dir, ['gc', '--grace', '0'], 150 + Math.floor(random() * 700));
      await expectIntact(cache);
      await mvOk(repo.dir, ['verify', 'churn@v0.1.0']);
    }
    const final = await mvOk(repo.dir, ['gc', '--grace', '0', '--json']);
    expect(JSON.parse(final.stdout).kept.young).toBe(0);
    await expectIntact(cache);
    expect((await mvOk(repo.dir, ['gc', '--grace', '0', '--dry-run', '--json'])).stdout).toContain('"deleted": 0');
    await mvOk(repo.dir, ['checkout', 'churn@v0.1.0', '--force']);
  });

  it('push and pull: the remote and the cache only ever hold verified objects; the next run completes', async () => {
    const random = seeded(SEED + 1);
    const remote = await tempDir('mv-remote-');
    const repo = await projectWithVersion({ weightsBytes: 24 * 1024 * 1024, remoteArgs: ['origin', remote, '--default'] });
    for (let round = 0; round < 4; round++) {
      await killAfter(repo.dir, ['push', '-j', '2'], 200 + Math.floor(random() * 600));
      await expectIntact(remote);
    }
    await mvOk(repo.dir, ['push']);
    await mvOk(repo.dir, ['verify', 'churn@v0.1.0', '-r', 'origin', '--rehash-remote']);

    const clone = await cloneThroughOrigin(repo);
    for (let round = 0; round < 4; round++) {
      await killAfter(clone.dir, ['pull', 'churn@v0.1.0', '-j', '2'], 200 + Math.floor(random() * 600));
      await expectIntact(join(clone.dir, '.mv/cache'));
    }
    await mvOk(clone.dir, ['pull', 'churn@v0.1.0', '--force']);
    expect(await sameBytes(join(repo.dir, 'models/churn/model.pt'), join(clone.dir, 'models/churn/model.pt'))).toBe(true);
    await mvOk(clone.dir, ['verify', 'churn@v0.1.0']);
  });

  it('add: a killed add leaves a valid cache and either a whole version or none', async () => {
    const random = seeded(SEED + 2);
    const repo = await projectWithVersion();
    const cache = join(repo.dir, '.mv/cache');
    const { cache: store } = await openRepo(repo.dir);
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 4; i++) await writeFile(join(repo.dir, `models/churn/tokenizer/part-${i}.bin`), randomBytes(2 * 1024 * 1024));
      await killAfter(repo.dir, ADD_ARGS, 100 + Math.floor(random() * 900));
      await expectIntact(cache);
      // Killed between writing the pointer and committing it: the pointer is whole (old or new, never a
      // mix) and names only cached objects; the next mv add rolls the interrupted one back by itself.
      if ((await repo.git('status', '--porcelain', '--', POINTER_FILE)) !== '') {
        const pointer = parsePointer(await repo.read(POINTER_FILE), POINTER_FILE);
        for (const oid of await oidsIn(repo, POINTER_FILE)) expect(await store.has(oid as Oid)).toBe(true);
        expect(pointer.name).toBe('churn');
      }
      // Every version tag is on the branch: a tag made for a commit that never landed was rolled back.
      await mvOk(repo.dir, ADD_ARGS);
      for (const tag of (await repo.git('tag', '-l', 'churn@v*')).split('\n').filter(Boolean)) {
        await repo.git('merge-base', '--is-ancestor', `${tag}^{commit}`, 'HEAD');
      }
      expect(await repo.git('status', '--porcelain', '--', POINTER_FILE)).toBe('');
      const verified = await execa(MV_BIN, ['verify'], { cwd: repo.dir, reject: false });
      expect(verified.exitCode, verified.stdout + verified.stderr).toBe(0);
    }
    await mvOk(repo.dir, ADD_ARGS);
    await mvOk(repo.dir, ['gc', '--grace', '0']);
    await mvOk(repo.dir, ['verify']);
    expect((await readdir(join(cache, 'tmp'))).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
});

/**
 * gc, repack, purge and verify on a remote holding chunks: no kept recipe ever loses a chunk, garbage
 * goes after the grace period, a purge leaves none of the purged version's own bytes behind.
 */
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gc, pull, purge, push, verify } from '../../src/index.js';
import { pseudoRandom } from '../chunk/fixtures.js';
import { DAY } from '../helpers/safety.js';
import { cloneThroughOrigin, sameBytes } from '../helpers/remote-project.js';
import { MODEL, MiB, addModel, chunkedProject, filesUnder, modelBytes, modelOid } from '../helpers/chunked-project.js';
import type { TestRepo } from '../helpers/git-repo.js';

/** Whether any file under the remote holds the first 64 KiB of a tensor's bytes. */
async function remoteHolds(remote: string, tensor: Buffer): Promise<boolean> {
  const probe = tensor.subarray(0, 64 * 1024);
  for (const file of [...(await filesUnder(remote, 'objects')).map((f) => join('objects', f)), ...(await filesUnder(remote, 'chunks')).map((f) => join('chunks', f))]) {
    if ((await readFile(join(remote, file))).includes(probe)) return true;
  }
  return false;
}

async function expectVerified(repo: TestRepo, refs: string[]): Promise<void> {
  const result = await verify({ cwd: repo.dir, refs, remote: 'origin', rehashRemote: true });
  expect(result.problems).toEqual([]);
  expect(result.ok).toBe(true);
}

describe('gc and repack on a remote holding chunks', () => {
  it('never drop a chunk a kept recipe needs; garbage goes after the grace period; mostly-garbage packs are repacked first', async () => {
    const { repo, remote } = await chunkedProject();
    await push({ cwd: repo.dir });
    // v0.3.0 on a side branch changes four tensors; v0.4.0 on main keeps one of them.
    await repo.git('checkout', '-q', '-b', 'side');
    await addModel(repo, '0.3.0', modelBytes('v0.3.0', [3, 4, 5, 6]));
    await push({ cwd: repo.dir });
    const packsOfSide = await filesUnder(remote, 'chunks/packs');
    expect(packsOfSide).toHaveLength(1);
    await repo.git('checkout', '-q', 'main');
    await addModel(repo, '0.4.0', modelBytes('v0.3.0', [3]));
    const fourth = await push({ cwd: repo.dir });
    expect(fourth.newBytes).toBeLessThan(64 * 1024);
    // The side branch goes: v0.3.0's recipe and most of its pack become garbage.
    await repo.git('tag', '-d', 'churn@v0.3.0');
    await repo.git('branch', '-D', 'side');
    await repo.git('reflog', 'expire', '--expire=now', '--all');

    // Within the grace period nothing goes.
    const young = await gc({ cwd: repo.dir, remote: 'origin', force: true });
    expect(young.chunks).toMatchObject({ deletedRecipes: 0, deletedPacks: 0, repacked: 0 });

    // A week later: v0.3.0's recipe goes, and its pack, 1/4 still used by v0.4.0, is repacked and retired.
    const now = () => Date.now() + 8 * DAY;
    const dry = await gc({ cwd: repo.dir, remote: 'origin', force: true, dryRun: true, now });
    expect(dry.chunks).toMatchObject({ deletedRecipes: 1, deletedPacks: 0, repacked: 1 });
    expect(await filesUnder(remote, 'chunks/packs')).toEqual(packsOfSide);
    const first = await gc({ cwd: repo.dir, remote: 'origin', force: true, now });
    expect(first.chunks).toMatchObject({ deletedRecipes: 1, deletedPacks: 0, repacked: 1 });
    expect(first.chunks!.repackedBytes).toBeGreaterThan(MiB);
    expect(first.chunks!.repackedBytes).toBeLessThan(MiB + 64 * 1024);
    const packs = await filesUnder(remote, 'chunks/packs');
    expect(packs).toHaveLength(2);
    expect(await filesUnder(remote, 'chunks/retired')).toEqual(packsOfSide);
    await expectVerified(repo, ['churn@v0.1.0', 'churn@v0.4.0']);
    // The retired pack stays until its retirement is older than the grace period (the rule itself is
    // tested on the plan, in chunk-gc-plan.test.ts, with the ages that a real clock cannot produce here).
    const again = await gc({ cwd: repo.dir, remote: 'origin', force: true, now: () => Date.now() + 3 * DAY });
    expect(again.chunks).toMatchObject({ deletedPacks: 0, deletedRecipes: 0 });
    const last = await gc({ cwd: repo.dir, remote: 'origin', force: true, now: () => Date.now() + 16 * DAY });
    expect(last.chunks).toMatchObject({ deletedPacks: 1, deletedRecipes: 0 });
    expect(await filesUnder(remote, 'chunks/packs')).toEqual(packs.filter((p) => !packsOfSide.includes(p)));
    expect(await filesUnder(remote, 'chunks/retired')).toEqual([]);
    expect(await remoteHolds(remote, pseudoRandom(MiB, 'tensor 5 v0.3.0'))).toBe(false);

    await expectVerified(repo, ['churn@v0.1.0', 'churn@v0.4.0']);
    const clone = await cloneThroughOrigin(repo);
    await pull({ cwd: clone.dir, refs: ['churn@v0.4.0'] });
    expect(await sameBytes(join(repo.dir, MODEL), join(clone.dir, MODEL))).toBe(true);
  });
});

describe('purge on a remote holding chunks', () => {
  it('removes the version\'s own chunks, moves those other versions share to new packs first, and removes a whole object other versions read from', async () => {
    const { repo, remote } = await chunkedProject();
    await push({ cwd: repo.dir });
    await addModel(repo, '0.2.0', modelBytes('v0.2.0', [3, 4, 5]));
    await push({ cwd: repo.dir });
    await addModel(repo, '0.3.0', modelBytes('v0.2.0', [3]));
    await push({ cwd: repo.dir });

    const purged = await purge({ cwd: repo.dir, ref: 'churn@v0.2.0', force: true, message: 'leaked data', remote: 'origin' });
    expect(purged.removed.chunks).toMatchObject({ recipes: 1, packs: 1, repacked: 1 });
    expect(await remoteHolds(remote, pseudoRandom(MiB, 'tensor 4 v0.2.0'))).toBe(false);
    expect(await remoteHolds(remote, pseudoRandom(MiB, 'tensor 3 v0.2.0'))).toBe(true);
    await expectVerified(repo, ['churn@v0.1.0', 'churn@v0.3.0']);

    // v0.1.0 was pushed whole, and v0.3.0 reads 15 of its tensors from that object: they move to packs first.
    const first = await purge({ cwd: repo.dir, ref: 'churn@v0.1.0', force: true, remote: 'origin' });
    expect(first.removed.chunks).toMatchObject({ recipes: 1, repacked: 1 });
    expect(await filesUnder(remote, 'objects')).toEqual([]);
    expect(await remoteHolds(remote, pseudoRandom(MiB, 'tensor 3 v1'))).toBe(false);
    await expectVerified(repo, ['churn@v0.3.0']);
    const clone = await cloneThroughOrigin(repo);
    await pull({ cwd: clone.dir, refs: ['churn@v0.3.0'] });
    expect(await sameBytes(join(repo.dir, MODEL), join(clone.dir, MODEL))).toBe(true);
    await expect(pull({ cwd: clone.dir, refs: ['churn@v0.2.0'] })).rejects.toMatchObject({ code: 'VERSION_PURGED' });
  });
});

describe('verify -r on a remote holding chunks', () => {
  it('finds a damaged chunk and a damaged recipe; push --recheck writes a damaged recipe again', async () => {
    const { repo, remote } = await chunkedProject();
    await push({ cwd: repo.dir });
    await addModel(repo, '0.2.0', modelBytes('v0.2.0', [6]));
    await push({ cwd: repo.dir });
    const v2 = await modelOid(repo);
    await expectVerified(repo, ['churn@v0.2.0']);

    const [pack] = await filesUnder(remote, 'chunks/packs');
    const packPath = join(remote, 'chunks/packs', pack!);
    const original = await readFile(packPath);
    await chmod(packPath, 0o644);
    const damaged = Buffer.from(original);
    damaged[500]! ^= 1;
    await writeFile(packPath, damaged);
    const found = await verify({ cwd: repo.dir, refs: ['churn@v0.2.0'], remote: 'origin', rehashRemote: true });
    expect(found.ok).toBe(false);
    expect(found.remote!.corrupt).toMatchObject([{ oid: v2, reason: expect.stringMatching(/chunk .* has the wrong content/) }]);
    expect(found.versions).toEqual([{ id: 'churn@v0.2.0', status: 'corrupt' }]);
    await writeFile(packPath, original);

    const recipePath = join(remote, 'chunks/recipes', v2.slice(7, 9), v2.slice(9));
    await chmod(recipePath, 0o644);
    const recipe = await readFile(recipePath);
    recipe[100]! ^= 1;
    await writeFile(recipePath, recipe);
    const broken = await verify({ cwd: repo.dir, refs: ['churn@v0.2.0'], remote: 'origin', rehashRemote: true });
    expect(broken.remote!.corrupt).toMatchObject([{ oid: v2, reason: expect.stringMatching(/recipe is damaged/) }]);
    const repaired = await push({ cwd: repo.dir, refs: ['churn@v0.2.0'], recheck: true });
    expect(repaired.notes.join('\n')).toMatch(/is damaged; it is replaced/);
    await expectVerified(repo, ['churn@v0.1.0', 'churn@v0.2.0']);
  });
});

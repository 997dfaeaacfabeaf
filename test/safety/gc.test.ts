import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { archive, checkout, deprecate, gc, planGc, verify, type Oid } from '../../src/index.js';
import { expectCached, expectNotCached } from '../helpers/assertions.js';
import { tempDir } from '../helpers/git-repo.js';
import { MV_BIN, cli, cliJson, cliOk } from '../helpers/mv-cli.js';
import { ADD_ARGS, addChurn } from '../helpers/project.js';
import { registryClock } from '../helpers/registry.js';
import { POINTER_FILE, cloneThroughOrigin, projectWithVersion } from '../helpers/remote-project.js';
import { DAY, expectIntact, garbage, later, oidsIn, storedOids, leaveHistory } from '../helpers/safety.js';

const cacheOf = (dir: string) => join(dir, '.mv/cache');

async function newWeights(dir: string): Promise<void> {
  await writeFile(join(dir, 'models/churn/model.pt'), randomBytes(4096));
}

describe('mv gc on the local cache', () => {
  it('removes only true garbage, keeps every object of every version, and --dry-run removes nothing', async () => {
    const repo = await projectWithVersion();
    const v1 = await oidsIn(repo, POINTER_FILE);
    const junk = await garbage(repo);
    const before = await storedOids(cacheOf(repo.dir));

    const dry = await gc({ cwd: repo.dir, dryRun: true, now: later });
    expect(dry).toMatchObject({ dryRun: true, deleted: 1, planned: [{ oid: junk, manifest: false }] });
    expect(await storedOids(cacheOf(repo.dir))).toEqual(before);

    const done = await gc({ cwd: repo.dir, now: later });
    expect(done).toMatchObject({ deleted: 1, freed: 2048, kept: { referenced: before.length - 1 } });
    await expectNotCached(cacheOf(repo.dir), junk);
    for (const oid of v1) await expectCached(cacheOf(repo.dir), oid);
    await expectIntact(cacheOf(repo.dir));
    // The version still checks out from the cache.
    await checkout({ cwd: repo.dir, ref: 'churn@v0.1.0', force: true });
  });

  it('keeps objects younger than the grace period, so it never races an add in another terminal', async () => {
    const repo = await projectWithVersion();
    const junk = await garbage(repo);
    expect((await gc({ cwd: repo.dir })).kept.young).toBe(1);
    await expectCached(cacheOf(repo.dir), junk);
    expect((await gc({ cwd: repo.dir, grace: '1h', now: () => Date.now() + 2 * 3600_000 })).deleted).toBe(1);
    await expectNotCached(cacheOf(repo.dir), junk);
  });

  it('keeps archived and deregistered versions that no branch references any more, through their tags', async () => {
    const repo = await projectWithVersion();
    const v1 = await oidsIn(repo, POINTER_FILE);
    await newWeights(repo.dir);
    await addChurn(repo);
    const v2 = await oidsIn(repo, POINTER_FILE);
    const at = registryClock('2026-11-01T10:00:00Z');
    await at(() => archive({ cwd: repo.dir, ref: 'churn@v0.1.0' }));
    await at(() => deprecate({ cwd: repo.dir, ref: 'churn@v0.1.1' }));
    // No branch, no reflog: only the tags point at the versions now.
    await leaveHistory(repo);
    const junk = await garbage(repo);
    const result = await gc({ cwd: repo.dir, now: later });
    expect(result.planned.map((p) => p.oid)).toEqual([junk]);
    for (const oid of [...v1, ...v2]) await expectCached(cacheOf(repo.dir), oid);
  });

  it('keeps what stashes, unpushed branches, reflog entries and uncommitted pointers reference', async () => {
    const repo = await projectWithVersion();
    const first = await repo.git('rev-parse', 'HEAD');
    // v0.1.1, then its tag deleted and main reset: only the reflog knows it.
    await newWeights(repo.dir);
    await addChurn(repo);
    const inReflog = (await oidsIn(repo, POINTER_FILE))[0]!;
    await repo.git('tag', '-d', 'churn@v0.1.1');
    await repo.git('reset', '-q', '--hard', first);
    // v0.2.0 on a side branch whose tag is deleted: an unpushed commit.
    await repo.git('checkout', '-q', '-b', 'experiment');
    await newWeights(repo.dir);
    await addChurn(repo, { version: '0.2.0' });
    const onBranch = (await oidsIn(repo, POINTER_FILE))[0]!;
    await repo.git('tag', '-d', 'churn@v0.2.0');
    await repo.git('checkout', '-q', 'main');
    // A pointer edited by hand and stashed.
    const stashed = await garbage(repo, randomBytes(3000));
    const pointer = await repo.read(POINTER_FILE);
    const original = (await oidsIn(repo, POINTER_FILE))[0]!;
    await repo.write(POINTER_FILE, pointer.replace(original, stashed).replace(/size: 65536/, 'size: 3000'));
    await repo.git('stash', '-q');
    // A new pointer not committed at all.
    const uncommitted = await garbage(repo, randomBytes(1000));
    await repo.write('other/extra.mv.yaml', pointer.replace(/name: churn/, 'name: extra').replace(original, uncommitted).replace(/size: 65536/, 'size: 1000'));
    const junk = await garbage(repo);

    const result = await gc({ cwd: repo.dir, now: later });
    expect(result.planned.map((p) => p.oid)).toEqual([junk]);
    for (const oid of [inReflog, onBranch, stashed, uncommitted]) await expectCached(cacheOf(repo.dir), oid);

    // Once the reflog expires, the commit it alone remembered is garbage too.
    await repo.git('reflog', 'expire', '--expire=now', '--all');
    expect((await gc({ cwd: repo.dir, now: later })).planned.map((p) => p.oid)).toEqual([inReflog]);
  });

  it('names the versions whose folders it cannot expand (never fetched into this clone)', async () => {
    const repo = await projectWithVersion();
    const clone = await cloneThroughOrigin(repo);
    const result = await gc({ cwd: clone.dir, grace: '0s' });
    expect(result.notes).toContainEqual(expect.stringContaining('2 folder(s) of kept versions have no manifest here (churn@v0.1.0 models/churn/tokenizer/, churn@v0.1.0 data/train/)'));
  });

  it('refuses a cache outside the repository unless --force, through the CLI', async () => {
    const repo = await projectWithVersion();
    const shared = await tempDir('mv-shared-cache-');
    await repo.write('.mv/config.local.yaml', `cache:\n  dir: ${shared}\n`);
    await newWeights(repo.dir);
    await addChurn(repo);
    const refused = await cli(repo.dir, ['gc']);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain(`The cache ${shared} is outside the repository`);
    expect(refused.stderr).not.toMatch(/\n\s+at /);
    const forced = await cliJson<{ target: string; location: string; deleted: number }>(repo.dir, ['gc', '--force', '--grace', '0']);
    expect(forced).toMatchObject({ target: 'cache', location: shared, deleted: 0 });
  });

  it('prints what it would free and what it freed', async () => {
    const repo = await projectWithVersion();
    await garbage(repo, randomBytes(5000));
    const dry = await cliOk(repo.dir, ['gc', '--dry-run', '--grace', '0']);
    expect(dry.stdout).toMatch(/^Would remove 1 objects \(4\.9 KiB\) from the cache/);
    const real = await cliOk(repo.dir, ['gc', '--grace', '0']);
    expect(real.stdout).toMatch(/^Removed 1 objects \(4\.9 KiB\)/);
    expect((await cli(repo.dir, ['gc', '--grace', 'soon'])).stderr).toContain('--grace "soon" is not a duration');
  });
});

describe('the gc plan', () => {
  const oid = (n: number): Oid => `sha256:${n.toString(16).padStart(64, '0')}`;
  const now = 10 * DAY;
  it('deletes manifests before anything else, and keeps the files of a manifest kept for its age', () => {
    const objects = [
      { oid: oid(1), size: 10, modifiedMs: 0 },
      { oid: oid(2), size: 20, modifiedMs: 0 },
      { oid: oid(3), size: 30, modifiedMs: 0 },
      { oid: oid(4), size: 40, modifiedMs: now - 1000 },
      { oid: oid(5), size: 50, modifiedMs: 0 },
      { oid: oid(6), size: 60, modifiedMs: 0 },
    ];
    const plan = planGc({
      objects,
      referenced: new Set([oid(6)]),
      manifests: new Map([[oid(3), [oid(1)]], [oid(4), [oid(5)]]]),
      nowMs: now,
      graceMs: DAY,
    });
    expect(plan.delete.map((d) => [d.oid, d.manifest])).toEqual([[oid(3), true], [oid(1), false], [oid(2), false]]);
    expect(plan).toMatchObject({ bytes: 60, kept: { referenced: 1, young: 1, listedByYoung: 1 }, total: { objects: 6, bytes: 210 } });
  });
});

describe('gc racing add', () => {
  it('with the default grace period an add running alongside gc always succeeds; with none it fails cleanly and a retry succeeds', async () => {
    const repo = await projectWithVersion();
    for (const grace of ['24h', '0']) {
      for (let round = 0; round < 2; round++) {
        for (let i = 0; i < 3; i++) await writeFile(join(repo.dir, `models/churn/tokenizer/part-${i}.bin`), randomBytes(1024 * 1024));
        const [added, collected] = await Promise.all([
          execa(MV_BIN, ADD_ARGS, { cwd: repo.dir, reject: false }),
          execa(MV_BIN, ['gc', '--grace', grace], { cwd: repo.dir, reject: false }),
        ]);
        expect(collected.exitCode, collected.stderr).toBe(0);
        if (grace === '24h') expect(added.exitCode, added.stderr).toBe(0);
        else if (added.exitCode !== 0) {
          expect(added.stderr).toContain('left the cache while it was being added');
          await addChurn(repo);
        }
        expect((await verify({ cwd: repo.dir })).ok).toBe(true);
        await expectIntact(cacheOf(repo.dir));
      }
    }
  });
});

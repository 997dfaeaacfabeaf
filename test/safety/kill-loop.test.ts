/**
 * SIGKILL at the steps of gc, push, pull and add where a crash could leave something half-done: before
 * each git command that writes, each rename into place and each removal (test/helpers/steps.mjs names
 * them, so a kill lands exactly there however loaded the machine is). After every kill: each object in
 * the cache and the remote hashes to its name, no manifest is left without its files, every registered
 * version still verifies, and the next run finishes the job.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { add, checkout, gc, init, openRepo, parsePointer, pull, push, remoteAdd, status, verify, type Oid } from '../../src/index.js';
import { objectPath } from '../helpers/assertions.js';
import { copyRepo, gitRepo, tempDir, type TestRepo } from '../helpers/git-repo.js';
import { killAtStep, occurrence, traceSteps } from '../helpers/kill.js';
import { ADD_ARGS, ADD_OPTIONS, addChurn, writeProject } from '../helpers/project.js';
import { POINTER_FILE, cloneThroughOrigin, projectWithVersion, sameBytes } from '../helpers/remote-project.js';
import { expectIntact, oidsIn } from '../helpers/safety.js';

const oidOf = (bytes: Uint8Array): Oid => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const objectStep = (root: string, oid: string) => `rename ${objectPath(root, oid)}`;

/** A folder version made unreferenced (tag deleted, branch reset, reflog expired): its manifest and files are garbage. */
async function orphanFolderVersion(repo: TestRepo, files: number): Promise<void> {
  const head = await repo.git('rev-parse', 'HEAD');
  for (let i = 0; i < files; i++) await writeFile(join(repo.dir, `models/churn/tokenizer/shard-${i}.json`), randomBytes(512));
  const added = await addChurn(repo);
  await repo.git('tag', '-d', added.tag);
  await repo.git('reset', '-q', '--hard', head);
  await repo.git('reflog', 'expire', '--expire=now', '--all');
  for (let i = 0; i < files; i++) await rm(join(repo.dir, `models/churn/tokenizer/shard-${i}.json`));
}

describe('killed at the steps that change something', () => {
  it('gc: never a manifest without its files, never a lost version', async () => {
    const repo = await projectWithVersion();
    await orphanFolderVersion(repo, 12);
    const { cache: store } = await openRepo(repo.dir);
    for (let i = 0; i < 10; i++) await store.putBuffer(randomBytes(256));
    const cache = join(repo.dir, '.mv/cache');
    const steps = await traceSteps((await copyRepo(repo.dir)).dir, ['gc', '--grace', '0']);
    const deletions = steps.flatMap((s, i) => (s.startsWith('rm .mv/cache/objects/') ? [i] : []));
    const isManifest = async (i: number) => (await readFile(join(repo.dir, steps[i]!.slice('rm '.length)))).subarray(0, 12).toString() === '{"manifest":';
    const manifests = (await Promise.all(deletions.map(isManifest))).filter(Boolean).length;
    // gc deletes the orphaned version's manifest before any file it lists.
    expect(manifests).toBe(1);
    expect(await isManifest(deletions[0]!)).toBe(true);
    // Before the manifest goes; once it is gone, before the first of its files; before the last.
    const points = [deletions[0]!, deletions[manifests]!, deletions.at(-1)!];
    for (const point of points) {
      const copy = await copyRepo(repo.dir);
      await killAtStep(copy.dir, ['gc', '--grace', '0'], occurrence(steps, point));
      await expectIntact(join(copy.dir, '.mv/cache'));
      expect((await verify({ cwd: copy.dir, refs: ['churn@v0.1.0'] })).ok).toBe(true);
      // The next gc finishes the job.
      expect((await gc({ cwd: copy.dir, grace: '0' })).deleted).toBeGreaterThan(0);
      expect((await gc({ cwd: copy.dir, grace: '0', dryRun: true })).deleted).toBe(0);
      await expectIntact(join(copy.dir, '.mv/cache'));
    }
    const final = await gc({ cwd: repo.dir, grace: '0' });
    expect(final).toMatchObject({ deleted: deletions.length, kept: { young: 0 } });
    await expectIntact(cache);
    expect((await gc({ cwd: repo.dir, grace: '0', dryRun: true })).deleted).toBe(0);
    await checkout({ cwd: repo.dir, ref: 'churn@v0.1.0', force: true });
  });

  it('push and pull: the remote and the cache only ever hold verified objects; the next run completes', async () => {
    // Three objects of over 1 MiB (stored by the main thread, where the steps are seen) and small ones.
    const repo = await gitRepo();
    await writeProject(repo, { weightsBytes: 1536 * 1024 });
    const shards = [randomBytes(1200 * 1024), randomBytes(1100 * 1024)];
    for (const [i, bytes] of shards.entries()) await repo.write(`models/churn/tokenizer/shard-${i}.bin`, bytes);
    await init({ cwd: repo.dir });
    const large = [oidOf(await readFile(join(repo.dir, 'models/churn/model.pt'))), ...shards.map(oidOf)];
    const origin = await tempDir('mv-remote-');
    await remoteAdd({ cwd: repo.dir, name: 'origin', url: origin, makeDefault: true });
    await addChurn(repo);

    // Each kill on a remote of its own: before a tokenizer shard arrives (so the tokenizer's manifest must
    // not be there yet), and before the weights.
    let remote = origin;
    for (const oid of [large[2]!, large[0]!]) {
      remote = await tempDir('mv-remote-');
      await killAtStep(repo.dir, ['push', '-r', remote, '-j', '2'], objectStep(remote, oid));
      await expectIntact(remote);
      await expect(stat(objectPath(remote, oid))).rejects.toThrow();
    }
    // The last remote, left by a kill, is completed by the next push; then origin gets everything.
    await push({ cwd: repo.dir, remote });
    await expectIntact(remote);
    await push({ cwd: repo.dir });
    expect((await verify({ cwd: repo.dir, refs: ['churn@v0.1.0'], remote: 'origin', rehashRemote: true })).ok).toBe(true);

    const clone = await cloneThroughOrigin(repo);
    const pullSteps = await traceSteps((await copyRepo(clone.dir)).dir, ['pull', 'churn@v0.1.0', '-j', '2']);
    // Before a tokenizer shard is stored in the cache (so the tokenizer's manifest must not be there yet),
    // and before the tokenizer folder takes its place in the work tree (the weights already have).
    const points = [objectStep('.mv/cache', large[2]!), 'rename models/churn/tokenizer'];
    expect(pullSteps).toEqual(expect.arrayContaining([...points, 'rename models/churn/model.pt']));
    let copy = clone;
    for (const step of points) {
      copy = await copyRepo(clone.dir);
      await killAtStep(copy.dir, ['pull', 'churn@v0.1.0', '-j', '2'], step);
      await expectIntact(join(copy.dir, '.mv/cache'));
      const weights = await readFile(join(copy.dir, 'models/churn/model.pt')).catch(() => undefined);
      if (weights) expect(oidOf(weights)).toBe(large[0]);
    }
    // The next pull completes what the last kill left.
    await pull({ cwd: copy.dir, refs: ['churn@v0.1.0'] });
    expect(await sameBytes(join(repo.dir, 'models/churn/model.pt'), join(copy.dir, 'models/churn/model.pt'))).toBe(true);
    expect(await sameBytes(join(repo.dir, 'models/churn/tokenizer/shard-1.bin'), join(copy.dir, 'models/churn/tokenizer/shard-1.bin'))).toBe(true);
    expect((await verify({ cwd: copy.dir, refs: ['churn@v0.1.0'] })).ok).toBe(true);
  });

  it('add: a killed add leaves a valid cache and either a whole version or none', async () => {
    const template = await projectWithVersion();
    const previous = await template.read(POINTER_FILE);
    // The next version: new weights, a new tokenizer file, and a new data folder (so data/.gitignore changes too).
    await writeFile(join(template.dir, 'models/churn/model.pt'), randomBytes(32 * 1024));
    await writeFile(join(template.dir, 'models/churn/tokenizer/extra.bin'), randomBytes(2048));
    await template.write('data/extra/rows.csv', 'id\n4\n');
    const args = [...ADD_ARGS, '--data', 'data/extra'];
    const steps = await traceSteps((await copyRepo(template.dir)).dir, args);

    // Midway through storing the new objects; then before each step of applying the version that changes
    // what a crash leaves: the pointer (and .gitignore files), the commit, the tag, HEAD, the journal's removal.
    const stored = steps.flatMap((s, i) => (s.startsWith('rename .mv/cache/objects/') ? [i] : []));
    const head = steps.lastIndexOf('git update-ref');
    const points = [
      stored[Math.floor(stored.length / 2)]!,
      steps.indexOf('rename models/churn/churn.mv.yaml'),
      steps.indexOf('git commit-tree'),
      steps.indexOf('git mktag'),
      head,
      head + 1,
      steps.lastIndexOf('rm .git/mv/edits-*.json'),
    ];
    expect(points.every((i) => i > 0) && points.slice(1).every((i, k) => i > points[k]!), steps.join('\n')).toBe(true);

    const outcomes = new Set<string>();
    for (const point of points) {
      const repo = await copyRepo(template.dir);
      await killAtStep(repo.dir, args, occurrence(steps, point));
      await expectIntact(join(repo.dir, '.mv/cache'));
      // A tag exists only for a complete version whose pointer is committed.
      const tagged = (await repo.git('tag', '-l', 'churn@v0.2.0')) !== '';
      if (tagged) expect(await repo.git('show', 'churn@v0.2.0:models/churn/churn.mv.yaml')).toContain('version: 0.2.0');
      // The pointer is whole (old or new, never a mix) and names only cached objects.
      const pointer = await repo.read(POINTER_FILE);
      expect(parsePointer(pointer, POINTER_FILE).name).toBe('churn');
      const { cache } = await openRepo(repo.dir);
      for (const oid of await oidsIn(repo, POINTER_FILE)) expect(await cache.has(oid as Oid)).toBe(true);
      const onBranch = (await repo.git('log', '-1', '--format=%s')).startsWith('Register churn@v0.2.0');
      outcomes.add(`${pointer === previous ? 'old' : 'new'} pointer, ${tagged ? 'tagged' : 'no tag'}, ${onBranch ? 'committed' : 'not committed'}`);

      // The next add rolls back what the killed one left unfinished, and registers the version.
      const next = await add({ cwd: repo.dir, ...ADD_OPTIONS, data: ['data/train', 'data/extra'] });
      expect(next.id).toBe('churn@v0.2.0');
      for (const tag of (await repo.git('tag', '-l', 'churn@v*')).split('\n')) await repo.git('merge-base', '--is-ancestor', `${tag}^{commit}`, 'HEAD');
      expect(await repo.git('status', '--porcelain', '--', POINTER_FILE, 'data/.gitignore', 'models/churn/.gitignore')).toBe('');
      expect((await verify({ cwd: repo.dir })).ok).toBe(true);
      expect((await readdir(join(repo.dir, '.mv/cache/tmp'))).filter((n) => n.endsWith('.tmp'))).toEqual([]);
      expect((await status({ cwd: repo.dir })).clean).toBe(true);
    }
    // The kills left each of the states a crash can: nothing yet, the new pointer written but not
    // committed (rolled back by the next add), and a whole version. The tag and the branch move in one
    // ref transaction, so a tag without the commit is never left.
    expect([...outcomes].sort()).toEqual(['new pointer, no tag, not committed', 'new pointer, tagged, committed', 'old pointer, no tag, not committed']);
  });

  it('add of a first version: killed after the pointer or the tag was written, the next add starts over cleanly', async () => {
    const template = await gitRepo();
    await writeProject(template);
    await init({ cwd: template.dir });
    const steps = await traceSteps((await copyRepo(template.dir)).dir, ADD_ARGS);
    const afterPointer = steps.indexOf('rename models/churn/churn.mv.yaml') + 1;
    const beforeHead = steps.lastIndexOf('git update-ref');
    for (const point of [afterPointer, beforeHead]) {
      const repo = await copyRepo(template.dir);
      await killAtStep(repo.dir, ADD_ARGS, occurrence(steps, point));
      await expectIntact(join(repo.dir, '.mv/cache'));
      const pointer = await repo.read(POINTER_FILE).catch(() => undefined);
      if (pointer !== undefined) expect(pointer).toMatch(/^mv: 1\n[\s\S]*created: .*Z\n$/);
      const next = await addChurn(repo);
      expect(next.id).toBe('churn@v0.1.0');
      expect(next.warnings.join('\n')).toContain('an earlier `mvr add` was interrupted; rolled back');
      expect(await repo.git('rev-parse', 'churn@v0.1.0^{commit}')).toBe(await repo.git('rev-parse', 'HEAD'));
      expect((await status({ cwd: repo.dir })).clean).toBe(true);
    }
  });
});

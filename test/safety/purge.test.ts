import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fetch, gc, history, purge, push, show, verify } from '../../src/index.js';
import { expectCached, expectNotCached, objectPath } from '../helpers/assertions.js';
import { tempDir } from '../helpers/git-repo.js';
import { cli, cliOk } from '../helpers/mv-cli.js';
import { addChurn } from '../helpers/project.js';
import { POINTER_FILE, cloneThroughOrigin, projectWithVersion, type RemoteSpec } from '../helpers/remote-project.js';
import { at, DANA } from '../helpers/registry.js';
import { expectIntact, garbage, later, oidsIn, storedOids } from '../helpers/safety.js';

const cacheOf = (dir: string) => join(dir, '.mv/cache');

/** churn@v0.1.0 and churn@v0.1.1 that share everything but the weights; returns each one's model oid. */
async function twoVersions(remote?: RemoteSpec) {
  const repo = await projectWithVersion(remote ? { remote } : {});
  const shared = await oidsIn(repo, POINTER_FILE);
  const v1Model = shared[0]!;
  await writeFile(join(repo.dir, 'models/churn/model.pt'), randomBytes(4096));
  await addChurn(repo);
  return { repo, v1Model, v2Model: (await oidsIn(repo, POINTER_FILE))[0]!, shared: shared.slice(1) };
}

describe('mv purge', () => {
  it('is refused without --force, explaining the consequence, and deletes nothing', async () => {
    const { repo, v1Model } = await twoVersions();
    const run = await cli(repo.dir, ['purge', 'churn@v0.1.0']);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/Purging churn@v0\.1\.0 would delete 1 object\(s\) \(64\.0 KiB\) from the cache for good: this clone could check it out again only by fetching it from a remote that still holds it/);
    expect(run.stderr).toContain('mvr purge churn@v0.1.0 --force -m');
    await expectCached(cacheOf(repo.dir), v1Model);
    expect(await repo.git('tag', '-l', 'mv-purge/*')).toBe('');
    expect((await cli(repo.dir, ['purge', 'churn#production', '--force'])).exitCode).toBe(2);
  });

  it("removes only the version's unshared objects and leaves an audit tag that GTO's grammar ignores", async () => {
    const { repo, v1Model, v2Model, shared } = await twoVersions();
    const result = await purge({ cwd: repo.dir, ref: 'churn@v0.1.0', force: true, message: 'licence withdrawn' });
    expect(result).toMatchObject({ id: 'churn@v0.1.0', tag: 'mv-purge/churn/v0.1.0/1', removed: { cache: 1 }, bytes: 65536 });
    expect(result.objects.map((o) => o.oid)).toEqual([v1Model]);
    await expectNotCached(cacheOf(repo.dir), v1Model);
    for (const oid of [v2Model, ...shared]) await expectCached(cacheOf(repo.dir), oid);
    await expectIntact(cacheOf(repo.dir));

    // The record: annotated, on the version's commit, who/when/why/which objects.
    expect(await repo.git('cat-file', '-t', 'refs/tags/mv-purge/churn/v0.1.0/1')).toBe('tag');
    expect(await repo.git('rev-parse', 'mv-purge/churn/v0.1.0/1^{commit}')).toBe(await repo.git('rev-parse', 'churn@v0.1.0^{commit}'));
    const message = await repo.git('for-each-ref', '--format=%(taggername) %(taggeremail)%0a%(contents)', 'refs/tags/mv-purge/churn/v0.1.0/1');
    expect(message).toContain('Test User <test@example.com>');
    expect(message).toContain('Purge churn@v0.1.0: licence withdrawn');
    const payload = JSON.parse(message.split('\n').find((l) => l.startsWith('{"mv":'))!);
    expect(payload).toMatchObject({ event: 'purge', artifact: 'churn', version: '0.1.0', reason: 'licence withdrawn', from: ['cache'], objects: [v1Model] });
    // The registry is untouched: history and stages read as before.
    expect(JSON.stringify(await history({ cwd: repo.dir, name: 'churn' }))).not.toContain('mv-purge');

    // show and verify say it is purged, by whom and when.
    const shown = await show({ cwd: repo.dir, ref: 'churn@v0.1.0' });
    expect(shown.kind === 'version' && shown.version.purged).toMatchObject({ tag: 'mv-purge/churn/v0.1.0/1', by: { email: 'test@example.com' }, reason: 'licence withdrawn' });
    const verified = await verify({ cwd: repo.dir, refs: ['churn@v0.1.0'] });
    expect(verified.ok).toBe(true);
    expect(verified.versions).toEqual([expect.objectContaining({ id: 'churn@v0.1.0', status: 'purged' })]);
  });

  it('records when and by whom from git, and a second purge of the same version records nothing new', async () => {
    const { repo } = await twoVersions();
    await cliOk(repo.dir, ['purge', 'churn@v0.1.0', '--force', '-m', 'gdpr'], { env: at('2026-03-01T10:00:00Z', DANA) });
    const again = await purge({ cwd: repo.dir, ref: 'churn@v0.1.0', force: true });
    expect(again.tag).toBeNull();
    expect(again.notes.join(' ')).toContain('already purged');
    expect(await repo.git('tag', '-l', 'mv-purge/*')).toBe('mv-purge/churn/v0.1.0/1');
    const shown = await cliOk(repo.dir, ['show', 'churn@v0.1.0']);
    expect(shown.stdout).toMatch(/^ {2}purged +2026-03-01T10:00:00Z by Dana <dana@example\.com>: gdpr \(mv-purge\/churn\/v0\.1\.0\/1\)$/m);
  });

  it('a purge record listing more objects than a registry tag may hold (a large dataset folder) still counts', async () => {
    const { repo } = await twoVersions();
    const made = await purge({ cwd: repo.dir, ref: 'churn@v0.1.0', force: true, message: 'gdpr' });
    // The same record with 15,000 objects listed, as a purge of a folder of that many files writes it.
    const tag = made.tag!;
    const text = await repo.git('cat-file', '-p', `refs/tags/${tag}`);
    const payload = JSON.parse(text.slice(text.indexOf('{'))) as { objects: string[] };
    payload.objects = Array.from({ length: 15_000 }, (_, i) => `sha256:${i.toString(16).padStart(64, '0')}`);
    const message = join(await tempDir('mv-message-'), 'message');
    await writeFile(message, `Purge churn@v0.1.0: gdpr\n\n${JSON.stringify(payload)}\n`);
    expect((await readFile(message)).length).toBeGreaterThan(1024 * 1024);
    const commit = await repo.git('rev-parse', `refs/tags/${tag}^{commit}`);
    await repo.git('tag', '-d', tag);
    await repo.git('tag', '-a', '-F', message, tag, commit);
    const shown = await show({ cwd: repo.dir, ref: 'churn@v0.1.0' });
    expect(shown.kind === 'version' && shown.version.purged).toMatchObject({ tag });
    expect((await verify({ cwd: repo.dir })).versions).toContainEqual(expect.objectContaining({ id: 'churn@v0.1.0', status: 'purged' }));
  });

  it('refuses the version the work tree holds', async () => {
    const { repo, v2Model } = await twoVersions();
    await expect(purge({ cwd: repo.dir, ref: 'churn@v0.1.1', force: true })).rejects.toMatchObject({ code: 'PURGE_IN_USE' });
    await expectCached(cacheOf(repo.dir), v2Model);
  });

  it('after a purge, gc no longer keeps the objects, even though the tagged commit still names them', async () => {
    const { repo, v1Model } = await twoVersions();
    const bytes = await readFile(objectPath(cacheOf(repo.dir), v1Model));
    await purge({ cwd: repo.dir, ref: 'churn@v0.1.0', force: true });
    // The bytes come back (say, from a remote that still had them): gc treats them as garbage now.
    expect(await garbage(repo, bytes)).toBe(v1Model);
    const result = await gc({ cwd: repo.dir, now: later });
    expect(result.purged).toEqual(['churn@v0.1.0']);
    expect(result.planned.map((p) => p.oid)).toEqual([v1Model]);
    await expectNotCached(cacheOf(repo.dir), v1Model);
  });

  it('with -r removes the objects from the remote too; a clone then hears that the version was purged, not "object missing"', async () => {
    const remote = await tempDir('mv-remote-');
    const { repo, v1Model, v2Model } = await twoVersions({ name: 'origin', url: remote, makeDefault: true });
    await push({ cwd: repo.dir, all: true });
    const before = await storedOids(remote);
    const result = await purge({ cwd: repo.dir, ref: 'churn@v0.1.0', force: true, remote: 'origin', message: 'leaked PII' });
    expect(result.removed).toEqual({ cache: 1, remote: 1 });
    await expectNotCached(remote, v1Model);
    await expectCached(remote, v2Model);
    expect(await storedOids(remote)).toHaveLength(before.length - 1);
    await repo.git('push', '-q', 'origin', 'refs/tags/mv-purge/churn/v0.1.0/1').catch(() => undefined);

    const clone = await cloneThroughOrigin(repo);
    await clone.git('fetch', '-q', repo.dir, 'refs/tags/mv-purge/*:refs/tags/mv-purge/*');
    await expect(fetch({ cwd: clone.dir, refs: ['churn@v0.1.0'], retry: { attempts: 1 } })).rejects.toMatchObject({
      code: 'VERSION_PURGED',
      message: expect.stringContaining('churn@v0.1.0 was purged by Test User <test@example.com>') as string,
    });
    const got = await cli(clone.dir, ['get', 'churn@v0.1.0', '-o', join(clone.dir, 'out')]);
    expect(got.exitCode).toBe(1);
    expect(got.stderr).toContain('churn@v0.1.0 was purged by Test User');
    expect(got.stderr).toContain('(leaked PII)');
  });

  it('a clone that still holds a purged version never pushes it back: push --all and --recheck leave it out, and pushing it by name is refused', async () => {
    const remote = await tempDir('mv-remote-');
    const { repo, v1Model, v2Model } = await twoVersions({ name: 'origin', url: remote, makeDefault: true });
    await push({ cwd: repo.dir, all: true });
    const clone = await cloneThroughOrigin(repo);
    await fetch({ cwd: clone.dir, refs: ['churn@v0.1.0', 'churn@v0.1.1'] });
    await expectCached(cacheOf(clone.dir), v1Model);

    await purge({ cwd: repo.dir, ref: 'churn@v0.1.0', force: true, remote: 'origin', message: 'consent withdrawn' });
    await clone.git('fetch', '-q', repo.dir, 'refs/tags/mv-purge/*:refs/tags/mv-purge/*');
    for (const recheck of [false, true]) {
      const pushed = await push({ cwd: clone.dir, all: true, recheck });
      expect(pushed.versions).toEqual(['churn@v0.1.1']);
      expect(pushed.uploaded).toBe(0);
      expect(pushed.notes).toContain('Left out churn@v0.1.0: purged (`mvr show` says by whom and why); no push sends a purged version\'s files again.');
      await expectNotCached(remote, v1Model);
    }
    await expectCached(remote, v2Model);
    // Said on the terminal too, where a push sends nothing.
    const shown = await cliOk(clone.dir, ['push', '--all']);
    expect(shown.stdout).toContain('Everything is already on origin');
    expect(`${shown.stdout}${shown.stderr}`).toContain('note: Left out churn@v0.1.0: purged');
    await expect(push({ cwd: clone.dir, refs: ['churn@v0.1.0'] })).rejects.toMatchObject({ code: 'VERSION_PURGED', message: expect.stringContaining('(consent withdrawn)') as string });
    await expectNotCached(remote, v1Model);

    // fetch --all, into a clone with nothing cached: every version but the purged one, which is not asked for.
    const fresh = await cloneThroughOrigin(repo);
    await fresh.git('fetch', '-q', repo.dir, 'refs/tags/mv-purge/*:refs/tags/mv-purge/*');
    const fetched = await fetch({ cwd: fresh.dir, all: true });
    expect(fetched.versions).toEqual(['churn@v0.1.1']);
    expect(fetched.notes).toContain('Left out churn@v0.1.0: purged (`mvr show` says by whom and why).');
    await expectCached(cacheOf(fresh.dir), v2Model);
    expect((await cli(fresh.dir, ['fetch', '--all', 'churn'])).exitCode).toBe(2);
  });
});

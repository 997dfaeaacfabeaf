import { execa } from 'execa';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { archive, audit, checkRef, checkout, deprecate, history, ls, openRepo, promote, resolve, route, routeKey, show } from '../../src/index.js';
import { Git } from '../../src/git.js';
import { parseRef } from '../../src/registry/ref.js';
import { resolveStagePointer } from '../../src/registry/stage-pointer.js';
import { bareRemote, copyRepo, gitRepo, suiteDir, type TestRepo } from '../helpers/git-repo.js';
import { addChatbotVersion, chatbotProject, registryClock, registryTags, tagPayload } from '../helpers/registry.js';

/** Registry writes of a test, a minute apart (after the template's). */
let at: ReturnType<typeof registryClock>;
let template: string;

/** chatbot v1.0.0 (accuracy 0.9), v1.1.0 (0.85), v1.2.0 (0.95), all in staging, v1.0.0 in production; built once, copied per test. */
beforeAll(async () => {
  const repo = await gitRepo({ dir: join(await suiteDir('mv-lifecycle-'), 'project') });
  await chatbotProject(repo);
  await addChatbotVersion(repo, '1.0.0', '2026-05-01T10:00:00Z', { accuracy: 0.9 });
  await addChatbotVersion(repo, '1.1.0', '2026-05-02T10:00:00Z', { accuracy: 0.85 });
  await addChatbotVersion(repo, '1.2.0', '2026-05-03T10:00:00Z', { accuracy: 0.95 });
  const setup = registryClock('2026-05-04T10:00:00Z');
  for (const v of ['1.0.0', '1.1.0', '1.2.0']) await setup(() => promote({ cwd: repo.dir, ref: `chatbot@v${v}`, stage: 'staging' }));
  await setup(() => promote({ cwd: repo.dir, ref: 'chatbot@v1.0.0', stage: 'production' }));
  template = repo.dir;
});

async function threeVersions(): Promise<TestRepo> {
  at = registryClock('2026-05-05T10:00:00Z');
  return copyRepo(template);
}

describe('stage semantics', () => {
  it('a metric gate refuses a regression; --force overrides it and the override is recorded', async () => {
    const repo = await threeVersions();
    const cwd = repo.dir;
    const config = await repo.read('.mv/config.yaml');
    await repo.write('.mv/config.yaml', config.replace('gates: {}', 'gates: {production: {metric: accuracy, direction: max, tolerance: 0.01}}'));
    await repo.commitAll('gate production on accuracy');

    await expect(at(() => promote({ cwd, ref: 'chatbot@v1.1.0', stage: 'production' }))).rejects.toThrow(
      'accuracy of chatbot@v1.1.0 is 0.85, a regression against chatbot@v1.0.0 in production (0.9; higher is better, tolerance 0.01)',
    );
    expect(await registryTags(repo)).not.toContain('chatbot#production#5');

    const forced = await at(() => promote({ cwd, ref: 'chatbot@v1.1.0', stage: 'production', force: true, message: 'hotfix for a crash' }));
    expect(forced.forced).toEqual([expect.stringContaining('regression against chatbot@v1.0.0')]);
    const tag = forced.tags[0]!;
    expect(await tagPayload(repo, tag)).toMatchObject({ forced: [expect.stringContaining('accuracy of chatbot@v1.1.0 is 0.85')], reason: 'hotfix for a crash' });
    const subject = await repo.git('for-each-ref', '--format=%(contents:subject)', `refs/tags/${tag}`);
    expect(subject).toBe('Promote chatbot@v1.1.0 to production [forced past 1 gate]: hotfix for a crash');
    expect((await history({ cwd, name: 'chatbot' })).events.find((e) => e.tag === tag)).toMatchObject({ forced: [expect.any(String)] });

    // A better version passes the gate without --force.
    await at(() => promote({ cwd, ref: 'chatbot@v1.2.0', stage: 'production' }));
  });

  it('traffic shares scale the other holders, and archiving leaves every stage', async () => {
    const repo = await threeVersions();
    const cwd = repo.dir;
    await at(() => promote({ cwd, ref: 'chatbot@v1.1.0', stage: 'production', traffic: 20 }));
    const ab = await at(() => promote({ cwd, ref: 'chatbot@v1.2.0', stage: 'production', traffic: 10 }));
    expect(ab.stages[0]!.after).toEqual([
      { id: 'chatbot@v1.2.0', version: '1.2.0', weight: 10 },
      { id: 'chatbot@v1.1.0', version: '1.1.0', weight: 18 },
      { id: 'chatbot@v1.0.0', version: '1.0.0', weight: 72 },
    ]);
    // Raising a holder's share rescales only the others.
    const raised = await at(() => promote({ cwd, ref: 'chatbot@v1.2.0', stage: 'production', traffic: 50 }));
    expect(raised.stages[0]!.after.map((h) => h.weight)).toEqual([50, 10, 40]);
    // Asking for the state it already has creates nothing.
    const same = await at(() => promote({ cwd, ref: 'chatbot@v1.2.0', stage: 'production', traffic: 50 }));
    expect(same).toMatchObject({ changed: false, tags: [] });

    const tagsBefore = await registryTags(repo);
    // Archiving: the version leaves production, is assigned to archived and deregistered (so GTO's latest agrees).
    const archived = await at(() => archive({ cwd, ref: 'chatbot@v1.1.0', message: 'leaks PII' }));
    expect(archived.tags).toEqual(['chatbot#production!#10', 'chatbot#archived#11', 'chatbot@v1.1.0!']);
    expect(archived.stages).toEqual([
      {
        stage: 'production',
        before: raised.stages[0]!.after,
        after: [
          { id: 'chatbot@v1.2.0', version: '1.2.0', weight: 55.56 },
          { id: 'chatbot@v1.0.0', version: '1.0.0', weight: 44.44 },
        ],
      },
    ]);
    expect(await tagPayload(repo, 'chatbot#production!#10')).toMatchObject({ event: 'unassign', archive: true, state: { '1.2.0': 55.56, '1.0.0': 44.44 } });
    expect(await registryTags(repo)).toEqual([...tagsBefore, ...archived.tags].sort());
    const production = await resolve({ cwd, ref: 'chatbot#production' });
    expect(production.versions.map((v) => [v.version, v.weight])).toEqual([['1.2.0', 55.56], ['1.0.0', 44.44]]);
    const shown = await show({ cwd, ref: 'chatbot@v1.1.0' });
    expect(shown).toMatchObject({ kind: 'version', version: { status: 'archived', stages: [] } });
  });

  it('deprecates an artifact; promoting then needs --force', async () => {
    const repo = await threeVersions();
    const cwd = repo.dir;
    const result = await at(() => deprecate({ cwd, ref: 'chatbot', message: 'replaced by assistant' }));
    expect(result).toMatchObject({ event: 'deprecate', tags: ['chatbot@deprecated'], warnings: [expect.stringContaining('still has versions in')] });
    // Deprecated artifacts are left out of `mv ls`, as `gto show` leaves them out.
    expect((await ls({ cwd })).artifacts).toEqual([]);
    expect((await ls({ cwd, deprecated: true })).artifacts[0]).toMatchObject({ name: 'chatbot', deprecated: true });
    await expect(at(() => promote({ cwd, ref: 'chatbot@v1.2.0', stage: 'production' }))).rejects.toThrow('chatbot is deprecated (chatbot@deprecated)');
    expect(await checkRef({ cwd, tag: 'chatbot@deprecated' })).toMatchObject({ event: 'deprecate', exists: true, details: { reason: 'replaced by assistant' } });
  });

  it('mv checkout name#stage restores the one holder, and names the pinned ids when several hold it', async () => {
    const repo = await threeVersions();
    const cwd = repo.dir;
    const v120 = await readFile(join(cwd, 'models/chatbot/model.pt'));
    await checkout({ cwd, ref: 'chatbot@v1.0.0' });
    const original = await readFile(join(cwd, 'models/chatbot/model.pt'));
    expect(original).not.toEqual(v120);
    await checkout({ cwd, ref: 'chatbot@v1.2.0' });
    const out = await checkout({ cwd, ref: 'chatbot#production' });
    expect(out.artifacts[0]!.id).toBe('chatbot@v1.0.0');
    expect(await readFile(join(cwd, 'models/chatbot/model.pt'))).toEqual(original);

    await at(() => promote({ cwd, ref: 'chatbot@v1.2.0', stage: 'production', traffic: 25 }));
    const several = checkout({ cwd, ref: 'chatbot#production' });
    await expect(several).rejects.toThrow('chatbot#production is served by 2 versions: chatbot@v1.2.0 (25%), chatbot@v1.0.0 (75%)');
    await expect(several).rejects.toMatchObject({ hint: expect.stringContaining('mvr route chatbot#production --key KEY') });
  });

  it('resolves a stage in a bare repository, from tags and git objects only', async () => {
    const repo = await threeVersions();
    const bare = await bareRemote();
    await repo.git('push', '-q', bare, 'main', '--tags');
    const pointer = await resolveStagePointer(new Git(bare), parseRef('chatbot#production') as Extract<ReturnType<typeof parseRef>, { kind: 'stage' }>);
    expect(pointer).toMatchObject({ artifact: 'chatbot', version: '1.0.0', file: 'models/chatbot/chatbot.mv.yaml' });
    expect(pointer.pointer.metrics).toEqual({ accuracy: 0.9, f1: 0.9 });
    const resolved = await resolve({ cwd: bare, ref: 'chatbot#production' });
    expect(resolved.versions[0]!.id).toBe('chatbot@v1.0.0');
  });

  it('a stage whose name holds a slash is read the same per artifact as across the registry, and fetched before a push', async () => {
    const repo = await threeVersions();
    const cwd = repo.dir;
    const config = await repo.read('.mv/config.yaml');
    await repo.write('.mv/config.yaml', config.replace(/stages: \[candidate, staging, production\]/, 'stages: [candidate, staging, team/prod]'));
    await repo.commitAll('stage team/prod');
    await at(() => promote({ cwd, ref: 'chatbot@v1.0.0', stage: 'team/prod' }));
    const bare = await bareRemote();
    await repo.git('push', '-q', bare, 'main', '--tags');
    const stale = await copyRepo(cwd);
    await stale.git('remote', 'add', 'origin', bare);

    // The second promotion reads the artifact's tags, sees the first holder and moves it out.
    await at(() => promote({ cwd, ref: 'chatbot@v1.1.0', stage: 'team/prod' }));
    const holders = async (dir: string) => (await resolve({ cwd: dir, ref: 'chatbot#team/prod' })).versions.map((v) => v.id);
    expect(await holders(cwd)).toEqual(['chatbot@v1.1.0']);
    expect((await ls({ cwd })).artifacts[0]!.stages['team/prod']!.map((h) => h.version)).toEqual(['1.1.0']);
    const shown = await show({ cwd, ref: 'chatbot' });
    expect(shown.kind === 'artifact' && shown.stages.map((s) => [s.stage, s.holders.map((h) => h.version)])).toContainEqual(['team/prod', ['1.1.0']]);

    // A clone without that promotion fetches its tag before it promotes and pushes.
    await repo.git('push', '-q', bare, '--tags');
    await at(() => promote({ cwd: stale.dir, ref: 'chatbot@v1.2.0', stage: 'team/prod', push: true }));
    expect(await holders(stale.dir)).toEqual(['chatbot@v1.2.0']);
  });

  it('the library resolves, routes, audits and lists history without the CLI', async () => {
    const repo = await threeVersions();
    const cwd = repo.dir;
    await at(() => promote({ cwd, ref: 'chatbot@v1.2.0', stage: 'production', traffic: 30 }));
    const resolved = await resolve({ cwd, ref: 'chatbot#production' });
    expect(resolved.versions.map((v) => [v.id, v.weight])).toEqual([['chatbot@v1.2.0', 30], ['chatbot@v1.0.0', 70]]);
    const holdings = resolved.versions.map((v) => ({ version: v.version, bp: v.weight * 100 }));
    for (let i = 0; i < 10; i++) {
      const r = await route({ cwd, ref: 'chatbot#production', key: `user-${i}` });
      expect(r.version).toBe(routeKey({ artifact: 'chatbot', stage: 'production', key: `user-${i}`, holdings }).holding!.version);
    }
    // Roughly 30/70: the hash spreads keys evenly.
    let canary = 0;
    for (let i = 0; i < 5000; i++) if (routeKey({ artifact: 'chatbot', stage: 'production', key: `user-${i}`, holdings }).holding!.version === '1.2.0') canary++;
    expect(canary / 5000).toBeGreaterThan(0.27);
    expect(canary / 5000).toBeLessThan(0.33);
    const h = await history({ cwd, name: 'chatbot', ascending: true });
    expect(h.events.filter((e) => e.event === 'assign').map((e) => e.counter)).toEqual([1, 2, 4, 6, 7]);
    const a = await audit({ cwd, name: 'chatbot', at: new Date().toISOString(), stage: 'production' });
    expect(a.stages[0]!.holders.map((x) => x.weight)).toEqual([30, 70]);
    expect((await openRepo(cwd)).config.stages).toEqual(['candidate', 'staging', 'production']);
    // @latest resolves but warns.
    const latest = await resolve({ cwd, ref: 'chatbot@latest' });
    expect(latest.versions[0]!.id).toBe('chatbot@v1.2.0');
    expect(latest.warnings[0]).toContain('never deploy it');
  });

  it('a stage tag dated in the future: audit of now agrees with resolve, and says the date cannot be right', async () => {
    const repo = await threeVersions();
    const cwd = repo.dir;
    await execa('git', ['tag', '-a', '-m', 'Promote chatbot@v1.2.0 to production', 'chatbot#production#9', 'chatbot@v1.2.0^{commit}'], { cwd, env: { GIT_COMMITTER_DATE: '2099-01-01T00:00:00Z' } });
    const served = (await resolve({ cwd, ref: 'chatbot#production' })).versions.map((v) => v.id);
    expect(served).toEqual(['chatbot@v1.2.0']);
    const now = await audit({ cwd, name: 'chatbot', stage: 'production' });
    expect(now.stages[0]!.holders.map((h) => `chatbot@v${h.version}`)).toEqual(served);
    expect(now.notes.join('\n')).toContain("1 tag(s) of chatbot are dated after this machine's clock (chatbot#production#9 on 2099-01-01T00:00:00Z)");
    // Asked about a time before that date, the tag does not count yet.
    const before = await audit({ cwd, name: 'chatbot', stage: 'production', at: '2030-01-01T00:00:00Z' });
    expect(before.stages[0]!.holders.map((h) => h.version)).toEqual(['1.0.0']);
  });

  it('--sign creates a signed tag with the repository\'s SSH signing key', async (context) => {
    const which = await execa('ssh-keygen', ['-?'], { reject: false });
    if (which.exitCode === undefined || (which.failed && /ENOENT/.test(String(which.message)))) context.skip('ssh-keygen is not installed, so no signing key can be made');
    const repo = await threeVersions();
    const cwd = repo.dir;
    const key = join(cwd, '.git', 'signing-key');
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
    await repo.git('config', 'gpg.format', 'ssh');
    await repo.git('config', 'user.signingkey', `${key}.pub`);
    const result = await at(() => promote({ cwd, ref: 'chatbot@v1.1.0', stage: 'production', sign: true, force: true }));
    expect(result.signed).toBe(true);
    const raw = await repo.git('cat-file', 'tag', `refs/tags/${result.tags[0]}`);
    expect(raw).toContain('-----BEGIN SSH SIGNATURE-----');
    expect(raw).toContain('{"mv":1,"event":"assign"');
    expect(result.tags).toEqual(['chatbot#production#7', 'chatbot#production!#8']);
    const events = (await history({ cwd, name: 'chatbot' })).events;
    for (const tag of result.tags) expect(events.find((e) => e.tag === tag)).toMatchObject({ signed: true });
    expect((await resolve({ cwd, ref: 'chatbot#production' })).versions[0]!.id).toBe('chatbot@v1.1.0');
  });
});

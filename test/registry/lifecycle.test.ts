import { execa } from 'execa';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { audit, history, openRepo, resolve, route, routeKey } from '../../src/index.js';
import { Git } from '../../src/git.js';
import { parseRef } from '../../src/registry/ref.js';
import { resolveStagePointer } from '../../src/registry/stage-pointer.js';
import { bareRemote, gitRepo, type TestRepo } from '../helpers/git-repo.js';
import { mv, mvJson, mvOk } from '../helpers/mv-cli.js';
import { addChatbotVersion, chatbotProject, registryTags, tagPayload } from '../helpers/registry.js';

async function threeVersions(): Promise<TestRepo> {
  const repo = await gitRepo();
  await chatbotProject(repo);
  await addChatbotVersion(repo, '1.0.0', '2026-05-01T10:00:00Z', { accuracy: 0.9 });
  await addChatbotVersion(repo, '1.1.0', '2026-05-02T10:00:00Z', { accuracy: 0.85 });
  await addChatbotVersion(repo, '1.2.0', '2026-05-03T10:00:00Z', { accuracy: 0.95 });
  for (const v of ['1.0.0', '1.1.0', '1.2.0']) await mvOk(repo.dir, ['promote', `chatbot@v${v}`, 'staging']);
  await mvOk(repo.dir, ['promote', 'chatbot@v1.0.0', 'production']);
  return repo;
}

describe('stage semantics', () => {
  it('a metric gate refuses a regression; --force overrides it and the override is recorded', async () => {
    const repo = await threeVersions();
    const config = await repo.read('.mv/config.yaml');
    await repo.write('.mv/config.yaml', config.replace('gates: {}', 'gates: {production: {metric: accuracy, direction: max, tolerance: 0.01}}'));
    await repo.commitAll('gate production on accuracy');

    const refused = await mv(repo.dir, ['promote', 'chatbot@v1.1.0', 'production']);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('accuracy of chatbot@v1.1.0 is 0.85, a regression against chatbot@v1.0.0 in production (0.9; higher is better, tolerance 0.01)');
    expect(await registryTags(repo)).not.toContain('chatbot#production#5');

    const forced = await mvJson<any>(repo.dir, ['promote', 'chatbot@v1.1.0', 'production', '--force', '-m', 'hotfix for a crash']);
    expect(forced.forced).toEqual([expect.stringContaining('regression against chatbot@v1.0.0')]);
    const tag = forced.tags[0];
    expect(await tagPayload(repo, tag)).toMatchObject({ forced: [expect.stringContaining('accuracy of chatbot@v1.1.0 is 0.85')], reason: 'hotfix for a crash' });
    const subject = await repo.git('for-each-ref', '--format=%(contents:subject)', `refs/tags/${tag}`);
    expect(subject).toBe('Promote chatbot@v1.1.0 to production [forced past 1 gate]: hotfix for a crash');
    expect((await mvJson<any>(repo.dir, ['history', 'chatbot'])).events.find((e: any) => e.tag === tag)).toMatchObject({ forced: [expect.any(String)] });

    // A better version passes the gate without --force.
    await mvOk(repo.dir, ['promote', 'chatbot@v1.2.0', 'production']);
  });

  it('traffic shares scale the other holders, and archiving leaves every stage', async () => {
    const repo = await threeVersions();
    await mvOk(repo.dir, ['promote', 'chatbot@v1.1.0', 'production', '--traffic', '20']);
    const ab = await mvJson<any>(repo.dir, ['promote', 'chatbot@v1.2.0', 'production', '--traffic', '10']);
    expect(ab.stages[0].after).toEqual([
      { id: 'chatbot@v1.2.0', version: '1.2.0', weight: 10 },
      { id: 'chatbot@v1.1.0', version: '1.1.0', weight: 18 },
      { id: 'chatbot@v1.0.0', version: '1.0.0', weight: 72 },
    ]);
    // Raising a holder's share rescales only the others.
    const raised = await mvJson<any>(repo.dir, ['promote', 'chatbot@v1.2.0', 'production', '--traffic', '50']);
    expect(raised.stages[0].after.map((h: any) => h.weight)).toEqual([50, 10, 40]);
    // Asking for the state it already has creates nothing.
    const same = await mvJson<any>(repo.dir, ['promote', 'chatbot@v1.2.0', 'production', '--traffic', '50']);
    expect(same).toMatchObject({ changed: false, tags: [] });

    const tagsBefore = await registryTags(repo);
    // Archiving: the version leaves production, is assigned to archived and deregistered (so GTO's latest agrees).
    const archived = await mvJson<any>(repo.dir, ['archive', 'chatbot@v1.1.0', '-m', 'leaks PII']);
    expect(archived.tags).toEqual(['chatbot#production!#10', 'chatbot#archived#11', 'chatbot@v1.1.0!']);
    expect(archived.stages).toEqual([
      {
        stage: 'production',
        before: raised.stages[0].after,
        after: [
          { id: 'chatbot@v1.2.0', version: '1.2.0', weight: 55.56 },
          { id: 'chatbot@v1.0.0', version: '1.0.0', weight: 44.44 },
        ],
      },
    ]);
    expect(await tagPayload(repo, 'chatbot#production!#10')).toMatchObject({ event: 'unassign', archive: true, state: { '1.2.0': 55.56, '1.0.0': 44.44 } });
    expect(await registryTags(repo)).toEqual([...tagsBefore, ...archived.tags].sort());
    const production = await mvJson<any>(repo.dir, ['resolve', 'chatbot#production']);
    expect(production.versions.map((v: any) => [v.version, v.weight])).toEqual([['1.2.0', 55.56], ['1.0.0', 44.44]]);
    const show = await mvJson<any>(repo.dir, ['show', 'chatbot@v1.1.0']);
    expect(show.version).toMatchObject({ status: 'archived', stages: [] });
  });

  it('deprecates an artifact; promoting then needs --force', async () => {
    const repo = await threeVersions();
    const result = await mvJson<any>(repo.dir, ['deprecate', 'chatbot', '-m', 'replaced by assistant']);
    expect(result).toMatchObject({ event: 'deprecate', tags: ['chatbot@deprecated'], warnings: [expect.stringContaining('still has versions in')] });
    // Deprecated artifacts are left out of `mv ls`, as `gto show` leaves them out.
    expect((await mvJson<any>(repo.dir, ['ls'])).artifacts).toEqual([]);
    expect((await mvJson<any>(repo.dir, ['ls', '--deprecated'])).artifacts[0]).toMatchObject({ name: 'chatbot', deprecated: true });
    const refused = await mv(repo.dir, ['promote', 'chatbot@v1.2.0', 'production']);
    expect(refused.stderr).toContain('chatbot is deprecated (chatbot@deprecated)');
    const check = await mvJson<any>(repo.dir, ['check-ref', 'chatbot@deprecated']);
    expect(check).toMatchObject({ event: 'deprecate', exists: true, details: { reason: 'replaced by assistant' } });
  });

  it('mv checkout name#stage restores the one holder, and names the pinned ids when several hold it', async () => {
    const repo = await threeVersions();
    const v120 = await readFile(join(repo.dir, 'models/chatbot/model.pt'));
    await mvOk(repo.dir, ['checkout', 'chatbot@v1.0.0']);
    const original = await readFile(join(repo.dir, 'models/chatbot/model.pt'));
    expect(original).not.toEqual(v120);
    await mvOk(repo.dir, ['checkout', 'chatbot@v1.2.0']);
    const out = await mvJson<any>(repo.dir, ['checkout', 'chatbot#production']);
    expect(out.artifacts[0].id).toBe('chatbot@v1.0.0');
    expect(await readFile(join(repo.dir, 'models/chatbot/model.pt'))).toEqual(original);

    await mvOk(repo.dir, ['promote', 'chatbot@v1.2.0', 'production', '--traffic', '25']);
    const several = await mv(repo.dir, ['checkout', 'chatbot#production']);
    expect(several.exitCode).toBe(1);
    expect(several.stderr).toContain('chatbot#production is served by 2 versions: chatbot@v1.2.0 (25%), chatbot@v1.0.0 (75%)');
    expect(several.stderr).toContain('mv route chatbot#production --key KEY');
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

  it('the library resolves, routes, audits and lists history without the CLI', async () => {
    const repo = await threeVersions();
    await mvOk(repo.dir, ['promote', 'chatbot@v1.2.0', 'production', '--traffic', '30']);
    const resolved = await resolve({ cwd: repo.dir, ref: 'chatbot#production' });
    expect(resolved.versions.map((v) => [v.id, v.weight])).toEqual([['chatbot@v1.2.0', 30], ['chatbot@v1.0.0', 70]]);
    const holdings = resolved.versions.map((v) => ({ version: v.version, bp: v.weight * 100 }));
    for (let i = 0; i < 10; i++) {
      const r = await route({ cwd: repo.dir, ref: 'chatbot#production', key: `user-${i}` });
      expect(r.version).toBe(routeKey({ artifact: 'chatbot', stage: 'production', key: `user-${i}`, holdings }).holding!.version);
    }
    // Roughly 30/70: the hash spreads keys evenly.
    let canary = 0;
    for (let i = 0; i < 5000; i++) if (routeKey({ artifact: 'chatbot', stage: 'production', key: `user-${i}`, holdings }).holding!.version === '1.2.0') canary++;
    expect(canary / 5000).toBeGreaterThan(0.27);
    expect(canary / 5000).toBeLessThan(0.33);
    const h = await history({ cwd: repo.dir, name: 'chatbot', ascending: true });
    expect(h.events.filter((e) => e.event === 'assign').map((e) => e.counter)).toEqual([1, 2, 4, 6, 7]);
    const a = await audit({ cwd: repo.dir, name: 'chatbot', at: new Date().toISOString(), stage: 'production' });
    expect(a.stages[0]!.holders.map((x) => x.weight)).toEqual([30, 70]);
    expect((await openRepo(repo.dir)).config.stages).toEqual(['candidate', 'staging', 'production']);
    // @latest resolves but warns.
    const latest = await resolve({ cwd: repo.dir, ref: 'chatbot@latest' });
    expect(latest.versions[0]!.id).toBe('chatbot@v1.2.0');
    expect(latest.warnings[0]).toContain('never deploy it');
    const cli = await mvOk(repo.dir, ['resolve', 'chatbot@latest']);
    expect(cli.stdout.split(' ')[0]).toBe('chatbot@v1.2.0');
    expect(cli.stderr).toContain('never deploy it');
  });

  it('--sign creates a signed tag with the repository\'s SSH signing key', async (context) => {
    const which = await execa('ssh-keygen', ['-?'], { reject: false });
    if (which.exitCode === undefined || (which.failed && /ENOENT/.test(String(which.message)))) context.skip('ssh-keygen is not installed, so no signing key can be made');
    const repo = await threeVersions();
    const key = join(repo.dir, '.git', 'signing-key');
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
    await repo.git('config', 'gpg.format', 'ssh');
    await repo.git('config', 'user.signingkey', `${key}.pub`);
    const result = await mvJson<any>(repo.dir, ['promote', 'chatbot@v1.1.0', 'production', '--sign', '--force']);
    expect(result.signed).toBe(true);
    const raw = await repo.git('cat-file', 'tag', `refs/tags/${result.tags[0]}`);
    expect(raw).toContain('-----BEGIN SSH SIGNATURE-----');
    expect(raw).toContain('{"mv":1,"event":"assign"');
    expect(result.tags).toEqual(['chatbot#production#7', 'chatbot#production!#8']);
    for (const tag of result.tags) expect((await mvJson<any>(repo.dir, ['history', 'chatbot'])).events.find((e: any) => e.tag === tag)).toMatchObject({ signed: true });
    expect((await mvJson<any>(repo.dir, ['resolve', 'chatbot#production'])).versions[0].id).toBe('chatbot@v1.1.0');
  });
});

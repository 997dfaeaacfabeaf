import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { gitRepo } from '../helpers/git-repo.js';
import { mvJson, mvOk } from '../helpers/mv-cli.js';
import { addChatbotVersion, at, chatbotProject, CI, DANA, registryTags, tagPayload } from '../helpers/registry.js';

/**
 * The story, through the built CLI: a support chatbot degrades after v2.4.1 went to production on
 * Tuesday; history, diff and rollback find and fix it; an auditor later asks which version answered
 * customer 4711 on Wednesday at 10:00 while a canary took 10% of the traffic.
 */
describe('the registry story', () => {
  it('promotes, canaries, rolls back and audits who served a customer', async () => {
    const repo = await gitRepo();
    await chatbotProject(repo);

    // Two weeks ago: 2.3.8 trained, promoted through staging to production.
    await addChatbotVersion(repo, '2.3.8', '2026-11-09T12:00:00Z');
    await mvOk(repo.dir, ['promote', 'chatbot@v2.3.8', 'staging', '-m', 'nightly eval passed'], { env: at('2026-11-10T09:00:00Z', DANA) });
    await mvOk(repo.dir, ['promote', 'chatbot@v2.3.8', 'production', '-m', 'release 2.3'], { env: at('2026-11-11T09:00:00Z', DANA) });

    // 2.4.1: new data and learning rate, lower accuracy. CI promotes it; production on Tuesday the 24th.
    await addChatbotVersion(repo, '2.4.1', '2026-11-20T12:00:00Z', { accuracy: 0.89, lr: 0.003, data: 'q,a\nbye,goodbye\n' });
    await mvOk(repo.dir, ['promote', 'chatbot@v2.4.1', 'staging', '-m', 'eval passed'], { env: at('2026-11-23T09:00:00Z', CI) });
    const promoted = await mvJson<any>(repo.dir, ['promote', 'chatbot@v2.4.1', 'production', '-m', 'weekly release'], { env: at('2026-11-24T09:00:00Z', CI) });
    // The replaced holder gets an unassign tag, so GTO (which keeps a version in a stage until then) agrees.
    expect(promoted).toMatchObject({ changed: true, id: 'chatbot@v2.4.1', tags: ['chatbot#production#5', 'chatbot#production!#6'] });
    expect(promoted.stages[0].before).toEqual([{ id: 'chatbot@v2.3.8', version: '2.3.8', weight: 100 }]);

    // Tuesday afternoon: a 2.5.0 canary takes 10% of production; Thursday it is stopped by a rollback.
    await addChatbotVersion(repo, '2.5.0', '2026-11-24T12:00:00Z', { accuracy: 0.91 });
    await mvOk(repo.dir, ['promote', 'chatbot@v2.5.0', 'staging'], { env: at('2026-11-24T13:00:00Z', DANA) });
    const canary = await mvJson<any>(repo.dir, ['promote', 'chatbot@v2.5.0', 'production', '--traffic', '10', '-m', 'canary 2.5.0'], { env: at('2026-11-24T15:00:00Z', DANA) });
    expect(canary.stages[0].after).toEqual([
      { id: 'chatbot@v2.5.0', version: '2.5.0', weight: 10 },
      { id: 'chatbot@v2.4.1', version: '2.4.1', weight: 90 },
    ]);
    expect((await tagPayload(repo, canary.tags[0])).state).toEqual({ '2.5.0': 10, '2.4.1': 90 });
    await mvOk(repo.dir, ['rollback', 'chatbot', '-m', 'canary stopped'], { env: at('2026-11-26T09:00:00Z', DANA) });

    // Friday: answers are bad. History shows 2.4.1 went to production on Tuesday, by CI.
    const history = await mvJson<any>(repo.dir, ['history', 'chatbot']);
    const toProduction = history.events.find((e: any) => e.event === 'assign' && e.stage === 'production' && e.version === '2.4.1' && !e.rollbackOf);
    expect(toProduction).toMatchObject({ by: CI, at: '2026-11-24T09:00:00Z', reason: 'weekly release', tag: 'chatbot#production#5' });
    const text = await mvOk(repo.dir, ['history', 'chatbot']);
    expect(text.stdout).toContain('production: v2.3.8 → v2.4.1');
    expect(text.stdout).toContain('chatbot#production#5 by CI <ci@example.com>: weekly release');

    // diff: accuracy fell, the training data and the params changed.
    const diff = await mvJson<any>(repo.dir, ['diff', 'chatbot@v2.3.8', 'chatbot@v2.4.1']);
    expect(diff.metrics.find((m: any) => m.name === 'accuracy')).toEqual({ name: 'accuracy', change: 'changed', from: 0.93, to: 0.89, delta: -0.04 });
    expect(diff.params).toEqual([{ name: 'lr', change: 'changed', from: 0.001, to: 0.003, delta: 0.002 }]);
    expect(diff.data).toEqual([expect.objectContaining({ key: 'data/train/', change: 'changed' })]);
    expect(diff.changed).toEqual(expect.arrayContaining(['metrics', 'params', 'data', 'files', 'code']));
    const diffText = await mvOk(repo.dir, ['diff', 'chatbot@v2.3.8', 'chatbot@v2.4.1']);
    expect(diffText.stdout).toContain('accuracy: 0.93 → 0.89  (-0.04)');

    // One command puts 2.3.8 back in production (walking back past the stopped canary), recorded as a rollback.
    const started = Date.now();
    const rolledBack = await mvJson<any>(repo.dir, ['rollback', 'chatbot', '-m', '2.4.1 gives bad answers'], { env: at('2026-11-27T10:00:00Z', DANA) });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(rolledBack).toMatchObject({ stage: 'production', undid: 'chatbot#production#5', tags: ['chatbot#production#12', 'chatbot#production!#13'] });
    expect(rolledBack.stages[0].after).toEqual([{ id: 'chatbot@v2.3.8', version: '2.3.8', weight: 100 }]);
    const resolved = await mvJson<any>(repo.dir, ['resolve', 'chatbot#production']);
    expect(resolved.versions).toEqual([expect.objectContaining({ id: 'chatbot@v2.3.8', weight: 100, pointer: expect.objectContaining({ path: 'models/chatbot/chatbot.mv.yaml' }) })]);
    expect(resolved.event).toBe('chatbot#production#12');
    // Nothing was deleted: every tag ever made is still there.
    expect(await registryTags(repo)).toEqual(
      [
        ...['chatbot#production#2', 'chatbot#production#5', 'chatbot#production!#6', 'chatbot#production#9', 'chatbot#production#10', 'chatbot#production!#11', 'chatbot#production#12', 'chatbot#production!#13'],
        ...['chatbot#staging#1', 'chatbot#staging#3', 'chatbot#staging!#4', 'chatbot#staging#7', 'chatbot#staging!#8', 'chatbot@v2.3.8', 'chatbot@v2.4.1', 'chatbot@v2.5.0'],
      ].sort(),
    );

    // A month later: which version answered customer 4711 on Wednesday at 10:00?
    const audit = await mvJson<any>(repo.dir, ['audit', 'chatbot', '--stage', 'production', '--at', '2026-11-25T10:00Z', '--key', 'customer-4711']);
    expect(audit.stages).toEqual([expect.objectContaining({ stage: 'production', holders: canary.stages[0].after })]);
    expect(audit.stages[0].event).toMatchObject({ tag: 'chatbot#production#9', by: DANA, reason: 'canary 2.5.0' });
    // Routing contract (docs/registry.md): SHA-256 of "artifact#stage\nkey", first 4 bytes mod 10000;
    // holders take consecutive buckets, highest version first.
    const bucket = createHash('sha256').update('chatbot#production\ncustomer-4711').digest().readUInt32BE(0) % 10000;
    const expected = bucket < 1000 ? '2.5.0' : '2.4.1';
    expect(audit.key).toMatchObject({ key: 'customer-4711', bucket, version: expected, id: `chatbot@v${expected}` });
    if (expected === '2.4.1') expect(audit.key.assignedBy).toMatchObject({ by: CI, at: '2026-11-24T09:00:00Z', reason: 'weekly release' });
    else expect(audit.key.assignedBy).toMatchObject({ by: DANA, reason: 'canary 2.5.0' });
    const auditText = await mvOk(repo.dir, ['audit', 'chatbot', '--stage', 'production', '--at', '2026-11-25T10:00Z', '--key', 'customer-4711']);
    expect(auditText.stdout).toContain(`key customer-4711 → chatbot@v${expected}`);

    // Routing replays: today, with the same weights recorded, a live route gives the same answer.
    const routed = await mvJson<any>(repo.dir, ['route', 'chatbot#production', '--key', 'customer-4711']);
    expect(routed).toMatchObject({ bucket, version: '2.3.8' });

    // What people and CI read: a version's record, a tag's event, and @latest (with a warning never to deploy it).
    const shown = await mvOk(repo.dir, ['show', 'chatbot@v2.3.8']);
    expect(shown.stdout).toContain('chatbot@v2.3.8');
    expect(shown.stdout).toContain('production');
    expect(await mvJson<any>(repo.dir, ['check-ref', 'chatbot#production#12'])).toMatchObject({ event: 'assign', stage: 'production', exists: true });
    const latest = await mvOk(repo.dir, ['resolve', 'chatbot@latest']);
    expect(latest.stdout.split(' ')[0]).toBe('chatbot@v2.5.0');
    expect(latest.stderr).toContain('never deploy it');

    // 2.5.0 is archived, 2.4.1 taken out of the registry: both stay in the history.
    const archived = await mvJson<any>(repo.dir, ['archive', 'chatbot@v2.5.0', '-m', 'canary failed'], { env: at('2026-11-28T09:00:00Z', DANA) });
    expect(archived.tags).toContain('chatbot#archived#15');
    const deregistered = await mvJson<any>(repo.dir, ['deprecate', 'chatbot@v2.4.1', '-m', 'bad answers'], { env: at('2026-11-28T10:00:00Z', DANA) });
    expect(deregistered).toMatchObject({ event: 'deregister', tags: ['chatbot@v2.4.1!'] });
    expect((await mvJson<any>(repo.dir, ['resolve', 'chatbot@latest'])).versions[0].id).toBe('chatbot@v2.3.8');
  });
});

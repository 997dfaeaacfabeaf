import { readFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkRef, history, init, ls, promote, resolve, rollback, show } from '../../src/index.js';
import { Git } from '../../src/git.js';
import { readArtifact } from '../../src/registry/registry-state.js';
import { PARITY_FIXTURES, tagSetRepo, type TagSetBuilder } from '../helpers/gto-fixtures.js';
import { tempDir } from '../helpers/git-repo.js';
import { readAsGto, type GtoAnswer } from '../helpers/gto-reader.js';

/** A repository built from one of the parity fixtures (tags as GTO made them). */
async function fixtureRepo(name: string): Promise<TagSetBuilder> {
  const repo = await tagSetRepo(await tempDir());
  await PARITY_FIXTURES.find((f) => f.name === name)!.build(repo);
  return repo;
}

describe('check-ref, history, show and resolve as a GTO user expects', () => {
  it('check-ref: a tag that is not a registry tag is null (no output, exit 0); a folder artifact is path:name', async () => {
    const repo = await fixtureRepo('folders');
    await expect(checkRef({ cwd: repo.dir, tag: 'refs/tags/release-3' })).resolves.toBeNull();
    await expect(checkRef({ cwd: repo.dir, tag: 'v1.0' })).resolves.toBeNull();
    const tagged = await checkRef({ cwd: repo.dir, tag: 'refs/tags/some/folder=some/model#prod#1' });
    expect(tagged).toMatchObject({ artifact: 'some/folder:some/model', event: 'assign', stage: 'prod', version: '1.0.0', id: 'some/folder:some/model@v1.0.0', exists: true });
    expect((await resolve({ cwd: repo.dir, ref: 'some/folder:some/model#prod' })).versions[0]!.id).toBe('some/folder:some/model@v1.0.0');
    expect((await resolve({ cwd: repo.dir, ref: 'dvclive:model@latest' })).versions[0]!.id).toBe('dvclive:model@v0.0.1');
  });

  it('history is newest first, as gto history prints it; ascending on request', async () => {
    const repo = await fixtureRepo('example-gto');
    const newest = await history({ cwd: repo.dir, name: 'churn' });
    expect(newest.events.map((e) => e.tag)).toEqual(['churn#dev#4', 'churn#prod#3', 'churn#staging#2', 'churn#dev#1', 'churn@v3.1.0', 'churn@v3.0.0']);
    expect((await history({ cwd: repo.dir, name: 'churn', ascending: true })).events.map((e) => e.tag)).toEqual(newest.events.map((e) => e.tag).reverse());
  });

  it("show --all-in-stage lists every version GTO counts in a stage (gto show --vs -1); the holder is gto show's", async () => {
    const repo = await fixtureRepo('example-gto');
    const result = await show({ cwd: repo.dir, ref: 'churn', allInStage: true });
    expect(result.kind).toBe('artifact');
    if (result.kind !== 'artifact') return;
    const dev = result.stages.find((s) => s.stage === 'dev')!;
    expect(dev.holders.map((h) => h.id)).toEqual(['churn@v3.1.0']);
    expect(dev.members!.map((m) => [m.id, m.tag])).toEqual([['churn@v3.1.0', 'churn#dev#4'], ['churn@v3.0.0', 'churn#dev#1']]);
    const plain = await show({ cwd: repo.dir, ref: 'churn#dev' });
    expect(plain).not.toHaveProperty('members');
    // `active` only for a version that holds a stage now.
    expect(result.versions.map((v) => [v.version, v.status])).toEqual([['3.1.0', 'active'], ['3.0.0', 'active']]);
  });

  it('a version that left every stage is a candidate again, not active', async () => {
    const repo = await fixtureRepo('unassign-falls-back');
    const result = await show({ cwd: repo.dir, ref: 'm' });
    if (result.kind !== 'artifact') throw new Error(result.kind);
    expect(result.versions.map((v) => [v.version, v.status, v.stages.map((s) => s.stage)])).toEqual([['2.0.0', 'candidate', []], ['1.0.0', 'active', ['prod']]]);
  });

  it('a stage held by a commit without a version tag resolves to that commit, by an id mv accepts back', async () => {
    const repo = await fixtureRepo('unregistered-commit');
    const resolved = await resolve({ cwd: repo.dir, ref: 'm#prod' });
    const commit = resolved.versions[0]!.commit;
    expect(resolved.versions).toEqual([{ id: `m@${commit}`, version: commit, commit, pointer: null, weight: 100 }]);
    const again = await resolve({ cwd: repo.dir, ref: `m@${commit}` });
    expect(again.versions[0]!.id).toBe(`m@${commit}`);
    expect(again.warnings).toEqual([expect.stringContaining('is a commit with stage tags but no version tag')]);
    const version = await show({ cwd: repo.dir, ref: `m@${commit}` });
    expect(version).toMatchObject({ kind: 'version', version: { status: 'unregistered', stages: [{ stage: 'prod', weight: 100 }] } });
    // The unassignment on that commit has no effect in GTO, and mv says so.
    expect((await readArtifact(new Git(repo.dir), 'm')).notes).toEqual([expect.stringContaining('m#prod!#3 has no effect')]);
    await expect(promote({ cwd: repo.dir, ref: `m@${commit}`, stage: 'staging' })).rejects.toMatchObject({ code: 'VERSION_UNREGISTERED' });
  });

  it('resolving a deregistered version warns; resolving @latest names the stage a deploy should use, from the registry', async () => {
    const repo = await fixtureRepo('deregister-holder');
    const gone = await resolve({ cwd: repo.dir, ref: 'm@v2.0.0' });
    expect(gone.versions[0]!.id).toBe('m@v2.0.0');
    expect(gone.warnings).toEqual([expect.stringContaining('m@v2.0.0 was deregistered (m@v2.0.0!')]);
    const latest = await resolve({ cwd: repo.dir, ref: 'm@latest' });
    expect(latest.warnings).toEqual([expect.stringContaining('use a stage (m#prod)')]);
    await expect(resolve({ cwd: repo.dir, ref: 'm#dev' })).rejects.toMatchObject({ code: 'UNKNOWN_STAGE', hint: expect.stringContaining('Stages that hold versions: prod (v1.0.0)') });
  });

  it('rollback defaults to the registry’s production stage (prod in a GTO registry)', async () => {
    const repo = await fixtureRepo('deregister-holder');
    await repo.tag('m@v3.0.0', await repo.commit(40), 41);
    await repo.tag('m#prod#3', (await repo.git('rev-parse', 'm@v3.0.0^{commit}')).trim(), 42);
    const back = await rollback({ cwd: repo.dir, name: 'm' });
    expect(back).toMatchObject({ stage: 'prod', undid: 'm#prod#3' });
    expect(back.stages[0]!.after.map((h) => h.id)).toEqual(['m@v1.0.0']);
  });
});

describe('deprecated artifacts, as GTO hides them', () => {
  it('are left out of ls, and their stages and latest version resolve to nothing; a pinned version still resolves', async () => {
    const repo = await fixtureRepo('deprecated');
    expect((await ls({ cwd: repo.dir })).artifacts).toEqual([]);
    expect((await ls({ cwd: repo.dir, deprecated: true })).artifacts).toEqual([expect.objectContaining({ name: 'm', deprecated: true })]);
    await expect(resolve({ cwd: repo.dir, ref: 'm#prod' })).rejects.toMatchObject({ code: 'ARTIFACT_DEPRECATED', message: expect.stringContaining('m is deprecated (m@deprecated') });
    await expect(resolve({ cwd: repo.dir, ref: 'm@latest' })).rejects.toMatchObject({ code: 'ARTIFACT_DEPRECATED' });
    await expect(show({ cwd: repo.dir, ref: 'm#prod' })).rejects.toMatchObject({ code: 'ARTIFACT_DEPRECATED' });
    const pinned = await resolve({ cwd: repo.dir, ref: 'm@v1.0.0' });
    expect(pinned.warnings).toEqual([expect.stringContaining('still resolves because it is pinned')]);
  });

  it('a later registration makes the artifact active again', async () => {
    const repo = await fixtureRepo('deprecated');
    await repo.tag('m@v1.1.0', await repo.commit(25), 30);
    expect((await ls({ cwd: repo.dir })).artifacts.map((a) => a.name)).toEqual(['m']);
    expect((await resolve({ cwd: repo.dir, ref: 'm#prod' })).versions[0]!.id).toBe('m@v1.0.0');
  });
});

describe('stages a registry already uses', () => {
  it('mv init adopts them in the usual lifecycle order, and says so; promote then accepts them', async () => {
    const repo = await fixtureRepo('example-gto');
    await repo.git('config', 'user.name', 'Dana');
    const result = await init({ cwd: repo.dir });
    expect(result.adoptedStages).toEqual({ stages: ['dev', 'staging', 'prod'], reason: 'dev → staging → prod in the usual lifecycle order' });
    const config = await readFile(join(repo.dir, '.mv/config.yaml'), 'utf8');
    expect(config).toContain("stages: [dev, staging, prod]   # adopted from this registry's tags: dev → staging → prod in the usual lifecycle order");
    expect(config).toContain('require_order: false');
    const promoted = await promote({ cwd: repo.dir, ref: 'churn@v3.1.0', stage: 'prod' });
    expect(promoted.tags).toEqual(['churn#prod#5', 'churn#prod!#6']);
    await expect(promote({ cwd: repo.dir, ref: 'churn@v3.1.0', stage: 'qa' })).rejects.toMatchObject({
      code: 'UNKNOWN_STAGE',
      message: '"qa" is not a stage in .mv/config.yaml (stages: dev, staging, prod, archived).',
      hint: expect.stringContaining('e.g. `stages: [dev, staging, prod, qa]`'),
    });
  });

  it('before mv init, the stages the tags use are accepted too', async () => {
    const repo = await fixtureRepo('example-gto');
    expect((await promote({ cwd: repo.dir, ref: 'segment@v0.4.1', stage: 'prod' })).tags).toEqual(['segment#prod#2']);
    await expect(promote({ cwd: repo.dir, ref: 'segment@v0.4.1', stage: 'qa' })).rejects.toMatchObject({ code: 'UNKNOWN_STAGE', hint: expect.stringContaining('`mvr init`') });
  });

  it("follows the order in GTO's config when it lists stages, and names others in the order they were first used", async () => {
    const withConfig = await fixtureRepo('example-gto');
    await writeFile(join(withConfig.dir, '.gto'), 'stages: [dev, prod, staging]\n');
    expect((await init({ cwd: withConfig.dir })).adoptedStages).toEqual({ stages: ['dev', 'prod', 'staging'], reason: "the order GTO's config (.gto) lists them in" });

    const custom = await tagSetRepo(await tempDir());
    const c = await custom.commit(0);
    await custom.tag('m@v1.0.0', c, 1);
    await custom.tag('m#challenger#1', c, 2);
    await custom.tag('m#champion#2', c, 3);
    await custom.tag('m#staging#3', c, 4);
    expect((await init({ cwd: custom.dir })).adoptedStages).toEqual({
      stages: ['staging', 'challenger', 'champion'],
      reason: 'staging in the usual lifecycle order, then challenger, champion in the order the tags first used them',
    });
  });
});

describe('--traffic in a repository that GTO also drives', () => {
  it('warns that GTO sees the newest version alone when a GTO workflow is found, and not otherwise', async () => {
    const repo = await fixtureRepo('example-gto');
    const split = () => promote({ cwd: repo.dir, ref: 'churn@v3.1.0', stage: 'prod', traffic: 10 });
    expect((await split()).warnings).toEqual([]);
    await mkdir(join(repo.dir, '.github/workflows'), { recursive: true });
    await writeFile(join(repo.dir, '.github/workflows/deploy.yml'), 'on: push\njobs:\n  deploy:\n    steps:\n      - uses: iterative/gto-action@v2\n');
    const warned = await promote({ cwd: repo.dir, ref: 'churn@v3.1.0', stage: 'prod', traffic: 20 });
    expect(warned.warnings).toEqual([
      'This repository also uses GTO (.github/workflows/deploy.yml). GTO cannot express traffic weights: it reads churn#prod as churn@v3.1.0 alone (the newest assignment), so a deploy driven by GTO sends it 100% of the traffic, not 20%.',
    ]);
    const gto = (await readAsGto(repo.dir)) as Record<string, GtoAnswer>;
    expect(gto.churn!.stages.prod).toBe('v3.1.0');
  });
});

describe('a registry written by an earlier mv (no unassign tags)', () => {
  it("keeps mv's recorded state, notes where GTO differs, and the next promote writes the missing unassign tags", async () => {
    const repo = await tagSetRepo(await tempDir());
    const c1 = await repo.commit(0);
    const c2 = await repo.commit(1);
    await repo.tag('m@v1.0.0', c1, 2);
    await repo.tag('m@v2.0.0', c2, 3);
    const payload = (version: string, state: Record<string, number>) => `Promote m@v${version} to production\n\n${JSON.stringify({ mv: 1, event: 'assign', artifact: 'm', version, stage: 'production', state })}`;
    await repo.tag('m#production#1', c1, 10, payload('1.0.0', { '1.0.0': 100 }));
    await repo.tag('m#production#2', c2, 20, payload('2.0.0', { '2.0.0': 90, '1.0.0': 10 }));
    await repo.tag('m#production#3', c1, 30, payload('1.0.0', { '1.0.0': 100 }));
    // GTO: both versions are in production (v1.0.0 newest); mv's record says v1.0.0 alone.
    const { state } = await readArtifact(new Git(repo.dir), 'm');
    expect(state.stages.get('production')).toEqual([{ version: '1.0.0', bp: 10000 }]);
    expect(state.members.get('production')!.map((m) => m.version.version)).toEqual(['1.0.0', '2.0.0']);
    const synced = await promote({ cwd: repo.dir, ref: 'm@v1.0.0', stage: 'production', force: true });
    expect(synced).toMatchObject({ changed: true, tags: ['m#production!#4'], stages: [], warnings: [expect.stringContaining('GTO still counted m@v2.0.0 in it')] });
    const gto = (await readAsGto(repo.dir)) as Record<string, GtoAnswer>;
    expect(gto.m!.all_in_stage).toEqual({ production: ['v1.0.0'] });
  });
});

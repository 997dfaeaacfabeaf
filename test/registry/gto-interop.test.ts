import { describe, expect, it } from 'vitest';
import { gitRepo, type TestRepo } from '../helpers/git-repo.js';
import { cli, cliJson, cliOk } from '../helpers/mv-cli.js';
import { execa } from 'execa';
import { at, gtoTag, registryTags } from '../helpers/registry.js';

/**
 * mv's commands on registries made by GTO, through the CLI's main in the test process (the JSON they print
 * is the library's result).
 */

/**
 * A registry made by GTO: annotated tags with free-text messages, `#N` counters, `!` forms, a deprecation,
 * no mv payloads and no pointer files; plus a lightweight tag and unrelated tags.
 */
async function gtoRepo(): Promise<{ repo: TestRepo; c1: string; c2: string; c3: string }> {
  const repo = await gitRepo();
  // Commits dated before the tags: GTO counts a version's commit date as one of its events.
  const commit = async (message: string) => {
    await execa('git', ['commit', '-q', '--allow-empty', '-m', message], { cwd: repo.dir, env: at('2025-12-31T10:00:00Z') });
    return repo.git('rev-parse', 'HEAD');
  };
  const c1 = await commit('model v1');
  const c2 = await commit('model v2');
  const c3 = await commit('model v3');
  const alice = { name: 'Alice', email: 'alice@example.com' };
  await gtoTag(repo, 'rf@v1.0.0', c1, 'Registering artifact rf version v1.0.0', '2026-01-01T10:00:00Z', alice);
  await gtoTag(repo, 'rf@v1.1.0', c2, 'Registering artifact rf version v1.1.0', '2026-01-02T10:00:00Z', alice);
  await gtoTag(repo, 'rf@v1.2.0', c3, 'Registering artifact rf version v1.2.0', '2026-01-03T10:00:00Z', alice);
  await gtoTag(repo, 'rf#staging#1', c1, 'Assigning stage staging to artifact rf version v1.0.0', '2026-01-04T10:00:00Z', alice);
  await gtoTag(repo, 'rf#production#2', c1, 'Assigning stage production to artifact rf version v1.0.0', '2026-01-05T10:00:00Z');
  await gtoTag(repo, 'rf#staging#3', c2, 'Assigning stage staging to artifact rf version v1.1.0', '2026-01-06T10:00:00Z');
  await gtoTag(repo, 'rf#production#4', c2, 'Assigning stage production to artifact rf version v1.1.0', '2026-01-07T10:00:00Z');
  // GTO: unassigning v1.1.0 leaves the earlier assignment (v1.0.0) in force.
  await gtoTag(repo, 'rf#production!#5', c2, 'Unassigning stage production from artifact rf version v1.1.0', '2026-01-08T10:00:00Z');
  await gtoTag(repo, 'rf@v1.2.0!#6', c3, 'Deregistering artifact rf version v1.2.0', '2026-01-09T10:00:00Z');
  await gtoTag(repo, 'old@v0.1.0', c1, 'Registering artifact old version v0.1.0', '2026-01-01T11:00:00Z');
  await gtoTag(repo, 'old@deprecated', c1, 'Deprecating artifact old', '2026-01-10T10:00:00Z');
  await repo.git('tag', 'rf#staging#7', c3); // lightweight: reported and ignored
  await repo.git('tag', 'v1.0', c1);
  await gtoTag(repo, 'release-3', c2, 'a release', '2026-01-10T10:00:00Z');
  return { repo, c1, c2, c3 };
}

describe('reading a registry made by GTO', () => {
  it('ls, show, resolve, history and audit replay the events', async () => {
    const { repo, c1 } = await gtoRepo();

    // The deprecated artifact is left out, as `gto show` leaves it out.
    const ls = await cliJson<any>(repo.dir, ['ls']);
    expect(ls.artifacts.map((a: any) => a.name)).toEqual(['rf']);
    const rf = ls.artifacts[0];
    expect(rf).toMatchObject({ latest: 'rf@v1.1.0', versions: 2, deregistered: 1, deprecated: false });
    expect(rf.stages).toEqual({ staging: [{ id: 'rf@v1.1.0', version: '1.1.0', weight: 100 }], production: [{ id: 'rf@v1.0.0', version: '1.0.0', weight: 100 }] });
    expect(ls.notes).toEqual([expect.stringContaining('rf#staging#7 is a lightweight tag'), expect.stringContaining('1 deprecated artifact is not listed')]);
    expect((await cliJson<any>(repo.dir, ['ls', '--deprecated'])).artifacts[0]).toMatchObject({ name: 'old', deprecated: true });
    const text = await cliOk(repo.dir, ['ls']);
    expect(text.stderr).toContain('rf#staging#7 is a lightweight tag');
    expect(text.stdout).not.toContain('release-3');

    const resolved = await cliJson<any>(repo.dir, ['resolve', 'rf#production']);
    expect(resolved.versions).toEqual([{ id: 'rf@v1.0.0', version: '1.0.0', commit: c1, pointer: null, weight: 100 }]);
    expect(resolved.event).toBe('rf#production!#5');

    // Newest first, as `gto history` lists them.
    const history = await cliJson<any>(repo.dir, ['history', 'rf']);
    expect(history.events.map((e: any) => e.tag)).toEqual(['rf@v1.0.0', 'rf@v1.1.0', 'rf@v1.2.0', 'rf#staging#1', 'rf#production#2', 'rf#staging#3', 'rf#production#4', 'rf#production!#5', 'rf@v1.2.0!#6'].reverse());
    expect((await cliJson<any>(repo.dir, ['history', 'rf', '--asc'])).events.map((e: any) => e.tag)).toEqual(history.events.map((e: any) => e.tag).reverse());
    expect(history.events[4]).toMatchObject({ event: 'assign', version: '1.0.0', stage: 'production', counter: 2, reason: 'Assigning stage production to artifact rf version v1.0.0', by: { name: 'Test User' } });
    expect(history.events[1].changes).toEqual([{ stage: 'production', before: [{ id: 'rf@v1.1.0', version: '1.1.0', weight: 100 }], after: [{ id: 'rf@v1.0.0', version: '1.0.0', weight: 100 }] }]);

    // `active` only for versions that hold a stage now.
    const show = await cliJson<any>(repo.dir, ['show', 'rf']);
    expect(show.versions.map((v: any) => [v.version, v.status])).toEqual([['1.2.0', 'deregistered'], ['1.1.0', 'active'], ['1.0.0', 'active']]);
    expect(show.versions[2].registered).toMatchObject({ by: { name: 'Alice' }, at: '2026-01-01T10:00:00Z' });

    const audit = await cliJson<any>(repo.dir, ['audit', 'rf', '--at', '2026-01-07T12:00Z', '--stage', 'production']);
    expect(audit.stages).toEqual([expect.objectContaining({ holders: [{ id: 'rf@v1.1.0', version: '1.1.0', weight: 100 }], event: expect.objectContaining({ tag: 'rf#production#4' }) })]);

    const check = await cliJson<any>(repo.dir, ['check-ref', 'refs/tags/rf#production!#5']);
    expect(check).toMatchObject({ artifact: 'rf', event: 'unassign', stage: 'production', version: '1.1.0', counter: 5, exists: true });
    // A tag that is not a registry tag: exit 0 and no output, as GTO does, so CI jobs triggered by every tag pass.
    const unrelated = await cli(repo.dir, ['check-ref', 'release-3']);
    expect(unrelated).toEqual({ exitCode: 0, stdout: '', stderr: '' });
    expect((await cli(repo.dir, ['check-ref', 'release-3', '--json'])).stdout).toBe('null');
  });

  it('promotes in a GTO registry with the next counter, past the lightweight tag, without pointer files', async () => {
    const { repo } = await gtoRepo();
    const before = await registryTags(repo);
    const promoted = await cliJson<any>(repo.dir, ['promote', 'rf@v1.1.0', 'production']);
    // The lightweight rf#staging#7 still takes counter 7 (GTO counts every tag). v1.0.0, which GTO keeps in
    // production until it is unassigned, is unassigned.
    expect(promoted.tags).toEqual(['rf#production#8', 'rf#production!#9']);
    expect(await registryTags(repo)).toEqual([...before, 'rf#production#8', 'rf#production!#9'].sort());
    expect((await cliJson<any>(repo.dir, ['resolve', 'rf#production'])).versions[0].id).toBe('rf@v1.1.0');

    // A version without a pointer file: registry commands work, reading files says why it cannot.
    const diff = await cli(repo.dir, ['diff', 'rf@v1.0.0', 'rf@v1.1.0']);
    expect(diff.exitCode).toBe(1);
    expect(diff.stderr).toContain('has no rf.mv.yaml pointer file');
    const checkout = await cli(repo.dir, ['checkout', 'rf#production']);
    expect(checkout.exitCode).toBe(1);
    expect(checkout.stderr).toContain('registered without mv');
  });

  it('orders events by tagger date as GTO does; events of one second are settled as GTO settles them', async () => {
    const repo = await gitRepo();
    const c1 = await repo.commitAll('one');
    const c2 = await repo.commitAll('two');
    await gtoTag(repo, 'm@v1.0.0', c1, 'register', '2026-02-01T10:00:00Z');
    await gtoTag(repo, 'm@v2.0.0', c2, 'register', '2026-02-01T10:00:00Z');
    // #2 is dated before #1: the date decides, not the counter.
    await gtoTag(repo, 'm#production#2', c1, 'earlier', '2026-02-01T10:00:03Z');
    await gtoTag(repo, 'm#production#1', c2, 'later', '2026-02-01T10:00:05Z');
    const history = await cliJson<any>(repo.dir, ['history', 'm', '--asc']);
    expect(history.events.map((e: any) => e.tag)).toEqual(['m@v1.0.0', 'm@v2.0.0', 'm#production#2', 'm#production#1']);
    expect((await cliJson<any>(repo.dir, ['resolve', 'm#production'])).versions[0].version).toBe('2.0.0');
    // Ten assignments in one second, alternating versions: both stay in the stage; GTO names the version it
    // met first (registered in the same second, m@v1.0.0 sorts first) — recorded from GTO.
    for (let n = 3; n <= 12; n++) await gtoTag(repo, `m#production#${n}`, n % 2 ? c1 : c2, `event ${n}`, '2026-02-01T10:00:09Z');
    expect((await cliJson<any>(repo.dir, ['resolve', 'm#production'])).versions[0].version).toBe('1.0.0');
    const all = await cliJson<any>(repo.dir, ['show', 'm#production', '--all-in-stage']);
    expect(all.members.map((m: any) => m.version)).toEqual(['1.0.0', '2.0.0']);
  });
});

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { add, deprecate, init, ls, show, status } from '../../src/index.js';
import { Git } from '../../src/git.js';
import { readRegistry } from '../../src/registry/registry-state.js';
import { INDEX_DEVIATIONS, PARITY_FIXTURES, tagSetRepo, type TagSetBuilder } from '../helpers/gto-fixtures.js';
import { gitRepo, tempDir, type TestRepo } from '../helpers/git-repo.js';
import { gitProcesses } from '../helpers/git-trace.js';
import { mvAnswers } from '../helpers/gto-parity.js';
import { readAsGto } from '../helpers/gto-reader.js';

/**
 * GTO's index (`artifacts.yaml`, or the file `.gto`'s INDEX names) committed at HEAD. The cases GTO and
 * mv read alike (an index-only artifact, a deprecated artifact re-activated by HEAD or not, `.gto`'s
 * INDEX) are parity fixtures, checked in gto-parity.test.ts; here are the indexes GTO refuses or mv does
 * not read, and what show and ls make of an index-only artifact. Every GTO answer below was recorded by
 * running GTO on the same repository.
 */

async function fixtureRepo(name: string): Promise<TagSetBuilder> {
  const repo = await tagSetRepo(await tempDir());
  await [...PARITY_FIXTURES, ...INDEX_DEVIATIONS].find((f) => f.name === name)!.build(repo);
  return repo;
}

describe("indexes GTO refuses, or mv reads no further than its limits: mv keeps the tags' registry and says what it left out", () => {
  it.each(INDEX_DEVIATIONS.map((f) => [f.name, f] as const))('%s', async (_name, fixture) => {
    const repo = await tagSetRepo(await tempDir());
    await fixture.build(repo);
    // GTO's answer (recorded), which the port of GTO's reading gives too.
    expect(await readAsGto(repo.dir)).toEqual(fixture.gto);
    expect(await mvAnswers(repo.dir)).toEqual(fixture.mv);
    const registry = await readRegistry(new Git(repo.dir));
    expect(registry.notes.join('\n')).toContain(fixture.note);
  });

  it('reads an index of many entries within the limits, and a YAML alias bomb not at all', async () => {
    const repo = await tagSetRepo(await tempDir());
    const many = Array.from({ length: 2000 }, (_, i) => `model-${i}: {type: model, path: models/${i}.pkl}\n`).join('');
    await repo.commitFiles(10, { 'artifacts.yaml': many });
    expect((await readRegistry(new Git(repo.dir))).artifacts.size).toBe(2000);

    const rows = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`)];
    await repo.commitFiles(20, { 'artifacts.yaml': `${rows.join('\n')}\nlisted: {custom: *i}\n` });
    const registry = await readRegistry(new Git(repo.dir));
    expect(registry.artifacts.size).toBe(0);
    expect(registry.notes.join('\n')).toMatch(/artifacts\.yaml at HEAD.*Its artifacts are not listed/s);
  });

  it("a .gto whose INDEX leaves the repository is not followed, and GTO's index is not read", async () => {
    const repo = await tagSetRepo(await tempDir());
    await repo.commitFiles(10, { '.gto': 'INDEX: ../outside.yaml\n', 'artifacts.yaml': 'm: {}\n' });
    const registry = await readRegistry(new Git(repo.dir));
    expect(registry.artifacts.size).toBe(0);
    expect(registry.notes.join('\n')).toContain(`INDEX in .gto at HEAD ("../outside.yaml")`);
  });

  it('reads the committed index, not the work tree', async () => {
    const repo = await fixtureRepo('index-only');
    await repo.git('rm', '-q', 'artifacts.yaml');
    await writeFile(join(repo.dir, '.gto'), 'INDEX: other.yaml\n');
    await writeFile(join(repo.dir, 'other.yaml'), 'uncommitted: {}\n');
    expect([...(await readRegistry(new Git(repo.dir))).artifacts.keys()]).toEqual(['churn', 'm']);
  });
});

describe('an artifact only listed in artifacts.yaml', () => {
  it("mv show NAME gives its annotation and HEAD's commit as its one (unregistered) version, as gto show NAME does", async () => {
    const repo = await fixtureRepo('index-only');
    const head = await repo.git('rev-parse', 'HEAD');
    const result = await show({ cwd: repo.dir, ref: 'churn' });
    if (result.kind !== 'artifact') throw new Error(`expected an artifact, got ${result.kind}`);
    // GTO (`gto show churn --json`): one version, its commit hexsha b52797b… (HEAD), no registrations or
    // stages, is_active true, and this enrichment (`gto show --json`: registered false, version null).
    expect(head).toBe('b52797bdabcc4454be4f2037aaaf504b70db8a61');
    const gtoAnnotation = { type: 'model', path: 'models/churn.pkl', virtual: true, labels: ['tabular', 'prod'], description: 'Churn classifier', custom: null };
    expect(result).toMatchObject({ artifact: 'churn', deprecated: null, registered: false, stages: [] });
    expect(result.annotation).toEqual({ file: 'artifacts.yaml', commit: head, ...gtoAnnotation });
    expect(result.versions).toEqual([expect.objectContaining({ version: head, id: `churn@${head}`, commit: head, status: 'unregistered', stages: [], registered: null })]);

    const registered = await show({ cwd: repo.dir, ref: 'm' });
    if (registered.kind !== 'artifact') throw new Error('expected an artifact');
    expect(registered).toMatchObject({ registered: true, annotation: null });
    await expect(show({ cwd: repo.dir, ref: 'unlisted' })).rejects.toMatchObject({ code: 'UNKNOWN_ARTIFACT' });
  });

  it('mv ls lists it with no versions, marked as listed in artifacts.yaml (the --json shape)', async () => {
    const repo = await fixtureRepo('index-only');
    const result = await ls({ cwd: repo.dir });
    // GTO (`gto show --json`): churn {version: null, stage: {}, registered: false, active: true}; m {version: v1.0.0, registered: true}.
    expect(JSON.parse(JSON.stringify(result))).toEqual({
      artifacts: [
        { name: 'churn', latest: null, versions: 0, archived: 0, deregistered: 0, candidates: [], stages: {}, deprecated: false, registered: false, listedIn: 'artifacts.yaml' },
        { name: 'm', latest: 'm@v1.0.0', versions: 1, archived: 0, deregistered: 0, candidates: ['m@v1.0.0'], stages: {}, deprecated: false, registered: true, listedIn: null },
      ],
      hidden: 0,
      notes: [],
    });
  });

  it("deprecating an artifact the index lists warns that HEAD's next commit makes it active again", async () => {
    const repo = await fixtureRepo('index-lists-registered');
    const result = await deprecate({ cwd: repo.dir, ref: 'm' });
    expect(result.warnings.join('\n')).toContain('artifacts.yaml lists m');
    // Tagged after HEAD's commit: deprecated, as GTO reads it (fixture index-without-deprecated is the same rule).
    expect((await readRegistry(new Git(repo.dir))).artifacts.get('m')!.deprecated).toBeDefined();
  });
});

describe('git processes', () => {
  /** The git commands `run` starts, by name only. */
  const gitCommands = async (run: () => Promise<unknown>): Promise<string[]> => (await gitProcesses(run)).map((line) => line.split(' ')[0]!);

  it('a registry read pays one cat-file for the index, and only when the work tree has one', async () => {
    const repo = await fixtureRepo('index-only');
    const withIndex = await gitCommands(() => readRegistry(new Git(repo.dir)));
    await repo.commitFiles(30, { 'artifacts.yaml': null });
    const without = await gitCommands(() => readRegistry(new Git(repo.dir)));
    expect([...withIndex].sort()).toEqual([...without, 'cat-file'].sort());
    expect(without).not.toContain('cat-file');
  });

  it('mv status and mv add start the same git processes with an index as without', async () => {
    const counts: string[][][] = [];
    for (const index of [false, true]) {
      const repo: TestRepo = await gitRepo();
      if (index) await repo.write('artifacts.yaml', 'm: {type: model, path: models/m.bin}\n');
      await init({ cwd: repo.dir });
      await repo.commitAll('mv');
      await repo.write('models/m.bin', 'weights\n');
      // Sorted: processes started side by side may start in either order.
      counts.push([(await gitCommands(() => add({ cwd: repo.dir, name: 'm', paths: ['models/m.bin'] }))).sort(), (await gitCommands(() => status({ cwd: repo.dir }))).sort()]);
    }
    const [without, withIndex] = counts;
    expect(without![0]!.length).toBeGreaterThan(0);
    expect(withIndex).toEqual(without);
  });
});

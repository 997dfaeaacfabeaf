import { describe, expect, it } from 'vitest';
import { archive, deprecate, promote, rollback } from '../../src/index.js';
import { Git } from '../../src/git.js';
import { readArtifact } from '../../src/registry/registry-state.js';
import { lastChange } from '../../src/registry/state.js';
import { BASE_TIME, PARITY_FIXTURES, tagSetRepo, type TagSetBuilder } from '../helpers/gto-fixtures.js';
import { tempDir } from '../helpers/git-repo.js';
import { gtoVersion, mvAnswer } from '../helpers/gto-parity.js';
import { readAsGto, type GtoAnswer } from '../helpers/gto-reader.js';

/**
 * Registries written by mv, read by GTO's rule (the port in test/helpers/gto-reader.ts, checked against
 * GTO itself in gto-parity.test.ts): after every write, GTO must see the same latest version, the same
 * active/deprecated answer, and in each stage mv wrote last exactly mv's holders, `gto show` naming one
 * of them (the only one unless traffic is split). In a stage GTO wrote last, `gto show` names mv's holder.
 */

/** Runs `write` as if the clock said BASE_TIME + seconds (GIT_COMMITTER_DATE, as a user or CI may set it). */
async function at<T>(seconds: number, write: () => Promise<T>): Promise<T> {
  process.env.GIT_COMMITTER_DATE = `@${BASE_TIME + seconds} +0000`;
  try {
    return await write();
  } finally {
    delete process.env.GIT_COMMITTER_DATE;
  }
}

async function expectGtoAgrees(dir: string, artifact: string): Promise<GtoAnswer> {
  const gto = await readAsGto(dir);
  expect(gto).not.toHaveProperty('error');
  const { state } = await readArtifact(new Git(dir), artifact);
  const mine = mvAnswer(state);
  const theirs = (gto as Record<string, GtoAnswer>)[artifact]!;
  expect({ active: theirs.active, latest: theirs.latest }).toEqual({ active: mine.active, latest: mine.latest });
  const stages = new Set([...Object.keys(theirs.all_in_stage), ...[...state.stages].filter(([, h]) => h.length).map(([s]) => s)]);
  for (const stage of stages) {
    const holders = (state.stages.get(stage) ?? []).map((h) => gtoVersion(h.version)).sort();
    if (lastChange(state, stage)?.event.payload) expect([...(theirs.all_in_stage[stage] ?? [])].sort(), `every version GTO counts in ${stage}`).toEqual(holders);
    if (holders.length === 1) expect(theirs.stages[stage], `the version gto show names for ${stage}`).toBe(holders[0]);
    else expect(holders, `the version gto show names for ${stage}`).toContain(theirs.stages[stage]);
  }
  return theirs;
}

/** Four versions of `m`, registered as GTO registers them. */
async function fourVersions(): Promise<TagSetBuilder> {
  const repo = await tagSetRepo(await tempDir());
  for (const [i, v] of ['1.0.0', '1.1.0', '1.2.0', '1.3.0'].entries()) await repo.tag(`m@v${v}`, await repo.commit(i), 10 + i);
  return repo;
}

describe('a registry written by mv reads the same in GTO', () => {
  it('promotions replace the holder with unassign tags; rollback, archive, deregister and deprecate agree', async () => {
    const repo = await fourVersions();
    const cwd = repo.dir;
    const promoted = await at(100, () => promote({ cwd, ref: 'm@v1.0.0', stage: 'staging' }));
    expect(promoted.tags).toEqual(['m#staging#1']);
    await expectGtoAgrees(cwd, 'm');
    const replaced = await at(110, () => promote({ cwd, ref: 'm@v1.1.0', stage: 'staging' }));
    expect(replaced.tags).toEqual(['m#staging#2', 'm#staging!#3']);
    expect((await expectGtoAgrees(cwd, 'm')).all_in_stage).toEqual({ staging: ['v1.1.0'] });
    await at(120, () => promote({ cwd, ref: 'm@v1.0.0', stage: 'production', force: true }));
    await at(130, () => promote({ cwd, ref: 'm@v1.1.0', stage: 'production' }));
    expect((await expectGtoAgrees(cwd, 'm')).stages).toEqual({ production: 'v1.1.0', staging: 'v1.1.0' });

    const back = await at(140, () => rollback({ cwd, name: 'm' }));
    expect(back.tags).toEqual(['m#production#7', 'm#production!#8']);
    expect((await expectGtoAgrees(cwd, 'm')).stages).toEqual({ production: 'v1.0.0', staging: 'v1.1.0' });

    // Archiving the staging holder: it leaves staging, and is deregistered so GTO's latest agrees.
    const archived = await at(150, () => archive({ cwd, ref: 'm@v1.1.0' }));
    expect(archived.tags).toEqual(['m#staging!#9', 'm#archived#10', 'm@v1.1.0!']);
    expect(await expectGtoAgrees(cwd, 'm')).toMatchObject({ latest: 'v1.3.0', stages: { production: 'v1.0.0' } });
    await at(160, () => deprecate({ cwd, ref: 'm@v1.3.0' }));
    expect((await expectGtoAgrees(cwd, 'm')).latest).toBe('v1.2.0');

    await at(170, () => deprecate({ cwd, ref: 'm' }));
    expect((await expectGtoAgrees(cwd, 'm')).active).toBe(false);
    // Promoting again (forced past the deprecation) makes the artifact active for both.
    await at(180, () => promote({ cwd, ref: 'm@v1.2.0', stage: 'staging', force: true }));
    expect((await expectGtoAgrees(cwd, 'm')).active).toBe(true);
    // A second deprecation needs a counter: the plain name is taken.
    expect((await at(190, () => deprecate({ cwd, ref: 'm' }))).tags).toEqual(['m@deprecated#12']);
    expect((await expectGtoAgrees(cwd, 'm')).active).toBe(false);
  });

  it('traffic splits: every holder is in the stage for GTO, and gto show names the newest assigned', async () => {
    const repo = await fourVersions();
    const cwd = repo.dir;
    await at(100, () => promote({ cwd, ref: 'm@v1.0.0', stage: 'production', force: true }));
    await at(110, () => promote({ cwd, ref: 'm@v1.1.0', stage: 'production', traffic: 10, force: true }));
    expect((await expectGtoAgrees(cwd, 'm')).stages).toEqual({ production: 'v1.1.0' });
    await at(120, () => promote({ cwd, ref: 'm@v1.2.0', stage: 'production', traffic: 20, force: true }));
    expect((await expectGtoAgrees(cwd, 'm')).all_in_stage.production).toEqual(['v1.2.0', 'v1.1.0', 'v1.0.0']);
    // Replacing a three-way split unassigns all three.
    const replaced = await at(130, () => promote({ cwd, ref: 'm@v1.3.0', stage: 'production', force: true }));
    expect(replaced.tags).toEqual(['m#production#4', 'm#production!#5', 'm#production!#6', 'm#production!#7']);
    await expectGtoAgrees(cwd, 'm');
    // Rolling back brings the split back: three versions enter in one second; GTO names one of them.
    const back = await at(140, () => rollback({ cwd, name: 'm' }));
    expect(back.stages[0]!.after.map((h) => [h.version, h.weight])).toEqual([['1.2.0', 20], ['1.1.0', 8], ['1.0.0', 72]]);
    await expectGtoAgrees(cwd, 'm');
    // Archiving a canary rescales the others; GTO keeps the remaining two.
    await at(150, () => archive({ cwd, ref: 'm@v1.2.0' }));
    expect((await expectGtoAgrees(cwd, 'm')).all_in_stage.production!.sort()).toEqual(['v1.0.0', 'v1.1.0']);
  });

  it('commands run within one second still read the same: later tags are dated after earlier ones', async () => {
    const repo = await fourVersions();
    const cwd = repo.dir;
    const written: string[] = [];
    const warnings: string[] = [];
    const writes: Array<() => Promise<{ tags: string[]; warnings: string[] }>> = [
      () => promote({ cwd, ref: 'm@v1.0.0', stage: 'production', force: true }),
      () => promote({ cwd, ref: 'm@v1.1.0', stage: 'production', force: true }),
      () => rollback({ cwd, name: 'm' }),
      () => promote({ cwd, ref: 'm@v1.2.0', stage: 'production', traffic: 30, force: true }),
      () => archive({ cwd, ref: 'm@v1.0.0' }),
      () => deprecate({ cwd, ref: 'm' }),
    ];
    for (const write of writes) {
      const result = await at(100, write);
      written.push(...result.tags);
      warnings.push(...result.warnings);
      await expectGtoAgrees(cwd, 'm');
    }
    const dates = await Promise.all(written.map(async (t) => Number(await repo.git('for-each-ref', '--format=%(taggerdate:unix)', `refs/tags/${t}`))));
    // Each command's tags share one second, later than every earlier command's.
    expect(dates).toEqual([100, 101, 101, 102, 102, 103, 104, 104, 104, 105].map((s) => BASE_TIME + s));
    expect(warnings.filter((w) => w.includes('GIT_COMMITTER_DATE'))).toHaveLength(5);
    expect((await expectGtoAgrees(cwd, 'm')).active).toBe(false);
  });

  it("mv's writes in GTO's example registry: promote, archive and rollback agree with GTO", async () => {
    const repo = await tagSetRepo(await tempDir());
    await PARITY_FIXTURES.find((f) => f.name === 'example-gto')!.build(repo);
    const cwd = repo.dir;
    const promoted = await at(0, () => promote({ cwd, ref: 'churn@v3.1.0', stage: 'prod' }));
    expect(promoted.stages).toEqual([{ stage: 'prod', before: [expect.objectContaining({ version: '3.0.0' })], after: [expect.objectContaining({ version: '3.1.0' })] }]);
    expect((await expectGtoAgrees(cwd, 'churn')).stages).toEqual({ dev: 'v3.1.0', prod: 'v3.1.0', staging: 'v3.1.0' });
    // dev still has v3.0.0 for GTO (assigned earlier, never unassigned): archiving v3.1.0 falls back to it.
    const archived = await at(10, () => archive({ cwd, ref: 'churn@v3.1.0' }));
    expect(archived.warnings).toEqual(expect.arrayContaining([expect.stringContaining('churn dev falls back to v3.0.0')]));
    expect(await expectGtoAgrees(cwd, 'churn')).toMatchObject({ latest: 'v3.0.0', stages: { dev: 'v3.0.0' } });
    await at(20, () => promote({ cwd, ref: 'churn@v3.0.0', stage: 'prod' }));
    expect((await expectGtoAgrees(cwd, 'churn')).stages).toEqual({ dev: 'v3.0.0', prod: 'v3.0.0' });
  });
});

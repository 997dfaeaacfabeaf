/** --dry-run on the registry writes: the stage changes and the exact tags, and nothing written. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { archive } from '../../src/commands/archive.js';
import { deprecate } from '../../src/commands/deprecate.js';
import { promote } from '../../src/commands/promote.js';
import { rollback } from '../../src/commands/rollback.js';
import { gitRepo } from '../helpers/git-repo.js';
import { initProject, ADD_ARGS } from '../helpers/project.js';
import { mvOk } from '../helpers/mv-cli.js';
import { expectUnchanged, snapshotTree } from '../security/attack.js';

describe('registry writes with --dry-run', () => {
  it('promote, rollback, archive and deprecate report what they would do and write nothing; the real run does exactly that', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    await mvOk(repo.dir, ADD_ARGS);
    await promote({ cwd: repo.dir, ref: 'churn@v0.1.0', stage: 'staging' });
    const newer = async () => {
      await writeFile(join(repo.dir, 'models/churn/model.pt'), 'retrained');
      await mvOk(repo.dir, ['add', 'churn']);
      await promote({ cwd: repo.dir, ref: 'churn@v0.1.1', stage: 'staging' });
      await promote({ cwd: repo.dir, ref: 'churn@v0.1.1', stage: 'production' });
    };
    const cases: Array<[string, () => Promise<{ tags: string[]; dryRun: boolean }>, () => Promise<{ tags: string[] }>, (() => Promise<void>)?]> = [
      ['promote', () => promote({ cwd: repo.dir, ref: 'churn@v0.1.0', stage: 'production', dryRun: true }), () => promote({ cwd: repo.dir, ref: 'churn@v0.1.0', stage: 'production' }), newer],
      ['rollback', () => rollback({ cwd: repo.dir, name: 'churn', stage: 'production', dryRun: true }), () => rollback({ cwd: repo.dir, name: 'churn', stage: 'production' })],
      ['archive', () => archive({ cwd: repo.dir, ref: 'churn@v0.1.1', dryRun: true }), () => archive({ cwd: repo.dir, ref: 'churn@v0.1.1' })],
      ['deprecate', () => deprecate({ cwd: repo.dir, ref: 'churn', dryRun: true }), () => deprecate({ cwd: repo.dir, ref: 'churn' })],
    ];
    for (const [what, dry, real, then] of cases) {
      const before = await snapshotTree(join(repo.dir, '.git'));
      const planned = await dry();
      await expectUnchanged(join(repo.dir, '.git'), before);
      expect(planned.dryRun, what).toBe(true);
      expect(planned.tags.length, what).toBeGreaterThan(0);
      expect((await real()).tags, what).toEqual(planned.tags);
      await then?.();
    }
  });

  it('through the CLI: the plan on stdout, marked as not done', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    await mvOk(repo.dir, ADD_ARGS);
    const tags = await repo.git('tag', '-l');
    const run = await mvOk(repo.dir, ['promote', 'churn@v0.1.0', 'staging', '--dry-run']);
    expect(run.stdout).toBe('would change churn staging: (none) → v0.1.0\nwould create tag churn#staging#1');
    expect(run.stderr).toContain('Nothing was written (--dry-run).');
    expect(await repo.git('tag', '-l')).toBe(tags);
  });
});

/**
 * Reproducing a version: `checkout --lineage` (and `pull --lineage`) write its data, pipeline and params
 * file back, with the same protection of unsaved work as its files; `status` in a fresh clone says what is
 * missing and the command that brings it, and never calls a file git tracks "not in cache".
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { add } from '../../src/commands/add.js';
import { checkout } from '../../src/commands/checkout.js';
import { pull } from '../../src/commands/fetch.js';
import { push } from '../../src/commands/push.js';
import { status } from '../../src/commands/status.js';
import { tempDir } from '../helpers/git-repo.js';
import { cli, cliOk } from '../helpers/mv-cli.js';
import { cloneThroughOrigin, projectWithVersion } from '../helpers/remote-project.js';

async function twoVersions() {
  const remote = await tempDir('mv-remote-');
  const repo = await projectWithVersion({ remote: { name: 'origin', url: remote, makeDefault: true } });
  await writeFile(join(repo.dir, 'data/train/part-0.csv'), 'id,churned\n1,0\n2,1\n5,1\n');
  await writeFile(join(repo.dir, 'src/preprocess.py'), 'def preprocess(rows):\n    return [r for r in rows if r]\n');
  await repo.git('commit', '-q', '-am', 'better preprocessing');
  await writeFile(join(repo.dir, 'models/churn/model.pt'), 'retrained');
  await add({ cwd: repo.dir, name: 'churn' });
  await push({ cwd: repo.dir, all: true });
  return { repo, clone: await cloneThroughOrigin(repo) };
}

describe('reproducing a version', () => {
  it('status in a fresh clone names what is missing; pull then checkout --lineage puts an old version\'s inputs back', async () => {
    const { clone } = await twoVersions();
    const fresh = await status({ cwd: clone.dir });
    const churn = fresh.artifacts[0]!;
    expect(churn.entries.filter((e) => e.role === 'file').every((e) => e.condition === 'missing' && !e.cached)).toBe(true);
    // The pipeline is committed: git holds it, so it is never "not in cache".
    expect(churn.entries.find((e) => e.role === 'pipeline')).toMatchObject({ condition: 'unchanged', tracked: true });

    await pull({ cwd: clone.dir, refs: ['churn@v0.1.0'], lineage: true });
    expect(await readFile(join(clone.dir, 'data/train/part-0.csv'), 'utf8')).toBe('id,churned\n1,0\n2,1\n');
    expect(await readFile(join(clone.dir, 'src/preprocess.py'), 'utf8')).toBe('def preprocess(rows):\n    return rows\n');
    const back = await status({ cwd: clone.dir });
    expect(back.artifacts[0]).toMatchObject({ checkedOut: '0.1.0' });
    expect(back.artifacts[0]!.entries.filter((e) => e.role !== 'file').every((e) => e.matchesCheckout)).toBe(true);

    await pull({ cwd: clone.dir, refs: ['churn'], lineage: true });
    expect(await readFile(join(clone.dir, 'src/preprocess.py'), 'utf8')).toContain('if r]');
    expect(await clone.git('status', '--porcelain')).toBe('');
    expect((await status({ cwd: clone.dir })).clean).toBe(true);
  });

  it('unsaved edits to the pipeline or data block the lineage checkout unless --force', async () => {
    const { repo } = await twoVersions();
    await writeFile(join(repo.dir, 'src/preprocess.py'), '# my experiment, not committed\n');
    await expect(checkout({ cwd: repo.dir, ref: 'churn@v0.1.0', lineage: true })).rejects.toMatchObject({ code: 'LOCAL_CHANGES', message: expect.stringContaining('src/preprocess.py') });
    expect(await readFile(join(repo.dir, 'src/preprocess.py'), 'utf8')).toBe('# my experiment, not committed\n');
    await checkout({ cwd: repo.dir, ref: 'churn@v0.1.0', lineage: true, force: true });
    expect(await readFile(join(repo.dir, 'src/preprocess.py'), 'utf8')).toBe('def preprocess(rows):\n    return rows\n');
  });

  it('after a lineage checkout, status names the command that brings files and lineage back, and it does', async () => {
    const { repo } = await twoVersions();
    await checkout({ cwd: repo.dir, ref: 'churn@v0.1.0', lineage: true });
    const shown = await cli(repo.dir, ['status']);
    expect(shown.stdout).toContain('the files and lineage are those of v0.1.0; `mvr checkout churn --lineage` returns to v0.2.0');
    await cliOk(repo.dir, ['checkout', 'churn', '--lineage']);
    expect((await status({ cwd: repo.dir })).clean).toBe(true);
    expect(await repo.git('status', '--porcelain')).toBe('');
  });

  it('without --lineage, a checkout leaves data and pipeline alone', async () => {
    const { repo } = await twoVersions();
    await checkout({ cwd: repo.dir, ref: 'churn@v0.1.0' });
    expect(await readFile(join(repo.dir, 'src/preprocess.py'), 'utf8')).toContain('if r]');
    expect(await readFile(join(repo.dir, 'data/train/part-0.csv'), 'utf8')).toContain('5,1');
    // Lineage missing beside the files of another version: status names the pull that writes all of it.
    await rm(join(repo.dir, 'data/train'), { recursive: true });
    expect((await cli(repo.dir, ['status'])).stdout).toContain("`mvr pull churn@v0.1.0 --lineage` writes v0.1.0's data, pipeline and params file too");
  });
});

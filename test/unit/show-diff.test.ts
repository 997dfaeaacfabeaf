/** `show` of a version says what it records; `diff` compares folders file by file. Through the library. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { add } from '../../src/commands/add.js';
import { diff } from '../../src/commands/diff.js';
import { show } from '../../src/commands/show.js';
import { gitRepo } from '../helpers/git-repo.js';
import { initProject } from '../helpers/project.js';
import { ADD_ARGS } from '../helpers/project.js';
import { mvOk } from '../helpers/mv-cli.js';

describe('show and diff', () => {
  it('show of a version lists its files, lineage, params and metrics with paths from the repository top', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    await mvOk(repo.dir, ADD_ARGS);
    const result = await show({ cwd: repo.dir, ref: 'churn@v0.1.0' });
    if (result.kind !== 'version') throw new Error('expected a version');
    expect(result.version.recorded).toMatchObject({
      files: [{ path: 'models/churn/model.pt', size: 65536 }, { path: 'models/churn/tokenizer/', nfiles: 2 }],
      lineage: { data: [{ path: 'data/train/', nfiles: 2 }], pipeline: [{ path: 'src/preprocess.py' }], paramsFile: 'params.yaml' },
      metricsFile: 'metrics.json',
    });
    expect(result.version.metrics).toEqual({ accuracy: 0.912, f1: 0.88 });
    const text = await mvOk(repo.dir, ['show', 'churn@v0.1.0']);
    expect(text.stdout).toMatch(/^ {2}files\n {4}models\/churn\/model\.pt {4}64\.0 KiB$/m);
    expect(text.stdout).toMatch(/^ {4}accuracy {2}0\.912$/m);
  });

  it('diff of two versions counts the files added, removed and changed in a data folder, with bytes; --files lists them', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    await add({ cwd: repo.dir, name: 'churn', paths: ['models/churn/model.pt', 'models/churn/tokenizer/'], data: ['data/train'] });
    await writeFile(join(repo.dir, 'data/train/part-1.csv'), 'id,churned\n3,1\n4,0\n');
    await writeFile(join(repo.dir, 'data/train/part-2.csv'), 'id,churned\n5,1\n');
    await add({ cwd: repo.dir, name: 'churn' });
    const result = await diff({ cwd: repo.dir, from: 'churn@v0.1.0', to: 'churn@v0.2.0', files: true });
    expect(result.data).toEqual([
      expect.objectContaining({ key: 'data/train/', change: 'changed', folder: { added: 1, removed: 0, changed: 1, unchanged: 1, bytes: { added: 15, removed: 0, changed: 19 }, paths: { added: ['part-2.csv'], removed: [], changed: ['part-1.csv'] } } }),
    ]);
    const text = await mvOk(repo.dir, ['diff', 'churn@v0.1.0', 'churn@v0.2.0']);
    expect(text.stdout).toContain('~ data/train/  +1 file (15 B), ~1 file changed (19 B), 1 unchanged');
  });
});

import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readWorkspacePointer } from '../../src/pointer/locate.js';
import { add, checkout, status, type AddOptions } from '../../src/index.js';
import { refusal, tagsOf } from '../helpers/assertions.js';
import { copyRepo, gitRepo, suiteDir, testRepoAt, type TestRepo } from '../helpers/git-repo.js';
import { cli } from '../helpers/mv-cli.js';
import { ADD_OPTIONS, addChurn, initProject } from '../helpers/project.js';

let template: string;
beforeAll(async () => {
  const repo = await gitRepo({ dir: join(await suiteDir('mv-refusals-'), 'project') });
  await initProject(repo);
  template = repo.dir;
});
const project = (): Promise<TestRepo> => copyRepo(template);

/** mv add refuses, with the message, and leaves the repository as it was. */
async function expectRefused(options: AddOptions, message: string, setup: (dir: string) => Promise<void>): Promise<void> {
  const repo = await project();
  await setup(repo.dir);
  const head = await repo.git('rev-parse', 'HEAD');
  const refused = await refusal(add({ cwd: repo.dir, ...options }));
  expect(refused).toMatchObject({ usage: false, text: expect.stringContaining(message) });
  expect(await repo.git('rev-parse', 'HEAD')).toBe(head);
  expect(await tagsOf(repo)).toEqual([]);
  // Nothing it could not read back was written: status still works.
  await status({ cwd: repo.dir });
}

describe('mv add never commits a pointer it would refuse to read', () => {
  it('a path that is not there, named before uncommitted code is', () =>
    expectRefused({ name: 'gone', paths: ['models/nothere.pt'], pipeline: ['src/nothere.py'], data: ['data/train'] }, 'models/nothere.pt does not exist.', async (dir) => {
      await writeFile(join(dir, 'params.yaml'), 'lr: 0.5\n');
    }));

  it('a path that is not there, typed in a subfolder, is named as typed and from the top', async () => {
    const repo = await project();
    const refused = await refusal(add({ cwd: join(repo.dir, 'models'), name: 'gone', paths: ['nothere.pt'], data: ['../data/train'] }));
    expect(refused).toMatchObject({ code: 'PATH_MISSING', text: expect.stringContaining('nothere.pt does not exist (models/nothere.pt from the top of the repository).') });
    expect(refused.text).toContain('relative to the current directory');
  });

  it('from a subfolder, the --drop a refusal offers names the path from there, and it works', async () => {
    const repo = await project();
    await addChurn(repo);
    await rm(join(repo.dir, 'models/churn/tokenizer'), { recursive: true });
    const cwd = join(repo.dir, 'models');
    const refused = await refusal(add({ cwd, name: 'churn' }));
    expect(refused.text).toContain('`mvr add churn --drop churn/tokenizer/`');
    // Naming the files without the tokenizer: the loss is refused, with the same --drop.
    const lost = await refusal(add({ cwd, name: 'churn', paths: ['churn/model.pt'] }));
    expect(lost).toMatchObject({ code: 'INPUTS_DROPPED', text: expect.stringContaining('--drop churn/tokenizer.') });
    const made = await add({ cwd, name: 'churn', drop: ['churn/tokenizer/'] });
    expect((await readWorkspacePointer(repo.dir, made.pointer.path))!.pointer.files.map((f) => f.path)).toEqual(['model.pt']);
    // Dropping every file leaves nothing to version: refused as such.
    await expect(add({ cwd, name: 'churn', drop: ['churn/model.pt'] })).rejects.toMatchObject({ message: 'Every file of churn would be left out: a version has at least one file.' });
  });

  it('a params or metrics file the current version read, gone from the work tree: named as such, and --drop leaves it out', async () => {
    const repo = await project();
    await addChurn(repo, { paramsFile: 'params.yaml', metricsFile: 'metrics.json', params: ['seed=3'] });
    await repo.git('rm', '-q', '--ignore-unmatch', 'params.yaml', 'metrics.json');
    await rm(join(repo.dir, 'params.yaml'), { force: true });
    await rm(join(repo.dir, 'metrics.json'), { force: true });
    await repo.git('commit', '-qm', 'no params or metrics files', '--allow-empty');
    await repo.write('models/churn/model.pt', 'retrained');
    const refused = await refusal(add({ cwd: repo.dir, name: 'churn' }));
    expect(refused).toMatchObject({ code: 'PATH_MISSING', text: expect.stringContaining('params.yaml does not exist. The current version of churn read its params from it.') });
    expect(refused.text).toContain('`mvr add churn --drop params`');
    const made = await add({ cwd: repo.dir, name: 'churn', drop: ['params', 'metrics'] });
    const { pointer } = (await readWorkspacePointer(repo.dir, made.pointer.path))!;
    expect(pointer.lineage.params_file).toBeUndefined();
    expect(pointer.lineage.params).toBeUndefined();
    expect(pointer.metrics_file).toBeUndefined();
  });

  it('--drop of the params or metrics file by its path leaves out what was read from it, as --drop params or metrics does', async () => {
    const repo = await project();
    await addChurn(repo, { paramsFile: 'params.yaml', metricsFile: 'metrics.json' });
    await repo.write('models/churn/model.pt', 'retrained');
    const made = await add({ cwd: repo.dir, name: 'churn', drop: ['params.yaml', 'metrics.json'] });
    const { pointer } = (await readWorkspacePointer(repo.dir, made.pointer.path))!;
    expect(pointer.lineage.params_file).toBeUndefined();
    expect(pointer.lineage.params).toBeUndefined();
    expect(pointer.metrics_file).toBeUndefined();
    expect(pointer.metrics).toBeUndefined();
  });

  it('a --drop that names nothing the current version records is a usage error naming it and what the version has', async () => {
    const repo = await project();
    await addChurn(repo);
    await repo.write('models/churn/model.pt', 'retrained');
    const head = await repo.git('rev-parse', 'HEAD');
    const typo = await refusal(add({ cwd: repo.dir, name: 'churn', drop: ['nothing'] }));
    expect(typo).toMatchObject({ code: 'USAGE', usage: true });
    expect(typo.text).toContain('--drop nothing: churn@v0.1.0 records no file, input or part by that name, so there is nothing to leave out.');
    expect(typo.text).toContain('churn@v0.1.0 records: file models/churn/model.pt, file models/churn/tokenizer/, data data/train/, pipeline src/preprocess.py, params file params.yaml, params, metrics.');
    // From a subfolder, named as typed; a URI, an artifact and a part it does not have are refused alike.
    const fromModels = await refusal(add({ cwd: join(repo.dir, 'models'), name: 'churn', drop: ['churn/model.pt', 'churn/tokeniser/', 's3://bucket/train', 'imagenet@', 'signature'] }));
    expect(fromModels.text).toContain("--drop churn/tokeniser, s3://bucket/train, imagenet@, signature: churn@v0.1.0 records no file, input or part by those names");
    expect(await repo.git('rev-parse', 'HEAD')).toBe(head);
    expect(await tagsOf(repo)).toEqual(['churn@v0.1.0']);
    // On a branch without the pointer, the highest registered version is what --drop names things in.
    await repo.git('checkout', '-q', '-b', 'experiment', 'HEAD~1');
    const onBranch = await refusal(add({ cwd: repo.dir, ...ADD_OPTIONS, drop: ['models/churn/tokenizer/', 'data/tran'] }));
    expect(onBranch).toMatchObject({ usage: true, text: expect.stringContaining('--drop data/tran: churn@v0.1.0 records no file') });
    // A first version has nothing to leave out.
    const first = await refusal(add({ cwd: repo.dir, ...ADD_OPTIONS, name: 'fresh', drop: ['params'] }));
    expect(first).toMatchObject({ usage: true, text: expect.stringContaining('--drop params: fresh has no earlier version with a pointer, so there is nothing to leave out.') });
    expect(await tagsOf(repo)).toEqual(['churn@v0.1.0']);
  });

  it('the hint to --drop a lost params file works when its removal is not committed yet; other changes still count', async () => {
    const repo = await project();
    await repo.write('params.yaml', 'lr: 0.1\n');
    await repo.write('src/util.py', 'pass\n');
    await repo.git('add', 'params.yaml', 'src/util.py');
    await repo.git('commit', '-qm', 'params');
    await addChurn(repo, { paramsFile: 'params.yaml' });
    await rm(join(repo.dir, 'params.yaml'));
    await repo.write('models/churn/model.pt', 'retrained');
    const refused = await refusal(add({ cwd: repo.dir, name: 'churn' }));
    expect(refused.text).toContain('`mvr add churn --drop params`');
    await repo.write('src/util.py', 'changed()\n');
    await expect(add({ cwd: repo.dir, name: 'churn', drop: ['params'] })).rejects.toMatchObject({ code: 'DIRTY_WORKTREE', details: { files: ['src/util.py'] } });
    await repo.git('checkout', '--', 'src/util.py');
    const made = await add({ cwd: repo.dir, name: 'churn', drop: ['params'] });
    expect((await readWorkspacePointer(repo.dir, made.pointer.path))!.pointer.lineage.params_file).toBeUndefined();
  });

  it('a recorded data path that is gone, named before uncommitted code is', async () => {
    const repo = await project();
    await addChurn(repo);
    await repo.write('src/train.py', 'fit()\n');
    await repo.git('add', 'src/train.py');
    await repo.git('commit', '-qm', 'train');
    await rm(join(repo.dir, 'data/train'), { recursive: true });
    await repo.write('src/train.py', 'fit(epochs=3)\n');
    const refused = await refusal(add({ cwd: repo.dir, name: 'churn' }));
    expect(refused).toMatchObject({ code: 'PATH_MISSING', text: expect.stringContaining('data/train/ does not exist.') });
    // The command line did not name it: the message says where it comes from and both ways on.
    expect(refused.text).toContain('The current version of churn records it.');
    expect(refused.text).toContain('`mvr checkout churn --lineage`');
    expect(refused.text).toContain('`mvr add churn --drop data/train/`');
    // As the hint says: the version is made without it, and says so.
    await repo.git('commit', '-qam', 'epochs');
    const made = await add({ cwd: repo.dir, name: 'churn', drop: ['data/train/'] });
    const { pointer } = (await readWorkspacePointer(repo.dir, made.pointer.path))!;
    expect(pointer.lineage.data ?? []).toEqual([]);
    expect(pointer.files.map((f) => f.path)).toEqual(['model.pt', 'tokenizer/']);
  });

  it('an empty folder', () => expectRefused({ name: 'empty', paths: ['nothing/'], data: ['data/train'] }, 'has no files', (dir) => mkdir(join(dir, 'nothing'))));

  it('files whose names differ only by case', () =>
    expectRefused({ name: 'cased', paths: ['cs/M.bin', 'cs/m.bin'], data: ['data/train'] }, 'case-insensitive', async (dir) => {
      await mkdir(join(dir, 'cs'));
      await writeFile(join(dir, 'cs/M.bin'), '1');
      await writeFile(join(dir, 'cs/m.bin'), '2');
    }));

  it('a file with a newline in its name inside a folder (never silently left out)', () =>
    expectRefused({ name: 'nl', paths: ['nl/'], data: ['data/train'] }, 'control character', async (dir) => {
      await mkdir(join(dir, 'nl'));
      await writeFile(join(dir, 'nl/bad\nname.bin'), 'x');
      await writeFile(join(dir, 'nl/ok.bin'), 'ok');
    }));

  it('a path with a line break named on the command line: shown escaped, with a hint to rename it', async () => {
    const repo = await project();
    await repo.write('nl/bad\nname.bin', 'x');
    const refused = await refusal(add({ cwd: repo.dir, name: 'nl', paths: ['nl/bad\nname.bin'], data: ['data/train'] }));
    expect(refused.code).toBe('INVALID_PATH');
    expect(refused.text).toContain('nl/bad\\nname.bin contains a control character.');
    expect(refused.text.split('\n')).toHaveLength(2);
    expect(refused.text).toContain('Rename the file or folder, then name it again');
    // A path in the wrong place is still told where paths go.
    expect((await refusal(add({ cwd: repo.dir, name: 'nl', paths: ['../elsewhere.bin'] }))).text).toContain('Give paths to files or folders inside the repository');
    expect(await tagsOf(repo)).toEqual([]);
  });

  it('a symbolic link to a folder', () =>
    expectRefused({ name: 'linked', paths: ['linkdir'], data: ['data/train'] }, 'symbolic link to a folder', async (dir) => {
      await mkdir(join(dir, 'real'));
      await writeFile(join(dir, 'real/w.bin'), 'w');
      await symlink(join(dir, 'real'), join(dir, 'linkdir'));
    }));
});

describe('files git tracks', () => {
  it('a tracked file, or a folder holding one, is refused with the path named', async () => {
    await expectRefused({ name: 'tracked', paths: ['code/w.bin'], data: ['data/train'] }, 'code/w.bin is tracked by git', async (dir) => {
      await mkdir(join(dir, 'code'));
      await writeFile(join(dir, 'code/w.bin'), 'w');
      await testRepoAt(dir).git('add', 'code/w.bin');
      await testRepoAt(dir).git('commit', '-qm', 'code');
    });
    await expectRefused({ name: 'tracked', paths: ['code/'], data: ['data/train'] }, 'code/deep/w.bin is tracked by git', async (dir) => {
      await mkdir(join(dir, 'code/deep'), { recursive: true });
      await writeFile(join(dir, 'code/deep/w.bin'), 'w');
      await writeFile(join(dir, 'code/new.bin'), 'n');
      await testRepoAt(dir).git('add', 'code/deep/w.bin');
      await testRepoAt(dir).git('commit', '-qm', 'code');
    });
    // A path with a space is quoted in the command the hint gives.
    await expectRefused({ name: 'spaced', paths: ['my code/'], data: ['data/train'] }, "git rm -r --cached -- 'my code/' && git commit", async (dir) => {
      await mkdir(join(dir, 'my code'), { recursive: true });
      await writeFile(join(dir, 'my code/w.bin'), 'w');
      await testRepoAt(dir).git('add', 'my code/w.bin');
      await testRepoAt(dir).git('commit', '-qm', 'code');
    });
  });

  it("a folder holding the artifact's own pointer: the way out keeps the pointer in git, and the move to the folder loses nothing silently", async () => {
    const repo = await project();
    await addChurn(repo);
    const head = await repo.git('rev-parse', 'HEAD');
    const refused = await refusal(add({ cwd: repo.dir, name: 'churn', paths: ['models/churn/'] }));
    expect(refused.code).toBe('ALREADY_TRACKED');
    expect(refused.text).toContain("models/churn/ holds churn's own pointer (models/churn/churn.mv.yaml)");
    expect(refused.text).toContain('`git rm -q -- models/churn/churn.mv.yaml models/churn/.gitignore && git commit -m "Move churn\'s pointer"`');
    expect(refused.text).not.toContain('--cached');
    expect(await repo.git('rev-parse', 'HEAD')).toBe(head);
    // Following the hint: the version is compared with churn@v0.1.0 (no pointer in the work tree now), so its
    // lineage is not lost silently; the files now inside the folder are not counted as lost.
    await repo.git('rm', '-q', '--', 'models/churn/churn.mv.yaml', 'models/churn/.gitignore');
    await repo.git('commit', '-qm', "Move churn's pointer");
    const lost = await refusal(add({ cwd: repo.dir, name: 'churn', paths: ['models/churn/'] }));
    expect(lost.code).toBe('INPUTS_DROPPED');
    expect(lost.text).toContain('would leave out what churn@v0.1.0 has: data data/train/, pipeline src/preprocess.py, params file params.yaml, params, metrics.');
    expect(lost.text).toContain('name them on the command line');
    const made = await add({ cwd: repo.dir, ...ADD_OPTIONS, paths: ['models/churn/'] });
    expect(made).toMatchObject({ created: true, id: 'churn@v0.1.1', pointer: { path: 'models/churn.mv.yaml' } });
    const pointer = (await readWorkspacePointer(repo.dir, 'models/churn.mv.yaml'))!.pointer;
    expect(pointer.files.map((f) => f.path)).toEqual(['churn/']);
    expect(pointer.lineage.pipeline?.map((p) => p.path)).toEqual(['../src/preprocess.py']);
  });

  it('with no pointer in the work tree (a branch from before the artifact), a new version is checked against the highest registered one', async () => {
    const repo = await project();
    await addChurn(repo);
    await repo.git('checkout', '-q', '-b', 'experiment', 'HEAD~1');
    expect(existsSync(join(repo.dir, 'models/churn/churn.mv.yaml'))).toBe(false);
    const head = await repo.git('rev-parse', 'HEAD');
    const lost = await refusal(add({ cwd: repo.dir, name: 'churn', paths: ['models/churn/model.pt'] }));
    expect(lost.code).toBe('INPUTS_DROPPED');
    expect(lost.text).toContain('would leave out what churn@v0.1.0 has: file models/churn/tokenizer/, data data/train/, pipeline src/preprocess.py, params file params.yaml, params, metrics.');
    expect(lost.text).toContain('--drop models/churn/tokenizer --drop data/train --drop src/preprocess.py --drop params.yaml --drop params --drop metrics');
    expect(await repo.git('rev-parse', 'HEAD')).toBe(head);
    expect(await tagsOf(repo)).toEqual(['churn@v0.1.0']);
    // Leaving them out on purpose, as the hint says, registers the next version.
    const made = await add({ cwd: repo.dir, name: 'churn', paths: ['models/churn/model.pt'], drop: ['models/churn/tokenizer', 'data/train', 'src/preprocess.py', 'params.yaml', 'params', 'metrics'] });
    expect(made).toMatchObject({ created: true, id: 'churn@v0.2.0' });
  });

  it('a path that only starts like a tracked one is not refused', async () => {
    const repo = await project();
    // A tracked pointer file named after the artifact file: listed with the pointers, yet not under the path.
    await mkdir(join(repo.dir, 'code'));
    await writeFile(join(repo.dir, 'code/w.mv.yaml'), 'not a pointer\n');
    await repo.git('add', 'code/w.mv.yaml');
    await repo.git('commit', '-qm', 'code');
    await writeFile(join(repo.dir, 'code/w'), 'v');
    const result = await add({ cwd: repo.dir, name: 'prefixed', paths: ['code/w'], data: ['data/train'] });
    expect(result).toMatchObject({ created: true, id: 'prefixed@v0.1.0' });
  });
});

describe('one file, one artifact', () => {
  it('refuses to version a file that another artifact already versions', async () => {
    const repo = await project();
    await addChurn(repo);
    const refused = await refusal(add({ cwd: repo.dir, name: 'other', paths: ['models/churn/model.pt'], data: ['data/train'] }));
    expect(refused.text).toContain('already versioned as part of churn');
    expect(await tagsOf(repo)).toEqual(['churn@v0.1.0']);
  });
});

describe('a broken pointer does not take the others down', () => {
  it('status reports it, exits 1, and still reports the healthy artifacts', async () => {
    const repo = await project();
    await addChurn(repo);
    await repo.write('other/w.bin', 'w');
    await add({ cwd: repo.dir, name: 'other', paths: ['other/w.bin'], data: ['data/train'] });
    await repo.write('other/other.mv.yaml', (await repo.read('other/other.mv.yaml')).replace(/oid: sha256:[0-9a-f]+/, 'oid: sha256:nothex'));
    await repo.git('commit', '-qam', 'hand edit');
    const run = await cli(repo.dir, ['status', '--json']);
    expect(run.exitCode).toBe(1);
    const result = JSON.parse(run.stdout);
    expect(result.invalid[0]).toMatchObject({ file: 'other/other.mv.yaml', code: 'INVALID_POINTER' });
    expect(result.invalid[0].hint).toContain('git checkout HEAD -- other/other.mv.yaml');
    expect(result.artifacts.map((a: { name: string }) => a.name)).toEqual(['churn']);
  });
});

describe('damaged cache objects never reach the work tree', () => {
  it('checkout refuses an object whose bytes do not match, small or large', async () => {
    const repo = await project();
    await repo.write('models/churn/big.bin', Buffer.alloc(3 * 1024 * 1024, 7));
    const added = await add({ cwd: repo.dir, name: 'churn', paths: ['models/churn/'], data: ['data/train'] });
    const manifest = JSON.parse(await readFile(join(repo.dir, '.mv/cache/objects', added.files[0]!.oid.slice(7, 9), added.files[0]!.oid.slice(9)), 'utf8'));
    for (const name of ['big.bin', 'model.pt']) {
      const entry = manifest.entries.find((e: { path: string }) => e.path === name);
      const object = join(repo.dir, '.mv/cache/objects', entry.oid.slice(7, 9), entry.oid.slice(9));
      await chmod(object, 0o644);
      await writeFile(object, Buffer.alloc(entry.size, 0));
      await repo.write(`models/churn/${name}`, 'local edit');
      expect((await refusal(checkout({ cwd: repo.dir, ref: 'churn', force: true }))).text).toContain('does not match its content');
      expect(await repo.read(`models/churn/${name}`)).toBe('local edit');
    }
  });
});

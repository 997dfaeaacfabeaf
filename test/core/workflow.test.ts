/**
 * add, status and checkout through the library: version numbers, version rules, dirty code, lineage, and
 * bad input that changes nothing. What the CLI prints for them is checked with `cli` where the text is the
 * point; test/e2e/core-workflow.test.ts runs the same workflow through the built mvr.
 */
import { createHash } from 'node:crypto';
import { readFile, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { add, checkout, fetch, init, pull, remoteAdd, status } from '../../src/index.js';
import { readPointer, refusal, tagsOf } from '../helpers/assertions.js';
import { copyRepo, gitRepo, suiteDir, tempDir, type TestRepo } from '../helpers/git-repo.js';
import { cli, cliOk } from '../helpers/mv-cli.js';
import { ADD_OPTIONS, addChurn, initProject } from '../helpers/project.js';

/** The project with mv set up and nothing added, made once; each test works on a copy. */
let template: string;
beforeAll(async () => {
  const repo = await gitRepo({ dir: join(await suiteDir('mv-workflow-'), 'project') });
  await initProject(repo);
  template = repo.dir;
});
const project = (): Promise<TestRepo> => copyRepo(template);

describe('versions', () => {
  it('compares with the committed pointer, not a work-tree pointer edited since', async () => {
    const repo = await project();
    const first = await addChurn(repo);
    const weights = 'new weights';
    await repo.write('models/churn/model.pt', weights);
    // The work tree's pointer is edited by hand to claim the new weights: it is not the committed one.
    const file = first.pointer.path;
    const committed = await repo.read(file);
    const oldEntry = /path: model\.pt\n\s+oid: (sha256:[0-9a-f]{64})\n\s+size: (\d+)/.exec(committed)!;
    const claimed = committed.replace(oldEntry[1]!, `sha256:${createHash('sha256').update(weights).digest('hex')}`).replace(`size: ${oldEntry[2]!}`, `size: ${weights.length}`);
    expect(claimed).not.toBe(committed);
    await repo.write(file, claimed);
    const next = await addChurn(repo, { allowDirty: true });
    expect(next).toMatchObject({ id: 'churn@v0.1.1', created: true, change: { level: 'patch', reasons: ['files changed'] } });
  });

  it('bumps versions from what changed, and does nothing when nothing changed', async () => {
    const repo = await project();
    await addChurn(repo);

    const same = await addChurn(repo);
    expect(same).toMatchObject({ id: 'churn@v0.1.0', created: false });
    expect(await tagsOf(repo)).toEqual(['churn@v0.1.0']);

    await repo.write('models/churn/model.pt', 'new weights');
    const patch = await addChurn(repo);
    expect(patch.id).toBe('churn@v0.1.1');
    expect(patch.change).toEqual({ level: 'patch', reasons: ['files changed'] });

    await repo.write('params.yaml', 'lr: 0.01\nepochs: 20\n');
    await repo.commitAll('tune lr');
    await repo.write('models/churn/model.pt', 'retrained weights');
    const minor = await addChurn(repo);
    expect(minor.id).toBe('churn@v0.2.0');
    expect(minor.change!.reasons).toContain('params changed');

    await repo.write('signature.yaml', 'inputs: {features: "float32[14]"}\noutputs: {churn: float32}\n');
    const major = await addChurn(repo, { signatureFile: 'signature.yaml', allowDirty: true });
    expect(major).toMatchObject({ id: 'churn@v1.0.0', change: { level: 'major' } });

    const explicit = await addChurn(repo, { bump: 'minor', allowDirty: true });
    expect(explicit.id).toBe('churn@v1.1.0');
  });

  it('a committed pointer whose version no tag registers here (its tag left behind by a rebase) is warned about, and its number is not given again', async () => {
    const repo = await project();
    const first = await addChurn(repo);
    // A teammate's churn@v0.2.0 arrives as a commit whose tag stayed on the commit from before a rebase.
    const file = first.pointer.path;
    await repo.write(file, (await repo.read(file)).replace('version: 0.1.0', 'version: 0.2.0'));
    await repo.commitAll('rebased: churn v0.2.0');
    expect(await tagsOf(repo)).not.toContain('churn@v0.2.0');

    await repo.write('models/churn/model.pt', 'next weights');
    const next = await addChurn(repo, { bump: 'minor' });
    expect(next.id).toBe('churn@v0.3.0');
    expect(next.warnings).toContain(`${file} names churn@v0.2.0, which no tag registers in this clone: another clone may have registered it without its tag reaching the team (a rebase leaves a version's tag on the commit from before it; \`git push origin churn@v0.2.0\` there publishes it). Its number is not given again.`);
    await repo.write('models/churn/model.pt', 'more weights');
    expect((await addChurn(repo)).warnings.join('\n')).not.toContain('no tag registers');
  });

  it('enforces version rules: no reuse, maintenance releases only on an existing major line', async () => {
    const repo = await project();
    await addChurn(repo, { version: '1.4.1' });
    await repo.write('models/churn/model.pt', 'v2');
    await addChurn(repo, { version: '2.0.0' });
    const head = await repo.git('rev-parse', 'HEAD');

    await repo.write('models/churn/model.pt', 'v3');
    expect((await refusal(addChurn(repo, { version: '2.0.0' }))).text).toContain('churn@v2.0.0 already exists');
    expect((await refusal(addChurn(repo, { version: '1.4.0' }))).text).toContain('newest of the 1.x line');
    expect(await repo.git('rev-parse', 'HEAD')).toBe(head);

    const maintenance = await addChurn(repo, { version: 'v1.4.2' });
    expect(maintenance.id).toBe('churn@v1.4.2');
    expect(maintenance.versionReason).toContain('maintenance release');

    expect(await refusal(addChurn(repo, { version: '3.0.0', bump: 'major' }))).toMatchObject({ usage: true });
  });
});

describe('a pointer in a merge conflict', () => {
  it('status names the conflict once, with how to keep one side', async () => {
    const repo = await project();
    const first = await addChurn(repo);
    const file = first.pointer.path;
    const committed = await repo.read(file);
    await repo.git('checkout', '-q', '-b', 'theirs');
    await repo.write(file, committed.replace(/^created: .*$/m, 'created: 2026-01-01T00:00:00Z'));
    await repo.commitAll('their side');
    await repo.git('checkout', '-q', 'main');
    await repo.write(file, committed.replace(/^created: .*$/m, 'created: 2026-02-02T00:00:00Z'));
    await repo.commitAll('our side');
    await expect(repo.git('merge', '-q', 'theirs')).rejects.toThrow();
    expect((await repo.git('ls-files', '-u', '--', file)).trim().split('\n')).toHaveLength(3);

    const result = await status({ cwd: repo.dir });
    expect(result.invalid).toEqual([
      expect.objectContaining({ file, code: 'INVALID_POINTER', message: `${file} has merge conflict markers: both sides registered a version.`, hint: expect.stringContaining(`git checkout --theirs -- ${file}`) as string }),
    ]);
    const shown = await cli(repo.dir, ['status']);
    expect(shown.stderr.split('merge conflict markers')).toHaveLength(2);
  });
});

describe('status and checkout', () => {
  it('status in a repository mv is not set up in says to run init first, as add would', async () => {
    const repo = await gitRepo();
    expect((await cliOk(repo.dir, ['status'])).stdout).toBe('No versioned artifacts in this work tree. Start with: mvr init (once per repository), then mvr add <name> <path>…');
    expect((await status({ cwd: repo.dir })).initialized).toBe(false);
    await init({ cwd: repo.dir });
    expect((await cliOk(repo.dir, ['status'])).stdout).toBe('No versioned artifacts in this work tree. Start with: mvr add <name> <path>…');
  });

  it('status names data that moved on since the version, without calling everything up to date', async () => {
    const repo = await project();
    await addChurn(repo);
    expect((await cliOk(repo.dir, ['status'])).stdout).toContain('Everything is up to date.');
    await rm(join(repo.dir, 'data/train'), { recursive: true });

    const text = await cliOk(repo.dir, ['status']);
    expect(text.stdout).toContain('data missing: data/train/');
    expect(text.stdout).toContain("The artifacts' files are up to date; the data, pipeline or params lines above differ");
    expect(text.stdout).not.toContain('Everything is up to date.');

    // The params file is compared like the pipeline: an edit shows, the recorded content stays known.
    expect(text.stdout).not.toContain('params.yaml');
    await repo.write('params.yaml', 'lr: 0.01\nepochs: 20\n');
    expect((await cliOk(repo.dir, ['status'])).stdout).toContain('params changed: params.yaml  (changed since this version)');
    const params = (await status({ cwd: repo.dir })).artifacts[0]!.entries.find((e) => e.role === 'params');
    expect(params).toMatchObject({ path: 'params.yaml', condition: 'modified', tracked: true });
  });

  it('status names lineage the cache lost with the fetch that brings lineage objects', async () => {
    const repo = await project();
    await addChurn(repo);
    const data = (await status({ cwd: repo.dir })).artifacts[0]!.entries.find((e) => e.role === 'data')!;
    const hex = data.currentOid!.slice('sha256:'.length);
    await rm(join(repo.dir, '.mv/cache/objects', hex.slice(0, 2), hex.slice(2)));
    expect((await cliOk(repo.dir, ['status'])).stdout).toContain('not in the cache: data/train/  (`mvr fetch churn --lineage` gets it from a remote; `mvr add churn` stores this copy)');
  });

  it('checks out an older version and status says which version is in the work tree', async () => {
    const repo = await project();
    await addChurn(repo);
    const v1 = await readFile(join(repo.dir, 'models/churn/model.pt'));
    await repo.write('models/churn/model.pt', 'second version weights');
    await addChurn(repo);

    const out = await checkout({ cwd: repo.dir, ref: 'churn@v0.1.0' });
    expect(out.artifacts[0]).toMatchObject({ id: 'churn@v0.1.0', written: ['models/churn/model.pt'] });
    expect(await readFile(join(repo.dir, 'models/churn/model.pt'))).toEqual(v1);
    expect((await cliOk(repo.dir, ['status'])).stdout).toContain('checked out v0.1.0');

    await checkout({ cwd: repo.dir, ref: 'churn@latest' });
    expect(await repo.read('models/churn/model.pt')).toBe('second version weights');
    expect((await status({ cwd: repo.dir })).clean).toBe(true);
  });

  it('an add right after a checkout of an older version warns that it registers that version\'s files again', async () => {
    const repo = await project();
    await addChurn(repo);
    await repo.write('models/churn/model.pt', 'second version weights');
    await addChurn(repo);
    await checkout({ cwd: repo.dir, ref: 'churn@v0.1.0' });
    const again = await add({ cwd: repo.dir, name: 'churn' });
    expect(again).toMatchObject({ created: true, id: 'churn@v0.1.2' });
    expect(again.warnings).toContainEqual(expect.stringContaining('the files are those of churn@v0.1.0, which `mvr checkout churn@v0.1.0` put in the work tree; this version registers them again.'));
    // New files of one's own are not warned about.
    await repo.write('models/churn/model.pt', 'third weights');
    expect((await add({ cwd: repo.dir, name: 'churn' })).warnings.join('\n')).not.toContain('the files are those of');
  });

  it('a metrics file in an ignored output folder, named once in this clone, is taken over by the next add', async () => {
    const repo = await project();
    await repo.write('.gitignore', 'out/\n');
    await repo.git('add', '.gitignore');
    await repo.git('commit', '-qm', 'ignore outputs');
    await repo.write('out/metrics.json', '{"accuracy": 0.9}\n');
    await addChurn(repo, { metricsFile: 'out/metrics.json' });
    await repo.write('out/metrics.json', '{"accuracy": 0.95}\n');
    await repo.write('models/churn/model.pt', 'retrained');
    const next = await add({ cwd: repo.dir, name: 'churn' });
    expect(next).toMatchObject({ created: true, id: 'churn@v0.1.1' });
    expect((await readPointer(repo, next.pointer.path)).metrics).toEqual({ accuracy: 0.95 });
    // Another clone's record does not count: there the same file is refused until it is named.
    await rm(join(repo.dir, '.git/mv/named-parts.json'));
    await repo.write('models/churn/model.pt', 'retrained again');
    await expect(add({ cwd: repo.dir, name: 'churn' })).rejects.toMatchObject({ code: 'IGNORED_INPUT' });
  });

  it('a hint names a command that works here: a remote before a fetch, and no checkout for a pull or fetch', async () => {
    const repo = await project();
    const { files } = await addChurn(repo);
    const hex = files.find((f) => f.path === 'model.pt')!.oid.slice('sha256:'.length);
    await rm(join(repo.dir, '.mv/cache/objects', hex.slice(0, 2), hex.slice(2)), { force: true });
    await repo.write('models/churn/model.pt', 'edited, and the cache lost the version\'s copy');
    const lost = await refusal(checkout({ cwd: repo.dir, ref: 'churn@v0.1.0', force: true }));
    expect(lost.code).toBe('OBJECT_MISSING');
    // No remote: a fetch would fail in turn, so the remote comes first.
    expect(lost.text).toContain('No remote is configured to fetch it from: add the one that holds churn@v0.1.0 (`mvr remote add origin <folder or s3://bucket/prefix> --default`), then `mvr fetch churn@v0.1.0`');
    await remoteAdd({ cwd: repo.dir, name: 'origin', url: await tempDir('mv-remote-'), makeDefault: true });
    expect((await refusal(checkout({ cwd: repo.dir, ref: 'churn@v0.1.0', force: true }))).text).toContain('Fetch it from a remote first: mvr fetch churn@v0.1.0');

    for (const work of [(): Promise<unknown> => pull({ cwd: repo.dir, refs: ['churnn'] }), () => fetch({ cwd: repo.dir, refs: ['churnn'] })]) {
      const unknown = await refusal(work());
      expect(unknown).toMatchObject({ code: 'UNKNOWN_ARTIFACT', text: expect.stringContaining('No committed pointer for churnn in this work tree.') });
      expect(unknown.text).toContain('List artifacts with `mvr ls`, or name a version or stage of one (`name@vX.Y.Z`, `name#production`).');
      expect(unknown.text).not.toContain('mvr checkout');
    }
  });
});

describe('lineage and dirty code', () => {
  it('refuses dirty code unless --allow-dirty, which is recorded', async () => {
    const repo = await project();
    await repo.write('README.md', '# project, edited\n');
    const refused = await refusal(addChurn(repo));
    expect(refused.text).toContain('README.md');
    expect(refused.text).toContain('--allow-dirty');
    expect(await tagsOf(repo)).toEqual([]);

    await addChurn(repo, { allowDirty: true });
    expect((await readPointer(repo, 'models/churn/churn.mv.yaml')).lineage.code.dirty).toBe(true);
    // The user's uncommitted change is neither committed nor lost.
    expect(await repo.git('status', '--porcelain')).toBe(' M README.md');
  });

  it('does not count changes to files the version records itself (params, metrics, pipeline) as dirty', async () => {
    const repo = await project();
    await repo.write('metrics.json', '{"accuracy": 0.95}\n');
    await repo.write('params.yaml', 'lr: 0.02\nepochs: 20\n');
    await repo.write('src/preprocess.py', 'def preprocess(rows):\n    return rows[1:]\n');
    const added = await addChurn(repo);
    // The pipeline is recorded as it is now, which is not what the recorded commit holds: said, not refused.
    expect(added.warnings).toContain('src/preprocess.py differs from the commit the version records: its pipeline is recorded as it is in the work tree (`git diff HEAD` shows how it differs; commit it first to keep the two together).');
    expect(added.warnings.join('\n')).not.toMatch(/params\.yaml|metrics\.json/);
    const pointer = await readPointer(repo, 'models/churn/churn.mv.yaml');
    expect(pointer.lineage.code.dirty).toBe(false);
    expect(pointer.metrics.accuracy).toBe(0.95);
    expect(pointer.lineage.params.lr).toBe(0.02);
    expect(pointer.lineage.pipeline[0].oid).toBe(`sha256:${createHash('sha256').update(await repo.read('src/preprocess.py')).digest('hex')}`);
  });

  it('warns when a version has no data or pipeline, and config can make it an error', async () => {
    const repo = await project();
    const warned = await cliOk(repo.dir, ['add', 'churn', 'models/churn/model.pt']);
    expect(warned.stderr).toMatch(/^warning: .*cannot be reproduced/m);

    const config = await repo.read('.mv/config.yaml');
    await repo.write('.mv/config.yaml', config.replace('require_lineage: warn', 'require_lineage: error'));
    await repo.commitAll('strict lineage');
    await repo.write('models/other.bin', 'other');
    expect((await refusal(add({ cwd: repo.dir, name: 'other', paths: ['models/other.bin'] }))).text).toContain('--data');
    await expect(stat(join(repo.dir, 'models/other.mv.yaml'))).rejects.toThrow();
  });
});

describe('bad input gets a clear error and changes nothing', () => {
  it('outside a git repository', async () => {
    const refused = await refusal(init({ cwd: await tempDir() }));
    expect(refused.text).toContain('not inside a git repository');
    expect(refused.text).toContain('git init');
  });

  it('in a repository without commits', async () => {
    const repo = await gitRepo({ empty: true });
    await init({ cwd: repo.dir });
    await repo.git('update-ref', '-d', 'HEAD');
    await repo.write('model.pt', 'w');
    expect((await refusal(add({ cwd: repo.dir, name: 'm', paths: ['model.pt'], data: ['model.pt'] }))).text).toContain('has no commits');
  });

  it('before mv init', async () => {
    const repo = await gitRepo();
    await repo.write('model.pt', 'w');
    expect((await refusal(add({ cwd: repo.dir, name: 'm', paths: ['model.pt'] }))).text).toContain('mvr init');
  });

  describe('on the command line', () => {
    // Nothing is changed by a refused add, so one repository serves every case.
    let repo: TestRepo;
    beforeAll(async () => {
      repo = await copyRepo(template, { suite: true });
    });

    it.each([
      [['add', 'churn', 'nope.pt'], 'nope.pt does not exist'],
      [['add', 'churn', '../outside.pt'], 'outside the repository'],
      [['add', '-bad', 'models/churn/model.pt'], ''],
      [['add', 'bad name', 'models/churn/model.pt'], 'not a valid artifact name'],
      [['add', 'churn', '.git/config'], '.git'],
      [['add', 'churn', 'models/churn/model.pt', '--version', '1.2'], 'not a semantic version'],
      [['add', 'churn', 'models/churn/model.pt', '--params', 'missing.yaml'], 'missing.yaml does not exist'],
      [['add', 'churn', 'src/preprocess.py'], 'tracked by git'],
    ])('mv %j', async (args, message) => {
      const head = await repo.git('rev-parse', 'HEAD');
      const before = await repo.git('status', '--porcelain');
      const run = await cli(repo.dir, args);
      expect(run.exitCode).toBeGreaterThan(0);
      expect(run.stderr).toContain(message);
      expect(run.stderr).not.toContain('    at ');
      expect(await repo.git('rev-parse', 'HEAD')).toBe(head);
      expect(await tagsOf(repo)).toEqual([]);
      expect(await repo.git('status', '--porcelain')).toBe(before);
    });
  });

  it('names the file and line of a params file that does not parse', async () => {
    const repo = await project();
    await repo.write('bad-params.yaml', 'lr: 0.1\nlayers: [1, 2\nepochs: 3\n');
    expect((await refusal(add({ cwd: repo.dir, name: 'churn', paths: ['models/churn/model.pt'], paramsFile: 'bad-params.yaml' }))).text).toMatch(/bad-params\.yaml:\d+:\d+/);
  });

  it('undoes the pointer and .gitignore when the tag cannot be created', async () => {
    const repo = await project();
    const head = await repo.git('rev-parse', 'HEAD');
    const before = await repo.git('status', '--porcelain');
    // A ref below the tag's name makes creating the tag itself fail, after the pointer was written.
    await repo.git('update-ref', 'refs/tags/churn@v0.1.0/blocker', head);
    await expect(add({ cwd: repo.dir, ...ADD_OPTIONS })).rejects.toThrow();
    expect(await repo.git('rev-parse', 'HEAD')).toBe(head);
    await expect(stat(join(repo.dir, 'models/churn/churn.mv.yaml'))).rejects.toThrow();
    await expect(stat(join(repo.dir, 'models/churn/.gitignore'))).rejects.toThrow();
    expect(await repo.git('status', '--porcelain')).toBe(before);
    expect((await readdir(join(repo.dir, 'models/churn'))).sort()).toEqual(['model.pt', 'tokenizer']);
  });
});

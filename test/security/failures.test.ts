/**
 * Every failure reaches the user as an error that names the path and what to do (never a stack trace),
 * and a failed add, checkout, pull or promote leaves the work tree, the index, the refs and the tags
 * exactly as they were: rolled back by the same command before it exits.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, readdir, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { add } from '../../src/commands/add.js';
import { checkout } from '../../src/commands/checkout.js';
import { pull } from '../../src/commands/fetch.js';
import { promote } from '../../src/commands/promote.js';
import { status } from '../../src/commands/status.js';
import { StatCache } from '../../src/cache/stat-cache.js';
import { systemCallError } from '../../src/errors.js';
import { init, push, remoteAdd } from '../../src/index.js';
import { refusal } from '../helpers/assertions.js';
import { withEnv } from '../helpers/env.js';
import { gitRepo, tempDir, type TestRepo } from '../helpers/git-repo.js';
import { mountTmpfs } from '../helpers/mounts.js';
import { cli } from '../helpers/mv-cli.js';
import { ADD_ARGS, addChurn, initProject, writeProject } from '../helpers/project.js';
import { cloneThroughOrigin, projectWithVersion } from '../helpers/remote-project.js';
import { giveToNobody, mvAsNobody } from '../helpers/unprivileged.js';
import { commitRaw, snapshotTree, expectUnchanged } from './attack.js';

/** What a failed command must leave exactly as it was: HEAD, every ref and tag, the index, the work tree. */
async function gitState(repo: TestRepo): Promise<string> {
  return [await repo.git('rev-parse', 'HEAD'), await repo.git('for-each-ref', '--format=%(refname) %(objectname)'), await repo.git('ls-files', '-s')].join('\n');
}

function expectNoStackTrace(run: { stderr: string }): void {
  expect(run.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  expect(run.stderr).not.toContain('internal error');
}

describe('errors from the environment name the path and what to do', () => {
  it.each([
    ['ENAMETOOLONG', 'NAME_TOO_LONG'],
    ['ELOOP', 'LINK_LOOP'],
    ['EMFILE', 'TOO_MANY_OPEN_FILES'],
    ['ENFILE', 'TOO_MANY_OPEN_FILES'],
    ['EROFS', 'READ_ONLY_FS'],
    ['EACCES', 'PERMISSION_DENIED'],
    ['ENOSPC', 'DISK_FULL'],
    ['EIO', 'IO_ERROR'],
  ])('a failed system call with %s reaching the top is %s, naming the path', (errno, code) => {
    const error = Object.assign(new Error(`${errno}: failed, open '/data/x'`), { code: errno, syscall: 'open', path: '/data/x' });
    const mapped = systemCallError(error);
    expect(mapped).toMatchObject({ code, message: expect.stringContaining('/data/x') });
  });

  it('with no git identity, every command that commits says so (NO_GIT_IDENTITY), not git with its internal command and temp path, and commits nothing', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    const fresh = await gitRepo();
    for (const r of [repo, fresh]) {
      await r.git('config', '--unset', 'user.name');
      await r.git('config', '--unset', 'user.email');
      // Nor a name and email guessed from the machine: what a new user's git does where it cannot guess.
      await r.git('config', 'user.useConfigOnly', 'true');
    }
    const home = await tempDir('mv-home-');
    const noIdentity = { HOME: home, XDG_CONFIG_HOME: home, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: undefined, EMAIL: undefined, GIT_AUTHOR_NAME: undefined, GIT_AUTHOR_EMAIL: undefined, GIT_COMMITTER_NAME: undefined, GIT_COMMITTER_EMAIL: undefined };
    const before = [await gitState(repo), await gitState(fresh)];
    const remote = await tempDir('mv-remote-');
    for (const work of [(): Promise<unknown> => init({ cwd: fresh.dir }), () => addChurn(repo), () => remoteAdd({ cwd: repo.dir, name: 'origin', url: remote })]) {
      const refused = await refusal(withEnv(noIdentity, work));
      expect(refused).toMatchObject({ code: 'NO_GIT_IDENTITY', text: expect.stringContaining('git does not know who you are, so no commit or tag can be recorded.') });
      expect(refused.text).toContain('git config --global user.email you@example.com');
      expect(refused.text).not.toMatch(/commit-tree|mv-index|Author identity/);
    }
    expect([await gitState(repo), await gitState(fresh)]).toEqual(before);
    expect(existsSync(join(fresh.dir, '.mv/config.yaml'))).toBe(false);
  });

  it('a missing file mv expected is a bug, not relabelled', () => {
    expect(systemCallError(Object.assign(new Error('ENOENT'), { code: 'ENOENT', syscall: 'open', path: '/x' }))).toBeUndefined();
  });

  it('a command-line path with a name over 255 bytes: a clear refusal', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    const run = await cli(repo.dir, ['add', 'churn', `models/${'x'.repeat(300)}.pt`]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('has a name longer than 255 bytes');
    expectNoStackTrace(run);
  });

  it('a link that loops: refused by name', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    await symlink('loop.bin', join(repo.dir, 'models/churn/loop.bin'));
    const run = await cli(repo.dir, ['add', 'churn', 'models/churn/loop.bin']);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('models/churn/loop.bin is a symbolic link to loop.bin');
    expectNoStackTrace(run);
  });

  it('a pointer nested 5,000 levels deep: an invalid pointer, not a stack overflow', async () => {
    const repo = await projectWithVersion();
    await commitRaw(repo, [{ path: 'models/deep.mv.yaml', content: `mv: 1\nname: deep\nmetrics: ${'['.repeat(5000)}${']'.repeat(5000)}\n` }], 'deep');
    const result = await status({ cwd: repo.dir });
    expect(result.invalid).toEqual([expect.objectContaining({ file: 'models/deep.mv.yaml', message: expect.stringContaining('nested too deeply') })]);
    const run = await cli(repo.dir, ['status']);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).not.toContain('call stack');
    expectNoStackTrace(run);
  });

  it('a params file nested 5,000 levels deep', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    await writeFile(join(repo.dir, 'params.yaml'), `${'a:\n'.split('\n')[0]}${Array.from({ length: 5000 }, (_, i) => `\n${' '.repeat(i + 1)}k:`).join('')} 1\n`);
    await expect(add({ cwd: repo.dir, name: 'churn', paths: ['models/churn/model.pt'], data: ['data/train'], paramsFile: 'params.yaml', allowDirty: true })).rejects.toMatchObject({ code: 'PARSE_ERROR', message: expect.stringContaining('params.yaml') });
  });

  it('a read-only folder remote is the remote\'s problem, not a missing local file', async (ctx) => {
    const fs = await mountTmpfs('2m');
    if (typeof fs === 'string') return ctx.skip(fs);
    const repo = await projectWithVersion();
    await fs.remountReadOnly();
    const run = await cli(repo.dir, ['push', '-r', fs.dir]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain(`The remote ${fs.dir} is on a read-only file system`);
    expect(run.stderr).not.toContain('No such file');
    expect(run.stderr).not.toContain('Run the command again');
    expectNoStackTrace(run);
  });

  it('a folder remote the user may not write to is named as such (run as an unprivileged user)', async () => {
    const remote = await tempDir('mv-remote-');
    await chmod(remote, 0o755);
    const repo = await projectWithVersion();
    await giveToNobody(repo.dir);
    const run = await mvAsNobody(repo.dir, ['push', '-r', remote]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain(`You may not write to the remote folder ${remote} (permission denied)`);
    expectNoStackTrace(run);
  });
});

describe('a failed command leaves everything as it was', () => {
  it('add whose second file write fails (its .gitignore folder is read-only): the pointer is restored, no commit, no tag', async () => {
    const repo = await projectWithVersion();
    await writeFile(join(repo.dir, 'models/churn/model.pt'), randomBytes(1000));
    const pointer = await repo.read('models/churn/churn.mv.yaml');
    // The new data folder's entry goes into data/.gitignore, which this user may not write.
    await mkdir(join(repo.dir, 'data/extra'));
    await writeFile(join(repo.dir, 'data/extra/rows.csv'), '1,2\n');
    await giveToNobody(repo.dir);
    await chmod(join(repo.dir, 'data'), 0o555);
    const before = await gitState(repo);
    const tree = await snapshotTree(repo.dir);
    const run = await mvAsNobody(repo.dir, [...ADD_ARGS, '--data', 'data/extra']);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('Permission denied while writing data/.gitignore');
    expect(await repo.read('models/churn/churn.mv.yaml')).toBe(pointer);
    expect(await gitState(repo)).toBe(before);
    await expectUnchanged(repo.dir, tree, (p) => /^\.git\/(mv|objects)(\/|$)|^\.mv\/cache(\/|$)/.test(p));
  });

  it('add on a full disk: nothing of the version is left (pointer, index, HEAD, tags)', async (ctx) => {
    const fs = await mountTmpfs('3m');
    if (typeof fs === 'string') return ctx.skip(fs);
    const repo = await gitRepo({ dir: join(fs.dir, 'project') }).catch(async () => {
      await mkdir(join(fs.dir, 'project'));
      return gitRepo({ dir: join(fs.dir, 'project') });
    });
    await writeProject(repo);
    await init({ cwd: repo.dir });
    await addChurn(repo);
    // Fill the disk, then retrain: whichever write runs out of space, the version is not half-made.
    await writeFile(join(repo.dir, 'models/churn/model.pt'), randomBytes(200_000));
    const filler = join(fs.dir, 'filler');
    await writeFile(filler, Buffer.alloc(0));
    for (let i = 0; ; i++) {
      try {
        await writeFile(join(fs.dir, `filler-${i}`), Buffer.alloc(64 * 1024));
      } catch {
        break;
      }
    }
    const before = await gitState(repo);
    const pointer = await repo.read('models/churn/churn.mv.yaml');
    const run = await cli(repo.dir, ADD_ARGS);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('No space left');
    expectNoStackTrace(run);
    expect(await gitState(repo)).toBe(before);
    expect(await repo.read('models/churn/churn.mv.yaml')).toBe(pointer);
    expect((await readdir(join(repo.dir, 'models/churn'))).filter((n) => n.includes('.mv-tmp-'))).toEqual([]);
  });

  it('checkout on a full disk: every file of the work tree as it was, nothing half-replaced', async (ctx) => {
    const fs = await mountTmpfs('4m');
    if (typeof fs === 'string') return ctx.skip(fs);
    const cache = await tempDir('mv-cache-');
    await mkdir(join(fs.dir, 'project'));
    const repo = await gitRepo({ dir: join(fs.dir, 'project') });
    await writeProject(repo, { weightsBytes: 100_000 });
    await init({ cwd: repo.dir });
    await writeFile(join(repo.dir, '.mv/config.local.yaml'), `cache:\n  dir: ${cache}\n`);
    await remoteAdd({ cwd: repo.dir, name: 'origin', url: await tempDir('mv-remote-'), makeDefault: true });
    await addChurn(repo);
    // The next version: new weights, a changed tokenizer file, and a 1.5 MB file.
    await writeFile(join(repo.dir, 'models/churn/model.pt'), randomBytes(100_000));
    await writeFile(join(repo.dir, 'models/churn/tokenizer/vocab.json'), '{"changed": 1}\n');
    await writeFile(join(repo.dir, 'models/churn/tokenizer/big.bin'), randomBytes(1_500_000));
    const second = (await addChurn(repo)).id;
    await push({ cwd: repo.dir, all: true });
    await checkout({ cwd: repo.dir, ref: 'churn@v0.1.0' });
    // Leave too little space for its files.
    for (let i = 0; ; i++) {
      try {
        await writeFile(join(fs.dir, `filler-${i}`), Buffer.alloc(256 * 1024));
      } catch {
        break;
      }
    }
    const tree = await snapshotTree(repo.dir);
    const before = await gitState(repo);
    await expect(checkout({ cwd: repo.dir, ref: second })).rejects.toMatchObject({ code: 'DISK_FULL' });
    await expectUnchanged(repo.dir, tree, (p) => /^\.git\/mv(\/|$)/.test(p));
    expect(await gitState(repo)).toBe(before);
    await expect(pull({ cwd: repo.dir, refs: [second] })).rejects.toMatchObject({ code: 'DISK_FULL' });
    await expectUnchanged(repo.dir, tree, (p) => /^\.git\/mv(\/|$)/.test(p));
  });

  it('content of the version in the work tree that the cache lost is stored again before a checkout replaces it', async () => {
    const repo = await projectWithVersion();
    await writeFile(join(repo.dir, 'models/churn/model.pt'), 'v2');
    const second = (await addChurn(repo)).id;
    const oid = createHash('sha256').update('v2').digest('hex');
    const object = join(repo.dir, '.mv/cache/objects', oid.slice(0, 2), oid.slice(2));
    await rm(object, { force: true });
    const shown = await cli(repo.dir, ['status']);
    expect(shown.stdout).toContain('not in the cache: models/churn/model.pt  (`mvr fetch churn` gets it from a remote; `mvr add churn` stores this copy)');
    // The only copy is the work tree's: checkout keeps it in the cache, then writes the older version.
    await checkout({ cwd: repo.dir, ref: 'churn@v0.1.0' });
    expect(await readFile(object, 'utf8')).toBe('v2');
    expect(await readFile(join(repo.dir, 'models/churn/model.pt'), 'utf8')).not.toBe('v2');
    await checkout({ cwd: repo.dir, ref: second });
    expect(await readFile(join(repo.dir, 'models/churn/model.pt'), 'utf8')).toBe('v2');
    // --force discards local changes, never a version's only copy: that is stored again all the same.
    await rm(object, { force: true });
    await checkout({ cwd: repo.dir, ref: 'churn@v0.1.0', force: true });
    expect(await readFile(object, 'utf8')).toBe('v2');
    await checkout({ cwd: repo.dir, ref: second });
    // Content no version records is still never replaced.
    await writeFile(join(repo.dir, 'models/churn/model.pt'), 'unsaved work');
    await expect(checkout({ cwd: repo.dir, ref: 'churn@v0.1.0' })).rejects.toMatchObject({ code: 'LOCAL_CHANGES' });
    expect(await readFile(join(repo.dir, 'models/churn/model.pt'), 'utf8')).toBe('unsaved work');
  });

  it('lost content is stored again for a file in a folder (through its manifest) and for a version checked out', async () => {
    const repo = await projectWithVersion();
    const objectOf = (bytes: string) => {
      const hex = createHash('sha256').update(bytes).digest('hex');
      return join(repo.dir, '.mv/cache/objects', hex.slice(0, 2), hex.slice(2));
    };
    const vocab = join(repo.dir, 'models/churn/tokenizer/vocab.json');
    const firstVocab = await readFile(vocab, 'utf8');
    await writeFile(vocab, 'vocab v2');
    await addChurn(repo);
    await rm(objectOf('vocab v2'));
    await checkout({ cwd: repo.dir, ref: 'churn@v0.1.0' });
    expect(await readFile(objectOf('vocab v2'), 'utf8')).toBe('vocab v2');
    // The work tree holds v0.1.0, which only the checkout record names; its vocabulary leaves the cache.
    await rm(objectOf(firstVocab));
    await checkout({ cwd: repo.dir });
    expect(await readFile(objectOf(firstVocab), 'utf8')).toBe(firstVocab);
    expect(await readFile(vocab, 'utf8')).toBe('vocab v2');
  });

  it('a folder whose manifest the cache lost is stored again, manifest and files, before a checkout replaces it', async () => {
    const repo = await projectWithVersion();
    const objectFor = (hex: string) => join(repo.dir, '.mv/cache/objects', hex.slice(0, 2), hex.slice(2));
    const sha = (bytes: string) => createHash('sha256').update(bytes).digest('hex');
    const vocab = join(repo.dir, 'models/churn/tokenizer/vocab.json');
    await writeFile(vocab, 'vocab v2');
    const second = (await addChurn(repo)).id;
    const folder = (await status({ cwd: repo.dir })).artifacts.find((a) => a.name === 'churn')!.entries.find((e) => e.path === 'models/churn/tokenizer/')!;
    const manifest = objectFor(folder.currentOid!.slice('sha256:'.length));
    const manifestBytes = await readFile(manifest, 'utf8');
    // The manifest and one of its files leave the cache: the work tree holds the only copy of both.
    await rm(manifest);
    await rm(objectFor(sha('vocab v2')));
    expect((await cli(repo.dir, ['status'])).stdout).toContain('not in the cache: models/churn/tokenizer/');
    await checkout({ cwd: repo.dir, ref: 'churn@v0.1.0' });
    expect(await readFile(manifest, 'utf8')).toBe(manifestBytes);
    expect(await readFile(objectFor(sha('vocab v2')), 'utf8')).toBe('vocab v2');
    expect(await readFile(vocab, 'utf8')).not.toBe('vocab v2');
    await checkout({ cwd: repo.dir, ref: second });
    expect(await readFile(vocab, 'utf8')).toBe('vocab v2');
    // Under --force too, and a folder that is not the recorded one is guarded file by file as before.
    await rm(manifest);
    await checkout({ cwd: repo.dir, ref: 'churn@v0.1.0', force: true });
    expect(await readFile(manifest, 'utf8')).toBe(manifestBytes);
    await checkout({ cwd: repo.dir, ref: second });
    await rm(manifest);
    await writeFile(vocab, 'unsaved vocabulary');
    await expect(checkout({ cwd: repo.dir, ref: 'churn@v0.1.0' })).rejects.toMatchObject({ code: 'LOCAL_CHANGES' });
    expect(await readFile(vocab, 'utf8')).toBe('unsaved vocabulary');
    await expect(stat(manifest)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('a recorded folder that a version\'s file replaces, and a truncated object of it, are stored again first', async () => {
    const repo = await projectWithVersion();
    const objectFor = (hex: string) => join(repo.dir, '.mv/cache/objects', hex.slice(0, 2), hex.slice(2));
    const sha = (bytes: string) => createHash('sha256').update(bytes).digest('hex');
    const tokenizer = join(repo.dir, 'models/churn/tokenizer');
    const folderOid = (await status({ cwd: repo.dir })).artifacts[0]!.entries.find((e) => e.path === 'models/churn/tokenizer/')!.currentOid!;
    const manifest = objectFor(folderOid.slice('sha256:'.length));
    const manifestBytes = await readFile(manifest, 'utf8');
    const vocab = await readFile(join(tokenizer, 'vocab.json'), 'utf8');
    // The next version has a file where the folder was.
    await rm(tokenizer, { recursive: true });
    await writeFile(tokenizer, 'one file now');
    await addChurn(repo, { paths: ['models/churn/model.pt', 'models/churn/tokenizer'] });
    await checkout({ cwd: repo.dir, ref: 'churn@v0.1.0' });
    // The folder of v0.1.0 is in the work tree; its manifest leaves the cache and one file's object is cut short.
    await rm(manifest);
    await writeFile(objectFor(sha(vocab)), vocab.slice(0, 3));
    await checkout({ cwd: repo.dir });
    expect(await readFile(tokenizer, 'utf8')).toBe('one file now');
    expect(await readFile(manifest, 'utf8')).toBe(manifestBytes);
    expect(await readFile(objectFor(sha(vocab)), 'utf8')).toBe(vocab);
    await checkout({ cwd: repo.dir, ref: 'churn@v0.1.0' });
    expect(await readFile(join(tokenizer, 'vocab.json'), 'utf8')).toBe(vocab);
  });

  it('a lost file that changes before checkout stores it stops the checkout, with nothing stored or replaced', async () => {
    const repo = await projectWithVersion();
    await writeFile(join(repo.dir, 'models/churn/model.pt'), 'v2');
    await addChurn(repo);
    const hex = createHash('sha256').update('v2').digest('hex');
    const object = join(repo.dir, '.mv/cache/objects', hex.slice(0, 2), hex.slice(2));
    await rm(object);
    // The file is written to after it was inspected: the stat cache still vouches for the recorded bytes.
    const file = join(repo.dir, 'models/churn/model.pt');
    await writeFile(file, 'v3');
    await utimes(file, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    const stats = await StatCache.load(join(repo.dir, '.git/mv/stat-cache'));
    stats.record('models/churn/model.pt', await stat(file), `sha256:${hex}`);
    await stats.save();
    const tree = await snapshotTree(repo.dir);
    const run = await cli(repo.dir, ['checkout', 'churn@v0.1.0']);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('models/churn/model.pt changed while checkout was reading it; nothing was checked out.');
    expectNoStackTrace(run);
    await expectUnchanged(repo.dir, tree, (p) => /^\.git\/mv(\/|$)/.test(p));
    await expect(stat(object)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('checkout of several versions writes all of them or none', async () => {
    const repo = await projectWithVersion();
    await writeFile(join(repo.dir, 'models/churn/model.pt'), 'v2');
    await addChurn(repo);
    await mkdir(join(repo.dir, 'models/other'), { recursive: true });
    await writeFile(join(repo.dir, 'models/other/w.bin'), 'other');
    await add({ cwd: repo.dir, name: 'other', paths: ['models/other/w.bin'], data: ['data/train'] });
    await writeFile(join(repo.dir, 'models/other/w.bin'), 'unsaved work');
    const tree = await snapshotTree(repo.dir);
    // churn could be written, other cannot (unsaved local work): neither is.
    await expect(checkout({ cwd: repo.dir, refs: ['churn@v0.1.0', 'other@v0.1.0'] })).rejects.toMatchObject({ code: 'LOCAL_CHANGES' });
    await expectUnchanged(repo.dir, tree, (p) => /^\.git\/mv(\/|$)/.test(p));
  });

  it('promote on a full disk: no tag, no half-made event', async (ctx) => {
    const fs = await mountTmpfs('3m');
    if (typeof fs === 'string') return ctx.skip(fs);
    await mkdir(join(fs.dir, 'project'));
    const repo = await gitRepo({ dir: join(fs.dir, 'project') });
    await writeProject(repo);
    await init({ cwd: repo.dir });
    await addChurn(repo);
    for (let i = 0; ; i++) {
      try {
        await writeFile(join(fs.dir, `filler-${i}`), Buffer.alloc(16 * 1024));
      } catch {
        break;
      }
    }
    const before = await gitState(repo);
    await expect(promote({ cwd: repo.dir, ref: 'churn@v0.1.0', stage: 'staging', message: 'x'.repeat(20_000) })).rejects.toMatchObject({ code: 'DISK_FULL' });
    expect(await gitState(repo)).toBe(before);
  });

  it('a fresh clone\'s pull that fails on one version writes none', async () => {
    const remote = await tempDir('mv-remote-');
    const repo = await projectWithVersion({ remote: { name: 'origin', url: remote, makeDefault: true } });
    await push({ cwd: repo.dir });
    const clone = await cloneThroughOrigin(repo);
    // The clone holds unsaved work where the version's tokenizer goes.
    await mkdir(join(clone.dir, 'models/churn/tokenizer'), { recursive: true });
    await writeFile(join(clone.dir, 'models/churn/tokenizer/vocab.json'), 'my own vocab');
    const tree = await snapshotTree(clone.dir);
    await expect(pull({ cwd: clone.dir })).rejects.toMatchObject({ code: 'LOCAL_CHANGES' });
    await expectUnchanged(clone.dir, tree, (p) => /^\.git\/mv(\/|$)|^\.mv\/cache(\/|$)/.test(p));
    expect(await readFile(join(clone.dir, 'models/churn/tokenizer/vocab.json'), 'utf8')).toBe('my own vocab');
  });
});

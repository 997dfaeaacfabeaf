/**
 * mv never reads a file outside the repository (or inside `.git/` or `.mv/`) through a symbolic link, so
 * such a file can never be hashed into the cache, recorded in a pointer, committed or pushed. Pipes,
 * sockets, devices and names that are not UTF-8 are refused by name. The links are the kind a clone
 * delivers (committed with plain git) or a user makes by hand.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { add } from '../../src/commands/add.js';
import { push } from '../../src/commands/push.js';
import { status } from '../../src/commands/status.js';
import { pull } from '../../src/commands/fetch.js';
import { gitRepo, tempDir, type TestRepo } from '../helpers/git-repo.js';
import { initProject } from '../helpers/project.js';
import { cli } from '../helpers/mv-cli.js';
import { attackBranch, commitRaw, oidOf, publish, scene, victim, type Scene } from './attack.js';

const SECRET = 'AKIAEXAMPLE-the-victims-private-key\n';

/** Every object in a cache or remote folder, by content, to prove a secret never got in. */
async function storedContents(store: string): Promise<string[]> {
  const out: string[] = [];
  const objects = join(store, 'objects');
  for (const fanout of await readdir(objects).catch(() => [])) {
    for (const name of await readdir(join(objects, fanout))) out.push(await readFile(join(objects, fanout, name), 'utf8'));
  }
  return out;
}

async function expectNeverStored(repo: TestRepo): Promise<void> {
  expect((await storedContents(join(repo.dir, '.mv/cache'))).some((c) => c.includes('AKIAEXAMPLE'))).toBe(false);
  expect(await repo.git('log', '--all', '-p')).not.toContain('AKIAEXAMPLE');
  expect(await repo.git('tag', '-l', 'leak*')).toBe('');
}

/** The victim's secret, outside every repository (made afresh for each test). */
let outside: string;
let secretFile: string;

async function userProject(): Promise<TestRepo> {
  const repo = await gitRepo();
  await initProject(repo);
  outside = await tempDir('mv-outside-');
  secretFile = join(outside, 'id_rsa');
  await writeFile(secretFile, SECRET);
  await mkdir(join(repo.dir, 'models/leak'), { recursive: true });
  await writeFile(join(repo.dir, 'models/leak/weights.bin'), 'weights');
  return repo;
}

describe('links that lead outside are refused, naming the link and its target', () => {
  it.each([
    ['the artifact path itself', async (r: TestRepo) => symlink(secretFile, join(r.dir, 'models/leak/key.bin')), ['models/leak/key.bin']],
    ['a file inside an artifact folder', async (r: TestRepo) => symlink(secretFile, join(r.dir, 'models/leak/key.bin')), ['models/leak/']],
    ['a link to a link to a file outside', async (r: TestRepo) => {
      await symlink(secretFile, join(outside, 'hop'));
      await symlink(join(outside, 'hop'), join(r.dir, 'models/leak/key.bin'));
    }, ['models/leak/']],
    ['a relative link climbing out', async (r: TestRepo) => symlink(relative(join(r.dir, 'models/leak'), secretFile), join(r.dir, 'models/leak/key.bin')), ['models/leak/']],
  ])('%s', async (_what, plant, paths) => {
    const repo = await userProject();
    await plant(repo);
    const failure = await add({ cwd: repo.dir, name: 'leak', paths, data: ['data/train'] }).catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: 'LINK_OUTSIDE', message: expect.stringContaining('models/leak/key.bin is a symbolic link to') });
    expect((failure as Error).message).toContain('outside the repository');
    await expectNeverStored(repo);
  });

  it.each([
    ['.git/config', '.git/config'],
    ['a file in .git/hooks', '.git/hooks/pre-commit.sample'],
    ['.mv/config.local.yaml', '.mv/config.local.yaml'],
  ])('a link into %s is refused too', async (_what, target) => {
    const repo = await userProject();
    await writeFile(join(repo.dir, '.mv/config.local.yaml'), 'remotes: {}\n');
    await symlink(join(repo.dir, target), join(repo.dir, 'models/leak/key.bin'));
    await expect(add({ cwd: repo.dir, name: 'leak', paths: ['models/leak/'], data: ['data/train'] })).rejects.toMatchObject({ code: 'LINK_OUTSIDE', message: expect.stringMatching(/inside \.(git|mv)\//) });
  });

  it.each([
    ['--data', { data: ['data/leak'] }],
    ['--pipeline', { pipeline: ['data/leak'], data: ['data/train'] }],
  ])('a link to a file outside in %s is refused', async (_flag, extra) => {
    const repo = await userProject();
    await mkdir(join(repo.dir, 'data/leak'));
    await symlink(secretFile, join(repo.dir, 'data/leak/rows.csv'));
    await expect(add({ cwd: repo.dir, name: 'leak', paths: ['models/leak/'], ...extra })).rejects.toMatchObject({ code: 'LINK_OUTSIDE' });
    await expectNeverStored(repo);
  });

  it.each([
    ['--params', 'paramsFile'],
    ['--metrics', 'metricsFile'],
    ['--signature', 'signatureFile'],
  ])('%s through a link to a YAML file outside is refused: its values never reach the pointer', async (_flag, option) => {
    const repo = await userProject();
    await writeFile(join(outside, 'secrets.yaml'), `aws_secret: ${SECRET}`);
    await symlink(join(outside, 'secrets.yaml'), join(repo.dir, 'leaked.yaml'));
    await expect(add({ cwd: repo.dir, name: 'leak', paths: ['models/leak/'], data: ['data/train'], [option]: 'leaked.yaml', allowDirty: true })).rejects.toMatchObject({ code: 'LINK_OUTSIDE' });
    await expectNeverStored(repo);
  });

  it('a link to a file inside the work tree is versioned as that file', async () => {
    const repo = await userProject();
    await writeFile(join(repo.dir, 'models/shared-vocab.txt'), 'vocab\n');
    await symlink('../shared-vocab.txt', join(repo.dir, 'models/leak/vocab.txt'));
    const result = await add({ cwd: repo.dir, name: 'leak', paths: ['models/leak/'], data: ['data/train'] });
    expect(result.created).toBe(true);
    expect(await storedContents(join(repo.dir, '.mv/cache'))).toContain('vocab\n');
  });

  it('a victim\'s fresh clone whose data folder holds a committed link to a key outside: add refuses, push sends nothing of it', async () => {
    const s: Scene = await scene();
    outside = await tempDir('mv-outside-');
    secretFile = join(outside, 'id_rsa');
    await writeFile(secretFile, SECRET);
    await attackBranch(s, 'data-link');
    await commitRaw(s.attacker, [{ path: 'data/train/extra.csv', link: secretFile }], 'more training data');
    await publish(s);
    const repo = await victim(s, 'data-link');
    await pull({ cwd: repo.dir });
    await expect(add({ cwd: repo.dir, name: 'churn', paths: ['models/churn/model.pt', 'models/churn/tokenizer/'], data: ['data/train'], pipeline: ['src/preprocess.py'] })).rejects.toMatchObject({ code: 'LINK_OUTSIDE' });
    await push({ cwd: repo.dir }).catch(() => undefined);
    expect((await storedContents(s.remote)).some((c) => c.includes('AKIAEXAMPLE'))).toBe(false);
    await expectNeverStored(repo);
  });
});

describe('what is not a regular file is refused by name', () => {
  it('a broken link', async () => {
    const repo = await userProject();
    await symlink(join(outside, 'nothing-here'), join(repo.dir, 'models/leak/gone.bin'));
    await expect(add({ cwd: repo.dir, name: 'leak', paths: ['models/leak/'], data: ['data/train'] })).rejects.toMatchObject({ code: 'UNSUPPORTED_FILE', message: expect.stringContaining('models/leak/gone.bin is a symbolic link to') });
  });

  it('a link to a folder', async () => {
    const repo = await userProject();
    await mkdir(join(repo.dir, 'models/other'));
    await symlink('../other', join(repo.dir, 'models/leak/more'));
    await expect(add({ cwd: repo.dir, name: 'leak', paths: ['models/leak/'], data: ['data/train'] })).rejects.toMatchObject({ code: 'UNSUPPORTED_FILE', message: expect.stringContaining('link to a folder') });
  });

  it('a named pipe inside a folder: refused at once, never opened (a read would block forever)', async () => {
    const repo = await userProject();
    execFileSync('mkfifo', [join(repo.dir, 'models/leak/pipe')]);
    await expect(add({ cwd: repo.dir, name: 'leak', paths: ['models/leak/'], data: ['data/train'] })).rejects.toMatchObject({ code: 'UNSUPPORTED_FILE', message: expect.stringContaining('models/leak/pipe is a named pipe (FIFO)') });
  });

  it('a named pipe given as the artifact path', async () => {
    const repo = await userProject();
    execFileSync('mkfifo', [join(repo.dir, 'models/leak/pipe')]);
    await expect(add({ cwd: repo.dir, name: 'leak', paths: ['models/leak/pipe'], data: ['data/train'] })).rejects.toMatchObject({ code: 'UNSUPPORTED_FILE', message: expect.stringContaining('named pipe') });
  });

  it('a socket inside a folder', async () => {
    const repo = await userProject();
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(join(repo.dir, 'models/leak/daemon.sock'), resolve));
    try {
      await expect(add({ cwd: repo.dir, name: 'leak', paths: ['models/leak/'], data: ['data/train'] })).rejects.toMatchObject({ code: 'UNSUPPORTED_FILE', message: expect.stringContaining('models/leak/daemon.sock is a socket') });
    } finally {
      server.close();
    }
  });

  it('a file name that is not UTF-8: refused with its bytes shown escaped, through the CLI too', async () => {
    const repo = await userProject();
    execFileSync('sh', ['-c', `printf 'w' > "$(printf 'models/leak/caf\\351.bin')"`], { cwd: repo.dir });
    await expect(add({ cwd: repo.dir, name: 'leak', paths: ['models/leak/'], data: ['data/train'] })).rejects.toMatchObject({ code: 'UNSUPPORTED_FILE_NAME', message: expect.stringContaining('caf\\xe9.bin') });
    const run = await cli(repo.dir, ['add', 'leak', 'models/leak/', '--data', 'data/train']);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('models/leak/caf\\xe9.bin cannot be versioned: its name is not valid UTF-8');
    expect(run.stderr).not.toContain('No such file or directory');
    // Named on the command line, the name arrives decoded with U+FFFD and is not found: the hint says why.
    const named = await cli(repo.dir, ['add', 'leak', 'models/leak/caf\ufffd.bin', '--data', 'data/train']);
    expect(named.exitCode).toBe(1);
    expect(named.stderr).toContain('names are UTF-8; rename it');
  });

  it('a folder name that is not UTF-8: refused by its escaped bytes; inside a nested .git, skipped', async () => {
    const repo = await userProject();
    execFileSync('sh', ['-c', `mkdir -p "$(printf 'models/leak/.git/d\\376')" && mkdir "$(printf 'models/leak/d\\376')" && printf 'w' > "$(printf 'models/leak/d\\376/w.bin')"`], { cwd: repo.dir });
    await expect(add({ cwd: repo.dir, name: 'leak', paths: ['models/leak/'], data: ['data/train'] })).rejects.toMatchObject({ code: 'UNSUPPORTED_FILE_NAME', message: expect.stringContaining('models/leak/d\\xfe cannot be versioned') });
    execFileSync('sh', ['-c', `rm -r "$(printf 'models/leak/d\\376')"`], { cwd: repo.dir });
    await expect(add({ cwd: repo.dir, name: 'leak', paths: ['models/leak/'], data: ['data/train'] })).resolves.toBeDefined();
  });
});

describe('status never reads through a link leading outside', () => {
  it('an artifact file replaced by a link to a key: status reports it, and no hash of the key appears', async () => {
    const repo = await userProject();
    await add({ cwd: repo.dir, name: 'leak', paths: ['models/leak/weights.bin'], data: ['data/train'] });
    execFileSync('rm', [join(repo.dir, 'models/leak/weights.bin')]);
    await symlink(secretFile, join(repo.dir, 'models/leak/weights.bin'));
    const result = await status({ cwd: repo.dir });
    const entry = result.artifacts.find((a) => a.name === 'leak')!.entries[0]!;
    expect(entry).toMatchObject({ condition: 'modified', problem: { code: 'LINK_OUTSIDE' } });
    expect(JSON.stringify(result)).not.toContain(oidOf(SECRET));
  });

  it('an artifact folder replaced by a link: status reports it without listing what is there', async () => {
    const repo = await userProject();
    await add({ cwd: repo.dir, name: 'leak', paths: ['models/leak/'], data: ['data/train'] });
    execFileSync('rm', ['-r', join(repo.dir, 'models/leak')]);
    await symlink(outside, join(repo.dir, 'models/leak'));
    const result = await status({ cwd: repo.dir });
    const entry = result.artifacts.find((a) => a.name === 'leak')!.entries[0]!;
    expect(entry).toMatchObject({ condition: 'modified', problem: { code: 'LINKED_FOLDER' } });
    expect(JSON.stringify(result)).not.toContain('id_rsa');
  });
});

/**
 * The CLI's V8 code cache, for a user who cannot write beside the installed script (CI's clone belongs to
 * root; these runs are `nobody`): kept in the user's cache folder, private, and never taken from a file
 * or folder others can write, since compiled code from there would run as whoever starts mvr.
 */
import { createHash } from 'node:crypto';
import { chmod, chown, cp, link, lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { gitRepo } from '../helpers/git-repo.js';
import { MV_BIN } from '../helpers/mv-cli.js';
import { giveToNobody, mvAsNobody, mvAsNobodyOk, NOBODY } from '../helpers/unprivileged.js';

const homes: string[] = [];
afterEach(async () => {
  for (const home of homes.splice(0)) await rm(home, { recursive: true, force: true });
});

async function nobodyHome(): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), 'mv-cache-home-'));
  homes.push(home);
  await giveToNobody(home);
  return home;
}

/** A copy of the built package in a temp folder, whose bin/mvr keeps its caches beside the script. */
async function packageCopy(): Promise<{ bin: string; bundle: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'mv-package-'));
  homes.push(dir);
  const source = join(dirname(MV_BIN), '..');
  await cp(join(source, 'bin'), join(dir, 'bin'), { recursive: true });
  await cp(join(source, 'dist'), join(dir, 'dist'), { recursive: true, filter: (path) => !path.endsWith('.cache') });
  await cp(join(source, 'package.json'), join(dir, 'package.json'));
  await symlink(join(source, 'node_modules'), join(dir, 'node_modules'));
  return { bin: join(dir, 'bin', 'mvr'), bundle: join(dir, 'dist', 'bundle') };
}

describe('code cache of a shared install', () => {
  it('is written into the user’s own cache folder, private to them', async () => {
    const home = await nobodyHome();
    await mvAsNobodyOk(home, ['--help'], { home });
    const dir = join(home, '.cache', 'mvr');
    const [name] = await readdir(dir);
    expect(name).toMatch(/^cli-[0-9a-f]{16}-help\.cache$/);
    const file = join(dir, name!);
    const [dirInfo, fileInfo] = [await stat(dir), await stat(file)];
    expect(dirInfo.uid).toBe(NOBODY.uid);
    expect(dirInfo.mode & 0o777).toBe(0o700);
    expect(fileInfo.uid).toBe(NOBODY.uid);
    expect(fileInfo.mode & 0o777).toBe(0o600);
    expect((await readFile(file)).subarray(0, 17).toString('latin1')).toBe('mvr-code-cache-3 ');
  });

  it('keeps a cache per command; a request for help writes the help cache, never the command’s', async () => {
    const home = await nobodyHome();
    const repo = await gitRepo({ dir: join(home, 'repo') });
    await giveToNobody(home);
    const dir = join(home, '.cache', 'mvr');
    const names = async () => (await readdir(dir)).map((name) => name.replace(/^cli-[0-9a-f]{16}-/, '')).sort();

    await mvAsNobodyOk(repo.dir, ['init', '--help'], { home });
    expect(await names()).toEqual(['help.cache']);
    // The one cache of earlier versions goes when a command's own is written.
    const legacy = join(dir, (await readdir(dir))[0]!.replace(/-help\.cache$/, '.cache'));
    await writeFile(legacy, 'mvr-code-cache-1 0:0 help\nold');
    await giveToNobody(legacy);
    await mvAsNobodyOk(repo.dir, ['init'], { home });
    await mvAsNobodyOk(repo.dir, ['ls'], { home });
    expect(await names()).toEqual(['help.cache', 'init.cache', 'ls.cache']);
    // A cache V8 took is not written again.
    const before = (await stat(join(dir, (await readdir(dir)).find((name) => name.endsWith('-ls.cache'))!))).mtimeMs;
    await mvAsNobodyOk(repo.dir, ['ls'], { home });
    expect((await stat(join(dir, (await readdir(dir)).find((name) => name.endsWith('-ls.cache'))!))).mtimeMs).toBe(before);
  });

  it('replaces a damaged cache of its own or one others could write, and never uses a folder others could', async () => {
    const home = await nobodyHome();
    await mvAsNobodyOk(home, ['--help'], { home });
    const dir = join(home, '.cache', 'mvr');
    const file = join(dir, (await readdir(dir))[0]!);
    const valid = await readFile(file);

    // Its own file, damaged: ignored and written again.
    await writeFile(file, 'mvr-code-cache-3 0:0 00\nnot v8 data');
    await giveToNobody(file);
    await chmod(file, 0o600);
    await mvAsNobodyOk(home, ['--help'], { home });
    expect((await readFile(file, 'latin1')).startsWith('mvr-code-cache-3 0:0 ')).toBe(false);

    // A valid cache writable by its group: not read (a cache V8 took is never written again), but
    // replaced by a private one.
    await writeFile(file, valid);
    await chmod(file, 0o660);
    await mvAsNobodyOk(home, ['--help'], { home });
    expect((await stat(file)).mode & 0o777).toBe(0o600);

    // Its folder owned by another user (root) and open to all: nothing in it is used or written.
    const planted = 'mvr-code-cache-3 0:0 00\nplanted';
    await writeFile(file, planted);
    await chown(dir, 0, 0);
    await chmod(dir, 0o777);
    await mvAsNobodyOk(home, ['--help'], { home });
    expect(await readFile(file, 'latin1')).toBe(planted);
    expect(await readdir(dir)).toEqual([file.slice(dir.length + 1)]);
  });
});

describe('code cache files, as opened', () => {
  /** A home for nobody holding a valid help cache; returns its path and bytes. */
  async function withHelpCache(): Promise<{ home: string; dir: string; file: string; bytes: Buffer }> {
    const home = await nobodyHome();
    await mvAsNobodyOk(home, ['--help'], { home });
    const dir = join(home, '.cache', 'mvr');
    const file = join(dir, (await readdir(dir))[0]!);
    return { home, dir, file, bytes: await readFile(file) };
  }

  it('reads a cache of its own only through no link and under no second name (else writes its own)', async () => {
    const { home, dir, file, bytes } = await withHelpCache();
    // A valid cache elsewhere, reached through a link: were it read and taken, nothing would be written.
    const elsewhere = join(home, 'elsewhere.cache');
    await writeFile(elsewhere, bytes);
    await giveToNobody(elsewhere);
    await chmod(elsewhere, 0o600);
    await rm(file);
    await symlink(elsewhere, file);
    await mvAsNobodyOk(home, ['--help'], { home });
    expect((await lstat(file)).isSymbolicLink()).toBe(false);
    expect(await readFile(elsewhere)).toEqual(bytes);

    // The same valid cache under a second name (a hard link): not read, replaced by a file of its own.
    await rm(file);
    await link(elsewhere, file);
    await mvAsNobodyOk(home, ['--help'], { home });
    expect((await stat(file)).ino).not.toBe((await stat(elsewhere)).ino);
    expect((await stat(elsewhere)).nlink).toBe(1);

    // The cache folder as a link to a folder of the user's: nothing is read from it or written to it.
    const other = join(home, 'other');
    await rm(dir, { recursive: true });
    await mkdir(other, { mode: 0o700 });
    await giveToNobody(other);
    await symlink(other, dir);
    await mvAsNobodyOk(home, ['--help'], { home });
    expect(await readdir(other)).toEqual([]);
  });

  it('ignores a cache whose data was damaged (V8 could crash on it) and writes it again', async () => {
    const { home, file, bytes } = await withHelpCache();
    const damaged = Buffer.from(bytes);
    for (let at = damaged.indexOf(10) + 200; at < damaged.length; at += 997) damaged[at] = damaged[at]! ^ 0xff;
    await writeFile(file, damaged);
    const run = await mvAsNobodyOk(home, ['--help'], { home });
    expect(run.stdout).toContain('Usage: mvr');
    expect(await readFile(file)).not.toEqual(damaged);
  });

  it('makes no cache folder in a home that is not the user’s (sudo keeps HOME)', async () => {
    // As root with nobody's home: root writes no cache there (beside a read-only script it would go to the
    // home's cache folder), which would keep nobody's own caches out of a folder root owns.
    const home = await nobodyHome();
    // Open to all, so that root without its override of file permissions could still write there.
    await chmod(home, 0o777);
    const { bin } = await packageCopy();
    await chmod(dirname(bin), 0o555);
    await chmod(join(dirname(bin), '..', 'dist', 'bundle'), 0o555);
    const asRoot = await execa('setpriv', ['--inh-caps=-dac_override', '--bounding-set=-dac_override', process.execPath, bin, '--help'], { cwd: home, reject: false, env: { HOME: home, NO_COLOR: '1' } });
    expect(asRoot.exitCode).toBe(0);
    expect(await readdir(home)).toEqual([]);
  });

  it('a command succeeds, silently, where the cache folder cannot even be looked into', async () => {
    // /root is closed to nobody: mkdir, the temp file and its removal all fail with EACCES.
    const run = await mvAsNobody(tmpdir(), ['--help'], { home: '/root' });
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toBe('');
  });
});

describe('code caches beside the script (an install the user can write to)', () => {
  const caches = async (bundle: string) => (await readdir(bundle)).filter((name) => name.endsWith('.cache')).sort();
  const run = (bin: string, cwd: string, args: string[]) => execa(process.execPath, [bin, ...args], { cwd, reject: false, env: { NO_COLOR: '1' } });

  it('keeps one per command, and subcommand of a group; every way of asking for help writes the help cache', async () => {
    const { bin, bundle } = await packageCopy();
    const repo = await gitRepo();
    await writeFile(join(bundle, 'cli.cjs.cache'), 'mvr-code-cache-1 0:0 help\nold');
    for (const args of [['hooks'], ['ls', '-dh'], ['remote', 'help', 'list'], ['help', 'ls'], ['init', '--help']]) {
      expect((await run(bin, repo.dir, args)).exitCode).toBe(0);
    }
    expect(await caches(bundle)).toEqual(['cli.cjs.help.cache']);
    const head = (await repo.git('rev-parse', 'HEAD')).trim();
    for (const args of [['init'], ['remote', 'list'], ['ls'], ['ls'], ['hooks', 'run', 'pre-commit'], ['hooks', 'run', 'post-checkout', head, head, '1']]) {
      expect((await run(bin, repo.dir, args)).exitCode).toBe(0);
    }
    expect(await caches(bundle)).toEqual(['cli.cjs.help.cache', 'cli.cjs.hooks-run-post-checkout.cache', 'cli.cjs.hooks-run-pre-commit.cache', 'cli.cjs.init.cache', 'cli.cjs.ls.cache', 'cli.cjs.remote-list.cache']);
  });

  it('mvr ui, which serves until stopped, writes its cache at every stop by a signal', async () => {
    const { bin, bundle } = await packageCopy();
    const repo = await gitRepo();
    expect((await run(bin, repo.dir, ['init'])).exitCode).toBe(0);
    const serveAndStop = async () => {
      const server = execa(process.execPath, [bin, 'ui', '--port', '0'], { cwd: repo.dir, reject: false, env: { NO_COLOR: '1' } });
      await new Promise<void>((resolve) => server.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('http://') && resolve()));
      server.kill('SIGTERM');
      expect((await server).exitCode).toBe(143);
      return stat(join(bundle, 'cli.cjs.ui.cache'));
    };
    const first = await serveAndStop();
    const second = await serveAndStop();
    expect(second.ino).not.toBe(first.ino);
  });

  it('writes again a cache V8 rejects, and leaves one it took as it is', async () => {
    const { bin, bundle } = await packageCopy();
    const repo = await gitRepo();
    await run(bin, repo.dir, ['--help']);
    const file = join(bundle, 'cli.cjs.help.cache');
    const good = await readFile(file);
    const end = good.indexOf(10);
    const [magic, madeFor] = good.toString('latin1', 0, end).split(' ');
    // Intact by its checksum, but not V8's data: V8 rejects it, and the run writes a real one.
    const junk = Buffer.alloc(4096, 7);
    await writeFile(file, Buffer.concat([Buffer.from(`${magic} ${madeFor} ${createHash('sha256').update(junk).digest('hex')}\n`), junk]));
    expect((await run(bin, repo.dir, ['--help'])).exitCode).toBe(0);
    const rewritten = await readFile(file);
    expect(rewritten.length).toBeGreaterThan(junk.length + end);
    const before = (await stat(file)).mtimeMs;
    expect((await run(bin, repo.dir, ['--help'])).exitCode).toBe(0);
    expect((await stat(file)).mtimeMs).toBe(before);
  });
});

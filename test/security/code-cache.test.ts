/**
 * The CLI's V8 code cache, for a user who cannot write beside the installed script (CI's clone belongs to
 * root; these runs are `nobody`): kept in the user's cache folder, private, and never taken from a file
 * or folder others can write, since compiled code from there would run as whoever starts mvr.
 */
import { chmod, chown, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { gitRepo } from '../helpers/git-repo.js';
import { giveToNobody, mvAsNobodyOk, NOBODY } from '../helpers/unprivileged.js';

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
    expect((await readFile(file)).subarray(0, 17).toString('latin1')).toBe('mvr-code-cache-2 ');
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

  it('replaces a damaged cache of its own, and never touches one others could have written', async () => {
    const home = await nobodyHome();
    await mvAsNobodyOk(home, ['--help'], { home });
    const dir = join(home, '.cache', 'mvr');
    const file = join(dir, (await readdir(dir))[0]!);

    // Its own file, damaged: ignored and written again.
    await writeFile(file, 'mvr-code-cache-2 0:0\nnot v8 data');
    await giveToNobody(file);
    await chmod(file, 0o600);
    await mvAsNobodyOk(home, ['--help'], { home });
    expect((await readFile(file, 'latin1')).startsWith('mvr-code-cache-2 0:0\n')).toBe(false);

    // The same file writable by its group: neither read nor replaced.
    const planted = 'mvr-code-cache-2 0:0\nplanted';
    await writeFile(file, planted);
    await chmod(file, 0o660);
    await mvAsNobodyOk(home, ['--help'], { home });
    expect(await readFile(file, 'latin1')).toBe(planted);

    // Its folder owned by another user (root) and open to all: nothing in it is used or written.
    await chmod(file, 0o600);
    await chown(dir, 0, 0);
    await chmod(dir, 0o777);
    await mvAsNobodyOk(home, ['--help'], { home });
    expect(await readFile(file, 'latin1')).toBe(planted);
  });
});

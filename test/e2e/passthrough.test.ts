import { mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/git-repo.js';
import { MV_BIN } from '../helpers/mv-cli.js';

/** A PATH where our mv comes first, as after `npm install -g`, followed by the system's. */
async function pathWithMvFirst(): Promise<string> {
  const bin = await tempDir('mv-bin-');
  await symlink(MV_BIN, join(bin, 'mv'));
  return `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`;
}

describe('installed globally, mv never breaks the system mv', () => {
  it('hands file arguments, options and exit codes to coreutils mv unchanged', async () => {
    const dir = await tempDir();
    const PATH = await pathWithMvFirst();
    await writeFile(join(dir, 'a.txt'), 'content');
    const moved = await execa('mv', ['-v', 'a.txt', 'b.txt'], { cwd: dir, env: { PATH }, reject: false });
    expect(moved.exitCode).toBe(0);
    expect(moved.stdout).toContain("renamed 'a.txt' -> 'b.txt'");
    expect(await readFile(join(dir, 'b.txt'), 'utf8')).toBe('content');
    await expect(stat(join(dir, 'a.txt'))).rejects.toThrow();

    const missing = await execa('mv', ['nope.txt', 'x.txt'], { cwd: dir, env: { PATH }, reject: false });
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain("cannot stat 'nope.txt'");

    await mkdir(join(dir, 'sub'));
    const intoDir = await execa('mv', ['-t', 'sub', 'b.txt'], { cwd: dir, env: { PATH }, reject: false });
    expect(intoDir.exitCode).toBe(0);
    expect(await readFile(join(dir, 'sub/b.txt'), 'utf8')).toBe('content');
  });

  it('answers its own commands and flags', async () => {
    const PATH = await pathWithMvFirst();
    const version = await execa('mv', ['--version'], { env: { PATH } });
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+$/);
    const help = await execa('mv', ['--help'], { env: { PATH } });
    expect(help.stdout).toContain('Git-native model versioning');
    const usage = await execa('mv', ['add'], { env: { PATH }, reject: false });
    expect(usage.exitCode).toBe(2);
  });
});

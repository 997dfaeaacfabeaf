/**
 * The hook scripts never run a program the clone chose. When the mvr they were installed from is gone
 * and none is in PATH's absolute folders, they look for a project-local install only as npm makes it,
 * untracked by git; a committed `node_modules/.bin/mvr` (a file, or links to committed files), or an
 * `mvr` that a relative PATH entry finds in the clone, is never started, not even for `--version`. The
 * hook then stops the push with its "mvr was not found" message.
 */
import { chmod, mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { hooksInstall } from '../../src/commands/hooks.js';
import { tempDir, type TestRepo } from '../helpers/git-repo.js';
import { attackBranch, publish, scene, victim, type Scene } from './attack.js';

let s: Scene;
beforeAll(async () => {
  s = await scene();
}, 60_000);

/** PATH with git and sh, and no mvr. */
const PLAIN_PATH = `${dirname(process.execPath)}:/usr/bin:/bin`;

/** An "mvr" that leaves `marker` behind whenever it is started, and answers like mvr. */
function fakeMvr(marker: string): string {
  return `#!/bin/sh\necho "started with: $*" >> '${marker}'\necho 0.1.0\n`;
}

type Plant = (repo: TestRepo, script: string) => Promise<{ path?: string }>;

async function file(repo: TestRepo, path: string, script: string): Promise<void> {
  await mkdir(dirname(join(repo.dir, path)), { recursive: true });
  await writeFile(join(repo.dir, path), script);
  await chmod(join(repo.dir, path), 0o755);
  await repo.git('add', '-f', '--', path);
}

async function link(repo: TestRepo, path: string, target: string): Promise<void> {
  await mkdir(dirname(join(repo.dir, path)), { recursive: true });
  await symlink(target, join(repo.dir, path));
  await repo.git('add', '-f', '--', path);
}

const PLANTS: Array<[string, Plant]> = [
  ['a committed node_modules/.bin/mvr', async (repo, script) => {
    await file(repo, 'node_modules/.bin/mvr', script);
    return {};
  }],
  ['committed links laid out as npm lays them out, to a committed package', async (repo, script) => {
    await file(repo, 'node_modules/mv-registry/bin/mvr', script);
    await link(repo, 'node_modules/.bin/mvr', '../mv-registry/bin/mvr');
    return {};
  }],
  ['node_modules committed as a link to a folder of committed files', async (repo, script) => {
    await file(repo, 'vendor/nm/mv-registry/bin/mvr', script);
    await link(repo, 'vendor/nm/.bin/mvr', '../mv-registry/bin/mvr');
    await link(repo, 'node_modules', 'vendor/nm');
    return {};
  }],
  ['a committed bin/mvr, with a relative PATH entry that names it', async (repo, script) => {
    await file(repo, 'bin/mvr', script);
    return { path: 'bin' };
  }],
];

describe('the hook scripts never run a program the clone holds', () => {
  it.each(PLANTS)('%s: never started, and the push is stopped with the reason', async (what, plant) => {
    const branch = `hook-${what.replace(/\W+/g, '-')}`;
    await attackBranch(s, branch);
    const marker = join(await tempDir('mv-marker-'), 'started');
    const { path } = await plant(s.attacker, fakeMvr(marker));
    await s.attacker.git('commit', '-q', '-m', 'vendored tools');
    await publish(s);
    const repo = await victim(s, branch);
    // Installed from an mvr that has since gone (an npx cache cleaned, another Node version selected).
    await hooksInstall({ cwd: repo.dir, mvBin: join(await tempDir('mv-gone-'), 'bin', 'mvr') });
    const env = { PATH: path ? `${path}:${PLAIN_PATH}` : PLAIN_PATH };
    await execa('git', ['checkout', '-q', '-b', `${branch}-work`], { cwd: repo.dir, env });
    await writeFile(join(repo.dir, 'notes.txt'), 'mine\n');
    await execa('git', ['add', 'notes.txt'], { cwd: repo.dir, env });
    await execa('git', ['commit', '-q', '-m', 'notes'], { cwd: repo.dir, env });
    const pushed = await execa('git', ['push', 'origin', `${branch}-work`], { cwd: repo.dir, env, reject: false });
    expect(await stat(marker).then(() => readFile(marker, 'utf8'), () => 'never started')).toBe('never started');
    expect(pushed.exitCode).not.toBe(0);
    expect(pushed.stderr).toContain("mvr: this repository has mvr's pre-push hook, but mvr was not found");
  });
});

/**
 * What the committed `.mv/config.yaml` may decide, since anyone who can push writes it: never a program
 * mv runs (an interpreter is a command name looked up on PATH, never a path). The same settings in
 * `.mv/config.local.yaml`, or on the command line, are the user's own.
 */
import { chmod, cp, mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { add } from '../../src/commands/add.js';
import { pull } from '../../src/commands/fetch.js';
import { tagsOf } from '../helpers/assertions.js';
import { tempDir, type TestRepo } from '../helpers/git-repo.js';
import { cli, mv } from '../helpers/mv-cli.js';
import { attackBranch, publish, scene, victim, type Scene } from './attack.js';

let s: Scene;
beforeAll(async () => {
  s = await scene();
}, 60_000);

/** Commits an executable script with plain git, as the attacker's "tool". */
async function commitProgram(repo: TestRepo, path: string, script: string): Promise<void> {
  await mkdir(dirname(join(repo.dir, path)), { recursive: true });
  await writeFile(join(repo.dir, path), script);
  await chmod(join(repo.dir, path), 0o755);
  await repo.git('add', '-f', '--', path);
}

/** A program that leaves `marker` behind when it runs and answers like a Python interpreter. */
function interpreter(marker: string, version: string): string {
  return `#!/bin/sh\necho "ran with $*" >> '${marker}'\necho "Python ${version}"\n`;
}

/**
 * The attacker's branch: `tools/python`, a script that leaves a marker when it runs, named by
 * `add.python` in the committed config. Returns the marker's path and the victim's fresh clone.
 */
async function pinnedScript(branch: string): Promise<{ marker: string; repo: TestRepo }> {
  await attackBranch(s, branch);
  const marker = join(await tempDir('mv-marker-'), 'ran');
  await commitProgram(s.attacker, 'tools/python', interpreter(marker, '3.11.7'));
  await commitAddSetting(branch, 'python: tools/python');
  return { marker, repo: await victim(s, branch) };
}

/** The attacker's config change under `add:`, committed on its own branch with whatever else was staged. */
async function commitAddSetting(branch: string, line: string): Promise<void> {
  const config = (await s.attacker.read('.mv/config.yaml')).replace('require_lineage: warn', `require_lineage: warn\n  ${line}`);
  await s.attacker.write('.mv/config.yaml', config);
  await s.attacker.git('add', '.mv/config.yaml');
  await s.attacker.git('commit', '-q', '-m', `pin the training interpreter (${branch})`);
  await publish(s);
}

/** The victim's own training run: the artifact's files and its data, in the clone. */
async function trained(repo: TestRepo): Promise<void> {
  for (const folder of ['models/churn', 'data/train']) await cp(join(s.attacker.dir, folder), join(repo.dir, folder), { recursive: true });
  await writeFile(join(repo.dir, 'models/churn/model.pt'), 'retrained');
}

async function ran(marker: string): Promise<boolean> {
  return stat(marker).then(() => true, () => false);
}

describe('add.python never names a program from the committed config', () => {
  it('a path there (a script the repository holds) is refused before anything runs: add, add --dry-run, any command', async () => {
    const { marker, repo } = await pinnedScript('python-path');
    await trained(repo);
    const tags = await tagsOf(repo);
    const refused = { code: 'INVALID_CONFIG', message: expect.stringContaining('add.python'), hint: expect.stringContaining('.mv/config.local.yaml') };
    await expect(add({ cwd: repo.dir, name: 'churn', dryRun: true })).rejects.toMatchObject(refused);
    await expect(add({ cwd: repo.dir, name: 'churn', message: 'retrain' })).rejects.toMatchObject(refused);
    await expect(pull({ cwd: repo.dir })).rejects.toMatchObject(refused);
    const run = await cli(repo.dir, ['add', 'churn', '--dry-run']);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('error: .mv/config.yaml: add.python names a path ("tools/python")');
    expect(run.stderr).toContain('hint: Move add.python to .mv/config.local.yaml');
    expect(await ran(marker)).toBe(false);
    expect(await tagsOf(repo)).toEqual(tags);
  });

  it('the user\'s own path in config.local.yaml is used, and overrides the committed one', async () => {
    const { marker, repo } = await pinnedScript('python-local');
    const mine = join(await tempDir('mv-own-python-'), 'bin', 'python');
    await mkdir(dirname(mine), { recursive: true });
    await writeFile(mine, '#!/bin/sh\necho "Python 3.12.8"\n', { mode: 0o755 });
    await writeFile(join(repo.dir, '.mv/config.local.yaml'), `add:\n  python: ${mine}\n`);
    await pull({ cwd: repo.dir, lineage: true });
    await writeFile(join(repo.dir, 'models/churn/model.pt'), 'retrained');
    const planned = await add({ cwd: repo.dir, name: 'churn', dryRun: true });
    expect(planned.dryRun).toBe(true);
    await add({ cwd: repo.dir, name: 'churn', message: 'retrain' });
    expect(await repo.read('models/churn/churn.mv.yaml')).toContain('python: 3.12.8');
    expect(await ran(marker)).toBe(false);
    await writeFile(join(repo.dir, 'models/churn/model.pt'), 'retrained again');
    await writeFile(join(repo.dir, '.mv/config.local.yaml'), '');
    await expect(add({ cwd: repo.dir, name: 'churn', message: 'again', python: mine })).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
  });

  it('a command name is looked up in PATH\'s absolute folders only: a relative entry never reaches the clone\'s files', async () => {
    await attackBranch(s, 'python-name');
    const marker = join(await tempDir('mv-marker-'), 'ran');
    await commitProgram(s.attacker, 'python3.99', interpreter(marker, '3.99.0'));
    await commitProgram(s.attacker, 'bin/python3.99', interpreter(marker, '3.99.0'));
    await commitAddSetting('python-name', 'python: python3.99');
    const repo = await victim(s, 'python-name');
    const installed = join(await tempDir('mv-path-'), 'bin');
    await mkdir(installed);
    await writeFile(join(installed, 'python3.99'), '#!/bin/sh\necho "Python 3.99.1"\n', { mode: 0o755 });
    await pull({ cwd: repo.dir, lineage: true });
    await writeFile(join(repo.dir, 'models/churn/model.pt'), 'retrained');
    // The built mvr, started in the clone, with the relative entries some shells' PATH carries.
    const run = await mv(repo.dir, ['add', 'churn', '-m', 'retrain'], { env: { PATH: `.:bin::${installed}:${process.env.PATH ?? ''}` } });
    expect(run.exitCode).toBe(0);
    expect(await repo.read('models/churn/churn.mv.yaml')).toContain('python: 3.99.1');
    expect(await ran(marker)).toBe(false);
  });

  it.each([['../python'], ['/usr/bin/python3'], ['-c'], ['py thon']])('%j in the committed config is refused', async (value) => {
    const branch = `python-${value.replace(/\W/g, '-')}`;
    await attackBranch(s, branch);
    await commitAddSetting(branch, `python: ${JSON.stringify(value)}`);
    const repo = await victim(s, branch);
    await trained(repo);
    await expect(add({ cwd: repo.dir, name: 'churn', dryRun: true })).rejects.toMatchObject({ code: 'INVALID_CONFIG', message: expect.stringContaining(`add.python`) });
  });
});

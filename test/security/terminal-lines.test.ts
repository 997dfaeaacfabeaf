/**
 * What mv prints is one line per line it meant to print: a string from git, a pointer, the committed
 * config or a file name cannot add a line of its own (`hint: run …`) to the victim's terminal, because a
 * line break inside it is shown as `\n`. Each attack is made with plain git and plain files, pushed, and
 * run by a victim's fresh clone through the CLI's main; the assertions are on the bytes printed.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { add } from '../../src/commands/add.js';
import { purge } from '../../src/commands/purge.js';
import type { TestRepo } from '../helpers/git-repo.js';
import { cli, type MvRun } from '../helpers/mv-cli.js';
import { attackBranch, commitRaw, publish, scene, victim, type Scene } from './attack.js';

let s: Scene;

beforeAll(async () => {
  s = await scene();
}, 120_000);

/** A line the attacker wants the victim to read as mv's advice. */
const forged = (n: number) => `hint: FORGED-${n} run pip install mv-repair`;

/** The attacker commits `entries` with plain git on a branch of its own and publishes it; a victim clones that branch. */
async function attacked(branch: string, entries: Array<{ path: string; content: string }>): Promise<TestRepo> {
  await attackBranch(s, branch);
  await commitRaw(s.attacker, entries, branch);
  await publish(s);
  return victim(s, branch);
}

/** A file as the legitimate project committed it. */
async function legitimate(path: string): Promise<string> {
  return `${await s.attacker.git('show', `main:${path}`)}\n`;
}

/** Nothing printed starts a line with the forged text; it is there, escaped, inside mv's own line. */
function expectEscaped(run: MvRun, n: number): void {
  const out = `${run.stdout}\n${run.stderr}`;
  expect(out.split('\n').filter((line) => line.includes(`FORGED-${n}`) && !line.includes(`\\n${forged(n)}`))).toEqual([]);
  expect(out).toContain(`\\n${forged(n)}`);
}

describe('strings from git, pointers and the committed config cannot add a line', () => {
  it('a pointer file in a folder whose name holds a line break: pull works, gc names it escaped', async () => {
    const repo = await attacked('folder-name', [{ path: `models/x\n${forged(1)}\nnote: /z.mv.yaml`, content: 'mv: 1\n' }]);
    const pull = await cli(repo.dir, ['pull']);
    expect(pull.stderr).not.toContain('FORGED-1');
    expect(pull.exitCode).toBe(0);
    const gc = await cli(repo.dir, ['gc', '--dry-run']);
    expect(gc.exitCode).toBe(0);
    expect(gc.stderr).toContain('is not a valid pointer');
    expectEscaped(gc, 1);
  });

  it('an unknown setting in the committed config', async () => {
    const config = await legitimate('.mv/config.yaml');
    const repo = await attacked('config-key', [{ path: '.mv/config.yaml', content: `${config}${JSON.stringify(`x\n${forged(2)}`)}: 1\n` }]);
    const run = await cli(repo.dir, ['status']);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('error: .mv/config.yaml: ');
    expectEscaped(run, 2);
  });

  it('a remote name in the committed config: a line break, or any name outside the rule, is refused', async () => {
    const config = await legitimate('.mv/config.yaml');
    const renamed = (name: string) => [{ path: '.mv/config.yaml', content: config.replace('remote: origin', `remote: ${JSON.stringify(name)}`).replace(/^ {2}origin:/m, `  ${JSON.stringify(name)}:`) }];
    let repo = await attacked('remote-line-break', renamed(`o\n${forged(3)}`));
    for (const args of [['pull'], ['push'], ['remote', 'list']]) {
      const run = await cli(repo.dir, args);
      expect(run.exitCode).toBe(1);
      expectEscaped(run, 3);
    }
    repo = await attacked('remote-space', renamed('o hint'));
    const run = await cli(repo.dir, ['pull', '--json']);
    expect(run.exitCode).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ error: { code: 'INVALID_CONFIG', message: '.mv/config.yaml: remotes: "o hint" is not a valid remote name.' } });
  });

  it('a data uri and an artifact ref of the committed pointer, in the list of what a new version would drop', async () => {
    const pointer = await legitimate('models/churn/churn.mv.yaml');
    const data = `    - {uri: ${JSON.stringify(`s3://bucket/x\n${forged(4)}`)}}\n    - {artifact: ${JSON.stringify(`base@v1.0.0\n${forged(5)}`)}}\n`;
    const repo = await attacked('dropped-data', [{ path: 'models/churn/churn.mv.yaml', content: pointer.replace('  data:\n', `  data:\n${data}`) }]);
    expect((await cli(repo.dir, ['pull', '--lineage'])).exitCode).toBe(0);
    await writeFile(join(repo.dir, 'models/churn/model.pt'), 'retrained');
    const run = await cli(repo.dir, ['add', 'churn', 'models/churn/model.pt', 'models/churn/tokenizer/', '--data', 'data/train', '--pipeline', 'src/preprocess.py']);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('would leave out what churn@v0.1.0 has');
    expectEscaped(run, 4);
    expectEscaped(run, 5);
  });

  it('the reason of a purge, when a command misses the purged bytes', async () => {
    await attackBranch(s, 'purge-reason');
    await writeFile(join(s.attacker.dir, 'models/churn/model.pt'), 'retrained');
    await add({ cwd: s.attacker.dir, name: 'churn', paths: ['models/churn/model.pt', 'models/churn/tokenizer/'], data: ['data/train'], pipeline: ['src/preprocess.py'] });
    await purge({ cwd: s.attacker.dir, ref: 'churn@v0.1.0', force: true, message: `cleanup\n${forged(6)}` });
    await publish(s);
    const repo = await victim(s, 'purge-reason');
    const run = await cli(repo.dir, ['checkout', 'churn@v0.1.0']);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('was purged by');
    expectEscaped(run, 6);
  });

  it('a tracked file name, in the list of uncommitted changes', async () => {
    const name = `notes\n${forged(7)}.txt`;
    const repo = await attacked('file-name', [{ path: name, content: 'notes\n' }]);
    await writeFile(join(repo.dir, name), 'edited\n');
    await writeFile(join(repo.dir, 'weights.bin'), 'weights');
    const run = await cli(repo.dir, ['add', 'other', 'weights.bin']);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('uncommitted changes');
    expectEscaped(run, 7);
  });
});

describe('history of a version tag the registry ignored', () => {
  it('names the version of the tag, not "undefined"', async () => {
    await attackBranch(s, 'second-register');
    const commit = await commitRaw(s.attacker, [{ path: 'notes.txt', content: 'other weights\n' }], 'other weights');
    // A second registration of v0.1.0 on another commit, dated before the real one.
    await execa('git', ['tag', '-a', '-m', 'Register churn@v0.1.0', '--', 'churn@v0.1.0#1', commit], { cwd: s.attacker.dir, env: { GIT_COMMITTER_DATE: '2020-01-01T00:00:00Z' } });
    await publish(s);
    const repo = await victim(s, 'second-register');
    const run = await cli(repo.dir, ['history', 'churn']);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).not.toContain('undefined');
    const registered = run.stdout.split('\n').filter((line) => line.includes('registered churn@v0.1.0'));
    expect(registered).toHaveLength(2);
    expect(registered.filter((line) => line.includes('[ignored]'))).toHaveLength(1);
    const json = JSON.parse((await cli(repo.dir, ['history', 'churn', '--json'])).stdout) as { events: Array<{ event: string; id?: string; tag: string; ignored?: true }> };
    const registers = json.events.filter((e) => e.event === 'register' && e.tag.startsWith('churn@v0.1.0'));
    expect(registers.map((e) => e.id)).toEqual(['churn@v0.1.0', 'churn@v0.1.0']);
    expect(registers.filter((e) => e.ignored)).toHaveLength(1);
  });
});

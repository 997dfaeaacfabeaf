/**
 * What mv prints is one line per line it meant to print: a string from git, a pointer, the committed
 * config or a file name cannot add a line of its own (`hint: run …`) to the victim's terminal, because a
 * line break inside it is shown as `\n`. Each attack is made with plain git and plain files, pushed, and
 * run by a victim's fresh clone through the CLI's main; the assertions are on the bytes printed.
 */
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/mv-cli.js';
import { attackBranch, commitRaw, publish, scene, victim, type Scene } from './attack.js';

let s: Scene;

beforeAll(async () => {
  s = await scene();
}, 120_000);

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
    const registered = run.stdout.split('\n').filter((line) => line.includes('registered'));
    expect(registered).toHaveLength(2);
    for (const line of registered) expect(line).toContain('registered churn@v0.1.0');
    expect(registered.filter((line) => line.includes('[ignored]'))).toHaveLength(1);
    const json = JSON.parse((await cli(repo.dir, ['history', 'churn', '--json'])).stdout) as { events: Array<{ event: string; id?: string; ignored?: true }> };
    const registers = json.events.filter((e) => e.event === 'register');
    expect(registers.map((e) => e.id)).toEqual(['churn@v0.1.0', 'churn@v0.1.0']);
    expect(registers.filter((e) => e.ignored)).toHaveLength(1);
  });
});

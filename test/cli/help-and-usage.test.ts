/**
 * Every command's --help ends with real examples (each one parses against the command as written), and a
 * bad option value is a usage error (exit 2) that says what is wrong.
 */
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { HELP_EXAMPLES } from '../../src/cli/help-examples.js';
import { buildProgram } from '../../src/cli/main.js';
import { promote } from '../../src/index.js';
import { gitRepo } from '../helpers/git-repo.js';
import { cli, cliJson } from '../helpers/mv-cli.js';
import { addChurn, initProject } from '../helpers/project.js';
import { registryClock } from '../helpers/registry.js';

const hidden = (command: Command) => (command as unknown as { _hidden: boolean })._hidden;

function visibleCommands(command: Command, path = ''): Array<{ path: string; command: Command }> {
  return command.commands
    .filter((sub) => !hidden(sub))
    .flatMap((sub) => {
      const subPath = path ? `${path} ${sub.name()}` : sub.name();
      return [{ path: subPath, command: sub }, ...visibleCommands(sub, subPath)];
    });
}

/** The mvr command line inside an example: `mvr …`, `X=$(mvr …)`, `eval "$(mvr …)"` or `mvr … | source`. */
function words(example: string): string[] {
  const line = example.replace(/\s+#.*$/, '').replace(/ \| .*$/, '');
  const inner = /\$\((mvr [^)]*)\)/.exec(line)?.[1] ?? line;
  const out: string[] = [];
  for (const m of inner.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)) out.push(m[1] ?? m[2] ?? m[3]!);
  return out;
}

describe('--help examples', () => {
  it('every command has two to four, at the end of its help', () => {
    const program = buildProgram();
    for (const { path, command } of [{ path: '', command: program }, ...visibleCommands(program)]) {
      const examples = HELP_EXAMPLES[path];
      expect(examples, `examples of "mvr ${path}"`).toBeDefined();
      expect(examples!.length, path).toBeGreaterThanOrEqual(2);
      expect(examples!.length, path).toBeLessThanOrEqual(4);
      let help = '';
      command.configureOutput({ writeOut: (text) => (help += text) });
      command.outputHelp();
      expect(help.trimEnd().endsWith(examples!.at(-1)!), path).toBe(true);
    }
    const known = new Set(['', ...visibleCommands(program).map((c) => c.path)]);
    for (const path of Object.keys(HELP_EXAMPLES)) expect(known.has(path), `examples for unknown command "${path}"`).toBe(true);
  });

  it('each one is accepted by the command it shows: arguments, options and option values', async () => {
    for (const examples of Object.values(HELP_EXAMPLES)) {
      for (const example of examples) {
        const argv = words(example);
        expect(argv[0], example).toBe('mvr');
        const program = buildProgram();
        const ran: string[] = [];
        const stub = (command: Command, path: string): void => {
          command.action(() => void ran.push(path));
          for (const sub of command.commands) stub(sub, path ? `${path} ${sub.name()}` : sub.name());
        };
        stub(program, '');
        program.configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
        await expect(program.parseAsync(argv.slice(1), { from: 'user' }), example).resolves.toBeDefined();
        expect(ran, example).toHaveLength(1);
      }
    }
  });

  it('every command takes --json but shell-init, as the README says (remote and hooks on each subcommand)', () => {
    const leaves = visibleCommands(buildProgram()).filter(({ command }) => command.commands.length === 0);
    const without = leaves.filter(({ command }) => !command.options.some((o) => o.long === '--json')).map((c) => c.path);
    expect(without).toEqual(['shell-init']);
    expect(leaves.map((c) => c.path)).toEqual(expect.arrayContaining(['remote list', 'hooks install']));
  });

  it('option help names the installed program, mvr, never the system mv', () => {
    const get = buildProgram().commands.find((c) => c.name() === 'get')!;
    expect(get.helpInformation()).toContain('(empty, or from an earlier mvr get)');
  });
});

describe('bad option values are usage errors (exit 2)', () => {
  it('says what is wrong with the value, and changes nothing', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    await addChurn(repo);
    const head = await repo.git('rev-parse', 'HEAD');
    const cases: Array<[string[], string]> = [
      [['promote', 'churn@v0.1.0', 'production', '--traffic', '150'], '--traffic 150 is not a share between 1 and 99 percent'],
      [['audit', 'churn', '--at', 'yesterday'], '"yesterday" is not a time'],
      [['push', '-j', '0'], "'-j, --jobs <n>' argument '0' is invalid"],
      [['gc', '--grace', 'soon'], '--grace "soon" is not a duration'],
      [['add', 'churn', 'models/churn/model.pt', '--version', 'banana'], '"banana" is not a semantic version'],
      [['add', 'churn', 'models/churn/model.pt', '--bump', 'huge'], "argument 'huge' is invalid"],
    ];
    for (const [args, message] of cases) {
      const run = await cli(repo.dir, args);
      expect(run.exitCode, args.join(' ')).toBe(2);
      expect(run.stderr, args.join(' ')).toContain(message);
    }
    const json = await cli(repo.dir, ['promote', 'churn@v0.1.0', 'production', '--traffic', '0', '--json']);
    expect(json.exitCode).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: 'USAGE' } });
    expect(await repo.git('rev-parse', 'HEAD')).toBe(head);
    expect(await repo.git('tag', '-l')).toBe('churn@v0.1.0');
  });

  it('audit --key without --at answers for now', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    await addChurn(repo);
    const at = registryClock('2026-11-01T10:00:00Z');
    await at(() => promote({ cwd: repo.dir, ref: 'churn@v0.1.0', stage: 'staging' }));
    await at(() => promote({ cwd: repo.dir, ref: 'churn@v0.1.0', stage: 'production' }));
    const result = await cliJson<{ at: string; key: { version: string } }>(repo.dir, ['audit', 'churn', '--key', 'customer-4711']);
    expect(result.key.version).toBe('0.1.0');
    expect(Math.abs(Date.parse(result.at) - Date.now())).toBeLessThan(60_000);
  });
});

/**
 * The `mv` shell function of `mvr shell-init`, run in real bash, zsh and fish: mvr's commands go to mvr,
 * everything else reaches the system mv unchanged and without starting Node, and a near miss of a command
 * moves nothing. mvr is reached through a wrapper that logs each start, so "no Node" is observable.
 */
import { chmod, mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { COMMAND_NAMES } from '../../src/cli/command-names.js';
import { buildProgram } from '../../src/cli/main.js';
import { editDistance } from '../../src/edit-distance.js';
import { nearCommands } from '../../src/shell/near-command.js';
import { shellInit, type Shell } from '../../src/shell/shell-init.js';
import { shellInitUsage } from '../../src/shell/shell-usage.js';
import { tempDir } from '../helpers/git-repo.js';
import { MV_BIN, mv as mvr } from '../helpers/mv-cli.js';

const available = async (program: string) => (await execa(program, ['-c', 'true'], { reject: false }).catch(() => ({ exitCode: 1 }))).exitCode === 0;
const SHELLS: Record<Shell, boolean> = { bash: await available('bash'), zsh: await available('zsh'), fish: await available('fish') };

interface Setup {
  init: string;
  log: string;
}

/** The function's script, calling mvr through a wrapper that records every start in `log`. */
async function setup(shell: Shell): Promise<Setup> {
  const dir = await tempDir('mv-shell-');
  const log = join(dir, 'mvr-starts.log');
  const wrapper = join(dir, 'mvr');
  await writeFile(log, '');
  await writeFile(wrapper, `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\nexec '${MV_BIN}' "$@"\n`);
  await chmod(wrapper, 0o755);
  const init = join(dir, `init.${shell}`);
  await writeFile(init, shellInit(shell, { bin: wrapper, commands: COMMAND_NAMES }));
  return { init, log };
}

interface Run {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** `mv ARGS…` through the function (or `command mv` with `system`), in `cwd`, with `prelude` run first. */
async function runMv(shell: Shell, s: Setup, cwd: string, args: string[], options: { system?: boolean; input?: string; prelude?: string } = {}): Promise<Run> {
  const call = options.system ? 'command mv' : 'mv';
  const [program, flags, script] =
    shell === 'fish'
      ? ['fish', ['--no-config', '-c'], `${options.prelude ?? ''}\nsource ${s.init}\n${call} $argv`]
      : [shell, shell === 'bash' ? ['--norc', '--noprofile', '-c'] : ['-f', '-c'], `${options.prelude ?? ''}\nsource '${s.init}'\n${call} "$@"`];
  const positional = shell === 'fish' ? ['--', ...args] : ['sh', ...args];
  const result = await execa(program, [...flags, script, ...positional], { cwd, reject: false, input: options.input ?? '', env: { LC_ALL: 'C', NO_COLOR: '1' } });
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Files a, b, c and folder sub/ (with sub/b) in a fresh folder; returns it. */
async function fixture(): Promise<string> {
  const dir = await tempDir('mv-shell-work-');
  for (const name of ['a', 'b', 'c']) await writeFile(join(dir, name), `content of ${name}\n`);
  await mkdir(join(dir, 'sub'));
  await writeFile(join(dir, 'sub/b'), 'older b\n');
  return dir;
}

/** Every path below `dir` with its content, to compare two trees. */
async function tree(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await readdir(join(dir, prefix))).sort()) {
    const rel = prefix ? `${prefix}/${name}` : name;
    if ((await stat(join(dir, rel))).isDirectory()) out.push(`${rel}/`, ...(await tree(dir, rel)));
    else out.push(`${rel}: ${await readFile(join(dir, rel), 'utf8')}`);
  }
  return out;
}

const starts = async (s: Setup) => (await readFile(s.log, 'utf8')).split('\n').filter(Boolean);

/** Every option of coreutils mv (9.x), and the usual mistakes, each on files that make it do something. */
const PASS_THROUGH: Array<{ args: string[]; input?: string }> = [
  { args: ['a', 'd'] },
  { args: ['a', 'b', 'sub'] },
  { args: ['-b', 'a', 'b'] },
  { args: ['--backup', 'a', 'b'] },
  { args: ['--backup=numbered', 'a', 'b'] },
  { args: ['-f', 'a', 'b'] },
  { args: ['--force', 'a', 'b'] },
  { args: ['-i', 'a', 'b'], input: 'n\n' },
  { args: ['--interactive', 'a', 'b'], input: 'y\n' },
  { args: ['-n', 'a', 'b'] },
  { args: ['--no-clobber', 'a', 'b'] },
  { args: ['--strip-trailing-slashes', 'sub/', 'moved'] },
  { args: ['-S', '.orig', '-b', 'a', 'b'] },
  { args: ['--suffix=.orig', '--backup', 'a', 'b'] },
  { args: ['-t', 'sub', 'a', 'c'] },
  { args: ['--target-directory=sub', 'b'] },
  { args: ['-T', 'a', 'sub'] },
  { args: ['--no-target-directory', 'c', 'e'] },
  { args: ['-u', 'a', 'b'] },
  { args: ['--update', 'a', 'b'] },
  { args: ['-v', 'a', 'b'] },
  { args: ['--verbose', '-t', 'sub', 'a'] },
  { args: ['-Z', 'a', 'd'] },
  { args: ['--context', 'a', 'd'] },
  { args: ['-fv', 'a', 'b'] },
  { args: ['--version'] },
  { args: ['--', 'a', 'd'] },
  { args: ['--', 'add', 'x'] },
  { args: ['nonexistent.txt', 'x'] },
  { args: ['a'] },
  { args: [] },
  { args: ['--bogus', 'a', 'b'] },
  { args: ['-q', 'a', 'b'] },
];

describe('near misses of a command', () => {
  it('are bare words within two edits of a command, never the command itself or a path', () => {
    expect(nearCommands('ad', COMMAND_NAMES)).toEqual(['add']);
    expect(nearCommands('pomote', COMMAND_NAMES)).toEqual(['promote']);
    expect(nearCommands('psuh', COMMAND_NAMES)).toEqual(['push']);
    expect(nearCommands('chekcout', COMMAND_NAMES)).toEqual(['checkout']);
    expect(nearCommands('stauts', COMMAND_NAMES)).toEqual(['status']);
    expect(nearCommands('add', COMMAND_NAMES)).toEqual([]);
    for (const word of ['x', 'models', 'data', 'README', 'churn', 'weights.pt', 'a/add', '-ad', 'ad d']) expect(nearCommands(word, COMMAND_NAMES), word).toEqual([]);
    expect(editDistance('psuh', 'push')).toBe(1);
    expect(editDistance('', 'ls')).toBe(2);
  });

  it('are checked against exactly the commands mvr defines', () => {
    const defined = buildProgram()
      .commands.filter((c) => !(c as unknown as { _hidden: boolean })._hidden)
      .map((c) => c.name());
    expect([...COMMAND_NAMES].sort()).toEqual([...defined, 'help'].sort());
  });
});

describe('mvr shell-init', () => {
  it('prints a function that calls this mvr by its path, and refuses an unknown shell (exit 2)', async () => {
    const dir = await tempDir();
    const bash = await mvr(dir, ['shell-init', 'bash']);
    expect(bash.exitCode).toBe(0);
    expect(bash.stdout).toContain('function mv {');
    expect(bash.stdout).toContain(`'${MV_BIN}' "$@"`);
    for (const command of COMMAND_NAMES) expect(bash.stdout).toContain(command);
    expect((await mvr(dir, ['shell-init', 'fish'])).stdout).toContain('function mv ');
    const bad = await mvr(dir, ['shell-init', 'tcsh'], { env: { SHELL: '/bin/tcsh' } });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('"tcsh" is not a shell mvr supports (bash, zsh, fish).');
    expect(bad.stderr).toContain('In tcsh, type mvr by its own name instead');
    expect(bad.stderr).not.toContain('eval');
    const none = await mvr(dir, ['shell-init'], { env: { SHELL: '/usr/bin/zsh' } });
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toContain('eval "$(mvr shell-init zsh)"');
  });

  it('never hands a user of another shell a line for bash: it names the shells the function exists for, and says to type mvr', () => {
    const text = (error: { message: string; hint?: string | undefined }) => `${error.message}\n${error.hint ?? ''}`;
    for (const [shell, login] of [['tcsh', '/bin/bash'], ['tcsh', undefined], [undefined, '/usr/bin/tcsh'], [undefined, undefined]] as const) {
      const refused = shellInitUsage(shell, login);
      expect(refused).toMatchObject({ code: 'USAGE' });
      expect(text(refused), `${shell} ${login}`).not.toMatch(/eval|shell-init bash\)|\| source/);
      expect(refused.hint).toContain('The `mv` shell function exists for bash, zsh and fish only.');
      expect(refused.hint).toContain('type mvr by its own name instead (`mvr add …`, `mvr promote …`)');
    }
    expect(shellInitUsage('tcsh', '/bin/bash').hint).toContain('In tcsh, type mvr');
    expect(shellInitUsage(undefined, '/usr/bin/tcsh').hint).toContain('In tcsh, type mvr');
    expect(shellInitUsage(undefined, undefined).hint).toContain('In another shell, type mvr');
    // No shell named, and the login shell is one the function exists for: that shell's line, and its rc file.
    expect(shellInitUsage(undefined, '/usr/bin/fish').hint).toBe('For fish, add this line at the end of ~/.config/fish/config.fish: mvr shell-init fish | source');
    expect(shellInitUsage(undefined, '/bin/bash').hint).toBe('For bash, add this line at the end of ~/.bashrc: eval "$(mvr shell-init bash)"');
  });
});

for (const shell of ['bash', 'zsh', 'fish'] as const) {
  describe.skipIf(!SHELLS[shell])(`the mv function in ${shell}`, () => {
    it('sends mvr commands to mvr', async () => {
      const s = await setup(shell);
      const dir = await tempDir();
      const ls = await runMv(shell, s, dir, ['ls']);
      expect(ls.exitCode).toBe(1);
      expect(ls.stderr).toContain('is not inside a git repository');
      const help = await runMv(shell, s, dir, ['add', '--help']);
      expect(help.exitCode).toBe(0);
      expect(help.stdout).toContain('Usage: mvr add');
      expect(await starts(s)).toEqual(['ls', 'add --help']);
    });

    it('passes every other use to the system mv unchanged, without starting Node', async () => {
      const s = await setup(shell);
      for (const { args, input } of PASS_THROUGH) {
        const viaFunction = await fixture();
        const viaSystem = await fixture();
        const got = await runMv(shell, s, viaFunction, args, { input });
        const want = await runMv(shell, s, viaSystem, args, { system: true, input });
        const label = `mv ${args.join(' ')}`;
        expect(got.exitCode, label).toBe(want.exitCode);
        expect(got.stdout, label).toBe(want.stdout);
        expect(got.stderr, label).toBe(want.stderr);
        expect(await tree(viaFunction), label).toEqual(await tree(viaSystem));
      }
      expect(await starts(s)).toEqual([]);
    });

    it('refuses a command word that is also a file here (nothing moves, mvr does not run), and adds one line to --help', async () => {
      const s = await setup(shell);
      const dir = await fixture();
      await writeFile(join(dir, 'add'), 'a file called add\n');
      const before = await tree(dir);
      const refused = await runMv(shell, s, dir, ['add', 'renamed']);
      expect(refused.exitCode).toBe(2);
      expect(refused.stderr).toContain("mv: 'add' is both an mvr command and a file or folder here; run `mvr add …` for the command, or `command mv add …` to move it.");
      expect(await tree(dir)).toEqual(before);
      const moved = await runMv(shell, s, dir, ['add', 'renamed'], { system: true });
      expect(moved.exitCode).toBe(0);
      expect(await readFile(join(dir, 'renamed'), 'utf8')).toBe('a file called add\n');
      const help = await runMv(shell, s, dir, ['--help']);
      const system = await runMv(shell, s, dir, ['--help'], { system: true });
      expect(help.exitCode).toBe(0);
      expect(help.stdout.startsWith(system.stdout)).toBe(true);
      expect(help.stdout.slice(system.stdout.length)).toMatch(/^\n\nmv is also the shell function from `mvr shell-init`/);
      expect(await starts(s)).toEqual([]);
    });

    it('refuses a near miss of a command: nothing moves, exit 2', async () => {
      const s = await setup(shell);
      const dir = await fixture();
      const before = await tree(dir);
      const typo = await runMv(shell, s, dir, ['ad', 'churn', 'a', 'sub']);
      expect(typo.exitCode).toBe(2);
      expect(typo.stderr).toContain("unknown command 'ad' — did you mean 'add'?");
      expect(await tree(dir)).toEqual(before);
      // A bare word that is no near miss is the system mv's to report; a near miss that is a file is moved.
      const missing = await runMv(shell, s, dir, ['models', 'sub']);
      expect(missing.exitCode).toBe(1);
      expect(missing.stderr).toContain("cannot stat 'models'");
      await writeFile(join(dir, 'ad'), 'a file called ad\n');
      expect((await runMv(shell, s, dir, ['ad', 'sub'])).exitCode).toBe(0);
      expect(await readFile(join(dir, 'sub/ad'), 'utf8')).toBe('a file called ad\n');
      expect(await starts(s)).toEqual(['shell-init --check ad', 'shell-init --check models']);
    });

    it.skipIf(shell === 'fish')('keeps the options of an alias of mv for the system mv', async () => {
      const s = await setup(shell);
      const dir = await fixture();
      const prelude = shell === 'bash' ? "shopt -s expand_aliases\nalias mv='mv -i'" : "alias mv='mv -i'";
      const refused = await runMv(shell, s, dir, ['a', 'b'], { prelude, input: 'n\n' });
      expect(refused.stderr).toContain("overwrite 'b'?");
      expect(await readFile(join(dir, 'b'), 'utf8')).toBe('content of b\n');
      const command = await runMv(shell, s, dir, ['ls'], { prelude });
      expect(command.stderr).toContain('is not inside a git repository');
      expect(await starts(s)).toEqual(['ls']);
    });
  });
}

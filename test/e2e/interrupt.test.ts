/**
 * Never hang, always stop: spinners on terminals without a size, and SIGINT/SIGTERM in the middle of an
 * add, run as a user would (a pseudo-terminal from `script`, signals to the process or its whole group).
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, readdir, stat, truncate, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { describe, expect, it } from 'vitest';
import { add, init } from '../../src/index.js';
import { POOL_THRESHOLD } from '../../src/cache/file-pool.js';
import { tagsOf } from '../helpers/assertions.js';
import { gitRepo, tempDir, type TestRepo } from '../helpers/git-repo.js';
import { stepEnv } from '../helpers/kill.js';
import { MV_BIN } from '../helpers/mv-cli.js';
import { expectIntact, storedOids } from '../helpers/safety.js';

const hasScript = (() => {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/** The environment of a user's terminal: colour and animation not turned off by CI or NO_COLOR. */
function terminalEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { CI: _ci, NO_COLOR: _noColor, ...rest } = process.env;
  return { ...rest, TERM: 'xterm-256color', ...extra };
}

async function project(): Promise<TestRepo> {
  const repo = await gitRepo();
  await init({ cwd: repo.dir });
  return repo;
}

/** A file of `bytes` without writing them (a sparse file: hashing and copying still read every byte). */
async function sparseFile(repo: TestRepo, path: string, bytes: number): Promise<void> {
  await repo.write(path, '');
  await truncate(join(repo.dir, path), bytes);
}

/** Runs `command` under `script`, whose pseudo-terminal has 0 columns and 0 rows when stdin is not a terminal. */
function inPty(repo: TestRepo, command: string, env: NodeJS.ProcessEnv) {
  return execa('script', ['-qec', command, '/dev/null'], { cwd: repo.dir, env, extendEnv: false, stdin: 'ignore', reject: false, timeout: 60_000, maxBuffer: 4 * 1024 * 1024 });
}

/** Cursor movement, line clearing and hiding: what a spinner writes (colours are fine). */
const CURSOR_CODES = new RegExp(`${String.fromCharCode(27)}\\[(\\d*[ABCDGHJK]|\\?25[hl]|\\?2026[hl])`);

describe.skipIf(!hasScript)('spinners never loop', () => {
  it('in a 0×0 pseudo-terminal, add finishes and prints no cursor codes', async () => {
    const repo = await project();
    await sparseFile(repo, 'models/big.bin', 64 * 1024 * 1024);
    const run = await inPty(repo, `stty size; ${quote(MV_BIN)} add big models/big.bin`, terminalEnv());
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/^0 0\r?\n/);
    expect(run.stdout).toContain('big@v0.1.0');
    expect(run.stdout).not.toMatch(CURSOR_CODES);
    expect(run.stdout.length).toBeLessThan(4096);
    expect(await tagsOf(repo)).toEqual(['big@v0.1.0']);
  });

  it('with TERM=dumb, or stderr not a terminal, there is no animation either', async () => {
    const repo = await project();
    await sparseFile(repo, 'models/big.bin', 16 * 1024 * 1024);
    const dumb = await inPty(repo, `stty cols 80 rows 24; ${quote(MV_BIN)} add big models/big.bin`, terminalEnv({ TERM: 'dumb' }));
    expect(dumb.exitCode).toBe(0);
    expect(dumb.stdout).not.toMatch(CURSOR_CODES);
    await sparseFile(repo, 'models/big.bin', 17 * 1024 * 1024);
    const log = join(repo.dir, '.git', 'stderr.log');
    const piped = await inPty(repo, `stty cols 80 rows 24; ${quote(MV_BIN)} add big models/big.bin 2>${quote(log)}`, terminalEnv());
    expect(piped.exitCode).toBe(0);
    const stderr = await readFile(log, 'utf8');
    expect(stderr).toContain('Registered big@v0.1.1');
    expect(stderr).not.toContain('\u001b[');
  });

  it('Ctrl-C typed on the terminal while the spinner runs stops add within a second: exit 130', async () => {
    const repo = await project();
    await sparseFile(repo, 'models/big.bin', 3 * 1024 * 1024 * 1024);
    const before = await repositoryState(repo);
    // exec: the shell would otherwise receive the terminal's SIGINT as well, and whether it lives to report the
    // exit code depends on the shell; script -e returns the command's own exit code.
    const child = execa('script', ['-qec', `stty cols 80 rows 24; exec ${quote(MV_BIN)} add big models/big.bin`, '/dev/null'], {
      cwd: repo.dir,
      env: terminalEnv(),
      extendEnv: false,
      stdin: 'pipe',
      reject: false,
      timeout: 60_000,
    });
    await whenReady(child, () => copying(repo));
    const typed = performance.now();
    child.stdin.write('\u0003');
    const result = await child;
    const elapsed = performance.now() - typed;
    expect(result.stdout).toContain('Interrupted');
    expect(result.exitCode).toBe(130);
    expect(elapsed).toBeLessThan(1000);
    expect(await repositoryState(repo)).toEqual(before);
    expect(await entries(join(repo.dir, '.mv/cache/tmp'))).toEqual([]);
  });

  it('on a terminal with a size the spinner still runs, and stops', async () => {
    const repo = await project();
    await sparseFile(repo, 'models/big.bin', 256 * 1024 * 1024);
    const run = await inPty(repo, `stty cols 80 rows 24; ${quote(MV_BIN)} add big models/big.bin`, terminalEnv());
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('Hashing');
    expect(run.stdout).toMatch(CURSOR_CODES);
    expect(run.stdout.length).toBeLessThan(256 * 1024);
  });
});

/** What an interrupted add must leave exactly as it was. */
async function repositoryState(repo: TestRepo): Promise<Record<string, string>> {
  return {
    head: await repo.git('rev-parse', 'HEAD'),
    refs: await repo.git('for-each-ref', '--format=%(refname) %(objectname)'),
    index: await repo.git('ls-files', '--stage'),
    status: await repo.git('status', '--porcelain', '--untracked-files=all'),
  };
}

/** Every file of the work tree outside .git and .mv, with its size and modification time. */
async function workTree(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (rel === '.git' || rel === '.mv') continue;
    if (entry.isDirectory()) out.push(...(await workTree(dir, rel)));
    else {
      const info = await stat(join(dir, rel));
      out.push(`${rel} ${info.size} ${info.mtimeMs}`);
    }
  }
  return out.sort();
}

/** Waits until `ready` holds (polling), failing if the command ends first. */
async function whenReady(child: ResultPromise, ready: () => Promise<boolean>): Promise<void> {
  let ended = false;
  void child.finally(() => (ended = true));
  for (;;) {
    if (ended) throw new Error(`the command ended before it could be interrupted:\n${String((await child).stderr)}`);
    if (await ready()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const entries = (dir: string) => readdir(dir).catch(() => [] as string[]);

/** An add is copying a large file into the cache: its temp file is there. */
const copying = async (repo: TestRepo) => (await entries(join(repo.dir, '.mv/cache/tmp'))).length > 0;

/** Whether the process is stopped (SIGSTOP): its state in /proc is T. */
async function stopped(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return /^\d+ \(.*\) T /.test(stat);
}

interface Case {
  what: string;
  prepare(repo: TestRepo): Promise<string[]>;
  /** True once the add is midway: copying the large file. */
  midway?(repo: TestRepo): Promise<boolean>;
  /** Else the step (see test/helpers/steps.mjs) at which the add stops itself to be signalled: storing the small files. */
  stopAt?: string;
  /** Checks that the add stopped where it was: it did not go on to finish its work first. */
  unfinished?(repo: TestRepo): Promise<void>;
}

const LARGE: Case = {
  what: 'a large file, over a committed version',
  prepare: async (repo) => {
    // A first version whose pointer the interrupted add must leave as it is.
    await repo.write('models/weights.bin', 'first weights');
    await add({ cwd: repo.dir, name: 'weights', paths: ['models/weights.bin'] });
    await sparseFile(repo, 'models/weights.bin', 3 * 1024 * 1024 * 1024);
    return ['add', 'weights', 'models/weights.bin'];
  },
  midway: (repo) => copying(repo),
};

/** Enough files to be stored by the worker pool; the signal arrives once a worker has stored 20 of them. */
const SMALL_FILES = POOL_THRESHOLD + 500;

const MANY_SMALL: Case = {
  what: 'many small files',
  prepare: async (repo) => {
    const files = Array.from({ length: SMALL_FILES }, (_, i) => `data/shards/${String(Math.floor(i / 500))}/part-${String(i)}.bin`);
    for (const folder of new Set(files.map((file) => dirname(file)))) await mkdir(join(repo.dir, folder), { recursive: true });
    for (let start = 0; start < files.length; start += 200) {
      await Promise.all(files.slice(start, start + 200).map((file, k) => writeFile(join(repo.dir, file), `${start + k}\n`.repeat(64))));
    }
    return ['add', 'shards', 'data/shards/', '--type', 'dataset'];
  },
  stopAt: 'rename .mv/cache/objects/*#20',
  // The workers stop at the signal: most files were never stored.
  unfinished: async (repo) => expect((await storedOids(join(repo.dir, '.mv/cache'))).length).toBeLessThan(SMALL_FILES / 2),
};

describe('SIGINT and SIGTERM stop an add within a second and leave everything as it was', () => {
  for (const [signal, code, target] of [
    ['SIGINT', 130, 'group'],
    ['SIGTERM', 143, 'process'],
  ] as const) {
    for (const c of [LARGE, MANY_SMALL]) {
      it(`${signal} to the ${target === 'group' ? "process group (Ctrl-C)" : 'process'}, adding ${c.what}: exit ${code}`, async () => {
        const repo = await project();
        const args = await c.prepare(repo);
        const before = await repositoryState(repo);
        const tags = await tagsOf(repo);
        const files = await workTree(repo.dir);
        const env = c.stopAt ? stepEnv({ MV_STOP_AT: c.stopAt, MV_STEP_LOG: join(await tempDir('mv-steps-'), 'steps.log') }) : {};
        const child = execa(MV_BIN, args, { cwd: repo.dir, reject: false, detached: true, env });
        const pid = child.pid!;
        await whenReady(child, () => (c.midway ? c.midway(repo) : stopped(pid)));
        const sent = performance.now();
        if (target === 'group') process.kill(-pid, signal);
        else child.kill(signal);
        // A process stopped at its step gets the signal as it continues.
        if (c.stopAt) process.kill(target === 'group' ? -pid : pid, 'SIGCONT');
        const result = await child;
        const elapsed = performance.now() - sent;

        expect(result.exitCode, result.stderr).toBe(code);
        expect(result.stderr).toContain('Interrupted');
        expect(elapsed).toBeLessThan(1000);
        expect(await repositoryState(repo)).toEqual(before);
        expect(await tagsOf(repo)).toEqual(tags);
        expect(await workTree(repo.dir)).toEqual(files);
        expect(await entries(join(repo.dir, '.mv/cache/tmp'))).toEqual([]);
        // Objects stored before the signal are whole (content-addressed, reused by the next add).
        await expectIntact(join(repo.dir, '.mv/cache'));
        await c.unfinished?.(repo);
        // No copy goes on writing after mvr has exited.
        const copies = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').filter((line) => line.includes(repo.dir));
        expect(copies).toEqual([]);
      });
    }
  }
});

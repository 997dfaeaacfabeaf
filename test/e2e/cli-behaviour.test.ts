import { chmod, cp, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { get, push, resolve } from '../../src/index.js';
import { refusal } from '../helpers/assertions.js';
import { withEnv } from '../helpers/env.js';
import { gitRepo, tempDir } from '../helpers/git-repo.js';
import { MV_BIN, mv } from '../helpers/mv-cli.js';
import { addChurn, initProject } from '../helpers/project.js';

describe('the CLI as scripts use it', () => {
  it('usage errors with --json still print a JSON error on stdout, exit 2', async () => {
    const dir = await tempDir();
    for (const args of [['route', 'churn#production', '--json'], ['status', '--frobnicate', '--json'], ['diff', 'churn@v0.1.0', '--json']]) {
      const run = await mv(dir, args);
      expect(run.exitCode).toBe(2);
      expect(JSON.parse(run.stdout)).toMatchObject({ error: { code: 'USAGE' } });
    }
  });

  it('a usage error names the command whose help to read', async () => {
    const dir = await tempDir();
    for (const [args, command] of [[['show'], 'show'], [['remote', 'add'], 'remote add'], [['diff', 'churn@v0.1.0'], 'diff']] as const) {
      const run = await mv(dir, [...args]);
      expect(run.exitCode).toBe(2);
      expect(run.stderr).toContain(`(run \`mvr ${command} --help\` for usage)`);
    }
  });

  it('a reader that closes the pipe early is not an error', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    await addChurn(repo);
    for (let i = 0; i < 3; i++) {
      await repo.write('models/churn/model.pt', `weights ${i}`);
      await addChurn(repo);
    }
    const run = await execa('bash', ['-c', `${MV_BIN} history churn | head -1; echo "rc=\${PIPESTATUS[0]}"`], { cwd: repo.dir });
    expect(run.stderr).not.toContain('EPIPE');
    expect(run.stdout).toMatch(/rc=0$/);
  });

  it('output larger than a pipe holds reaches a slow reader whole', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    // 4,000 hyperparameters: `show --json` prints about 160 KB, more than a pipe buffers (64 KiB).
    const params = Object.fromEntries(Array.from({ length: 4000 }, (_, i) => [`param_${i}`, `value number ${i}`]));
    await addChurn(repo, { params: Object.entries(params).map(([key, value]) => `${key}=${value}`) });
    const run = await execa('bash', ['-c', `${MV_BIN} show churn@v0.1.0 --json | (sleep 1; cat)`], { cwd: repo.dir });
    expect(run.stdout.length).toBeGreaterThan(100_000);
    expect(JSON.parse(run.stdout)).toMatchObject({ version: { params } });
  });
});

describe('failures outside mv are user errors, not crashes', () => {
  it('a copy of mvr that was never built says to build it, with no stack trace', async () => {
    // bin/ and package.json as a clone has them before `npm run build`: no dist/.
    const copy = await tempDir();
    await cp(join(MV_BIN, '..'), join(copy, 'bin'), { recursive: true });
    await cp(join(MV_BIN, '../../package.json'), join(copy, 'package.json'));
    for (const args of [['status'], ['resolve', 'churn@v1.0.0'], ['shell-init', 'bash']]) {
      const run = await execa('node', [join(copy, 'bin', 'mvr'), ...args], { cwd: copy, reject: false });
      expect(run.exitCode).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toBe(`error: this copy of mvr is not built (${join(copy, 'dist', 'bundle')} is missing or incomplete).\nhint: run \`npm run build\` in ${copy}, or install mvr with npm.`);
    }
  });

  it('mv get -o pointing at a file says so', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    await addChurn(repo);
    const file = join(repo.dir, 'afile');
    await writeFile(file, 'x');
    const refused = await refusal(get({ cwd: repo.dir, ref: 'churn@v0.1.0', output: file, remote: await tempDir() }));
    expect(refused.text).toContain('is a file, not a folder');
  });

  it('mv get refusals name the installed program, mvr, never the system mv', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    await addChurn(repo);
    await repo.write('models/churn/mv.lock.json', '{}\n');
    await addChurn(repo, { paths: ['models/churn/model.pt', 'models/churn/tokenizer/', 'models/churn/mv.lock.json'] });
    const remote = await tempDir('mv-remote-');
    await push({ cwd: repo.dir, all: true, remote });

    const busy = await tempDir('mv-busy-');
    await writeFile(join(busy, 'other.txt'), 'x');
    expect((await refusal(get({ cwd: repo.dir, ref: 'churn@v0.1.0', output: busy, remote }))).text).toContain('`mvr get` only replaces what an earlier `mvr get` wrote.');
    const outside = await refusal(get({ cwd: await tempDir(), ref: 'churn@v0.1.0', output: 'out' }));
    expect(outside.text).toContain('Pass the repository to read: mvr get <ref> -o DIR --repo <git URL or path>.');
    expect((await refusal(get({ cwd: repo.dir, ref: 'nope', output: join(busy, 'new') }))).text).toContain('Name a version or stage: mvr get nope@vX.Y.Z or nope#production.');
    const lockFile = await refusal(get({ cwd: repo.dir, ref: 'churn@v0.1.1', output: join(busy, 'new'), remote }));
    expect(lockFile).toMatchObject({ code: 'PATH_CONFLICT' });
    expect(lockFile.text).toContain('where `mvr get` keeps its lock file');
  });

  it('mv get of a bare name records the version\'s registration commit, as resolve does, and warns that the name is no pin', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    await addChurn(repo);
    const remote = await tempDir('mv-remote-');
    await push({ cwd: repo.dir, refs: ['churn@v0.1.0'], remote });
    await repo.write('NOTES.md', 'later work\n');
    await repo.commitAll('later work on the branch');
    const registered = (await resolve({ cwd: repo.dir, ref: 'churn@v0.1.0' })).versions[0]!.commit;
    expect(registered).not.toBe((await repo.git('rev-parse', 'HEAD')).trim());
    const bare = await get({ cwd: repo.dir, ref: 'churn', output: join(await tempDir('mv-get-'), 'out'), remote });
    expect(bare).toMatchObject({ id: 'churn@v0.1.0', commit: registered });
    expect(bare.warnings).toEqual([expect.stringContaining('churn resolved to churn@v0.1.0, the version committed on the default branch today; it changes as versions are added, so never deploy it')]);
    expect((await get({ cwd: repo.dir, ref: 'churn@latest', output: join(await tempDir('mv-get-'), 'out'), remote })).warnings).toEqual([expect.stringContaining('never deploy it: pin churn@v0.1.0')]);
    expect((await get({ cwd: repo.dir, ref: 'churn@v0.1.0', output: join(await tempDir('mv-get-'), 'out'), remote })).warnings).toEqual([]);
  });

  it('an S3 endpoint that does not answer is a clear error, not a crash', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    await addChurn(repo);
    const env = { AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y', AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9', MV_REMOTE: 's3://models/none', AWS_MAX_ATTEMPTS: '1' };
    const refused = await refusal(withEnv(env, () => push({ cwd: repo.dir, refs: ['churn@v0.1.0'], retry: { attempts: 1 } })));
    expect(refused.code).not.toBe('INTERNAL');
  });
});

describe('where the repository is, asked while the CLI loads', () => {
  /** A `git` first on PATH that logs its arguments, then runs the real git: what the binary asked git, in order. */
  async function loggingGit(): Promise<{ env: Record<string, string>; calls: () => Promise<string[]> }> {
    const bin = await tempDir('mv-git-log-');
    const log = join(bin, 'calls.log');
    const realGit = (await execa('sh', ['-c', 'command -v git'])).stdout.trim();
    await writeFile(join(bin, 'git'), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\nexec '${realGit}' "$@"\n`);
    await chmod(join(bin, 'git'), 0o755);
    const calls = async () => (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean);
    return { env: { PATH: `${bin}:${process.env.PATH ?? ''}` }, calls };
  }

  it('from a subfolder, status asks git once where the repository and its hooks are, and answers as before', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    await addChurn(repo);
    await mkdir(join(repo.dir, 'src', 'deep'), { recursive: true });
    const git = await loggingGit();
    const run = await mv(join(repo.dir, 'src', 'deep'), ['status'], { env: git.env });
    expect(run).toMatchObject({ exitCode: 0, stderr: '' });
    expect(run.stdout).toContain('churn v0.1.0  up to date');
    const lookups = (await git.calls()).filter((call) => call.startsWith('rev-parse --show-toplevel'));
    expect(lookups).toEqual(['rev-parse --show-toplevel --absolute-git-dir --git-path hooks']);
  });

  it("git's answers outside a work tree are read in any language: no repository, a bare repository", async () => {
    const german = { LANGUAGE: 'de', LANG: 'C.UTF-8' };
    const outside = await tempDir();
    const plain = await execa('git', ['rev-parse', '--show-toplevel'], { cwd: outside, reject: false, env: german });
    expect(plain.stderr).toMatch(/Kein Git-Repository|not a git repository/);
    const none = await mv(outside, ['status'], { env: german });
    expect(none.exitCode).toBe(1);
    expect(none.stderr).toContain(`${outside} is not inside a git repository.`);
    const bare = await tempDir();
    await execa('git', ['init', '-q', '--bare', bare]);
    const noWorkTree = await mv(bare, ['verify'], { env: german });
    expect(noWorkTree.exitCode).toBe(1);
    expect(noWorkTree.stderr).toContain(`${bare} is inside a git directory without a work tree (a bare repository?).`);
  });

  it('a git that cannot be started is reported as such, and the commands that read no repository do not ask', async () => {
    // A PATH with node and no git.
    const onlyNode = await tempDir('mv-no-git-');
    await symlink(process.execPath, join(onlyNode, 'node'));
    const dir = await tempDir();
    const run = await mv(dir, ['status'], { env: { PATH: onlyNode } });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/^error: .*git.*ENOENT/m);
    const git = await loggingGit();
    expect((await mv(dir, ['--version'], { env: git.env })).exitCode).toBe(0);
    expect((await mv(dir, ['help', 'status'], { env: git.env })).exitCode).toBe(0);
    expect((await mv(dir, ['shell-init', 'bash'], { env: git.env })).exitCode).toBe(0);
    expect(await git.calls()).toEqual([]);
  });
});

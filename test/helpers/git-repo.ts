/** Real git repositories in temp dirs, configured so the machine's git config never matters. */
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { afterAll, afterEach } from 'vitest';

const cleanups: Array<() => Promise<void>> = [];
const suiteCleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});

afterAll(async () => {
  while (suiteCleanups.length) await suiteCleanups.pop()!().catch(() => undefined);
});

async function madeDir(prefix: string, list: Array<() => Promise<void>>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  list.push(async () => {
    await execa('chmod', ['-R', 'u+w', dir], { reject: false });
    await rm(dir, { recursive: true, force: true });
  });
  return dir;
}

/** A temp folder removed after the test. */
export async function tempDir(prefix = 'mv-test-'): Promise<string> {
  return madeDir(prefix, cleanups);
}

/** A temp folder shared by a test file's tests (made in `beforeAll`), removed after the last of them. */
export async function suiteDir(prefix = 'mv-suite-'): Promise<string> {
  return madeDir(prefix, suiteCleanups);
}

export const GIT_IDENTITY = { name: 'Test User', email: 'test@example.com' };

export async function configureRepo(dir: string): Promise<void> {
  for (const [key, value] of [
    ['user.name', GIT_IDENTITY.name],
    ['user.email', GIT_IDENTITY.email],
    ['init.defaultBranch', 'main'],
    ['commit.gpgsign', 'false'],
    ['tag.gpgsign', 'false'],
  ] as const) {
    await execa('git', ['config', key, value], { cwd: dir });
  }
}

export interface TestRepo {
  dir: string;
  git(...args: string[]): Promise<string>;
  write(path: string, content: string | Uint8Array): Promise<string>;
  read(path: string): Promise<string>;
  commitAll(message?: string): Promise<string>;
}

/** A fresh repository with fixed identity, branch `main`, no signing; with one commit unless `empty`. */
export async function gitRepo(options: { empty?: boolean; dir?: string } = {}): Promise<TestRepo> {
  const dir = options.dir ?? (await tempDir());
  await execa('git', ['init', '-q', '-b', 'main', dir]);
  await configureRepo(dir);
  const repo = testRepoAt(dir);
  if (!options.empty) {
    await repo.write('README.md', '# project\n');
    await repo.commitAll('initial');
  }
  return repo;
}

/** Test helpers over an existing repository (e.g. a copy of a prepared one). */
export function testRepoAt(dir: string): TestRepo {
  const repo: TestRepo = {
    dir,
    git: async (...args) => (await execa('git', args, { cwd: dir })).stdout,
    write: async (path, content) => {
      const abs = join(dir, path);
      await mkdir(dirname(abs), { recursive: true });
      await writeFile(abs, content);
      return abs;
    },
    read: (path) => readFile(join(dir, path), 'utf8'),
    commitAll: async (message = 'work') => {
      await repo.git('add', '-A');
      await repo.git('commit', '-q', '--allow-empty', '-m', message);
      return repo.git('rev-parse', 'HEAD');
    },
  };
  return repo;
}

/**
 * A copy of a prepared folder (a repository, with its cache), made with `cp -a` so that modes, times and
 * links are kept; removed after the test (with `suite`, after the file's last test). Preparing once per file
 * and copying per test is much cheaper than preparing again.
 */
export async function copyRepo(source: string, options: { suite?: boolean } = {}): Promise<TestRepo> {
  // Into the temp folder itself, as gitRepo() makes it: a test may hand it to another user.
  const dir = options.suite ? await suiteDir('mv-copy-') : await tempDir('mv-copy-');
  await execa('cp', ['-a', `${source}/.`, dir]);
  return testRepoAt(dir);
}

/** A bare repository to push to, and a configured clone of it. */
export async function bareRemote(options: { suite?: boolean } = {}): Promise<string> {
  const dir = options.suite ? await suiteDir('mv-bare-') : await tempDir('mv-bare-');
  await execa('git', ['init', '-q', '--bare', '-b', 'main', dir]);
  return dir;
}

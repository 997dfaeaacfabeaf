/** Real git repositories in temp dirs, configured so the machine's git config never matters. */
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { afterEach } from 'vitest';

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});

export async function tempDir(prefix = 'mv-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  cleanups.push(async () => {
    await execa('chmod', ['-R', 'u+w', dir], { reject: false });
    await rm(dir, { recursive: true, force: true });
  });
  return dir;
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

/** A bare repository to push to, and a configured clone of it. */
export async function bareRemote(): Promise<string> {
  const dir = await tempDir('mv-bare-');
  await execa('git', ['init', '-q', '--bare', '-b', 'main', dir]);
  return dir;
}

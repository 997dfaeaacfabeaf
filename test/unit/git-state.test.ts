/**
 * The git answers that several commands share one process for: where the repository and its hooks are,
 * HEAD, the branch and the changed files from one `git status`, and a version's tag made in the same ref
 * transaction as the branch move.
 */
import { mkdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MvError } from '../../src/errors.js';
import { Git, locateRepo, locateRepoAhead } from '../../src/git.js';
import { gitRepo, tempDir } from '../helpers/git-repo.js';

describe('locating a repository', () => {
  it('names the work tree, the git directory and the hooks folder (core.hooksPath relative to the top)', async () => {
    const repo = await gitRepo();
    const root = await realpath(repo.dir);
    await mkdir(join(repo.dir, 'src', 'deep'), { recursive: true });
    expect(await locateRepo(join(repo.dir, 'src', 'deep'))).toEqual({ root, gitDir: join(root, '.git'), hooksDir: join(root, '.git', 'hooks') });
    await repo.git('config', 'core.hooksPath', 'tools/hooks');
    expect((await locateRepo(join(repo.dir, 'src', 'deep'))).hooksDir).toBe(join(root, 'tools', 'hooks'));
  });

  it('hands a lookup made ahead to the next lookup of the same folder only, once', async () => {
    const repo = await gitRepo();
    const ahead = locateRepoAhead(repo.dir);
    await repo.git('config', 'core.hooksPath', 'elsewhere');
    // The first lookup takes the answer given ahead; the next asks git again and sees the new setting.
    expect(await locateRepo(repo.dir)).toBe(await ahead);
    expect((await locateRepo(repo.dir)).hooksDir).toBe(join(await realpath(repo.dir), 'elsewhere'));
  });

  it('outside a repository fails with NOT_A_GIT_REPO, also when looked up ahead', async () => {
    const dir = await tempDir();
    const env = { ...process.env };
    process.env.GIT_CEILING_DIRECTORIES = dir;
    try {
      await expect(locateRepoAhead(dir)).rejects.toMatchObject({ code: 'NOT_A_GIT_REPO' });
      await expect(locateRepo(dir)).rejects.toMatchObject({ code: 'NOT_A_GIT_REPO' });
    } finally {
      process.env = env;
    }
  });
});

describe('the work tree state from one git status', () => {
  it('before the first commit: no HEAD, the branch to be born, staged files', async () => {
    const repo = await gitRepo({ empty: true });
    await repo.write('a.txt', 'a');
    await repo.git('add', 'a.txt');
    expect(await new Git(repo.dir).workTreeState()).toEqual({ head: undefined, branch: 'main', changed: ['a.txt'] });
  });

  it('modified, deleted, renamed and conflicted paths, with spaces and newlines in names; detached HEAD', async () => {
    const repo = await gitRepo();
    await repo.write('keep.txt', 'keep');
    await repo.write('old name.txt', 'to be renamed, long enough to be found as a rename\n');
    await repo.write('gone.txt', 'gone');
    await repo.write('line\nbreak.txt', 'x');
    await repo.write('both.txt', 'base\n');
    const base = await repo.commitAll('files');
    await repo.git('mv', 'old name.txt', 'new name.txt');
    await repo.git('rm', '-q', 'gone.txt');
    await repo.write('line\nbreak.txt', 'changed');
    await repo.git('checkout', '-q', '-b', 'side');
    await repo.write('both.txt', 'side\n');
    await repo.git('commit', '-q', '-am', 'side');
    await repo.git('checkout', '-q', 'main');
    await repo.write('both.txt', 'main\n');
    await repo.git('commit', '-q', '-m', 'main', '--', 'both.txt');
    await repo.git('merge', '-q', 'side').catch(() => undefined);
    const head = await repo.git('rev-parse', 'HEAD');
    const state = await new Git(repo.dir).workTreeState();
    expect(state.head).toBe(head);
    expect(state.branch).toBe('main');
    expect([...state.changed].sort()).toEqual(['both.txt', 'gone.txt', 'line\nbreak.txt', 'new name.txt'].sort());
    await repo.git('merge', '--abort');
    await repo.git('checkout', '-q', '--detach', base);
    expect(await new Git(repo.dir).workTreeState()).toMatchObject({ head: base, branch: undefined });
  });
});

describe('a tag made with the branch move', () => {
  async function versionCommit() {
    const repo = await gitRepo();
    const git = new Git(repo.dir);
    const head = await repo.git('rev-parse', 'HEAD');
    await repo.write('m.mv.yaml', 'name: m\n');
    const commit = await git.commitPaths({ parent: head, paths: ['m.mv.yaml'], message: 'Register m@v0.1.0\n' });
    const tagger = await git.committerIdent();
    return { repo, git, head, commit, tagger };
  }

  it('moves HEAD and creates the tag together', async () => {
    const { repo, git, head, commit, tagger } = await versionCommit();
    const [oid] = await git.createAnnotatedTags([{ name: 'm@v0.1.0', target: commit, message: 'Register m@v0.1.0\n' }], { tagger, moveHead: { from: head, to: commit, reason: 'mv add m@v0.1.0' } });
    expect(await repo.git('rev-parse', 'refs/tags/m@v0.1.0')).toBe(oid);
    expect(await repo.git('rev-parse', 'refs/heads/main')).toBe(commit);
    expect(await repo.git('reflog', '-1', '--format=%gs', 'refs/heads/main')).toBe('mv add m@v0.1.0');
  });

  it('when HEAD moved first, neither the tag nor the branch changes', async () => {
    const { repo, git, head, commit, tagger } = await versionCommit();
    const other = await repo.commitAll('someone else');
    await expect(git.createAnnotatedTags([{ name: 'm@v0.1.0', target: commit, message: 'x\n' }], { tagger, moveHead: { from: head, to: commit, reason: 'r' } })).rejects.toThrow();
    expect(await repo.git('tag', '-l')).toBe('');
    expect(await repo.git('rev-parse', 'HEAD')).toBe(other);
  });

  it('when the tag is taken, TAG_EXISTS and HEAD stays', async () => {
    const { repo, git, head, commit, tagger } = await versionCommit();
    await repo.git('tag', 'm@v0.1.0', head);
    const error = await git.createAnnotatedTags([{ name: 'm@v0.1.0', target: commit, message: 'x\n' }], { tagger, moveHead: { from: head, to: commit, reason: 'r' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MvError);
    expect((error as MvError).code).toBe('TAG_EXISTS');
    expect(await repo.git('rev-parse', 'HEAD')).toBe(head);
    expect(await repo.git('rev-parse', 'refs/tags/m@v0.1.0')).toBe(head);
  });
});

/**
 * The repository `mv get` resolves a ref in: the current one, or any git URL read into a temporary bare
 * repository with only tags (and HEAD for a bare artifact name), without file contents; the one pointer
 * needed is fetched on demand when it is read. Nothing here needs a work tree.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MvError } from '../errors.js';
import { Git, GitCommandError, locateRepo } from '../git.js';
import { redactUrl } from './url.js';

export interface SourceRepository {
  git: Git;
  /** Work-tree root of the current repository; undefined for a fetched one. */
  root: string | undefined;
  /** The commit a bare artifact name resolves against. */
  head: string;
  /** What to record as the repository in mv.lock.json (never with credentials). */
  display: string;
  dispose(): Promise<void>;
}

const HEAD_REF = 'refs/mv-get/HEAD';

export async function openSourceRepository(options: { url?: string | undefined; cwd: string; needHead: boolean }): Promise<SourceRepository> {
  if (options.url === undefined) {
    let located;
    try {
      located = await locateRepo(options.cwd);
    } catch (error) {
      if (error instanceof MvError) {
        throw new MvError(error.code, `${error.message.replace(/\.$/, '')}, and no --repo was given.`, { hint: 'Pass the repository to read: mvr get <ref> -o DIR --repo <git URL or path>.' });
      }
      throw error;
    }
    const git = new Git(located.root);
    const head = await git.headCommit();
    if (!head) throw new MvError('NO_COMMITS', `The repository ${located.root} has no commits yet.`, { hint: 'Pass --repo with the repository that holds the versions.' });
    return { git, root: located.root, head, display: located.root, dispose: () => Promise.resolve() };
  }
  const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(options.url) || isScpLike(options.url) ? options.url : resolve(options.cwd, options.url);
  const dir = await mkdtemp(join(tmpdir(), 'mv-get-'));
  const git = new Git(dir);
  try {
    await git.initBare();
    await git.fetchWithoutBlobs(url, ['+refs/tags/*:refs/tags/*', ...(options.needHead ? [`+HEAD:${HEAD_REF}`] : [])]);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    if (error instanceof GitCommandError) {
      throw new MvError('REPO_UNREACHABLE', `Could not read the repository ${redactUrl(url)}: ${firstLine(error.message)}`, {
        hint: 'Check the URL or path and your access to it (git credentials or SSH keys); mv uses git to read it.',
      });
    }
    throw error;
  }
  const head = options.needHead ? await git.resolveRef(HEAD_REF) : '';
  return {
    git,
    root: undefined,
    head: head ?? '',
    display: redactUrl(url),
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}

function isScpLike(value: string): boolean {
  return /^[^/\\:]+@[^/\\:]+:/.test(value) || /^[a-z0-9.-]+:[^/]/i.test(value);
}

function firstLine(message: string): string {
  const lines = message.split('\n').map((l) => l.replace(/^(fatal|error): /, '').trim()).filter(Boolean);
  return redactUrl(lines.find((l) => !l.startsWith('git ')) ?? lines[0] ?? message);
}

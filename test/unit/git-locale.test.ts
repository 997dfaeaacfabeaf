/**
 * mv recognises some of git's answers (not a repository, no work tree, a tag that exists, a refused push)
 * and turns them into its own messages and hints. Those answers must be read the same whatever language
 * the user's git speaks: here the user's environment asks for German, and a plain git run shows that it
 * would answer in German.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init } from '../../src/commands/init.js';
import { add } from '../../src/commands/add.js';
import { promote } from '../../src/commands/promote.js';
import { resolve } from '../../src/commands/resolve.js';
import { status } from '../../src/commands/status.js';
import { MvError } from '../../src/errors.js';
import { locateRepo } from '../../src/git.js';
import { gitRepo, tempDir } from '../helpers/git-repo.js';

// This machine has git's German messages but not always the de_DE locale: with LANG=C.UTF-8, LANGUAGE
// alone makes git speak German. Both forms are tried.
const GERMAN = [
  { LANGUAGE: 'de', LANG: 'de_DE.UTF-8' },
  { LANGUAGE: 'de', LANG: 'C.UTF-8' },
];
const saved = { LANGUAGE: process.env.LANGUAGE, LANG: process.env.LANG, LC_ALL: process.env.LC_ALL, LC_MESSAGES: process.env.LC_MESSAGES };

function useLocale(locale: { LANGUAGE: string; LANG: string }): void {
  process.env.LANGUAGE = locale.LANGUAGE;
  process.env.LANG = locale.LANG;
  delete process.env.LC_ALL;
  delete process.env.LC_MESSAGES;
}

afterAll(() => {
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

async function failure(promise: Promise<unknown>): Promise<MvError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MvError);
  return error as MvError;
}

describe.each(GERMAN)('git answers are read in any language (LANGUAGE=$LANGUAGE LANG=$LANG)', (locale) => {
  beforeAll(() => useLocale(locale));

  it('outside a repository: mv says so, with its hint', async () => {
    const dir = await tempDir();
    const error = await failure(status({ cwd: dir }));
    expect(error.code).toBe('NOT_A_GIT_REPO');
    expect(error.message).toBe(`${dir} is not inside a git repository.`);
    expect(error.hint).toContain('git init');
  });

  it('in a git directory without a work tree: mv says so, with its hint', async () => {
    const dir = await tempDir();
    await execa('git', ['init', '-q', '--bare', dir]);
    const error = await failure(locateRepo(dir));
    expect(error.code).toBe('NO_WORK_TREE');
    expect(error.message).toContain('without a work tree');
    expect(error.hint).toContain('mvr get <ref> --repo');
  });

  it('a ref that names no version: mv names it', async () => {
    const repo = await gitRepo();
    await init({ cwd: repo.dir });
    await repo.write('model.pt', 'weights');
    await add({ cwd: repo.dir, name: 'churn', paths: ['model.pt'], allowDirty: true });
    const error = await failure(resolve({ cwd: repo.dir, ref: 'churn@v9.9.9' }));
    expect(error.code).toBe('UNKNOWN_VERSION');
    expect(error.message).toContain('churn@v9.9.9');
  });

  it('a push the remote refuses: nothing is created, and git’s reason is in the message', async () => {
    const remote = await tempDir();
    await execa('git', ['init', '-q', '--bare', remote]);
    const hook = join(remote, 'hooks', 'pre-receive');
    await writeFile(hook, '#!/bin/sh\necho "tags are frozen" >&2\nexit 1\n', { mode: 0o755 });
    const repo = await gitRepo();
    await repo.git('remote', 'add', 'origin', remote);
    await init({ cwd: repo.dir });
    await repo.write('model.pt', 'weights');
    await add({ cwd: repo.dir, name: 'churn', paths: ['model.pt'], allowDirty: true });
    const error = await failure(promote({ cwd: repo.dir, ref: 'churn@v0.1.0', stage: 'staging', push: true }));
    expect(error.code).toBe('PUSH_FAILED');
    expect(error.message).toMatch(/^Could not push churn#staging#\d+ to origin: /);
    expect(error.message).toContain('tags are frozen');
    expect(error.message).toContain('pre-receive hook declined');
    // git's own words are quoted as git writes them in the C locale, the language of its documentation.
    expect(error.message).toContain('failed to push some refs');
    expect(error.hint).toContain('Nothing was created');
    expect(await repo.git('tag', '-l', 'churn#*')).toBe('');
  });
});

it('the German environment above is one git answers in German (so the tests above could fail)', async () => {
  const dir = await tempDir();
  const results = await Promise.all(
    GERMAN.map((locale) => execa('git', ['rev-parse', '--show-toplevel'], { cwd: dir, reject: false, env: { ...locale, LC_ALL: undefined, LC_MESSAGES: undefined } })),
  );
  expect(results.some((r) => r.stderr.includes('Kein Git-Repository'))).toBe(true);
});

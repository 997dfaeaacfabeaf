/**
 * A folder's manifest is remembered in the stat cache once every file in it is known, so an unchanged
 * folder is not serialized and hashed again. Whatever changes in the folder, by hand or by mv itself,
 * status must see it: the scenarios below end with the remembered manifest in place and the folder changed.
 */
import { chmod, mkdir, readdir, readFile, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { add, checkout, status } from '../../src/index.js';
import { hashBuffer } from '../../src/cache/hash.js';
import { LocalCache } from '../../src/cache/local-cache.js';
import { StatCache } from '../../src/cache/stat-cache.js';
import { snapshotPath } from '../../src/workspace/snapshot.js';
import { gitRepo, tempDir, type TestRepo } from '../helpers/git-repo.js';
import { addChurn, initProject } from '../helpers/project.js';

const TOKENIZER = 'models/churn/tokenizer/';

/** Every file below the folder dated a minute back, so the stat cache trusts it (git's racy rule). */
async function age(repo: TestRepo, folder: string): Promise<void> {
  const past = new Date(Date.now() - 60_000);
  for (const name of await readdir(join(repo.dir, folder), { recursive: true })) await utimes(join(repo.dir, folder, name), past, past);
}

async function tokenizerCondition(repo: TestRepo): Promise<string | undefined> {
  const result = await status({ cwd: repo.dir });
  return result.artifacts.find((a) => a.name === 'churn')?.entries.find((e) => e.path === TOKENIZER)?.condition;
}

/** The project added, then two statuses: the second finds the folder's manifest remembered. */
async function remembered(): Promise<TestRepo> {
  const repo = await gitRepo();
  await initProject(repo);
  await addChurn(repo);
  await age(repo, TOKENIZER);
  expect(await tokenizerCondition(repo)).toBe('unchanged');
  expect(await tokenizerCondition(repo)).toBe('unchanged');
  const state = await StatCache.load(join(repo.dir, '.git/mv/stat-cache'));
  expect(state.folderManifest(TOKENIZER, 2)).toMatch(/^sha256:[0-9a-f]{64}$/);
  return repo;
}

describe('a folder whose manifest the stat cache remembers', () => {
  it('is modified when a file is replaced by another of a new name (same number of files)', async () => {
    const repo = await remembered();
    await rm(join(repo.dir, TOKENIZER, 'config.json'));
    await writeFile(join(repo.dir, TOKENIZER, 'merges.txt'), 'a b\n');
    await age(repo, TOKENIZER);
    expect(await tokenizerCondition(repo)).toBe('modified');
  });

  it('is modified when a file is renamed', async () => {
    const repo = await remembered();
    await rename(join(repo.dir, TOKENIZER, 'config.json'), join(repo.dir, TOKENIZER, 'settings.json'));
    await age(repo, TOKENIZER);
    expect(await tokenizerCondition(repo)).toBe('modified');
  });

  it('is modified when a file is rewritten with the same size and its old dates', async () => {
    const repo = await remembered();
    const file = join(repo.dir, TOKENIZER, 'vocab.json');
    const before = await readFile(file, 'utf8');
    await writeFile(file, before.replace('hello', 'HELLO'));
    await age(repo, TOKENIZER);
    expect(await tokenizerCondition(repo)).toBe('modified');
  });

  it('follows a checkout that rewrote the folder (entries recorded by mv itself)', async () => {
    const repo = await remembered();
    // A second version with another vocabulary, then the first checked out again over the files.
    await writeFile(join(repo.dir, TOKENIZER, 'vocab.json'), '{"hello": 1, "world": 2, "again": 3}\n');
    await addChurn(repo, { allowDirty: true });
    await age(repo, TOKENIZER);
    expect(await tokenizerCondition(repo)).toBe('unchanged');
    expect(await tokenizerCondition(repo)).toBe('unchanged');
    // The files checkout wrote are older than the stat cache it saved: its entries are trusted as they are.
    await checkout({ cwd: repo.dir, ref: 'churn@v0.1.0' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await tokenizerCondition(repo)).toBe('modified');
  });
});

describe('an entry that changed kind', () => {
  it('a folder where a file is recorded, and a file where a folder is: modified, and checkout goes both ways', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    await addChurn(repo);
    const tokenizer = join(repo.dir, 'models/churn/tokenizer');
    const vocab = await readFile(join(tokenizer, 'vocab.json'), 'utf8');
    await rm(tokenizer, { recursive: true });
    await writeFile(tokenizer, 'one file now');
    await addChurn(repo, { paths: ['models/churn/model.pt', 'models/churn/tokenizer'] });
    await checkout({ cwd: repo.dir, ref: 'churn@v0.1.0' });
    expect(await readFile(join(tokenizer, 'vocab.json'), 'utf8')).toBe(vocab);
    // The pointer records a file; a folder stands there: the one the checkout wrote.
    const churn = (await status({ cwd: repo.dir })).artifacts[0]!;
    const entry = churn.entries.find((e) => e.path === 'models/churn/tokenizer')!;
    expect(entry).toMatchObject({ condition: 'modified', cached: true });
    expect(entry.changes).toBeUndefined();
    expect(churn.checkedOut).toBe('0.1.0');
    await writeFile(join(tokenizer, 'vocab.json'), 'edited');
    expect((await status({ cwd: repo.dir })).artifacts[0]!.checkedOut).toBeUndefined();
    await checkout({ cwd: repo.dir, force: true });
    expect(await readFile(tokenizer, 'utf8')).toBe('one file now');
  });
});

describe('a version checked out whose files are not the committed version\'s', () => {
  /** v0.1.0 has the tokenizer; v0.1.1 (committed) drops it and has a new file, labels.txt; v0.1.0 is checked out. */
  async function olderCheckedOut(): Promise<TestRepo> {
    const repo = await gitRepo();
    await initProject(repo);
    await addChurn(repo);
    await writeFile(join(repo.dir, 'models/churn/model.pt'), 'retrained');
    await writeFile(join(repo.dir, 'models/churn/labels.txt'), 'churned\nstayed\n');
    await addChurn(repo, { paths: ['models/churn/model.pt', 'models/churn/labels.txt'], drop: [TOKENIZER] });
    await rm(join(repo.dir, TOKENIZER), { recursive: true });
    await checkout({ cwd: repo.dir, ref: 'churn@v0.1.0' });
    return repo;
  }

  it('is recognised by the files it has, and no longer once one of them changes', async () => {
    const repo = await olderCheckedOut();
    const back = (await status({ cwd: repo.dir })).artifacts[0]!;
    expect(back).toMatchObject({ version: '0.1.1', clean: false, checkedOut: '0.1.0' });
    // The tokenizer is not the committed version's: it is only looked at, never listed.
    expect(back.entries.map((e) => e.path)).not.toContain(TOKENIZER);
    await writeFile(join(repo.dir, TOKENIZER, 'vocab.json'), '{"edited": true}');
    expect((await status({ cwd: repo.dir })).artifacts[0]!.checkedOut).toBeUndefined();
  });

  it('is not claimed while a committed file that version lacks holds an edit', async () => {
    const repo = await olderCheckedOut();
    // The checkout left labels.txt (v0.1.0 has no such file) as committed: the work tree is v0.1.0's.
    expect((await status({ cwd: repo.dir })).artifacts[0]!.checkedOut).toBe('0.1.0');
    await writeFile(join(repo.dir, 'models/churn/labels.txt'), 'my unsaved edit\n');
    const churn = (await status({ cwd: repo.dir })).artifacts[0]!;
    expect(churn.checkedOut).toBeUndefined();
    expect(churn.entries.find((e) => e.path === 'models/churn/labels.txt')).toMatchObject({ condition: 'modified' });
  });

  /** v0.1.0 has one file of the tokenizer folder; v0.1.1 (committed) has the whole folder, less that file. */
  async function folderGrown(): Promise<TestRepo> {
    const repo = await gitRepo();
    await initProject(repo);
    await addChurn(repo, { paths: ['models/churn/model.pt', `${TOKENIZER}vocab.json`] });
    await writeFile(join(repo.dir, 'models/churn/model.pt'), 'retrained');
    await writeFile(join(repo.dir, TOKENIZER, 'merges.txt'), 'a b\n');
    // The .gitignore mv wrote for the one file would be part of the folder: git stops tracking it.
    await repo.git('rm', '-q', `${TOKENIZER}.gitignore`);
    await repo.git('commit', '-qm', 'the tokenizer folder becomes one artifact path');
    await addChurn(repo, { paths: ['models/churn/model.pt', TOKENIZER], drop: [`${TOKENIZER}vocab.json`] });
    return repo;
  }

  it('is not claimed while a committed folder holds a change outside what the checkout wrote into it', async () => {
    const repo = await folderGrown();
    await checkout({ cwd: repo.dir, ref: 'churn@v0.1.0' });
    expect((await status({ cwd: repo.dir })).artifacts[0]!.checkedOut).toBe('0.1.0');
    await writeFile(join(repo.dir, TOKENIZER, 'merges.txt'), 'my unsaved edit\n');
    const edited = (await status({ cwd: repo.dir })).artifacts[0]!;
    expect(edited.checkedOut).toBeUndefined();
    expect(edited.entries.find((e) => e.path === TOKENIZER)?.changes?.modified).toEqual(['merges.txt']);
    // The executable bit is part of the version too.
    await writeFile(join(repo.dir, TOKENIZER, 'merges.txt'), 'a b\n');
    await chmod(join(repo.dir, TOKENIZER, 'merges.txt'), 0o755);
    const mode = (await status({ cwd: repo.dir })).artifacts[0]!;
    expect(mode.checkedOut).toBeUndefined();
    expect(mode.entries.find((e) => e.path === TOKENIZER)?.changes?.modified).toEqual(['merges.txt']);
  });

  it('is claimed when the committed folder\'s own listing is not in the cache and holds only what the checkout wrote', async () => {
    const repo = await folderGrown();
    const tokenizer = (await status({ cwd: repo.dir })).artifacts[0]!.entries.find((e) => e.path === TOKENIZER)!;
    const hex = tokenizer.currentOid!.slice('sha256:'.length);
    await rm(join(repo.dir, '.mv/cache/objects', hex.slice(0, 2), hex.slice(2)));
    await rm(join(repo.dir, TOKENIZER), { recursive: true });
    await checkout({ cwd: repo.dir, ref: 'churn@v0.1.0' });
    expect((await status({ cwd: repo.dir })).artifacts[0]!.checkedOut).toBe('0.1.0');
    await writeFile(join(repo.dir, TOKENIZER, 'notes.txt'), 'mine\n');
    expect((await status({ cwd: repo.dir })).artifacts[0]!.checkedOut).toBeUndefined();
  });

  it('a damaged record of checkouts, or an artifact named like an object property, is no checkout', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    await addChurn(repo);
    await writeFile(join(repo.dir, 'notes.bin'), 'notes');
    await add({ cwd: repo.dir, name: 'toString', paths: ['notes.bin'] });
    await writeFile(join(repo.dir, 'notes.bin'), 'edited');
    expect((await status({ cwd: repo.dir })).artifacts.find((a) => a.name === 'toString')).toMatchObject({ clean: false });
    await writeFile(join(repo.dir, 'models/churn/model.pt'), 'edited');
    for (const record of ['{"churn": {"version": "0.0.9", "files": null}}', '{"churn": "x"}', '{"churn": {"version": "0.0.9", "files": {"models/churn/model.pt": 5}}}', `{"churn": {"version": "0.0.9", "files": {"../outside": "sha256:${'a'.repeat(64)}"}}}`, '[1]', 'null']) {
      await writeFile(join(repo.dir, '.git/mv/checkouts.json'), record);
      const churn = (await status({ cwd: repo.dir })).artifacts.find((a) => a.name === 'churn')!;
      expect(churn).toMatchObject({ clean: false });
      expect(churn.checkedOut).toBeUndefined();
    }
  });
});

describe('a folder snapshot', () => {
  it('lists files in byte order of their paths, folders inside, and leaves out .git folders and the temp files mv names', async () => {
    const root = await tempDir();
    const folder = join(root, 'data');
    // "a.txt" sorts before "a/…" ("." < "/") though the folder "a" sorts before the name "a.txt"; "a-b/"
    // sorts before "a/" too, and "ab" after. Temp files and staging folders as mv names them are left
    // out; a name that merely holds the marker (a committed file posing as one) is listed.
    const temps = ['a/.c.part.mv-tmp-12-0badcafe-1', 'z/.mv-tmp-12-3-40', 'z/.w.mv-tmp-99-00ff00ff-2/w'];
    for (const path of ['a/x', 'a/b/y', 'a.txt', 'a-b/z', 'ab', 'a/.git/config', '.git/HEAD', 'a/c.mv-tmp-1.part', 't/added.mv-tmp-1-0.json', ...temps]) {
      await mkdir(dirname(join(folder, path)), { recursive: true });
      await writeFile(join(folder, path), path);
    }
    const ctx = { root, cache: new LocalCache(join(root, 'cache')), stats: await StatCache.load(join(root, 'stat-cache')), store: false };
    const snapshot = await snapshotPath('data', ctx);
    if (snapshot.kind !== 'dir') throw new Error('a folder was expected');
    const listed = ['a-b/z', 'a.txt', 'a/b/y', 'a/c.mv-tmp-1.part', 'a/x', 'ab', 't/added.mv-tmp-1-0.json'];
    expect(snapshot.entries.map((e) => e.path)).toEqual(listed);
    expect(snapshot.entries.map((e) => e.oid)).toEqual(listed.map((p) => hashBuffer(Buffer.from(p))));
    expect(snapshot.nfiles).toBe(7);
  });
});

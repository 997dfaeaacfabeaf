/**
 * kill -9 at chosen points of a chunked push and of a rebuild from chunks, through the built bin/mvr (a
 * killed process is the point). After every kill the remote holds no recipe that names a missing chunk,
 * the cache holds only verified objects, and the next run finishes the job, reusing what the killed one
 * stored.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { gc, push } from '../../src/index.js';
import { DAY } from '../helpers/safety.js';
import { parseRecipe, recipeSources } from '../../src/chunk/recipe.js';
import { oidFromHex } from '../../src/cache/oid.js';
import { readFile } from 'node:fs/promises';
import { MV_BIN, mvJson } from '../helpers/mv-cli.js';
import { cloneThroughOrigin, sameBytes } from '../helpers/remote-project.js';
import { expectIntact } from '../helpers/safety.js';
import { MODEL, MiB, addModel, chunkedProject, filesUnder, modelBytes } from '../helpers/chunked-project.js';

/** 96 MiB models whose new versions change 88 MiB: two packs each, so a kill can fall between them. */
const TENSORS = 96;
const CHANGED = Array.from({ length: 88 }, (_, i) => i + 8);

/** Runs bin/mvr and kills it with SIGKILL as soon as `when()` holds (or after `limitMs`). */
async function killWhen(cwd: string, args: string[], when: () => Promise<boolean>, limitMs = 20_000): Promise<{ finished: boolean }> {
  const child = execa(MV_BIN, args, { cwd, reject: false, env: { NO_COLOR: '1' } });
  let finished = false;
  void child.then(() => (finished = true));
  const start = Date.now();
  while (!finished && Date.now() - start < limitMs) {
    if (await when().catch(() => false)) break;
    await new Promise((r) => setTimeout(r, 2));
  }
  child.kill('SIGKILL');
  await child;
  return { finished: finished && !child.killed };
}

/** Every recipe on the folder remote names only packs and objects that are there. */
async function expectRecipesWhole(remote: string): Promise<void> {
  for (const file of await filesUnder(remote, 'chunks/recipes')) {
    const oid = oidFromHex(file.replace('/', ''));
    const recipe = parseRecipe(await readFile(join(remote, 'chunks/recipes', file)), oid, file);
    for (const source of recipeSources(recipe)) {
      const [kind, hex] = source.split(':') as [string, string];
      const path = kind === 'pack' ? join(remote, 'chunks/packs', hex.slice(0, 2), hex.slice(2)) : join(remote, 'objects', hex.slice(0, 2), hex.slice(2));
      await expect(stat(path), `${source} named by the recipe of ${oid}`).resolves.toBeTruthy();
    }
  }
}

const count = async (remote: string, sub: string) => (await filesUnder(remote, sub)).length;

describe('kill -9 during chunked transfers', () => {
  it('push: killed while indexing, after a pack landed, or while writing; the next push finishes and sends no pack twice', async () => {
    const { repo, remote } = await chunkedProject({ model: modelBytes('v1', [], TENSORS) });
    await push({ cwd: repo.dir });
    const points: Array<(before: { packs: number; recipes: number }) => () => Promise<boolean>> = [
      // The earlier version is indexed first (its recipe), then the new version's pack is written.
      (before) => async () => (await count(remote, 'chunks/recipes')) > before.recipes,
      (before) => async () => (await count(remote, 'chunks/packs')) > before.packs,
      () => async () => (await readdir(join(remote, 'tmp')).catch(() => [])).some((n) => n.endsWith('.tmp')),
    ];
    let version = 2;
    let resumedAfterPack = 0;
    for (const point of points) {
      await addModel(repo, `0.${version}.0`, modelBytes(`v0.${version}.0`, CHANGED, TENSORS));
      version++;
      const packsBefore = await filesUnder(remote, 'chunks/packs');
      const killed = await killWhen(repo.dir, ['push', '-j', '2'], point({ packs: packsBefore.length, recipes: await count(remote, 'chunks/recipes') }));
      expect(killed.finished).toBe(false);
      await expectIntact(remote);
      await expectRecipesWhole(remote);
      const landed = (await filesUnder(remote, 'chunks/packs')).filter((p) => !packsBefore.includes(p));
      const landedBytes = (await Promise.all(landed.map(async (p) => (await stat(join(remote, 'chunks/packs', p))).size))).reduce((a, b) => a + b, 0);
      const resumed = await mvJson<{ chunkedFiles: number; bytes: number }>(repo.dir, ['push']);
      expect(resumed.chunkedFiles).toBe(1);
      // What landed before the kill is not sent again: the rest of the 88 MiB, its pack indexes and the recipe.
      expect(resumed.bytes).toBeLessThan(CHANGED.length * MiB + 2 * MiB - landedBytes);
      if (landed.length > 0) resumedAfterPack++;
      await expectRecipesWhole(remote);
    }
    expect(resumedAfterPack).toBeGreaterThan(0);
    // What the killed pushes left in the remote's tmp/ goes with the next gc, once older than its grace period.
    expect((await readdir(join(remote, 'tmp'))).filter((n) => n.endsWith('.tmp')).length).toBeGreaterThan(0);
    const swept = await gc({ cwd: repo.dir, remote: 'origin', force: true, now: () => Date.now() + 8 * DAY });
    expect((await readdir(join(remote, 'tmp')).catch(() => [])).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect(swept.chunks).toMatchObject({ deletedPacks: 0, deletedRecipes: 0 });
    const clone = await cloneThroughOrigin(repo);
    await mvJson(clone.dir, ['pull', `churn@v0.${version - 1}.0`]);
    expect(await sameBytes(join(repo.dir, MODEL), join(clone.dir, MODEL))).toBe(true);
  }, 120_000);

  it('pull: a rebuild killed midway leaves only verified objects, and the next pull reuses the chunks it wrote', async () => {
    const { repo } = await chunkedProject({ model: modelBytes('v1', [], TENSORS) });
    await push({ cwd: repo.dir });
    await addModel(repo, '0.2.0', modelBytes('v0.2.0', CHANGED, TENSORS));
    await push({ cwd: repo.dir });
    const clone = await cloneThroughOrigin(repo);
    const tmp = join(clone.dir, '.mv/cache/tmp');
    const rebuilding = async () => (await readdir(tmp).catch(() => [])).some((n) => n.endsWith('.partial'));
    // Nothing cached: every chunk comes from the remote (v0.1.0's object and v0.2.0's pack).
    const killed = await killWhen(clone.dir, ['pull', 'churn@v0.2.0', '-j', '1'], async () => {
      if (!(await rebuilding())) return false;
      await new Promise((r) => setTimeout(r, 40));
      return true;
    });
    await expectIntact(join(clone.dir, '.mv/cache'));
    expect(killed.finished).toBe(false);
    const left = (await readdir(tmp).catch(() => [])).filter((n) => n.endsWith('.partial'));
    expect(left).toHaveLength(1);
    const pulled = await mvJson<{ fetch: { rebuilt: number; reusedBytes: number; bytes: number } }>(clone.dir, ['pull', 'churn@v0.2.0']);
    expect(pulled.fetch.rebuilt).toBe(1);
    expect(pulled.fetch.reusedBytes).toBeGreaterThan(0);
    expect(pulled.fetch.bytes + pulled.fetch.reusedBytes).toBeLessThan((TENSORS + 1) * MiB);
    expect((await readdir(tmp)).filter((n) => n.endsWith('.partial'))).toEqual([]);
    expect(await sameBytes(join(repo.dir, MODEL), join(clone.dir, MODEL))).toBe(true);
  }, 120_000);
});

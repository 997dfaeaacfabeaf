/**
 * Chunked storage on a folder remote, through the library: a new file goes up whole, later versions send
 * only the chunks the remote lacks, and machines holding an earlier version fetch only what they lack.
 */
import { chmod, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { add, get, init, pull, push, remoteAdd } from '../../src/index.js';
import { encodeRecipe, parseRecipe } from '../../src/chunk/recipe.js';
import { createHash } from 'node:crypto';
import { expectCached, expectNotCached } from '../helpers/assertions.js';
import { gitRepo, tempDir, type TestRepo } from '../helpers/git-repo.js';
import { cloneThroughOrigin, sameBytes } from '../helpers/remote-project.js';
import { MODEL, MiB, addVersion, chunkedProject, filesUnder, modelBytes, modelOid } from '../helpers/chunked-project.js';

const FILE = 16 * MiB;

describe('chunked storage on a folder remote', () => {
  it('sends a new file whole, then only the tensors a later version changed, and indexes the first in place', async () => {
    const { repo, remote } = await chunkedProject();
    const first = await push({ cwd: repo.dir });
    expect(first).toMatchObject({ uploaded: 1, chunkedFiles: 0 });
    expect(first.newBytes).toBe(first.versionBytes);
    expect(await filesUnder(remote, 'chunks')).toEqual([]);
    const v1 = await modelOid(repo);

    await addVersion(repo, '0.2.0', [3, 4, 5]);
    const second = await push({ cwd: repo.dir });
    expect(second).toMatchObject({ uploaded: 1, chunkedFiles: 1, versions: ['churn@v0.2.0'] });
    // 3 of 16 tensors changed: 3 MiB of new chunks, plus the header, pack indexes and the recipe.
    expect(second.newBytes).toBeGreaterThanOrEqual(3 * MiB);
    expect(second.newBytes).toBeLessThan(3 * MiB + 64 * 1024);
    expect(second.bytes).toBeLessThan(0.25 * FILE);
    const v2 = await modelOid(repo);
    // The first version stays a whole object, with a recipe that points into it; the second is chunks only.
    expect((await filesUnder(remote, 'objects')).map((f) => `sha256:${f.replace('/', '')}`)).toEqual([v1]);
    const recipes = (await filesUnder(remote, 'chunks/recipes')).map((f) => `sha256:${f.replace('/', '')}`).sort();
    expect(recipes).toEqual([v1, v2].sort());
    const indexRecipe = parseRecipe(await readFile(join(remote, 'chunks/recipes', v1.slice(7, 9), v1.slice(9))), v1, 'v1');
    expect(new Set(indexRecipe.chunks.map((c) => c.source))).toEqual(new Set([`object:${v1.slice(7)}`]));

    // Nothing new: a second push sends nothing and asks nothing.
    expect(await push({ cwd: repo.dir })).toMatchObject({ uploaded: 0, check: { method: 'index', requests: 0 } });
  });

  it('pull and get on a machine holding the earlier version fetch only the chunks it lacks, and the bytes are identical', async () => {
    const { repo } = await chunkedProject();
    await push({ cwd: repo.dir });
    await addVersion(repo, '0.2.0', [7, 8]);
    await push({ cwd: repo.dir });
    const v2 = await modelOid(repo);

    const clone = await cloneThroughOrigin(repo);
    const one = await pull({ cwd: clone.dir, refs: ['churn@v0.1.0'] });
    expect(one.fetch).toMatchObject({ downloaded: 1, rebuilt: 0 });
    const two = await pull({ cwd: clone.dir, refs: ['churn@v0.2.0'] });
    expect(two.fetch).toMatchObject({ downloaded: 1, rebuilt: 1 });
    // Two changed tensors (2 MiB) and the recipes of both versions; the other 14 MiB come from the cache.
    expect(two.fetch.bytes).toBeLessThan(2 * MiB + 256 * 1024);
    expect(two.fetch.reusedBytes).toBeGreaterThan(FILE - 2 * MiB - 64 * 1024);
    expect(await sameBytes(join(repo.dir, MODEL), join(clone.dir, MODEL))).toBe(true);
    await expectCached(join(clone.dir, '.mv/cache'), v2);

    // mv get into a folder holding the earlier get's files reuses them the same way.
    const out = join(await tempDir('mv-get-'), 'deploy');
    const g1 = await get({ cwd: repo.dir, ref: 'churn@v0.1.0', output: out });
    expect(g1.bytes).toBeGreaterThanOrEqual(FILE);
    const g2 = await get({ cwd: repo.dir, ref: 'churn@v0.2.0', output: out });
    expect(g2.bytes).toBeLessThan(2 * MiB + 256 * 1024);
    expect(await sameBytes(join(repo.dir, MODEL), join(out, 'model.safetensors'))).toBe(true);
    expect(await readdir(out)).toEqual(['model.safetensors', 'mv.lock.json']);
  });

  it('deduplicates a model inside a folder artifact, as `mv add churn models/churn/` records it', async () => {
    const remote = await tempDir('mv-remote-');
    const repo = await gitRepo();
    await init({ cwd: repo.dir });
    await remoteAdd({ cwd: repo.dir, name: 'origin', url: remote, makeDefault: true });
    await repo.write('models/churn/config.json', '{"layers": 16}\n');
    await repo.write(MODEL, modelBytes('v1'));
    await add({ cwd: repo.dir, name: 'churn', paths: ['models/churn/'], version: '0.1.0', allowDirty: true });
    await push({ cwd: repo.dir });
    await repo.write(MODEL, modelBytes('v0.2.0', [0, 15]));
    await add({ cwd: repo.dir, name: 'churn', paths: ['models/churn/'], version: '0.2.0', allowDirty: true });
    const second = await push({ cwd: repo.dir });
    expect(second).toMatchObject({ chunkedFiles: 1 });
    expect(second.bytes).toBeLessThan(2 * MiB + 256 * 1024);
    const clone = await cloneThroughOrigin(repo);
    await pull({ cwd: clone.dir, refs: ['churn@v0.1.0'] });
    const pulled = await pull({ cwd: clone.dir, refs: ['churn@v0.2.0'] });
    expect(pulled.fetch).toMatchObject({ rebuilt: 1 });
    expect(pulled.fetch.bytes).toBeLessThan(2 * MiB + 256 * 1024);
    expect(await sameBytes(join(repo.dir, MODEL), join(clone.dir, MODEL))).toBe(true);
    expect(await clone.read('models/churn/config.json')).toBe('{"layers": 16}\n');
  });

  it('keeps working with a remote written before (whole objects only), and with one holding both forms', async () => {
    const remote = await tempDir('mv-remote-');
    const { repo } = await chunkedProject({ remote });
    // Whole objects only, as mv wrote them before chunked storage (`chunks: false` keeps it so).
    await writeFile(join(repo.dir, '.mv/config.local.yaml'), 'remotes:\n  origin:\n    chunks: false\n');
    await push({ cwd: repo.dir });
    await addVersion(repo, '0.2.0', [1]);
    expect(await push({ cwd: repo.dir })).toMatchObject({ chunkedFiles: 0 });
    expect(await filesUnder(remote, 'chunks')).toEqual([]);
    const clone = await cloneThroughOrigin(repo);
    await pull({ cwd: clone.dir, refs: ['churn@v0.2.0'] });
    expect(await sameBytes(join(repo.dir, MODEL), join(clone.dir, MODEL))).toBe(true);

    // Chunked storage from now on: the next version refers to the chunks of the whole v0.2.0 object.
    await writeFile(join(repo.dir, '.mv/config.local.yaml'), '');
    await addVersion(repo, '0.3.0', [1, 2]);
    const third = await push({ cwd: repo.dir });
    expect(third.chunkedFiles).toBe(1);
    // Tensors 1 and 2 are new; the other 14 are read from the whole v0.2.0 object.
    expect(third.newBytes).toBeLessThan(2.1 * MiB);
    expect((await filesUnder(remote, 'objects')).length).toBe(2);

    const later = await cloneThroughOrigin(repo);
    for (const version of ['0.1.0', '0.2.0', '0.3.0']) {
      await pull({ cwd: later.dir, refs: [`churn@v${version}`] });
      await expectModelOf(later, version);
    }
  });

  it('refuses a chunk whose bytes in the pack are wrong, and places nothing', async () => {
    const { repo, remote } = await chunkedProject();
    await push({ cwd: repo.dir });
    await addVersion(repo, '0.2.0', [9]);
    await push({ cwd: repo.dir });
    const v2 = await modelOid(repo);
    const [pack] = await filesUnder(remote, 'chunks/packs');
    const path = join(remote, 'chunks/packs', pack!);
    await chmod(path, 0o644);
    const bytes = await readFile(path);
    bytes[1000]! ^= 0xff;
    await writeFile(path, bytes);

    const clone = await cloneThroughOrigin(repo);
    await pull({ cwd: clone.dir, refs: ['churn@v0.1.0'] });
    const before = await readFile(join(clone.dir, MODEL));
    const error = await pull({ cwd: clone.dir, refs: ['churn@v0.2.0'] }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TRANSFER_FAILED', details: { failures: [{ code: 'CORRUPT_CHUNK' }] } });
    await expectNotCached(join(clone.dir, '.mv/cache'), v2);
    expect((await readFile(join(clone.dir, MODEL))).equals(before)).toBe(true);
    expect((await readdir(join(clone.dir, '.mv/cache/tmp')).catch(() => [])).filter((n) => n.endsWith('.partial'))).toEqual([]);
  });

  it('asks for an upgrade when a recipe is of a newer format, and places nothing', async () => {
    const { repo, remote } = await chunkedProject();
    await push({ cwd: repo.dir });
    await addVersion(repo, '0.2.0', [2]);
    await push({ cwd: repo.dir });
    const v2 = await modelOid(repo);
    const path = join(remote, 'chunks/recipes', v2.slice(7, 9), v2.slice(9));
    const bytes = Buffer.from(await readFile(path));
    bytes.writeUInt32LE(2, 8);
    createHash('sha256').update(bytes.subarray(0, bytes.length - 32)).digest().copy(bytes, bytes.length - 32);
    await chmod(path, 0o644);
    await writeFile(path, bytes);

    const clone = await cloneThroughOrigin(repo);
    await pull({ cwd: clone.dir, refs: ['churn@v0.1.0'] });
    const error = await pull({ cwd: clone.dir, refs: ['churn@v0.2.0'] }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TRANSFER_FAILED', details: { failures: [{ code: 'UPGRADE_REQUIRED' }] } });
    expect((error as Error).message).toMatch(/upgrade mv|format version 2/);
    await expectNotCached(join(clone.dir, '.mv/cache'), v2);
    // The recipe is valid apart from its version: re-encoding the parsed original gives the stored bytes back.
    bytes.writeUInt32LE(1, 8);
    createHash('sha256').update(bytes.subarray(0, bytes.length - 32)).digest().copy(bytes, bytes.length - 32);
    expect(encodeRecipe(parseRecipe(bytes, v2, 'r')).equals(bytes)).toBe(true);
  });
});

/** The work tree's model file is the one the version's tagged pointer records. */
async function expectModelOf(clone: TestRepo, version: string): Promise<void> {
  const pointer = await clone.git('show', `churn@v${version}:models/churn/churn.mv.yaml`);
  const oid = /oid: (sha256:[0-9a-f]{64})/.exec(pointer)![1]!;
  expect(`sha256:${createHash('sha256').update(await readFile(join(clone.dir, MODEL))).digest('hex')}`).toBe(oid);
  await expectCached(join(clone.dir, '.mv/cache'), oid);
}

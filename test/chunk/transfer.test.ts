import { chmod, mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { chunkFile } from '../../src/chunk/chunker.js';
import type { ChunkStore } from '../../src/chunk/chunk-store.js';
import { fetchRecipe, localChunks, rebuildFile, storeChunkedFile } from '../../src/chunk/chunked-transfer.js';
import { chunkAndStore } from '../../src/chunk/chunk-upload.js';
import { FolderChunkStore } from '../../src/chunk/folder-chunk-store.js';
import { verifyPackBytes } from '../../src/chunk/pack-format.js';
import { KnownChunks, knownChunksFromRecipes, planUpload, type UploadPlan } from '../../src/chunk/plan-upload.js';
import { encodeRecipeTable, maxRecipeBytes, recipeFromTable, recipeTable } from '../../src/chunk/recipe.js';
import { oidFromHex, type Oid } from '../../src/cache/oid.js';
import { MvError } from '../../src/errors.js';
import { tempDir } from '../helpers/git-repo.js';
import { pseudoRandom, sha256 } from './fixtures.js';

const PACK_MAX = 1024 * 1024;

interface Version {
  path: string;
  oid: Oid;
  bytes: Buffer;
}

async function setup() {
  const dir = await tempDir();
  const remote = join(dir, 'remote');
  await mkdir(remote);
  await mkdir(join(dir, 'cache'));
  let n = 0;
  const version = async (bytes: Buffer): Promise<Version> => {
    const path = join(dir, 'cache', `v${++n}`);
    await writeFile(path, bytes);
    return { path, oid: oidFromHex(sha256(bytes)), bytes };
  };
  return { dir, remote, store: new FolderChunkStore(remote), version, temp: () => join(dir, 'cache', `build-${++n}.tmp`) };
}

async function plan(v: Version, known = new KnownChunks()): Promise<UploadPlan> {
  const chunked = await chunkFile(v.path, { expect: v.oid });
  return planUpload({ oid: v.oid, size: chunked.size, chunks: chunked.chunks }, known, { packMaxBytes: PACK_MAX });
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) if (entry.isFile()) out.push(join(entry.parentPath, entry.name));
  return out;
}

/** A store that records what it is asked to do and can fail a chosen write. */
function recording(inner: ChunkStore, failPackWrite?: number): ChunkStore & { log: string[] } {
  const log: string[] = [];
  let packWrites = 0;
  return {
    log,
    location: inner.location,
    hasPack: (id) => (log.push(`has ${id.slice(0, 8)}`), inner.hasPack(id)),
    hasSource: (key) => (log.push(`has ${key.slice(key.indexOf(':') + 1, key.indexOf(':') + 9)}`), inner.hasSource(key)),
    putPack: async (id, size, open: () => Readable, signal) => {
      if (++packWrites === failPackWrite) throw new Error('connection reset');
      log.push(`put pack ${id.slice(0, 8)}`);
      await inner.putPack(id, size, open, signal);
    },
    beginPack: async () => {
      const write = await inner.beginPack();
      return {
        write: (bytes) => write.write(bytes),
        finish: async (pack, signal) => {
          if (++packWrites === failPackWrite) {
            await write.abandon();
            throw new Error('connection reset');
          }
          log.push(`put pack ${pack.id.slice(0, 8)}`);
          return write.finish(pack, signal);
        },
        abandon: () => write.abandon(),
      };
    },
    readRange: (key, start, end, signal) => inner.readRange(key, start, end, signal),
    hasRecipe: (oid) => inner.hasRecipe(oid),
    getRecipe: (oid, max) => inner.getRecipe(oid, max),
    putRecipe: async (oid, bytes, options) => {
      log.push('put recipe');
      await inner.putRecipe(oid, bytes, options);
    },
    listPacks: () => inner.listPacks(),
    listRecipes: () => inner.listRecipes(),
    listRetired: () => inner.listRetired(),
    deletePack: (id) => inner.deletePack(id),
    deleteRecipe: (oid) => inner.deleteRecipe(oid),
    markRetired: (id) => inner.markRetired(id),
    unmarkRetired: (id) => inner.unmarkRetired(id),
  };
}

describe('chunked upload and rebuild through a folder remote', () => {
  it('sends only the changed chunks of a new version, and rebuilds it from the earlier one plus what it lacks', async () => {
    const { store, version, temp, remote } = await setup();
    const v1 = await version(pseudoRandom(6 * 1024 * 1024, 'v1'));
    const p1 = await plan(v1);
    expect(p1.reusedSources).toEqual([]);
    expect(p1.packs.length).toBeGreaterThan(4);
    const r1 = await storeChunkedFile(store, p1, v1.path);
    expect(r1).toMatchObject({ packsWritten: p1.packs.length, packsPresent: 0, recipeWritten: true });
    for (const pack of p1.packs) verifyPackBytes(await readFile(store.packPath(pack.id)), pack.id, pack.id);

    // v2: 100 KiB overwritten in the middle.
    const bytes2 = Buffer.from(v1.bytes);
    pseudoRandom(100 * 1024, 'edit').copy(bytes2, 3 * 1024 * 1024);
    const v2 = await version(bytes2);
    const recipe1 = (await fetchRecipe(store, v1.oid, v1.bytes.length))!;
    expect(recipe1).toEqual(recipeFromTable(p1.recipe));
    const p2 = await plan(v2, knownChunksFromRecipes([recipeTable(recipe1)]));
    expect(p2.newBytes).toBeGreaterThanOrEqual(100 * 1024);
    expect(p2.newBytes).toBeLessThan(100 * 1024 + 3 * 256 * 1024);
    const before = store.counters.bytesWritten;
    await storeChunkedFile(store, p2, v2.path);
    expect(store.counters.bytesWritten - before).toBe(p2.sentBytes);

    // A machine holding v1 fetches only what v2 adds.
    const recipe2 = (await fetchRecipe(store, v2.oid, bytes2.length))!;
    const local = localChunks([{ path: v1.path, chunks: (await chunkFile(v1.path)).chunks.records() }]);
    const out = temp();
    const rebuilt = await rebuildFile(store, recipe2, { local, temp: out });
    expect((await readFile(out)).equals(bytes2)).toBe(true);
    expect(rebuilt.remoteBytes).toBe(p2.newBytes);
    expect(rebuilt.localBytes).toBe(bytes2.length - p2.newBytes);

    // A machine with nothing rebuilds it from the packs alone.
    const fresh = temp();
    const full = await rebuildFile(store, recipe2, { local: new Map(), temp: fresh });
    expect((await readFile(fresh)).equals(bytes2)).toBe(true);
    expect(full.remoteBytes).toBe(bytes2.length);
    expect((await filesUnder(join(remote, 'tmp'))).length).toBe(0);
  });

  it('writes packs before the recipe that names them, and checks reused packs first', async () => {
    const { store, version } = await setup();
    const v1 = await version(pseudoRandom(3 * 1024 * 1024, 'order'));
    const p1 = await plan(v1);
    const first = recording(store);
    await storeChunkedFile(first, p1, v1.path);
    const recipeAt = first.log.indexOf('put recipe');
    expect(recipeAt).toBe(first.log.length - 1);
    expect(first.log.filter((l) => l.startsWith('put pack'))).toHaveLength(p1.packs.length);

    const v2 = await version(Buffer.concat([v1.bytes, pseudoRandom(50_000, 'tail')]));
    const p2 = await plan(v2, knownChunksFromRecipes([p1.recipe]));
    const second = recording(store);
    await storeChunkedFile(second, p2, v2.path);
    const log = second.log;
    const recipe = log.indexOf('put recipe');
    for (const key of p2.reusedSources) expect(log.indexOf(`has ${key.slice(5, 13)}`)).toBeLessThan(recipe);
    expect(log.slice(recipe + 1)).toEqual([]);
  });

  it('leaves no recipe after an interrupted upload, and a resumed one skips the packs already there', async () => {
    const { store, version, remote } = await setup();
    const v = await version(pseudoRandom(5 * 1024 * 1024, 'resume'));
    const p = await plan(v);
    const failing = recording(store, 3);
    await expect(storeChunkedFile(failing, p, v.path, { concurrency: 1 })).rejects.toThrow('connection reset');
    expect(await store.hasRecipe(v.oid)).toBe(false);
    expect((await filesUnder(join(remote, 'tmp'))).length).toBe(0);

    const again = await plan(v);
    expect(again.packs.map((x) => x.id)).toEqual(p.packs.map((x) => x.id));
    const resumed = await storeChunkedFile(store, again, v.path);
    expect(resumed.packsPresent).toBe(2);
    expect(resumed.packsWritten).toBe(p.packs.length - 2);
    expect(await store.hasRecipe(v.oid)).toBe(true);
  });

  it('refuses to write a recipe whose reused packs are gone', async () => {
    const { store, version } = await setup();
    const v1 = await version(pseudoRandom(2 * 1024 * 1024, 'gone'));
    const p1 = await plan(v1);
    await storeChunkedFile(store, p1, v1.path);
    const v2 = await version(Buffer.concat([pseudoRandom(10, 'head'), v1.bytes]));
    const p2 = await plan(v2, knownChunksFromRecipes([p1.recipe]));
    const { rm } = await import('node:fs/promises');
    await rm(store.sourcePath(p2.reusedSources[0]!));
    const error = await storeChunkedFile(store, p2, v2.path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MvError);
    expect((error as MvError).code).toBe('PACK_MISSING');
    expect(await store.hasRecipe(v2.oid)).toBe(false);
  });

  it('refuses a pack whose source changed after chunking, storing nothing under its name', async () => {
    const { store, version } = await setup();
    const v = await version(pseudoRandom(2 * 1024 * 1024, 'changed'));
    const p = await plan(v);
    await chmod(v.path, 0o644);
    const altered = Buffer.from(v.bytes);
    altered[10]! ^= 1;
    await writeFile(v.path, altered);
    await expect(storeChunkedFile(store, p, v.path)).rejects.toMatchObject({ code: 'FILE_CHANGED' });
    expect(await store.hasPack(p.packs[0]!.id)).toBe(false);
    expect(await store.hasRecipe(v.oid)).toBe(false);
  });

  it('refuses a corrupt chunk in a pack and leaves nothing behind', async () => {
    const { store, version, temp } = await setup();
    const v = await version(pseudoRandom(2 * 1024 * 1024, 'corrupt'));
    const p = await plan(v);
    await storeChunkedFile(store, p, v.path);
    const packPath = store.packPath(p.packs[0]!.id);
    await chmod(packPath, 0o644);
    const bytes = await readFile(packPath);
    bytes[1000]! ^= 0xff;
    await writeFile(packPath, bytes);
    const out = temp();
    const error = await rebuildFile(store, recipeFromTable(p.recipe), { local: new Map(), temp: out }).catch((e: unknown) => e);
    expect((error as MvError).code).toBe('CORRUPT_CHUNK');
    await expect(stat(out)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('fetches from the packs what a damaged local copy gets wrong', async () => {
    const { store, version, temp } = await setup();
    const v1 = await version(pseudoRandom(3 * 1024 * 1024, 'local'));
    const p1 = await plan(v1);
    await storeChunkedFile(store, p1, v1.path);
    const list = (await chunkFile(v1.path)).chunks.records();
    await chmod(v1.path, 0o644);
    const damaged = Buffer.from(v1.bytes);
    damaged[list[2]!.offset + 5]! ^= 1;
    await writeFile(v1.path, damaged.subarray(0, damaged.length - 100));
    const out = temp();
    const result = await rebuildFile(store, recipeFromTable(p1.recipe), { local: localChunks([{ path: v1.path, chunks: list }]), temp: out });
    expect((await readFile(out)).equals(v1.bytes)).toBe(true);
    expect(result.refetched).toBe(2);
  });

  it('never keeps a rebuilt file that does not hash to its oid', async () => {
    const { store, version, temp } = await setup();
    const v = await version(pseudoRandom(1024 * 1024, 'lie'));
    const p = await plan(v);
    await storeChunkedFile(store, p, v.path);
    // A recipe claiming another file's oid, made of valid chunks.
    const liar = oidFromHex(sha256(Buffer.from('some other file')));
    await store.putRecipe(liar, encodeRecipeTable({ ...p.recipe, oid: liar }));
    const fetched = (await fetchRecipe(store, liar, v.bytes.length))!;
    const out = temp();
    await expect(rebuildFile(store, fetched, { local: new Map(), temp: out })).rejects.toMatchObject({ code: 'CORRUPT_DOWNLOAD' });
    await expect(stat(out)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('reads no recipe for a file stored whole, and refuses one for a different size', async () => {
    const { store, version } = await setup();
    const v = await version(pseudoRandom(300_000, 'size'));
    expect(await fetchRecipe(store, v.oid, v.bytes.length)).toBeUndefined();
    await storeChunkedFile(store, await plan(v), v.path);
    await expect(fetchRecipe(store, v.oid, v.bytes.length + 1)).rejects.toMatchObject({ code: 'INVALID_RECIPE' });
    await expect(fetchRecipe(store, v.oid, 10)).rejects.toMatchObject({ code: 'INVALID_RECIPE' });
  });

  it('stores the same packs and recipe in one pass over the file as from a plan, and stops cleanly when interrupted', async () => {
    const { store, version, temp, remote } = await setup();
    // Over 8 MiB, so the hashing thread and several chunker blocks are used; v2 shares most chunks of v1.
    const v1 = await version(pseudoRandom(12 * 1024 * 1024, 'one-pass'));
    const p1 = await plan(v1);
    await storeChunkedFile(store, p1, v1.path);
    const bytes2 = Buffer.from(v1.bytes);
    for (const at of [1, 4, 9]) pseudoRandom(30_000, at).copy(bytes2, at * 1024 * 1024);
    const v2 = await version(Buffer.concat([bytes2, pseudoRandom(2 * 1024 * 1024, 'more')]));
    const known = knownChunksFromRecipes([p1.recipe]);
    const twoPass = await plan(v2, known);

    const failing = recording(store, 2);
    await expect(chunkAndStore(failing, { path: v2.path, oid: v2.oid }, { known, packMaxBytes: PACK_MAX, publishing: 1 })).rejects.toThrow('connection reset');
    expect(await store.hasRecipe(v2.oid)).toBe(false);
    expect(await filesUnder(join(remote, 'tmp'))).toEqual([]);

    // Resumed: the same packs, the one published before the failure found on the remote.
    const onePass = await chunkAndStore(store, { path: v2.path, oid: v2.oid }, { known, packMaxBytes: PACK_MAX });
    expect(onePass.plan.packs.map((p) => p.id)).toEqual(twoPass.packs.map((p) => p.id));
    expect(onePass.plan.recipeBytes.equals(twoPass.recipeBytes)).toBe(true);
    expect(twoPass.packs.length).toBeGreaterThan(2);
    expect(onePass).toMatchObject({ packsWritten: twoPass.packs.length - 1, packsPresent: 1, recipeWritten: true });
    for (const pack of twoPass.packs) verifyPackBytes(await readFile(store.packPath(pack.id)), pack.id, pack.id);
    const out = temp();
    await rebuildFile(store, (await fetchRecipe(store, v2.oid, v2.bytes.length))!, { local: new Map(), temp: out });
    expect((await readFile(out)).equals(v2.bytes)).toBe(true);
    expect(await filesUnder(join(remote, 'tmp'))).toEqual([]);
  });

  it('writes no recipe when the file does not hash to its oid', async () => {
    const { store, version } = await setup();
    const v = await version(pseudoRandom(3 * 1024 * 1024, 'mismatch'));
    const wrong = oidFromHex(sha256(Buffer.from('not it')));
    await expect(chunkAndStore(store, { path: v.path, oid: wrong }, { known: new KnownChunks() })).rejects.toMatchObject({ code: 'CONTENT_MISMATCH' });
    expect(await store.hasRecipe(wrong)).toBe(false);
  });

  it('writes no recipe that readers would refuse: a file cut at very many tiny tensors is left to be sent whole', async () => {
    const { store, version } = await setup();
    const v = await version(pseudoRandom(2 * 1024 * 1024, 'tiny tensors'));
    // A tensor every 64 bytes: 32,768 chunks, a recipe of about 1.5 MiB for a 2 MiB file.
    const boundaries = Array.from({ length: v.bytes.length / 64 }, (_, i) => i * 64);
    const result = await chunkAndStore(store, { path: v.path, oid: v.oid }, { known: new KnownChunks(), boundaries });
    expect(result.tooFine).toBe(true);
    expect(result.plan.recipeBytes.length).toBeGreaterThan(maxRecipeBytes(v.bytes.length));
    expect(result.recipeWritten).toBe(false);
    expect(await store.hasRecipe(v.oid)).toBe(false);
    expect(await fetchRecipe(store, v.oid, v.bytes.length)).toBeUndefined();
  });
});

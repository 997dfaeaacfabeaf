import { createHash, randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { endianness, totalmem } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { execa } from 'execa';
import { describe, expect, it, onTestFinished } from 'vitest';
import { MvError } from '../../src/errors.js';
import { LocalCache } from '../../src/cache/local-cache.js';
import { parseManifest, serializeManifest, type ManifestEntry } from '../../src/cache/manifest.js';
import { StatCache } from '../../src/cache/stat-cache.js';
import { BESIDE_COPY_BLOCK, hashBesideCopy, hashBuffer, hashFile } from '../../src/cache/hash.js';
import type { Oid } from '../../src/cache/oid.js';
import { expectCached } from '../helpers/assertions.js';
import { tempDir } from '../helpers/git-repo.js';

const sha = (data: string | Buffer): Oid => `sha256:${createHash("sha256").update(data).digest("hex")}`;

describe('local cache', () => {
  it('stores small and large files once, read-only, under their hash', async () => {
    const dir = await tempDir();
    const cache = new LocalCache(join(dir, 'cache'));
    const small = join(dir, 'small.txt');
    const large = join(dir, 'large.bin');
    await writeFile(small, 'hello');
    const big = Buffer.alloc(5 * 1024 * 1024, 7);
    await writeFile(large, big);

    expect(await cache.ingest(small)).toEqual({ oid: sha('hello'), size: 5 });
    expect(await cache.ingest(large)).toEqual({ oid: sha(big), size: big.length });
    await expectCached(cache.location, sha('hello'));
    await expectCached(cache.location, sha(big));

    // The same content again: still one object, and no temp files left.
    await writeFile(join(dir, 'copy.txt'), 'hello');
    await cache.ingest(join(dir, 'copy.txt'));
    const objects: Oid[] = [];
    for await (const oid of cache.list()) objects.push(oid);
    expect(objects.sort()).toEqual([sha('hello'), sha(big)].sort());
    expect(await readdir(cache.tempDir)).toEqual([]);
  });

  it('hashes a file beside a copy in small blocks exactly as the streaming hash does, at every block boundary', async () => {
    const dir = await tempDir();
    const bytes = randomBytes(33 * BESIDE_COPY_BLOCK + 5);
    const path = join(dir, 'f.bin');
    for (const size of [0, 1, BESIDE_COPY_BLOCK - 1, BESIDE_COPY_BLOCK, BESIDE_COPY_BLOCK + 1, 32 * BESIDE_COPY_BLOCK, bytes.length]) {
      await writeFile(path, bytes.subarray(0, size));
      const expected = { oid: sha(bytes.subarray(0, size)), size };
      expect(await hashBesideCopy(path)).toEqual(expected);
      expect(await hashFile(path)).toEqual(expected);
    }
  });

  it('stops hashing beside a copy when its signal is aborted, and stops a large ingest with no temp file left', async () => {
    const dir = await tempDir();
    const path = join(dir, 'f.bin');
    await writeFile(path, randomBytes(40 * BESIDE_COPY_BLOCK));
    const stop = new AbortController();
    const reason = new Error('stopped by the test');
    stop.abort(reason);
    await expect(hashBesideCopy(path, stop.signal)).rejects.toBe(reason);
    // A pipe with no writer is refused at once rather than waited on.
    const fifo = join(dir, 'pipe');
    await execa('mkfifo', [fifo]);
    await expect(hashBesideCopy(fifo)).rejects.toThrow(/is not a regular file/);
    // An error of mv's own (a message and a hint), never an internal error with a stack trace.
    await expect(hashBesideCopy(fifo)).rejects.toMatchObject({ code: 'UNSUPPORTED_FILE' });
    const cache = new LocalCache(join(dir, 'cache'));
    for (const solo of [false, true]) await expect(cache.ingest(path, undefined, { solo, signal: stop.signal })).rejects.toThrow();
    expect(await readdir(cache.tempDir)).toEqual([]);
    const objects: Oid[] = [];
    for await (const oid of cache.list()) objects.push(oid);
    expect(objects).toEqual([]);
    // Stored alone (as `mvr add` stores a file), the object is the file's bytes under their hash.
    const bytes = await readFile(path);
    expect(await cache.ingest(path, undefined, { solo: true })).toEqual({ oid: sha(bytes), size: bytes.length });
    expect((await readFile(cache.path(sha(bytes)))).equals(bytes)).toBe(true);
    expect(await readdir(cache.tempDir)).toEqual([]);
  });

  it('stores a large file with direct I/O (an odd size: the last partial block too) exactly as a buffered copy does', async () => {
    const dir = await tempDir();
    const direct = new LocalCache(join(dir, 'direct'), { directIo: true, directIoFrom: 0 });
    const buffered = new LocalCache(join(dir, 'buffered'), { directIo: false });
    const large = join(dir, 'large.bin');
    const bytes = randomBytes(9 * 1024 * 1024 + 4097);
    await writeFile(large, bytes);
    const expected = { oid: sha(bytes), size: bytes.length };
    expect(await direct.ingest(large, undefined, { direct: true })).toEqual(expected);
    expect(await buffered.ingest(large, undefined, { direct: true })).toEqual(expected);
    for (const cache of [direct, buffered]) {
      await expectCached(cache.location, expected.oid);
      expect((await readFile(cache.path(expected.oid))).equals(bytes)).toBe(true);
      expect((await stat(cache.path(expected.oid))).mode & 0o777).toBe(0o444);
      expect(await readdir(cache.tempDir)).toEqual([]);
    }
  });

  it('writes with direct I/O only files large against memory, and only when the cache is set to', async () => {
    const cache = new LocalCache(join(await tempDir(), 'c'), { directIo: true });
    const threshold = cache.directIoFrom;
    // 1 GiB, or an eighth of the memory (the machine's, or a container's limit) where that is less.
    expect(threshold).toBeLessThanOrEqual(1024 ** 3);
    expect(threshold).toBeLessThanOrEqual(totalmem() / 8);
    expect(threshold === 1024 ** 3 || threshold === Math.floor(Math.min(totalmem(), process.constrainedMemory() || Infinity) / 8)).toBe(true);
    expect([cache.writesDirect(threshold - 1), cache.writesDirect(threshold), cache.writesDirect(4 * threshold)]).toEqual([false, true, true]);
    expect(new LocalCache(join(await tempDir(), 'd'), { directIo: false }).writesDirect(4 * threshold)).toBe(false);
    // Small files never are, whatever the threshold.
    expect(new LocalCache(join(await tempDir(), 'e'), { directIo: true, directIoFrom: 0 }).writesDirect(1000)).toBe(false);
  });

  it('a copy written with direct I/O stays out of the page cache; a file below the threshold is copied through it', async (context) => {
    if ((await execa('fincore', ['--version'], { reject: false })).exitCode !== 0) context.skip('fincore (util-linux) is not installed');
    // On a disk: the suite's temp folders are on a memory file system, which takes no direct writes.
    const dir = await mkdtemp(join('/var/tmp', 'mv-direct-io-')).catch(() => undefined);
    if (dir === undefined) return context.skip('/var/tmp cannot be written');
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const large = join(dir, 'large.bin');
    const bytes = randomBytes(4 * 1024 * 1024);
    await writeFile(large, bytes);
    const oid = sha(bytes);
    const resident = async (cache: LocalCache) => Number((await execa('fincore', ['--bytes', '--noheadings', '--output', 'RES', cache.path(oid)])).stdout.trim());
    const atThreshold = new LocalCache(join(dir, 'at'), { directIo: true, directIoFrom: bytes.length });
    await atThreshold.ingest(large, undefined, { direct: true });
    // A file system that refuses O_DIRECT (tmpfs) gets a buffered copy either way: nothing to tell apart there.
    if ((await resident(atThreshold)) > 0) context.skip('this file system does not take direct writes');
    const below = new LocalCache(join(dir, 'below'), { directIo: true, directIoFrom: bytes.length + 1 });
    await below.ingest(large, undefined, { direct: true });
    expect(await resident(below)).toBeGreaterThan(0);
    expect((await readFile(below.path(oid))).equals(bytes)).toBe(true);
  });

  it('refuses a download whose bytes do not match the oid, storing nothing', async () => {
    const dir = await tempDir();
    const cache = new LocalCache(join(dir, 'cache'));
    const claimed = sha('expected content');
    const error = await cache.receive(claimed, Readable.from([Buffer.from('tampered content')]), 'remote origin').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MvError);
    expect((error as MvError).code).toBe('CORRUPT_DOWNLOAD');
    expect((error as MvError).message).toContain('remote origin');
    expect(await cache.has(claimed)).toBe(false);
    expect(await readdir(cache.tempDir)).toEqual([]);

    await cache.receive(claimed, Readable.from([Buffer.from('expected '), Buffer.from('content')]), 'remote origin');
    await expectCached(cache.location, claimed);
  });

  it('detects an object whose bytes were damaged after it was stored', async () => {
    const dir = await tempDir();
    const cache = new LocalCache(join(dir, 'cache'));
    const { oid } = await cache.putBuffer('{"manifest":1,"entries":[]}\n');
    await chmod(cache.path(oid), 0o644);
    await writeFile(cache.path(oid), 'garbage');
    await expect(cache.readVerified(oid)).rejects.toMatchObject({ code: 'CORRUPT_OBJECT' });
    // A truncated object is not trusted as present when its size is known.
    expect(await cache.has(oid, 28)).toBe(false);
  });
});

describe('directory manifests', () => {
  const entry = (path: string, content = path): ManifestEntry => ({ path, oid: sha(content), size: content.length, mode: 0o644 });

  it('are canonical: sorted by UTF-8 bytes, fixed keys, so equal folders hash equally', () => {
    const a = serializeManifest([entry('b.txt'), entry('a/z.txt'), entry('a.txt'), entry('é.txt')]);
    const b = serializeManifest([entry('é.txt'), entry('a.txt'), entry('b.txt'), entry('a/z.txt')]);
    expect(a).toBe(b);
    expect(parseManifest(a, 'm').map((e) => e.path)).toEqual(['a.txt', 'a/z.txt', 'b.txt', 'é.txt']);
    expect(hashBuffer(a)).toBe(hashBuffer(b));
  });

  it('have exactly these bytes (the oid of a folder must never change between releases)', () => {
    const oid = `sha256:${'0'.repeat(63)}1` as Oid;
    const text = serializeManifest([
      { path: 'run.sh', oid, size: 12, mode: 0o755 },
      { path: 'a/\u00e9 "x".bin', oid, size: 0, mode: 0o644, ...({ extra: 1 } as object) },
    ]);
    expect(text).toBe(`{"manifest":1,"entries":[{"path":"a/\u00e9 \\"x\\".bin","oid":"${oid}","size":0,"mode":420},{"path":"run.sh","oid":"${oid}","size":12,"mode":493}]}\n`);
  });

  it.each([
    ['the same path twice', `{"manifest":1,"entries":[${JSON.stringify(entry('a'))},${JSON.stringify(entry('a'))}]}`, 'twice'],
    ['unsorted entries', `{"manifest":1,"entries":[${JSON.stringify(entry('b'))},${JSON.stringify(entry('a'))}]}`, 'not sorted'],
    ['a path escaping the folder', `{"manifest":1,"entries":[${JSON.stringify(entry('../x'))}]}`, 'leaves the directory'],
    ['an absolute path', `{"manifest":1,"entries":[${JSON.stringify(entry('/etc/passwd'))}]}`, 'absolute'],
    ['a file that is also a folder', `{"manifest":1,"entries":[${JSON.stringify(entry('a'))},${JSON.stringify(entry('a/b'))}]}`, 'both as a file and as a folder'],
    ['a bad mode', `{"manifest":1,"entries":[${JSON.stringify({ ...entry('a'), mode: 0o4777 })}]}`, 'invalid mode'],
    ['not JSON', 'nope', 'not valid JSON'],
    ['another schema', '{"manifest":2,"entries":[]}', 'schema-1'],
  ])('reject %s', (_what, content, message) => {
    expect(() => parseManifest(content, 'sha256:test')).toThrow(message);
  });
});

/** A file per name (holding the name) in `dir`, last changed at `past`, and its stat data by name. */
async function oldFiles(dir: string, names: string[], past: Date): Promise<Map<string, Stats>> {
  const infos = new Map<string, Stats>();
  for (const name of names) {
    const file = join(dir, name.replace('/', '-'));
    await writeFile(file, name);
    await utimes(file, past, past);
    infos.set(name, await stat(file));
  }
  return infos;
}

describe('stat cache', () => {
  it('answers for unchanged files and forgets changed ones', async () => {
    const dir = await tempDir();
    const file = join(dir, 'f.bin');
    const state = join(dir, 'state.json');
    await writeFile(file, 'one');
    // Make the file clearly older than the state file so it is not racy.
    const past = new Date(Date.now() - 10_000);
    await utimes(file, past, past);
    const first = await StatCache.load(state);
    first.record('f.bin', await stat(file), sha('one'));
    await first.save();

    const second = await StatCache.load(state);
    expect(second.lookup('f.bin', await stat(file))).toBe(sha('one'));

    await writeFile(file, 'two!');
    expect(second.lookup('f.bin', await stat(file))).toBeUndefined();
  });

  it('does not trust an entry whose mtime is not older than the state file (git racy rule)', async () => {
    const dir = await tempDir();
    const file = join(dir, 'f.bin');
    const state = join(dir, 'state.json');
    await writeFile(file, 'aaaa');
    // A whole millisecond, so the state file can be given exactly the same mtime.
    const t = new Date(Date.now() - 5000);
    await utimes(file, t, t);
    const info = await stat(file);
    const cache = await StatCache.load(state);
    cache.record('f.bin', info, sha('aaaa'));
    await cache.save();
    // The state file written in the same tick as the file: a same-size rewrite then would be invisible.
    await utimes(state, t, t);
    const reloaded = await StatCache.load(state);
    expect(reloaded.lookup('f.bin', info)).toBeUndefined();
  });

  it('does not save a racy entry again, where the newer state file would make it trusted', async () => {
    const dir = await tempDir();
    const state = join(dir, 'state.json');
    const t = new Date(Date.now() - 5000);
    const infos = new Map<string, Stats>();
    for (const name of ['racy.bin', 'old.bin', 'other.bin']) {
      await writeFile(join(dir, name), name);
      await utimes(join(dir, name), name === 'old.bin' ? new Date(t.getTime() - 5000) : t, name === 'old.bin' ? new Date(t.getTime() - 5000) : t);
      infos.set(name, await stat(join(dir, name)));
    }
    const first = await StatCache.load(state);
    first.record('racy.bin', infos.get('racy.bin')!, sha('racy.bin'));
    first.record('old.bin', infos.get('old.bin')!, sha('old.bin'));
    await first.save();
    await utimes(state, t, t);
    // Another file recorded and the cache saved later: racy.bin was racy when loaded and stays untrusted.
    const second = await StatCache.load(state);
    expect(second.lookup('racy.bin', infos.get('racy.bin')!)).toBeUndefined();
    second.record('other.bin', infos.get('other.bin')!, sha('other.bin'));
    await second.save();
    await utimes(state, new Date(), new Date(Date.now() + 1000));
    const third = await StatCache.load(state);
    expect(third.lookup('racy.bin', infos.get('racy.bin')!)).toBeUndefined();
    expect(third.lookup('old.bin', infos.get('old.bin')!)).toBe(sha('old.bin'));
    expect(third.lookup('other.bin', infos.get('other.bin')!)).toBe(sha('other.bin'));
  });

  it('keeps loaded and newly recorded entries, any path, across saves; forgets pruned ones', async () => {
    const dir = await tempDir();
    const state = join(dir, 'state.json');
    const past = new Date(Date.now() - 10_000);
    const names = ['a.bin', 'données/é.bin', 'data/x.bin', 'data/y.bin'];
    const infos = await oldFiles(dir, names, past);
    const first = await StatCache.load(state);
    for (const name of names.slice(0, 3)) first.record(name, infos.get(name)!, sha(name));
    await first.save();
    // Loaded entries, one recorded after loading, one recorded again with other stat data.
    const second = await StatCache.load(state);
    second.record('data/y.bin', infos.get('data/y.bin')!, sha('data/y.bin'));
    const moved = { ...infos.get('a.bin')!, ino: infos.get('a.bin')!.ino + 1 };
    second.record('a.bin', moved, sha('moved'));
    expect(second.lookup('data/y.bin', infos.get('data/y.bin')!)).toBe(sha('data/y.bin'));
    expect(second.lookup('a.bin', infos.get('a.bin')!)).toBeUndefined();
    second.prune('data/', new Set(['data/y.bin']));
    await second.save();
    await utimes(state, new Date(), new Date(Date.now() + 1000));

    const third = await StatCache.load(state);
    expect(third.lookup('a.bin', moved)).toBe(sha('moved'));
    expect(third.lookup('données/é.bin', infos.get('données/é.bin')!)).toBe(sha('données/é.bin'));
    expect(third.lookup('data/y.bin', infos.get('data/y.bin')!)).toBe(sha('data/y.bin'));
    expect(third.has('data/x.bin')).toBe(false);
    expect(third.countBelow('data/')).toBe(1);
    // Each stat value is compared: a different size, or a time one microsecond apart, is a different file.
    const info = infos.get('data/y.bin')!;
    expect(third.lookup('data/y.bin', { ...info, size: info.size + 1 })).toBeUndefined();
    expect(third.lookup('data/y.bin', { ...info, mtimeMs: info.mtimeMs - 0.001 })).toBeUndefined();
    expect(third.lookup('data/y.bin', { ...info, ctimeMs: info.ctimeMs + 0.001 })).toBeUndefined();
  });

  it('starts over from a file of another byte order, format or length, or with lists that disagree', async () => {
    const dir = await tempDir();
    const file = join(dir, 'f.bin');
    const state = join(dir, 'state');
    await writeFile(file, 'one');
    await utimes(file, new Date(Date.now() - 10_000), new Date(Date.now() - 10_000));
    const info = await stat(file);
    const cache = await StatCache.load(state);
    cache.record('f.bin', info, sha('one'));
    cache.recordFolder('d/', 1, sha('manifest'));
    await cache.save();
    const saved = await readFile(state);
    expect(saved.subarray(0, 16).toString()).toBe('mv stat cache 4\n');
    expect((await StatCache.load(state)).lookup('f.bin', info)).toBe(sha('one'));
    const edited = (at: number, byte: number) => Buffer.from(saved.map((b, i) => (i === at ? byte : b)));
    const damaged = [
      edited(16, saved[16] === 0x4c ? 0x42 : 0x4c), // the other byte order
      edited(14, 0x35), // format 5
      edited(20, 2), // two entries
      saved.subarray(0, saved.length - 1), // cut short
      Buffer.concat([saved, Buffer.from(' ')]), // longer
      Buffer.from(saved.toString('latin1').replace('f.bin', 'f\0bin'), 'latin1'), // two keys
      Buffer.from(saved.toString('latin1').replace('{"d/"', '["d/"'), 'latin1'), // folders damaged
    ];
    for (const bytes of damaged) {
      await writeFile(state, bytes);
      await utimes(state, new Date(), new Date(Date.now() + 1000));
      const loaded = await StatCache.load(state);
      expect(loaded.lookup('f.bin', info)).toBeUndefined();
      expect(loaded.folderManifest('d/', 1)).toBeUndefined();
    }
  });

  it('takes over the JSON an earlier mv wrote beside it, writes its own format and removes the JSON', async () => {
    const dir = await tempDir();
    const file = join(dir, 'f.bin');
    const state = join(dir, 'state');
    const former = join(dir, 'state.json');
    await writeFile(file, 'one');
    await utimes(file, new Date(Date.now() - 10_000), new Date(Date.now() - 10_000));
    const info = await stat(file);
    const stamps = Buffer.from(new Float64Array([info.ino, info.size, info.mtimeMs, info.ctimeMs]).buffer).toString('base64');
    await writeFile(former, JSON.stringify({ format: 3, endian: endianness(), keys: ['f.bin'], stamps, oids: sha('one'), folders: { 'd/': `1:${sha('manifest')}` } }));
    const cache = await StatCache.load(state, { formerly: former });
    expect(cache.lookup('f.bin', info)).toBe(sha('one'));
    expect(cache.folderManifest('d/', 1)).toBe(sha('manifest'));
    await cache.save();
    await expect(stat(former)).rejects.toMatchObject({ code: 'ENOENT' });
    await utimes(state, new Date(), new Date(Date.now() + 1000));
    const reloaded = await StatCache.load(state, { formerly: former });
    expect(reloaded.lookup('f.bin', info)).toBe(sha('one'));
    expect(reloaded.folderManifest('d/', 1)).toBe(sha('manifest'));
    // A JSON file of another byte order or with lists that disagree is ignored.
    for (const damaged of [{ endian: endianness() === 'LE' ? 'BE' : 'LE' }, { keys: ['f.bin', 'g.bin'] }, { oids: `${sha('one')}x` }, { format: 4 }]) {
      await writeFile(former, JSON.stringify({ format: 3, endian: endianness(), keys: ['f.bin'], stamps, oids: sha('one'), ...damaged }));
      expect((await StatCache.load(join(dir, 'absent'), { formerly: former })).lookup('f.bin', info)).toBeUndefined();
    }
  });

  it('finds each entry whether asked in the order it was written or not, before and after changes', async () => {
    const dir = await tempDir();
    const state = join(dir, 'state');
    const past = new Date(Date.now() - 10_000);
    // "d/a" is the start of "d/ab": in the written order, a path is found only whole.
    const names = ['d/ab', 'd/a', 'd/b', 'e', 'é/x'];
    const infos = await oldFiles(dir, names, past);
    const first = await StatCache.load(state);
    for (const name of names) first.record(name, infos.get(name)!, sha(name));
    await first.save();
    await utimes(state, new Date(), new Date(Date.now() + 1000));
    const orders = [names, ['d/a', 'd/ab', 'e', 'd/b', 'é/x'], ['é/x', 'e', 'd/b', 'd/ab', 'd/a'], ['d/ab', 'e', 'é/x', 'd/a', 'd/b']];
    for (const order of orders) {
      const cache = await StatCache.load(state);
      expect(cache.countBelow('d/')).toBe(3);
      for (const name of order) expect(cache.lookup(name, infos.get(name)!)).toBe(sha(name));
      // Each other entry's stat data answers for none of them.
      for (const name of order) expect(cache.lookup(name, infos.get(name === 'e' ? 'd/a' : 'e')!)).toBeUndefined();
      expect(cache.lookup('d', infos.get('d/a')!)).toBeUndefined();
      expect(cache.countBelow('d/')).toBe(3);
    }
    // In order, then a change in the middle: the entries before and after it keep their answers.
    const cache = await StatCache.load(state);
    expect(cache.lookup('d/ab', infos.get('d/ab')!)).toBe(sha('d/ab'));
    cache.record('d/a', infos.get('d/b')!, sha('new'));
    expect(cache.lookup('d/a', infos.get('d/a')!)).toBeUndefined();
    expect(cache.lookup('d/a', infos.get('d/b')!)).toBe(sha('new'));
    expect(cache.lookup('d/b', infos.get('d/b')!)).toBe(sha('d/b'));
    cache.prune('d/', new Set(['d/a', 'd/b']));
    expect(cache.lookup('d/ab', infos.get('d/ab')!)).toBeUndefined();
    expect(cache.has('d/ab')).toBe(false);
    expect(cache.countBelow('d/')).toBe(2);
    expect(cache.lookup('e', infos.get('e')!)).toBe(sha('e'));
  });

  it('answers nothing wrong from a file whose paths are out of order, and writes them in order again', async () => {
    const dir = await tempDir();
    const state = join(dir, 'state');
    const names = ['a', 'b', 'c', 'd', 'e'];
    const infos = await oldFiles(dir, names, new Date(Date.now() - 10_000));
    const cache = await StatCache.load(state);
    for (const name of names) cache.record(name, infos.get(name)!, sha(name));
    await cache.save();
    // The same entries with the paths in reverse order (each path still beside its own stat data and oid).
    const bytes = await readFile(state);
    const at = 32 + names.length * (32 + 71);
    const swap = (i: number, j: number, size: number, from: number) => {
      const a = Buffer.from(bytes.subarray(from + i * size, from + (i + 1) * size));
      bytes.copy(bytes, from + i * size, from + j * size, from + (j + 1) * size);
      a.copy(bytes, from + j * size);
    };
    for (const [i, j] of [[0, 4], [1, 3]] as const) {
      swap(i, j, 32, 32);
      swap(i, j, 71, 32 + names.length * 32);
    }
    bytes.write('e\0d\0c\0b\0a', at, 'latin1');
    await writeFile(state, bytes);
    await utimes(state, new Date(), new Date(Date.now() + 1000));
    const reversed = await StatCache.load(state);
    let found = 0;
    for (const name of names) {
      const oid = reversed.lookup(name, infos.get(name)!);
      if (oid !== undefined) found++;
      expect([undefined, sha(name)]).toContain(oid);
    }
    expect(found).toBeGreaterThan(0);
    // A change makes the map answer, and the next save puts the paths in order again.
    reversed.record('f', infos.get('a')!, sha('f'));
    for (const name of names) expect(reversed.lookup(name, infos.get(name)!)).toBe(sha(name));
    await reversed.save();
    const six = 32 + 6 * (32 + 71);
    expect((await readFile(state)).toString('latin1', six, six + 11)).toBe('a\0b\0c\0d\0e\0f');
  });

  it('keeps no entry for a path that cannot be written as it is: with a NUL, or a lone surrogate', async () => {
    const dir = await tempDir();
    const state = join(dir, 'state');
    const infos = await oldFiles(dir, ['a', 'b'], new Date(Date.now() - 10_000));
    const cache = await StatCache.load(state);
    cache.record('a\0b', infos.get('a')!, sha('nul'));
    cache.record('d/\uD800', infos.get('a')!, sha('high'));
    cache.record('d/\uDC00', infos.get('b')!, sha('low'));
    cache.record('d/😀', infos.get('b')!, sha('pair'));
    expect(cache.has('a\0b')).toBe(false);
    await cache.save();
    await utimes(state, new Date(), new Date(Date.now() + 1000));
    const reloaded = await StatCache.load(state);
    expect(reloaded.lookup('d/\uD800', infos.get('a')!)).toBeUndefined();
    expect(reloaded.lookup('d/\uFFFD', infos.get('a')!)).toBeUndefined();
    expect(reloaded.lookup('d/\uDC00', infos.get('b')!)).toBeUndefined();
    expect(reloaded.lookup('d/😀', infos.get('b')!)).toBe(sha('pair'));
    expect(reloaded.countBelow('d/')).toBe(1);
  });

  it('takes over the entries of the format an earlier mv wrote (nanoseconds), so upgrading re-reads no file', async () => {
    const dir = await tempDir();
    const state = join(dir, 'state.json');
    const entries: Record<string, string> = {};
    const infos = new Map<string, Stats>();
    const names = Array.from({ length: 24 }, (_, i) => `f${i}.bin`);
    for (const [i, name] of names.entries()) {
      const file = join(dir, name);
      await writeFile(file, name);
      // Times with a nanosecond fraction, as a file system gives them, a different one for each file.
      const t = Date.now() / 1000 - 10 - i * 0.013579246;
      await utimes(file, t, t);
      const big = await stat(file, { bigint: true });
      entries[name] = `${big.ino}:${big.size}:${big.mtimeNs}:${big.ctimeNs}:${sha(name)}`;
      infos.set(name, await stat(file));
    }
    entries['c.bin'] = 'not:an:entry';
    await writeFile(state, JSON.stringify({ format: 2, entries, folders: { 'd/': `2:${sha('manifest')}` } }));
    await utimes(state, new Date(), new Date(Date.now() + 1000));
    const cache = await StatCache.load(state);
    for (const name of names) expect(cache.lookup(name, infos.get(name)!)).toBe(sha(name));
    expect(cache.has('c.bin')).toBe(false);
    expect(cache.folderManifest('d/', 2)).toBe(sha('manifest'));
    // Written in the current format at the next save, and read back the same.
    await cache.save();
    expect((await readFile(state)).subarray(0, 16).toString()).toBe('mv stat cache 4\n');
    await utimes(state, new Date(), new Date(Date.now() + 1000));
    const reloaded = await StatCache.load(state);
    for (const name of names) expect(reloaded.lookup(name, infos.get(name)!)).toBe(sha(name));
  });

  it('names a folder where the stat cache should be, with a hint, rather than failing inside', async () => {
    const dir = await tempDir();
    const state = join(dir, 'state');
    await mkdir(state);
    const error = await StatCache.load(state).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MvError);
    expect(error).toMatchObject({ code: 'PATH_IS_DIRECTORY', message: `${state} is a directory (while reading the stat cache).`, hint: expect.stringContaining('move that folder away') });
  });

  it('survives a damaged state file by starting over', async () => {
    const dir = await tempDir();
    const state = join(dir, 'state.json');
    for (const damaged of ['null', '[]', '"text"', '{"format":3,"keys":null}']) {
      await writeFile(state, damaged);
      expect((await StatCache.load(state)).lookup('x', await stat(state))).toBeUndefined();
    }
    await writeFile(state, '{not json');
    const cache = await StatCache.load(state);
    const info = await stat(state);
    expect(cache.lookup('x', info)).toBeUndefined();
    // The next save replaces the damaged file with one that loads.
    cache.record('x', info, sha('x'));
    await cache.save();
    await utimes(state, new Date(), new Date(Date.now() + 1000));
    expect((await StatCache.load(state)).lookup('x', info)).toBe(sha('x'));
  });
});

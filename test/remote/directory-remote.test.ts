import { chmod, open, readdir, rm, stat, symlink, writeFile, readFile } from 'node:fs/promises';
import { execa } from 'execa';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { add, fetch, pull, push, verify } from '../../src/index.js';
import { objectPath, expectCached, expectNotCached } from '../helpers/assertions.js';
import { tempDir } from '../helpers/git-repo.js';
import { cli, cliOk } from '../helpers/mv-cli.js';
import { expectUnchanged, snapshotTree } from '../security/attack.js';
import { POINTER_FILE, cloneThroughOrigin, pointerOids, projectWithVersion, sameBytes } from '../helpers/remote-project.js';

const FAST_RETRY = { baseDelayMs: 1, maxDelayMs: 5, attempts: 2 };

async function remoteFolder(): Promise<string> {
  return tempDir('mv-remote-');
}

describe('a directory remote', () => {
  it('receives every object of a version, verified and read-only; a second push sends nothing and asks nothing', async () => {
    const remote = await remoteFolder();
    const repo = await projectWithVersion({ remote: { name: 'origin', url: remote, makeDefault: true } });
    const first = await push({ cwd: repo.dir });
    // model.pt, tokenizer/ (manifest + 2 files), data/train/ (manifest + 2 files), preprocess.py, params.yaml
    expect(first.uploaded).toBe(9);
    expect(first.versions).toEqual(['churn@v0.1.0']);
    for (const oid of await pointerOids(repo)) await expectCached(remote, oid);

    const second = await push({ cwd: repo.dir });
    expect(second).toMatchObject({ uploaded: 0, bytes: 0, check: { method: 'index', requests: 0 } });

    const rechecked = await push({ cwd: repo.dir, recheck: true });
    expect(rechecked.uploaded).toBe(0);
    expect(rechecked.check.requests).toBeGreaterThan(0);
  });

  it('a file of a folder damaged or lost on the remote: verify --rehash-remote removes the damaged copy and names the push that repairs it; push --recheck sends both again', async () => {
    const remote = await remoteFolder();
    const repo = await projectWithVersion({ remote: { name: 'origin', url: remote, makeDefault: true } });
    await push({ cwd: repo.dir });
    const [, tokenizer] = await pointerOids(repo);
    const manifest = JSON.parse(await readFile(objectPath(join(repo.dir, '.mv/cache'), tokenizer!), 'utf8')) as { entries: Array<{ path: string; oid: string }> };
    const [damagedOid, lostOid] = manifest.entries.map((e) => e.oid);
    const damaged = objectPath(remote, damagedOid!);
    await chmod(damaged, 0o644);
    const bytes = await readFile(damaged);
    bytes[0]! ^= 1;
    await writeFile(damaged, bytes);
    await rm(objectPath(remote, lostOid!), { force: true });
    // The folder's manifest is on the remote: a plain push takes the folder as complete.
    expect(await push({ cwd: repo.dir })).toMatchObject({ uploaded: 0 });

    const found = await verify({ cwd: repo.dir, remote: 'origin', rehashRemote: true });
    expect(found.ok).toBe(false);
    expect(found.remote!.corrupt).toMatchObject([{ oid: damagedOid, removed: true }]);
    expect(found.remote!.missing).toMatchObject([{ oid: lostOid }]);
    expect(found.problems).toContain(`corrupt on origin (${remote}): churn@v0.1.0 ${found.remote!.corrupt[0]!.path} (${damagedOid}), removed from it`);
    expect(found.notes).toContain('To repair the remote, push from a clone whose cache holds good copies (`mvr verify` there re-hashes them): mvr push churn@v0.1.0 -r origin --recheck');
    await expectNotCached(remote, damagedOid!);

    const repaired = await push({ cwd: repo.dir, recheck: true });
    expect(repaired.uploaded).toBe(2);
    // Read-only again, and hashing to their names.
    for (const oid of [damagedOid!, lostOid!]) await expectCached(remote, oid);
    expect((await verify({ cwd: repo.dir, remote: 'origin', rehashRemote: true })).ok).toBe(true);
  });

  it('push --dry-run sends and writes nothing and names what push then sends; uploaded + present is the same on every run', async () => {
    const remote = await remoteFolder();
    const repo = await projectWithVersion({ remote: { name: 'origin', url: remote, makeDefault: true } });
    const [repoBefore, remoteBefore] = await Promise.all([snapshotTree(repo.dir), snapshotTree(remote)]);
    const planned = await push({ cwd: repo.dir, dryRun: true });
    await expectUnchanged(repo.dir, repoBefore);
    await expectUnchanged(remote, remoteBefore);
    // model.pt, tokenizer/ (manifest + 2 files), data/train/ (manifest + 2 files), preprocess.py, params.yaml
    expect(planned).toMatchObject({ dryRun: true, uploaded: 0, bytes: 0, objects: 9, present: 0, wouldSend: { objects: 9 } });
    const first = await push({ cwd: repo.dir });
    expect(first).toMatchObject({ uploaded: 9, present: 0, objects: 9 });
    expect(first.bytes).toBeGreaterThanOrEqual(planned.wouldSend!.bytes);
    const again = await push({ cwd: repo.dir, dryRun: true });
    expect(again).toMatchObject({ objects: 9, present: 9, wouldSend: { objects: 0, bytes: 0 } });
    const second = await push({ cwd: repo.dir });
    expect(second).toMatchObject({ objects: 9, present: 9, uploaded: 0 });

    // A second version shares all but one file of its data folder: each shared object counts once.
    await writeFile(join(repo.dir, 'data/train/part-0.csv'), 'id,churned\n1,0\n2,1\n9,1\n');
    await add({ cwd: repo.dir, name: 'churn' });
    const both = await push({ cwd: repo.dir, all: true });
    expect(both).toMatchObject({ objects: 11, uploaded: 2, present: 9 });
    expect(await push({ cwd: repo.dir, all: true })).toMatchObject({ objects: 11, uploaded: 0, present: 11 });

    const shown = await cliOk(repo.dir, ['push', '--dry-run']);
    expect(shown.stdout).toContain('Everything is already on origin (9 objects checked).');
    expect(shown.stderr).toContain('Nothing was sent (--dry-run).');
  });

  it('round-trips through git: a fresh clone pulls identical bytes', async () => {
    const remote = await remoteFolder();
    const repo = await projectWithVersion({ remote: { name: 'origin', url: remote, makeDefault: true } });
    await push({ cwd: repo.dir });
    const clone = await cloneThroughOrigin(repo);
    const result = await pull({ cwd: clone.dir, refs: ['churn@v0.1.0'] });
    expect(result.fetch.downloaded).toBe(4); // model.pt, the tokenizer manifest and its 2 files
    for (const file of ['models/churn/model.pt', 'models/churn/tokenizer/vocab.json', 'models/churn/tokenizer/config.json']) {
      expect(await sameBytes(join(repo.dir, file), join(clone.dir, file))).toBe(true);
    }
    // Lineage objects come only when asked for.
    const lineage = await fetch({ cwd: clone.dir, lineage: true });
    expect(lineage.downloaded).toBe(5);
  });

  it('a fetch of a folder manifest the cache lost reports the manifest\'s bytes', async () => {
    const remote = await remoteFolder();
    const repo = await projectWithVersion({ remote: { name: 'origin', url: remote, makeDefault: true } });
    await push({ cwd: repo.dir });
    const manifest = (await readFile(join(repo.dir, POINTER_FILE), 'utf8')).match(/path: tokenizer\/\n\s+oid: (sha256:[0-9a-f]{64})/)![1]!;
    const object = objectPath(join(repo.dir, '.mv/cache'), manifest);
    const size = (await stat(object)).size;
    await rm(object, { force: true });
    const fetched = await fetch({ cwd: repo.dir });
    expect(fetched).toMatchObject({ downloaded: 1, bytes: size });
    await expectCached(join(repo.dir, '.mv/cache'), manifest);
  });

  // Small objects are copied by worker threads, large ones by the kernel while the source is hashed.
  it.each([
    ['a small', undefined],
    ['a large', 3 * 1024 * 1024],
  ])('never lets %s damaged remote object into the cache or the workspace', async (_, weightsBytes) => {
    const remote = await remoteFolder();
    const repo = await projectWithVersion({ remote: { name: 'origin', url: remote, makeDefault: true }, ...(weightsBytes ? { weightsBytes } : {}) });
    await push({ cwd: repo.dir });
    const [modelOid] = await pointerOids(repo);
    const onRemote = objectPath(remote, modelOid!);
    await chmod(onRemote, 0o644);
    const bytes = await readFile(onRemote);
    bytes[100] = bytes[100]! ^ 1;
    await writeFile(onRemote, bytes);

    const clone = await cloneThroughOrigin(repo);
    const error = await pull({ cwd: clone.dir, refs: ['churn'], retry: FAST_RETRY }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TRANSFER_FAILED' });
    const failures = (error as { details: { failures: Array<{ oid: string; code: string; remote: string; path: string }> } }).details.failures;
    expect(failures).toEqual([expect.objectContaining({ oid: modelOid, code: 'CORRUPT_DOWNLOAD', remote, path: 'models/churn/model.pt' })]);
    expect((error as Error).message).toContain(remote);
    await expectNotCached(join(clone.dir, '.mv/cache'), modelOid!);
    await expect(stat(join(clone.dir, 'models/churn/model.pt'))).rejects.toThrow();
    expect(await readdir(join(clone.dir, '.mv/cache/tmp'))).toEqual([]);
  });

  it('a pipe, a link to /dev/zero or a sparse giant in place of objects on the remote is refused at once: no hang, no memory, nothing in the cache', async () => {
    const remote = await remoteFolder();
    const repo = await projectWithVersion({ weightsBytes: 2 * 1024 * 1024, remote: { name: 'origin', url: remote, makeDefault: true } });
    await push({ cwd: repo.dir });
    // model.pt (2 MiB), the tokenizer's manifest, and the params file (small).
    const [modelOid, tokenizerOid, , , paramsOid] = await pointerOids(repo);
    const replace = async (oid: string, how: (path: string) => Promise<unknown>) => {
      const path = objectPath(remote, oid);
      await rm(path, { force: true });
      await how(path);
    };
    await replace(modelOid!, async (path) => (await open(path, 'w')).truncate(200 * 1024 * 1024 * 1024));
    await replace(tokenizerOid!, (path) => symlink('/dev/zero', path));
    await replace(paramsOid!, (path) => execa('mkfifo', [path]));

    const clone = await cloneThroughOrigin(repo);
    const error = await pull({ cwd: clone.dir, refs: ['churn'], lineage: true, retry: FAST_RETRY }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TRANSFER_FAILED' });
    const failures = (error as { details: { failures: Array<{ oid: string; code: string }> } }).details.failures;
    expect(failures.map((f) => f.oid).sort()).toEqual([modelOid, tokenizerOid, paramsOid].sort());
    expect((error as Error).message).toMatch(/200 GiB|214748364800 bytes where 2097152 were expected/);
    for (const oid of [modelOid!, tokenizerOid!, paramsOid!]) await expectNotCached(join(clone.dir, '.mv/cache'), oid);
    expect(await readdir(join(clone.dir, '.mv/cache/tmp')).catch(() => [])).toEqual([]);

    // Repaired with mvr: verify removes what is not the object, a push from the clone that holds them sends them again.
    const found = await verify({ cwd: repo.dir, remote: 'origin', rehashRemote: true });
    // The pipe and the link are no object there (missing); the sparse giant is read only to the model's size, and removed.
    expect(found.remote!.corrupt).toEqual([expect.objectContaining({ oid: modelOid, removed: true })]);
    expect(found.remote!.missing.map((m) => m.oid).sort()).toEqual([tokenizerOid, paramsOid].sort());
    await push({ cwd: repo.dir, recheck: true });
    await pull({ cwd: clone.dir, refs: ['churn'], lineage: true });
    expect(await sameBytes(join(repo.dir, 'models/churn/model.pt'), join(clone.dir, 'models/churn/model.pt'))).toBe(true);
  });

  it('pulls a large file into a fresh clone byte for byte, read-only in the cache and writable in the work tree', async () => {
    const remote = await remoteFolder();
    const repo = await projectWithVersion({ weightsBytes: 12 * 1024 * 1024, remote: { name: 'origin', url: remote, makeDefault: true } });
    await push({ cwd: repo.dir });
    const [modelOid] = await pointerOids(repo);
    const clone = await cloneThroughOrigin(repo);
    const result = await pull({ cwd: clone.dir, refs: ['churn@v0.1.0'] });
    expect(result.fetch.downloaded).toBe(4);
    expect(await sameBytes(join(repo.dir, 'models/churn/model.pt'), join(clone.dir, 'models/churn/model.pt'))).toBe(true);
    await expectCached(join(clone.dir, '.mv/cache'), modelOid!);
    expect((await stat(join(clone.dir, 'models/churn/model.pt'))).mode & 0o200).toBe(0o200);
    expect(await readdir(join(clone.dir, '.mv/cache/tmp'))).toEqual([]);
  });

  it('uploads a directory manifest only after all of its entries, and reports every failure together', async () => {
    const remote = await remoteFolder();
    const repo = await projectWithVersion({ remote: { name: 'origin', url: remote, makeDefault: true } });
    const cache = join(repo.dir, '.mv/cache');
    const pointer = await repo.read(POINTER_FILE);
    const tokenizerOid = /path: tokenizer\/\n\s+oid: (sha256:[0-9a-f]+)/.exec(pointer)![1]!;
    const manifest = JSON.parse(await readFile(objectPath(cache, tokenizerOid), 'utf8')) as { entries: Array<{ oid: string }> };
    const [modelOid] = await pointerOids(repo);
    await rm(objectPath(cache, manifest.entries[0]!.oid));
    await rm(objectPath(cache, modelOid!));

    const error = await push({ cwd: repo.dir }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TRANSFER_FAILED' });
    const failures = (error as { details: { failures: Array<{ oid: string; code: string }> } }).details.failures;
    expect(failures.map((f) => f.oid).sort()).toEqual([manifest.entries[0]!.oid, modelOid, tokenizerOid].sort());
    expect(failures.find((f) => f.oid === tokenizerOid)!.code).toBe('ENTRIES_FAILED');
    await expect(stat(objectPath(remote, tokenizerOid))).rejects.toThrow();
    await expectCached(remote, manifest.entries[1]!.oid);
  });

  it('resumes an interrupted large upload from the partial file on the remote', async () => {
    const remote = await remoteFolder();
    const repo = await projectWithVersion({ weightsBytes: 12 * 1024 * 1024, remote: { name: 'origin', url: remote, makeDefault: true } });
    const [modelOid] = await pointerOids(repo);
    const hex = modelOid!.slice('sha256:'.length);
    const source = await readFile(objectPath(join(repo.dir, '.mv/cache'), modelOid!));
    const half = 5 * 1024 * 1024;
    await push({ cwd: repo.dir, refs: ['churn'], remote }).catch(() => undefined);
    await rm(objectPath(remote, modelOid!), { force: true });
    const partial = join(remote, 'tmp', `${hex}.partial`);
    await writeFile(partial, source.subarray(0, half));
    const partialInode = (await stat(partial)).ino;

    const steps: number[] = [];
    let last = 0;
    const result = await push({ cwd: repo.dir, recheck: true, onProgress: (p) => {
      if (p.phase === 'uploading' && p.bytes > last) {
        steps.push(p.bytes - last);
        last = p.bytes;
      }
    } });
    expect(result.uploaded).toBe(1);
    // The bytes already there count at once; the same file grew into the object.
    expect(steps[0]).toBe(half);
    expect((await stat(objectPath(remote, modelOid!))).ino).toBe(partialInode);
    await expectCached(remote, modelOid!);
    await expect(stat(partial)).rejects.toThrow();
  });

  it('copies a new large object into the folder while hashing it, and refuses a damaged one', async () => {
    const remote = await remoteFolder();
    const repo = await projectWithVersion({ weightsBytes: 12 * 1024 * 1024, remote: { name: 'origin', url: remote, makeDefault: true } });
    const [modelOid] = await pointerOids(repo);
    const cached = objectPath(join(repo.dir, '.mv/cache'), modelOid!);
    // Damaged after it was stored: same size, one byte different.
    const bytes = await readFile(cached);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0xff, bytes.length - 1);
    await chmod(cached, 0o644);
    await writeFile(cached, bytes);
    const error = await push({ cwd: repo.dir }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TRANSFER_FAILED' });
    const failure = (error as { details: { failures: Array<{ oid: string; code: string }> } }).details.failures.find((f) => f.oid === modelOid);
    expect(failure?.code).toBe('CORRUPT_OBJECT');
    await expect(stat(objectPath(remote, modelOid!))).rejects.toThrow();
    expect(await readdir(join(remote, 'tmp'))).toEqual([]);
    // Restored, it goes up whole and read-only.
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0xff, bytes.length - 1);
    await writeFile(cached, bytes);
    await push({ cwd: repo.dir });
    await expectCached(remote, modelOid!);
    expect((await stat(objectPath(remote, modelOid!))).mode & 0o777).toBe(0o444);
  });

  it('with every object in the cache, fetch and pull need no remote: pull checks out; a missing object still asks for one', async () => {
    const repo = await projectWithVersion();
    const model = join(repo.dir, 'models/churn/model.pt');
    const bytes = await readFile(model);
    await rm(model);
    const pulled = await pull({ cwd: repo.dir });
    expect(pulled.fetch).toMatchObject({ downloaded: 0, remoteName: undefined });
    expect(await readFile(model)).toEqual(bytes);
    expect((await cliOk(repo.dir, ['fetch'])).stdout).toMatch(/^Everything is already in the cache \(\d+ objects checked\)\.$/m);
    const [oid] = await pointerOids(repo);
    await rm(objectPath(join(repo.dir, '.mv/cache'), oid!), { force: true });
    await expect(fetch({ cwd: repo.dir })).rejects.toMatchObject({ code: 'NO_REMOTE' });
  });

  it('refuses a remote folder that does not exist instead of creating it', async () => {
    const missing = join(await remoteFolder(), 'not-mounted');
    const repo = await projectWithVersion({});
    const added = await cli(repo.dir, ['remote', 'add', 'origin', missing, '--default']);
    expect(added.exitCode).toBe(1);
    expect(added.stderr).toContain(`The remote folder ${missing} does not exist`);
    // A share that was there when the remote was added but is not mounted now.
    const { mkdir, rm } = await import('node:fs/promises');
    await mkdir(missing);
    await cliOk(repo.dir, ['remote', 'add', 'origin', missing, '--default']);
    await rm(missing, { recursive: true });
    await expect(push({ cwd: repo.dir })).rejects.toMatchObject({ code: 'REMOTE_NOT_FOUND', message: expect.stringContaining(missing) });
    await expect(stat(missing)).rejects.toThrow();
  });
});

/**
 * Hostile file systems: a full disk (a small tmpfs), a read-only cache (a tmpfs remounted read-only;
 * as root, file permissions would not stop a write), and a cache on another file system than the work
 * tree with `cache.type: hardlink`. Each ends with nothing corrupt and a message that names the problem.
 */
import { randomBytes } from 'node:crypto';
import { readdir, writeFile, chmod, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { objectPath } from '../helpers/assertions.js';
import { giveToNobody, mvAsNobody } from '../helpers/unprivileged.js';
import { checkout, verify } from '../../src/index.js';
import { cli } from '../helpers/mv-cli.js';
import { mountTmpfs } from '../helpers/mounts.js';
import { ADD_ARGS, addChurn } from '../helpers/project.js';
import { POINTER_FILE, projectWithVersion } from '../helpers/remote-project.js';
import { expectIntact, garbage, oidsIn } from '../helpers/safety.js';

/** A project whose cache lives on `dir` (set in config.local.yaml), with churn@v0.1.0 added there. */
async function projectWithCacheOn(dir: string, type = 'copy') {
  const repo = await projectWithVersion();
  await repo.write('.mv/config.local.yaml', `cache:\n  dir: ${dir}\n  type: ${type}\n`);
  await writeFile(join(repo.dir, 'models/churn/model.pt'), randomBytes(8 * 1024));
  await addChurn(repo);
  return repo;
}

function expectCleanFailure(run: { exitCode: number; stderr: string }, message: RegExp): void {
  expect(run.exitCode).toBe(1);
  expect(run.stderr).toMatch(message);
  expect(run.stderr).not.toMatch(/internal error|\n\s+at /);
}

describe('file-system faults', () => {
  it('a full disk: add fails before committing anything, and the cache stays valid', async (ctx) => {
    const fs = await mountTmpfs('1m');
    if (typeof fs === 'string') return ctx.skip(fs);
    const repo = await projectWithCacheOn(fs.dir);
    const tags = await repo.git('tag', '-l');
    const head = await repo.git('rev-parse', 'HEAD');
    await writeFile(join(repo.dir, 'models/churn/model.pt'), randomBytes(3 * 1024 * 1024));
    const run = await cli(repo.dir, ADD_ARGS);
    expectCleanFailure(run, /No space left on the device/);
    expect(await repo.git('tag', '-l')).toBe(tags);
    expect(await repo.git('rev-parse', 'HEAD')).toBe(head);
    expect(await repo.git('status', '--porcelain', '--untracked-files=no')).toBe('');
    await expectIntact(fs.dir);
    expect((await readdir(join(fs.dir, 'tmp'))).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect((await verify({ cwd: repo.dir })).ok).toBe(true);
  });

  it('a read-only cache: checkout still reads it; add, gc and verify fail with a clear message and change nothing', async (ctx) => {
    const fs = await mountTmpfs('16m');
    if (typeof fs === 'string') return ctx.skip(fs);
    const repo = await projectWithCacheOn(fs.dir);
    // An unreferenced object (for gc to delete) that is also damaged (for verify to move aside).
    const junk = await garbage(repo);
    const damaged = objectPath(fs.dir, junk);
    await chmod(damaged, 0o644);
    const bytes = Buffer.from('no longer what its name says');
    await writeFile(damaged, bytes);
    await fs.remountReadOnly();

    await writeFile(join(repo.dir, 'models/churn/model.pt'), 'local edit');
    await checkout({ cwd: repo.dir, ref: 'churn', force: true });
    expect((await readFile(join(repo.dir, 'models/churn/model.pt'))).byteLength).toBe(8 * 1024);

    await writeFile(join(repo.dir, 'models/churn/model.pt'), randomBytes(4096));
    expectCleanFailure(await cli(repo.dir, ADD_ARGS), /read-only/);
    expectCleanFailure(await cli(repo.dir, ['gc', '--force', '--grace', '0']), /read-only while deleting/);
    expectCleanFailure(await cli(repo.dir, ['verify']), /read-only while moving a corrupt object aside/);
    expect(await readFile(damaged)).toEqual(bytes);
    for (const oid of await oidsIn(repo, POINTER_FILE)) expect((await readFile(objectPath(fs.dir, oid))).byteLength).toBeGreaterThan(0);
  });

  it('a cache on another file system with cache.type hardlink: add and checkout say CROSS_DEVICE and write nothing half-done', async (ctx) => {
    const fs = await mountTmpfs('16m');
    if (typeof fs === 'string') return ctx.skip(fs);
    const repo = await projectWithCacheOn(fs.dir, 'copy');
    await repo.write('.mv/config.local.yaml', `cache:\n  dir: ${fs.dir}\n  type: hardlink\n`);
    const before = await readFile(join(repo.dir, 'models/churn/model.pt'));
    const tags = await repo.git('tag', '-l');
    await writeFile(join(repo.dir, 'models/churn/model.pt'), 'retrained');
    // Root's files are copied whatever cache.type says; links are what other users get.
    await giveToNobody(repo.dir, fs.dir);
    const add = await mvAsNobody(repo.dir, [...ADD_ARGS, '--json']);
    expect(add.exitCode).toBe(1);
    expect(JSON.parse(add.stdout).error).toMatchObject({ code: 'CROSS_DEVICE' });
    expect(await repo.git('tag', '-l')).toBe(tags);
    expect(await readFile(join(repo.dir, 'models/churn/model.pt'), 'utf8')).toBe('retrained');
    await writeFile(join(repo.dir, 'models/churn/model.pt'), 'local edit');
    const run = await mvAsNobody(repo.dir, ['checkout', 'churn', '--force', '--json']);
    expect(run.exitCode).toBe(1);
    expect(JSON.parse(run.stdout).error).toMatchObject({ code: 'CROSS_DEVICE', hint: expect.stringContaining('cache.type') });
    // The file is the old content or the new, never a mix, and no temp file is left next to it.
    expect(['local edit', before.toString('latin1')]).toContain((await readFile(join(repo.dir, 'models/churn/model.pt'))).toString('latin1'));
    expect((await readdir(join(repo.dir, 'models/churn'))).filter((n) => n.includes('.mv-tmp-'))).toEqual([]);
    await expectIntact(fs.dir);
    await repo.write('.mv/config.local.yaml', `cache:\n  dir: ${fs.dir}\n  type: copy\n`);
    await checkout({ cwd: repo.dir, ref: 'churn', force: true });
    expect(await readFile(join(repo.dir, 'models/churn/model.pt'))).toEqual(before);
  });
});

/** Chunked storage on S3 (s3rver on loopback, behind a recording proxy): packs PUT whole, chunks read with ranged GETs. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gc, pull, push, verify } from '../../src/index.js';
import { faultProxy } from '../helpers/fault-proxy.js';
import { cloneThroughOrigin, sameBytes } from '../helpers/remote-project.js';
import { S3_CREDENTIALS, s3Server, useS3Environment } from '../helpers/s3-server.js';
import { DAY } from '../helpers/safety.js';
import { MODEL, MiB, addModel, chunkedProject, modelBytes, modelOid } from '../helpers/chunked-project.js';

useS3Environment(S3_CREDENTIALS);

describe('chunked storage on S3 (s3rver)', () => {
  it('sends only new chunks, reads only missing ones by byte range, and collects garbage with a repack', async () => {
    const server = await s3Server();
    const proxy = await faultProxy(server.port);
    const { repo } = await chunkedProject({ remote: 's3://models/team/registry', endpoint: proxy.endpoint });
    await push({ cwd: repo.dir });
    const v1 = await modelOid(repo);
    await addModel(repo, '0.2.0', modelBytes('v0.2.0', [10, 11]));
    proxy.log.length = 0;
    const second = await push({ cwd: repo.dir });
    expect(second.chunkedFiles).toBe(1);
    const puts = proxy.log.filter((r) => r.method === 'PUT');
    // One pack, the recipe of v0.2.0, and the index recipe of v0.1.0 (which stays a whole object).
    expect(puts.map((r) => r.url.replace(/\/[0-9a-f]{2}\/[0-9a-f]{62}.*/, '')).sort()).toEqual(['/models/team/registry/chunks/packs', '/models/team/registry/chunks/recipes', '/models/team/registry/chunks/recipes']);
    expect(puts.reduce((sum, r) => sum + r.bodyBytes, 0)).toBeLessThan(2 * MiB + 2 * 0.1 * MiB);
    expect(puts.some((r) => r.url.includes(v1.slice(9)) && r.url.includes('/objects/'))).toBe(false);

    const clone = await cloneThroughOrigin(repo);
    await pull({ cwd: clone.dir, refs: ['churn@v0.1.0'] });
    proxy.log.length = 0;
    const pulled = await pull({ cwd: clone.dir, refs: ['churn@v0.2.0'] });
    expect(pulled.fetch).toMatchObject({ rebuilt: 1 });
    const gets = proxy.log.filter((r) => r.method === 'GET' && r.range);
    // The two changed tensors are adjacent in one pack: one ranged GET with an end offset.
    expect(gets.map((r) => r.range)).toEqual([expect.stringMatching(/^bytes=\d+-\d+$/)]);
    expect(pulled.fetch.bytes).toBeLessThan(2 * MiB + 2 * 0.1 * MiB);
    expect(await sameBytes(join(repo.dir, MODEL), join(clone.dir, MODEL))).toBe(true);

    // An orphaned version: its recipe goes after the grace period, its mostly unused pack is repacked.
    await repo.git('checkout', '-q', '-b', 'side');
    await addModel(repo, '0.3.0', modelBytes('v0.3.0', [1, 2, 3, 4]));
    await push({ cwd: repo.dir });
    await repo.git('checkout', '-q', 'main');
    await addModel(repo, '0.4.0', modelBytes('v0.3.0', [1]));
    await push({ cwd: repo.dir });
    await repo.git('tag', '-d', 'churn@v0.3.0');
    await repo.git('branch', '-D', 'side');
    await repo.git('reflog', 'expire', '--expire=now', '--all');
    const collected = await gc({ cwd: repo.dir, remote: 'origin', force: true, now: () => Date.now() + 8 * DAY });
    expect(collected.chunks).toMatchObject({ deletedRecipes: 1, repacked: 1 });
    const deleted = await gc({ cwd: repo.dir, remote: 'origin', force: true, now: () => Date.now() + 16 * DAY });
    expect(deleted.chunks).toMatchObject({ deletedPacks: 1 });
    const checked = await verify({ cwd: repo.dir, refs: ['churn@v0.1.0', 'churn@v0.2.0', 'churn@v0.4.0'], remote: 'origin', rehashRemote: true });
    expect(checked.problems).toEqual([]);
    expect(checked.remote).toMatchObject({ chunked: 3 });
  });
});

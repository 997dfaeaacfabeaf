import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fetch, pull, push } from '../../src/index.js';
import { objectPath, expectCached } from '../helpers/assertions.js';
import { faultProxy } from '../helpers/fault-proxy.js';
import type { TestRepo } from '../helpers/git-repo.js';
import { cloneThroughOrigin, pointerOids, projectWithVersion, sameBytes } from '../helpers/remote-project.js';
import { S3_CREDENTIALS, s3Server, useS3Environment } from '../helpers/s3-server.js';

useS3Environment(S3_CREDENTIALS);

const MiB = 1024 * 1024;

async function s3Project(endpoint: string, options: { weightsBytes?: number } = {}): Promise<TestRepo> {
  return projectWithVersion({ ...options, remote: { name: 'origin', url: 's3://models/team/registry', endpoint: endpoint, makeDefault: true } });
}

describe('an S3 remote (s3rver on loopback)', () => {
  it('round-trips through git, keeps the cache layout under the prefix, and a second push sends nothing', async () => {
    const server = await s3Server();
    const repo = await s3Project(server.endpoint);
    const first = await push({ cwd: repo.dir });
    expect(first.uploaded).toBe(9);
    expect(first.remote).toBe('origin (s3://models/team/registry/)');

    const { S3Client, ListObjectsV2Command } = await import('@aws-sdk/client-s3');
    const client = new S3Client({ endpoint: server.endpoint, forcePathStyle: true, region: 'us-east-1' });
    const listed = await client.send(new ListObjectsV2Command({ Bucket: 'models' }));
    const keys = (listed.Contents ?? []).map((o) => o.Key!);
    expect(keys).toHaveLength(9);
    for (const oid of await pointerOids(repo)) {
      const hex = oid.slice('sha256:'.length);
      expect(keys).toContain(`team/registry/objects/${hex.slice(0, 2)}/${hex.slice(2)}`);
    }

    const second = await push({ cwd: repo.dir });
    expect(second).toMatchObject({ uploaded: 0, check: { method: 'index', requests: 0 } });

    const clone = await cloneThroughOrigin(repo);
    await pull({ cwd: clone.dir, refs: ['churn@v0.1.0'] });
    expect(await sameBytes(join(repo.dir, 'models/churn/model.pt'), join(clone.dir, 'models/churn/model.pt'))).toBe(true);
    expect(await clone.read('models/churn/tokenizer/vocab.json')).toBe(await repo.read('models/churn/tokenizer/vocab.json'));
  });

  it('a small object the bucket holds with more bytes than its pointer records is cut off past that size, never read whole', async () => {
    const server = await s3Server();
    const repo = await s3Project(server.endpoint);
    await push({ cwd: repo.dir });
    // model.pt (64 KiB, read whole as a small object), replaced in the bucket by 64 MiB.
    const [modelOid] = await pointerOids(repo);
    const { S3Client, PutObjectCommand } = await import('@aws-sdk/client-s3');
    const client = new S3Client({ endpoint: server.endpoint, forcePathStyle: true, region: 'us-east-1' });
    const hex = modelOid!.slice('sha256:'.length);
    await client.send(new PutObjectCommand({ Bucket: 'models', Key: `team/registry/objects/${hex.slice(0, 2)}/${hex.slice(2)}`, Body: Buffer.alloc(64 * MiB, 1) }));
    const clone = await cloneThroughOrigin(repo);
    const error = await pull({ cwd: clone.dir, refs: ['churn'], retry: { attempts: 1 } }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TRANSFER_FAILED' });
    const failures = (error as { details: { failures: Array<{ oid: string; message: string }> } }).details.failures;
    expect(failures).toEqual([expect.objectContaining({ oid: modelOid, code: 'CORRUPT_DOWNLOAD', message: expect.stringContaining(`more than the ${64 * 1024} bytes expected`) as string })]);
  });

  it('resumes an interrupted multipart upload, sending only the parts that did not arrive', async () => {
    const server = await s3Server();
    const proxy = await faultProxy(server.port);
    // Three parts of S3's smallest part size, 5 MiB (the last one shorter); the second fails.
    const repo = await s3Project(proxy.endpoint, { weightsBytes: 11 * MiB });
    const tuning = { multipartThreshold: 5 * MiB, partSize: 5 * MiB, retry: { attempts: 1 } };
    proxy.rules.push({ method: 'PUT', url: /partNumber=2/, fault: { kind: 'status', status: 400, code: 'InvalidRequest' }, times: 1 });

    await expect(push({ cwd: repo.dir, ...tuning })).rejects.toMatchObject({ code: 'TRANSFER_FAILED' });
    const partsFirst = proxy.log.filter((r) => r.method === 'PUT' && /partNumber=/.test(r.url)).map((r) => Number(/partNumber=(\d+)/.exec(r.url)![1]));
    expect(partsFirst.sort()).toEqual([1, 2, 3]);
    const uploadState = join(repo.dir, '.git/mv/remotes');
    expect((await readdir(uploadState, { recursive: true })).some((f) => String(f).endsWith('.json'))).toBe(true);

    proxy.log.length = 0;
    const resumed = await push({ cwd: repo.dir, ...tuning });
    expect(resumed.uploaded).toBe(1);
    const partsSecond = proxy.log.filter((r) => r.method === 'PUT' && /partNumber=/.test(r.url)).map((r) => Number(/partNumber=(\d+)/.exec(r.url)![1]));
    expect(partsSecond).toEqual([2]);
    expect(proxy.log.some((r) => r.method === 'POST' && /uploadId=/.test(r.url))).toBe(true);

    const clone = await cloneThroughOrigin(repo);
    await pull({ cwd: clone.dir, refs: ['churn'] });
    expect(await sameBytes(join(repo.dir, 'models/churn/model.pt'), join(clone.dir, 'models/churn/model.pt'))).toBe(true);
  });

  it('resumes an interrupted download with a ranged request, and verifies the whole object', async () => {
    const server = await s3Server();
    const proxy = await faultProxy(server.port);
    const repo = await s3Project(proxy.endpoint, { weightsBytes: 12 * MiB });
    await push({ cwd: repo.dir });
    const [modelOid] = await pointerOids(repo);
    const hex = modelOid!.slice('sha256:'.length);
    const clone = await cloneThroughOrigin(repo);
    // The object's GET, not the recipe lookup a large file gets first (there is none: it went up whole).
    proxy.rules.push({ method: 'GET', url: new RegExp(`objects/${hex.slice(0, 2)}/${hex.slice(2)}`), fault: { kind: 'drop-mid-body' }, times: 1 });

    await expect(fetch({ cwd: clone.dir, refs: ['churn'], retry: { attempts: 1 } })).rejects.toMatchObject({ code: 'TRANSFER_FAILED' });
    const partial = join(clone.dir, '.mv/cache/tmp', `${hex}.partial`);
    const kept = (await stat(partial)).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(12 * MiB);

    proxy.log.length = 0;
    await fetch({ cwd: clone.dir, refs: ['churn'] });
    const ranged = proxy.log.filter((r) => r.method === 'GET' && r.url.includes(`objects/${hex.slice(0, 2)}/${hex.slice(2)}`));
    expect(ranged.map((r) => r.range)).toEqual([`bytes=${kept}-`]);
    await expectCached(join(clone.dir, '.mv/cache'), modelOid!);
    await expect(stat(partial)).rejects.toThrow();
  });

  it('throws away a partial download whose bytes turn out wrong, and starts again', async () => {
    const server = await s3Server();
    const repo = await s3Project(server.endpoint, { weightsBytes: 10 * MiB });
    await push({ cwd: repo.dir });
    const [modelOid] = await pointerOids(repo);
    const clone = await cloneThroughOrigin(repo);
    const partial = join(clone.dir, '.mv/cache/tmp', `${modelOid!.slice('sha256:'.length)}.partial`);
    await mkdir(join(clone.dir, '.mv/cache/tmp'), { recursive: true });
    await writeFile(partial, Buffer.alloc(3 * MiB, 7));

    await fetch({ cwd: clone.dir, refs: ['churn'], retry: { baseDelayMs: 1 } });
    await expectCached(join(clone.dir, '.mv/cache'), modelOid!);
    await expect(stat(partial)).rejects.toThrow();
    await expect(stat(objectPath(join(clone.dir, '.mv/cache'), modelOid!))).resolves.toBeTruthy();
  });

  it('names the bucket when it does not exist, and stops at the first such failure', async () => {
    const server = await s3Server();
    const repo = await projectWithVersion({ remote: { name: 'origin', url: 's3://no-such-bucket/x', endpoint: server.endpoint, makeDefault: true } });
    const error = await push({ cwd: repo.dir }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'REMOTE_NOT_FOUND', message: expect.stringContaining('s3://no-such-bucket/x/') });
    // `remote add` refuses a name that exists: the way to correct the URL is remove, then add.
    expect(error).toMatchObject({ hint: expect.stringContaining('`mvr remote remove <name>`, then `mvr remote add <name> <url> …` again') });
  });
});

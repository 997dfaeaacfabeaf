/** Fault injection between mv and the S3 server: every fault ends in a retry that succeeds or a clear error. */
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { add, fetch, push } from '../../src/index.js';
import { expectCached, expectNotCached } from '../helpers/assertions.js';
import { faultProxy, type Fault, type FaultProxy } from '../helpers/fault-proxy.js';
import { copyRepo, type TestRepo } from '../helpers/git-repo.js';
import { cloneThroughOrigin, pointerOids, projectWithVersion } from '../helpers/remote-project.js';
import { S3_CREDENTIALS, s3Server, useS3Environment } from '../helpers/s3-server.js';

useS3Environment(S3_CREDENTIALS);

const FAST = { baseDelayMs: 5, maxDelayMs: 50 };

interface Setup {
  repo: TestRepo;
  clone: TestRepo;
  proxy: FaultProxy;
  modelOid: string;
  modelKey: RegExp;
}

/** A pushed version and a clone (nothing fetched yet) whose remote goes through the fault proxy (1 s stall timeout); made once. */
let prepared: Setup;
beforeAll(async () => {
  const server = await s3Server({ suite: true });
  const proxy = await faultProxy(server.port, { suite: true });
  const repo = await projectWithVersion({ remote: { name: 'origin', url: 's3://models/faults', endpoint: proxy.endpoint, makeDefault: true } });
  await push({ cwd: repo.dir });
  const clone = await cloneThroughOrigin(repo);
  await writeFile(join(clone.dir, '.mv/config.local.yaml'), 'remotes:\n  origin:\n    url: s3://models/faults\n    timeout: 1\n');
  const [modelOid] = await pointerOids(repo);
  prepared = { repo: await copyRepo(repo.dir, { suite: true }), clone: await copyRepo(clone.dir, { suite: true }), proxy, modelOid: modelOid!, modelKey: new RegExp(modelOid!.slice('sha256:'.length + 2)) };
});

// Every test starts with no rule and an empty log.
beforeEach(() => {
  prepared.proxy.rules.length = 0;
  prepared.proxy.log.length = 0;
});

/** The prepared setup, with copies of the repository and the clone for this test. */
async function setup(): Promise<Setup> {
  return { ...prepared, repo: await copyRepo(prepared.repo.dir), clone: await copyRepo(prepared.clone.dir) };
}

async function fetchWithFault(s: Setup, fault: Fault, times = 1) {
  s.proxy.rules.push({ method: 'GET', url: s.modelKey, fault, times });
  return fetch({ cwd: s.clone.dir, refs: ['churn'], retry: FAST });
}

describe('transfers under faults', () => {
  it.each([500, 503])('retries a GET answered %i and then succeeds', async (status) => {
    const s = await setup();
    await fetchWithFault(s, { kind: 'status', status }, 2);
    const gets = s.proxy.log.filter((r) => s.modelKey.test(r.url));
    expect(gets.map((r) => r.fault)).toEqual(['status', 'status', undefined]);
    await expectCached(join(s.clone.dir, '.mv/cache'), s.modelOid);
  });

  it('waits as long as a 429 Retry-After says before trying again', async () => {
    const s = await setup();
    const started = Date.now();
    await fetchWithFault(s, { kind: 'status', status: 429, headers: { 'retry-after': '1' } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    await expectCached(join(s.clone.dir, '.mv/cache'), s.modelOid);
  });

  it('retries uploads answered 503 SlowDown', async () => {
    const s = await setup();
    await s.repo.write('models/churn/model.pt', 'new weights');
    await add({ cwd: s.repo.dir, name: 'churn', paths: ['models/churn/model.pt', 'models/churn/tokenizer/'], data: ['data/train'], pipeline: ['src/preprocess.py'] });
    s.proxy.rules.push({ method: 'PUT', fault: { kind: 'status', status: 503, code: 'SlowDown' }, times: 2 });
    const result = await push({ cwd: s.repo.dir, retry: FAST });
    expect(result.uploaded).toBe(1);
    expect(s.proxy.log.filter((r) => r.method === 'PUT').map((r) => r.fault)).toEqual(['status', 'status', undefined]);
  });

  it('retries a connection dropped mid-body', async () => {
    const s = await setup();
    await fetchWithFault(s, { kind: 'drop-mid-body' });
    await expectCached(join(s.clone.dir, '.mv/cache'), s.modelOid);
    expect(await readdir(join(s.clone.dir, '.mv/cache/tmp'))).toEqual([]);
  });

  it('retries a corrupted body, and never stores it', async () => {
    const s = await setup();
    await fetchWithFault(s, { kind: 'corrupt' });
    expect(s.proxy.log.filter((r) => s.modelKey.test(r.url)).map((r) => r.fault)).toEqual(['corrupt', undefined]);
    await expectCached(join(s.clone.dir, '.mv/cache'), s.modelOid);
  });

  it('fails with the object and the remote named when the body stays corrupt, leaving nothing behind', async () => {
    const s = await setup();
    const error = await fetchWithFault(s, { kind: 'corrupt' }, Infinity).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TRANSFER_FAILED' });
    expect((error as Error).message).toContain('models/churn/model.pt');
    expect((error as Error).message).toContain('s3://models/faults/');
    // Retrying again cannot help: the hint names the repair.
    expect((error as { hint: string }).hint).toContain('`mvr verify -r <remote> --rehash-remote` removes them from it');
    expect((error as { details: { failures: Array<{ code: string; oid: string }> } }).details.failures).toEqual([expect.objectContaining({ code: 'CORRUPT_DOWNLOAD', oid: s.modelOid })]);
    await expectNotCached(join(s.clone.dir, '.mv/cache'), s.modelOid);
    expect(await readdir(join(s.clone.dir, '.mv/cache/tmp'))).toEqual([]);
  });

  it.each(['stall-headers', 'stall-body'] as const)('drops a %s response after the timeout and retries', async (kind) => {
    const s = await setup();
    const started = Date.now();
    await fetchWithFault(s, { kind });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    await expectCached(join(s.clone.dir, '.mv/cache'), s.modelOid);
  });

  it('drops a response that drips its body a byte at a time after the timeout, and retries: a file, a manifest', async () => {
    const s = await setup();
    const [, tokenizerOid] = await pointerOids(s.repo);
    const manifestKey = new RegExp(tokenizerOid!.slice('sha256:'.length + 2));
    s.proxy.rules.push({ method: 'GET', url: manifestKey, fault: { kind: 'drip-body' }, times: 1 });
    const started = Date.now();
    await fetchWithFault(s, { kind: 'drip-body' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    for (const key of [s.modelKey, manifestKey]) expect(s.proxy.log.filter((r) => key.test(r.url)).map((r) => r.fault)).toEqual(['drip-body', undefined]);
    await expectCached(join(s.clone.dir, '.mv/cache'), s.modelOid);
    await expectCached(join(s.clone.dir, '.mv/cache'), tokenizerOid!);
  });

  it('gives up after the last attempt and reports every failed object together', async () => {
    const s = await setup();
    s.proxy.rules.push({ method: 'GET', fault: { kind: 'status', status: 503 }, times: Infinity });
    const error = await fetch({ cwd: s.clone.dir, refs: ['churn'], retry: { ...FAST, attempts: 3 } }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TRANSFER_FAILED' });
    const failures = (error as { details: { failures: Array<{ path: string; remote: string }> } }).details.failures;
    // model.pt and the tokenizer manifest; the tokenizer's files cannot be listed without it.
    expect(failures.map((f) => f.path).sort()).toEqual(['models/churn/model.pt', 'models/churn/tokenizer/']);
    expect(failures.every((f) => f.remote === 's3://models/faults/')).toBe(true);
    expect(s.proxy.log.filter((r) => s.modelKey.test(r.url))).toHaveLength(3);
    await expectNotCached(join(s.clone.dir, '.mv/cache'), s.modelOid);
  });
});

import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bareRemote, tempDir } from '../helpers/git-repo.js';
import { mv, mvOk } from '../helpers/mv-cli.js';
import { POINTER_FILE, cloneThroughOrigin, projectWithVersion, sameBytes } from '../helpers/remote-project.js';
import { at } from '../helpers/registry.js';
import { S3_CREDENTIALS, s3Server } from '../helpers/s3-server.js';
import { createHash } from 'node:crypto';

describe('remote workflow through the built bin/mvr', () => {
  it('push from one clone, git push, clone elsewhere, mv pull: identical bytes', async () => {
    const remote = await tempDir('mv-remote-');
    const repo = await projectWithVersion({ remote: { name: 'origin', url: remote, makeDefault: true } });
    const pushed = await mvOk(repo.dir, ['push']);
    expect(pushed.stdout).toMatch(/^Pushed churn@v0\.1\.0: [\d.]+ KiB in the version, [\d.]+ KiB new, 0 B already on origin \(dedup 0%\)$/m);
    expect(pushed.stderr).toContain('9 objects sent');
    const again = await mvOk(repo.dir, ['push', '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ uploaded: 0, check: { method: 'index', requests: 0 } });

    const clone = await cloneThroughOrigin(repo);
    const pulled = await mvOk(clone.dir, ['pull', 'churn@v0.1.0', '--json']);
    expect(JSON.parse(pulled.stdout)).toMatchObject({ fetch: { downloaded: 4 }, checkout: { artifacts: [{ id: 'churn@v0.1.0' }] } });
    for (const file of ['models/churn/model.pt', 'models/churn/tokenizer/vocab.json', 'models/churn/tokenizer/config.json']) {
      expect(await sameBytes(join(repo.dir, file), join(clone.dir, file))).toBe(true);
    }
    const status = JSON.parse((await mvOk(clone.dir, ['status', '--json'])).stdout);
    const files = status.artifacts[0].entries.filter((e: { role: string }) => e.role === 'file');
    expect(files.map((e: { condition: string; cached: boolean }) => [e.condition, e.cached])).toEqual([['unchanged', true], ['unchanged', true]]);
    // The training inputs come only when asked for.
    expect(JSON.parse((await mvOk(clone.dir, ['fetch', 'churn@v0.1.0', '--lineage', '--json'])).stdout)).toMatchObject({ downloaded: 5 });
    expect((await mvOk(clone.dir, ['remote', 'list'])).stdout).toContain(`* origin\t${remote}`);
  });

  it('mv get from a bare repository URL into an empty folder, with mv.lock.json', async () => {
    const server = await s3Server();
    const env = { ...S3_CREDENTIALS, AWS_ENDPOINT_URL_S3: server.endpoint };
    const repo = await projectWithVersion({ remote: { name: 'origin', url: 's3://models/deploy' } });
    await mvOk(repo.dir, ['push'], { env });
    const origin = await bareRemote();
    await repo.git('push', '-q', origin, 'main', '--tags');

    const host = await tempDir('mv-host-');
    const run = await mvOk(host, ['get', 'churn@v0.1.0', '-o', 'model', '--repo', `file://${origin}`], { env });
    expect(run.stdout.trim()).toBe('churn@v0.1.0');
    const out = join(host, 'model');
    expect((await readdir(out)).sort()).toEqual(['model.pt', 'mv.lock.json', 'tokenizer']);
    expect(await sameBytes(join(repo.dir, 'models/churn/model.pt'), join(out, 'model.pt'))).toBe(true);

    const lock = JSON.parse(await readFile(join(out, 'mv.lock.json'), 'utf8'));
    const pointerContent = await repo.read(POINTER_FILE);
    expect(lock).toMatchObject({
      mv_lock: 1,
      ref: 'churn@v0.1.0',
      id: 'churn@v0.1.0',
      commit: await repo.git('rev-parse', 'refs/tags/churn@v0.1.0^{commit}'),
      pointer: { path: POINTER_FILE, oid: `sha256:${createHash('sha256').update(pointerContent).digest('hex')}` },
      remote: 'origin (s3://models/deploy/)',
    });
    expect(lock.files.map((f: { path: string }) => f.path).sort()).toEqual(['model.pt', 'tokenizer/config.json', 'tokenizer/vocab.json']);
    for (const f of lock.files) {
      expect(`sha256:${createHash('sha256').update(await readFile(join(out, f.path))).digest('hex')}`).toBe(f.oid);
    }

    // A second get into the same folder updates it; a folder with other content is refused.
    await mvOk(host, ['get', 'churn@v0.1.0', '-o', 'model', '--repo', origin], { env });
    const busy = await tempDir('mv-busy-');
    await mvOk(busy, ['--version']);
    await (await import('node:fs/promises')).writeFile(join(busy, 'other.txt'), 'x');
    const refused = await mv(host, ['get', 'churn@v0.1.0', '-o', busy, '--repo', origin], { env });
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('is not empty');
    const unknown = await mv(host, ['get', 'churn@v9.9.9', '-o', 'x', '--repo', origin], { env });
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr).toContain('churn@v9.9.9 does not exist');
  });

  it('mv get of a stage records the pinned version it resolved to, using the remote the default branch names', async () => {
    const store = await tempDir('mv-remote-');
    // The version is registered before the remote is configured, as usually happens.
    const repo = await projectWithVersion({});
    await mvOk(repo.dir, ['remote', 'add', 'shared', store, '--default']);
    await mvOk(repo.dir, ['push', 'churn@v0.1.0']);
    await mvOk(repo.dir, ['promote', 'churn@v0.1.0', 'staging'], { env: at('2026-11-02T10:00:00Z') });
    await mvOk(repo.dir, ['promote', 'churn@v0.1.0', 'production', '-m', 'release'], { env: at('2026-11-03T10:00:00Z') });
    const origin = await bareRemote();
    await repo.git('push', '-q', origin, 'main', '--tags');

    const host = await tempDir('mv-host-');
    const run = await mvOk(host, ['get', 'churn#production', '-o', 'model', '--repo', origin, '--json']);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({ ref: 'churn#production', id: 'churn@v0.1.0', stage: 'production', remote: `shared (${store})` });
    const lock = JSON.parse(await readFile(join(host, 'model/mv.lock.json'), 'utf8'));
    expect(lock).toMatchObject({ id: 'churn@v0.1.0', stage: 'production', commit: await repo.git('rev-parse', 'refs/tags/churn@v0.1.0^{commit}') });
    expect(await sameBytes(join(repo.dir, 'models/churn/model.pt'), join(host, 'model/model.pt'))).toBe(true);

    await mvOk(repo.dir, ['remote', 'remove', 'shared']);
    expect(await repo.read('.mv/config.yaml')).not.toContain(store);
  });
});

import { randomBytes, createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gc, parsePointer, push, verify } from '../../src/index.js';
import { expectCached, expectNotCached } from '../helpers/assertions.js';
import { tempDir } from '../helpers/git-repo.js';
import { cli } from '../helpers/mv-cli.js';
import { POINTER_FILE, projectWithVersion } from '../helpers/remote-project.js';
import { DAY, expectIntact, oidsIn, storedOids, leaveHistory } from '../helpers/safety.js';
import { S3_CREDENTIALS, s3Server, useS3Environment } from '../helpers/s3-server.js';

useS3Environment(S3_CREDENTIALS);

const weekLater = () => Date.now() + 8 * DAY;

/** Puts bytes on a directory remote under their oid, as another clone's push would. */
async function remoteGarbage(remote: string): Promise<string> {
  const bytes = randomBytes(1500);
  const hex = createHash('sha256').update(bytes).digest('hex');
  const { mkdir, writeFile } = await import('node:fs/promises');
  await mkdir(join(remote, 'objects', hex.slice(0, 2)), { recursive: true });
  await writeFile(join(remote, 'objects', hex.slice(0, 2), hex.slice(2)), bytes, { mode: 0o444 });
  return `sha256:${hex}`;
}

describe('mv gc -r on a remote', () => {
  it('is refused without --force; with it, keeps every tagged object and young objects, and deletes only old unreferenced ones', async () => {
    const remote = await tempDir('mv-remote-');
    const repo = await projectWithVersion({ remote: { name: 'origin', url: remote, makeDefault: true } });
    await push({ cwd: repo.dir });
    const junk = await remoteGarbage(remote);

    const refused = await cli(repo.dir, ['gc', '-r', 'origin']);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('Garbage-collecting a remote is refused without --force');
    await expectCached(remote, junk);

    // Young objects stay even with --force: another clone may be about to push the commit that needs them.
    expect((await gc({ cwd: repo.dir, remote: 'origin', force: true })).deleted).toBe(0);
    const dry = await gc({ cwd: repo.dir, remote: 'origin', dryRun: true, now: weekLater });
    expect(dry.planned.map((p) => p.oid)).toEqual([junk]);
    await expectCached(remote, junk);

    const result = await gc({ cwd: repo.dir, remote: 'origin', force: true, now: weekLater });
    expect(result).toMatchObject({ target: 'remote', deleted: 1, freed: 1500 });
    await expectNotCached(remote, junk);
    for (const oid of await oidsIn(repo, POINTER_FILE)) await expectCached(remote, oid);
    await expectIntact(remote);
  });

  it('forgets deleted objects in the presence index, so a later push sends them again', async () => {
    const remote = await tempDir('mv-remote-');
    const repo = await projectWithVersion({ remote: { name: 'origin', url: remote, makeDefault: true } });
    await push({ cwd: repo.dir });
    const content = await repo.read(POINTER_FILE);
    const presence = async () => {
      const [id] = await readdir(join(repo.dir, '.git/mv/remotes'));
      return readFile(join(repo.dir, '.git/mv/remotes', id!, 'present'), 'utf8');
    };
    expect((await presence()).trim().split('\n')).toHaveLength(9);
    // Make the version garbage on the remote: delete its tag and every commit that holds it.
    await repo.git('tag', '-d', 'churn@v0.1.0');
    await leaveHistory(repo);
    const { rm } = await import('node:fs/promises');
    await rm(join(repo.dir, POINTER_FILE));
    const deleted = await gc({ cwd: repo.dir, remote: 'origin', force: true, now: weekLater });
    expect(deleted.deleted).toBe(9);
    expect(await storedOids(remote)).toEqual([]);
    expect(await presence()).toBe('');
    // The same pointer again: push must upload everything, not trust what the index used to say.
    await repo.write(POINTER_FILE, content);
    const again = await push({ cwd: repo.dir, pointers: [{ file: POINTER_FILE, pointer: parsePointer(content, POINTER_FILE), content }] });
    expect(again.uploaded).toBe(9);
  });

  it('works on S3 (s3rver): keeps tagged objects, deletes what is old and unreferenced', async () => {
    const server = await s3Server();
    const repo = await projectWithVersion({ remote: { name: 'origin', url: 's3://models/team', endpoint: server.endpoint, makeDefault: true } });
    await push({ cwd: repo.dir });
    const { S3Client, PutObjectCommand, ListObjectsV2Command } = await import('@aws-sdk/client-s3');
    const client = new S3Client({ endpoint: server.endpoint, forcePathStyle: true, region: 'us-east-1' });
    const bytes = randomBytes(800);
    const hex = createHash('sha256').update(bytes).digest('hex');
    await client.send(new PutObjectCommand({ Bucket: 'models', Key: `team/objects/${hex.slice(0, 2)}/${hex.slice(2)}`, Body: bytes }));
    await expect(gc({ cwd: repo.dir, remote: 'origin' })).rejects.toMatchObject({ code: 'REMOTE_GC_NEEDS_FORCE' });
    const result = await gc({ cwd: repo.dir, remote: 'origin', force: true, now: weekLater });
    expect(result.planned).toEqual([{ oid: `sha256:${hex}`, size: 800, manifest: false }]);
    const keys = ((await client.send(new ListObjectsV2Command({ Bucket: 'models' }))).Contents ?? []).map((o) => o.Key!);
    expect(keys).toHaveLength(9);
    expect(keys).not.toContain(`team/objects/${hex.slice(0, 2)}/${hex.slice(2)}`);
    client.destroy();
    expect((await verify({ cwd: repo.dir, refs: ['churn@v0.1.0'], remote: 'origin', rehashRemote: true })).ok).toBe(true);
  });
});

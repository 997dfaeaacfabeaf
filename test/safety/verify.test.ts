import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { audit, fetch, promote, push, verify } from '../../src/index.js';
import { expectCached, objectPath } from '../helpers/assertions.js';
import { tempDir, type TestRepo } from '../helpers/git-repo.js';
import { gitProcesses } from '../helpers/git-trace.js';
import { cli, cliOk } from '../helpers/mv-cli.js';
import { POINTER_FILE, projectWithVersion } from '../helpers/remote-project.js';
import { oidsIn } from '../helpers/safety.js';

const cacheOf = (dir: string) => join(dir, '.mv/cache');

async function damage(path: string): Promise<void> {
  await chmod(path, 0o644);
  const bytes = await readFile(path);
  bytes[0] = bytes[0]! ^ 0xff;
  await writeFile(path, bytes);
}

describe('mv verify', () => {
  it('detects a corrupt cache object, moves it into the quarantine, and a fetch restores a good copy', async () => {
    const remote = await tempDir('mv-remote-');
    const repo = await projectWithVersion({ remote: { name: 'origin', url: remote, makeDefault: true } });
    await push({ cwd: repo.dir });
    const [model] = await oidsIn(repo, POINTER_FILE);
    expect((await cliOk(repo.dir, ['verify'])).stdout).toMatch(/cache: 9 object\(s\) re-hashed, 0 corrupt[\s\S]*ok$/);
    await damage(objectPath(cacheOf(repo.dir), model!));

    const run = await cli(repo.dir, ['verify', '--json']);
    expect(run.exitCode).toBe(1);
    const result = JSON.parse(run.stdout);
    expect(result.ok).toBe(false);
    expect(result.cache.corrupt).toEqual([expect.objectContaining({ oid: model, ids: ['churn@v0.1.0'], paths: ['churn@v0.1.0: models/churn/model.pt'] })]);
    const quarantined = result.cache.corrupt[0].quarantined as string;
    expect(quarantined.startsWith(join(cacheOf(repo.dir), 'quarantine'))).toBe(true);
    expect((await stat(quarantined)).size).toBe(65536);
    await expect(stat(objectPath(cacheOf(repo.dir), model!))).rejects.toThrow();
    expect(result.versions).toEqual([{ id: 'churn@v0.1.0', status: 'corrupt' }]);

    // A second verify does not call the cache sound while the object is only in the quarantine.
    const again = await verify({ cwd: repo.dir });
    expect(again.ok).toBe(false);
    expect(again.problems).toEqual([expect.stringContaining(`quarantined: ${model} was found corrupt`)]);
    // Never used again: the object is missing now, so a fetch brings a verified copy.
    expect((await fetch({ cwd: repo.dir, refs: ['churn@v0.1.0'] })).downloaded).toBe(1);
    await expectCached(cacheOf(repo.dir), model!);
    expect((await verify({ cwd: repo.dir, refs: ['churn@v0.1.0'] })).ok).toBe(true);
    expect((await verify({ cwd: repo.dir })).ok).toBe(true);
  });

  it('checks that a remote has every object of a version, and re-hashes them there on request', async () => {
    const remote = await tempDir('mv-remote-');
    const repo = await projectWithVersion({ remote: { name: 'origin', url: remote, makeDefault: true } });
    await push({ cwd: repo.dir });
    const [model, tokenizer] = await oidsIn(repo, POINTER_FILE);
    await damage(objectPath(remote, model!));
    const { rm } = await import('node:fs/promises');
    await rm(objectPath(remote, tokenizer!), { force: true });

    const plain = await verify({ cwd: repo.dir, refs: ['churn@v0.1.0'], remote: 'origin' });
    expect(plain.ok).toBe(false);
    expect(plain.remote).toMatchObject({ checked: 9, rehashed: false, corrupt: [] });
    expect(plain.remote!.missing).toEqual([{ oid: tokenizer, path: 'models/churn/tokenizer/', role: 'file', id: 'churn@v0.1.0' }]);
    const rehashed = await verify({ cwd: repo.dir, refs: ['churn@v0.1.0'], remote: 'origin', rehashRemote: true });
    expect(rehashed.remote!.corrupt.map((c) => c.oid)).toEqual([model]);
    expect(rehashed.problems.join('\n')).toContain(`corrupt on ${'origin'}`);
  });

  it('reports a hand-edited committed pointer that no longer matches its tag', async () => {
    const repo = await projectWithVersion();
    expect((await verify({ cwd: repo.dir })).tampered).toEqual([]);
    const pointer = await repo.read(POINTER_FILE);
    await repo.write(POINTER_FILE, pointer.replace('accuracy: 0.912', 'accuracy: 0.999'));
    await repo.git('commit', '-qam', 'better numbers');

    const run = await cli(repo.dir, ['verify']);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain(`tampered: ${POINTER_FILE} at HEAD hashes to`);
    const result = await verify({ cwd: repo.dir, refs: ['churn@v0.1.0'] });
    expect(result.tampered).toEqual([expect.objectContaining({ id: 'churn@v0.1.0', tag: 'churn@v0.1.0', where: 'HEAD', path: POINTER_FILE })]);
    expect(result.versions).toEqual([{ id: 'churn@v0.1.0', status: 'tampered' }]);
    expect(result.notes.join('\n')).toContain('another clone that registered the same version first (then `git fetch --tags` says "would clobber existing tag" for churn@v0.1.0)');

    // A tag moved onto the edited commit (keeping its recorded oid) is caught as well.
    const message = await repo.git('for-each-ref', '--format=%(contents)', 'refs/tags/churn@v0.1.0');
    await repo.git('tag', '-f', '-a', 'churn@v0.1.0', '-m', message, 'HEAD');
    const moved = await verify({ cwd: repo.dir });
    expect(moved.tampered.map((t) => t.where).sort()).toEqual(['HEAD', 'tag']);
  });

  it('reads the tags (purge records among them) once, and each committed pointer once', async () => {
    const repo = await projectWithVersion();
    await repo.git('tag', '-a', 'mv-purge/churn/v0.0.9/1', '-m', 'Purge churn@v0.0.9\n\n{"mv":1,"event":"purge","artifact":"churn","version":"0.0.9","from":["cache"],"objects":[],"bytes":0}');
    for (const refs of [[], ['churn@v0.1.0']]) {
      const started = await gitProcesses(() => verify({ cwd: repo.dir, refs }));
      expect(started.filter((p) => p.startsWith('for-each-ref'))).toHaveLength(1);
      // The tagged pointer (a batch of all of them, or the named version's), then HEAD's: never the tagged one again.
      expect(started.filter((p) => p.startsWith('cat-file'))).toHaveLength(2);
      expect(started.filter((p) => p.startsWith('ls-tree'))).toHaveLength(1);
    }
    expect((await verify({ cwd: repo.dir })).versions).toEqual([{ id: 'churn@v0.1.0', status: 'ok' }]);
  });
});


async function sshSigning(repo: TestRepo): Promise<string> {
  const keys = await tempDir('mv-keys-');
  await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'test@example.com', '-f', join(keys, 'key')]);
  await repo.git('config', 'gpg.format', 'ssh');
  await repo.git('config', 'user.signingkey', join(keys, 'key.pub'));
  return keys;
}

async function trust(repo: TestRepo, keys: string): Promise<void> {
  const publicKey = (await readFile(join(keys, 'key.pub'), 'utf8')).trim();
  await writeFile(join(keys, 'allowed_signers'), `test@example.com ${publicKey}\n`);
  await repo.git('config', 'gpg.ssh.allowedSignersFile', join(keys, 'allowed_signers'));
}

describe('signatures', () => {
  it('mv verify --signatures reports which events are signed and by whom (SSH keys)', async () => {
    const repo = await projectWithVersion();
    const keys = await sshSigning(repo);
    await promote({ cwd: repo.dir, ref: 'churn@v0.1.0', stage: 'staging', sign: true, message: 'eval passed' });

    const unverifiable = await verify({ cwd: repo.dir, signatures: true });
    expect(unverifiable.signatures).toEqual([
      { tag: 'churn#staging#1', signed: true, status: 'unverifiable', detail: expect.stringContaining('allowedSignersFile') },
      { tag: 'churn@v0.1.0', signed: false, status: 'unsigned' },
    ]);
    expect(unverifiable.ok).toBe(true);

    await trust(repo, keys);
    const good = await cliOk(repo.dir, ['verify', '--signatures']);
    expect(good.stdout).toMatch(/churn#staging#1: signed by test@example\.com \(ED25519 SHA256:/);
    expect(good.stdout).toContain('churn@v0.1.0: unsigned');

    // A signed tag whose message was altered afterwards.
    const raw = await repo.git('cat-file', 'tag', 'churn#staging#1');
    const forged = (await execa('git', ['mktag'], { cwd: repo.dir, input: `${raw.replace('eval passed', 'eval skipped')}\n` })).stdout;
    await repo.git('update-ref', 'refs/tags/churn#staging#1', forged);
    const bad = await cli(repo.dir, ['verify', '--signatures', '--json']);
    expect(bad.exitCode).toBe(1);
    expect(JSON.parse(bad.stdout).signatures[0]).toMatchObject({ tag: 'churn#staging#1', status: 'bad' });
  });

  it('mv audit shows who signed the event in force', async () => {
    const repo = await projectWithVersion();
    const keys = await sshSigning(repo);
    await trust(repo, keys);
    await promote({ cwd: repo.dir, ref: 'churn@v0.1.0', stage: 'staging', sign: true });
    const now = new Date(Date.now() + 5000).toISOString();
    const result = await audit({ cwd: repo.dir, name: 'churn', at: now });
    expect(result.stages[0]!.event).toMatchObject({ signed: true, signature: { status: 'good', signer: 'test@example.com' } });
    const text = await cliOk(repo.dir, ['audit', 'churn', '--at', now]);
    expect(text.stdout).toContain('[signed by test@example.com]');
  });
});

describe('reading git verify-tag output', () => {
  it('understands OpenPGP status lines as well as SSH answers', async () => {
    const { readVerifyOutput } = await import('../../src/registry/signatures.js');
    expect(readVerifyOutput(true, '[GNUPG:] NEWSIG\n[GNUPG:] GOODSIG 0123456789ABCDEF Dana <dana@example.com>\n[GNUPG:] VALIDSIG …')).toEqual({ status: 'good', signer: 'Dana <dana@example.com>', key: '0123456789ABCDEF' });
    expect(readVerifyOutput(false, '[GNUPG:] BADSIG 0123456789ABCDEF Dana <dana@example.com>')).toMatchObject({ status: 'bad' });
    expect(readVerifyOutput(false, '[GNUPG:] ERRSIG 0123456789ABCDEF 1 10 00 1700000000 9\n[GNUPG:] NO_PUBKEY 0123456789ABCDEF')).toMatchObject({ status: 'unverifiable' });
    expect(readVerifyOutput(false, 'Good "git" signature with ED25519 key SHA256:abc\nNo principal matched.')).toMatchObject({ status: 'unknown-key', key: 'ED25519 SHA256:abc' });
  });
});

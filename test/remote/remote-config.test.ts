import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { gitRepo, tempDir } from '../helpers/git-repo.js';
import { cli, cliJson, cliOk } from '../helpers/mv-cli.js';
import { addChurn, initProject } from '../helpers/project.js';
import { parseRemoteUrl, redactUrl } from '../../src/remote/url.js';
import { resolveRemote } from '../../src/remote/resolve-remote.js';
import { configSchema } from '../../src/config.js';

describe('remote URLs', () => {
  it('accepts folders, file:// and s3://, and refuses the rest with a fix', () => {
    expect(parseRemoteUrl('../shared', '/work/repo')).toEqual({ kind: 'directory', path: '/work/shared' });
    expect(parseRemoteUrl('file:///mnt/cache', '/x')).toEqual({ kind: 'directory', path: '/mnt/cache' });
    expect(parseRemoteUrl('s3://my-bucket/team/models/', '/x')).toEqual({ kind: 's3', bucket: 'my-bucket', prefix: 'team/models/' });
    expect(parseRemoteUrl('s3://my-bucket', '/x')).toEqual({ kind: 's3', bucket: 'my-bucket', prefix: '' });
    expect(() => parseRemoteUrl('s3://ab/x', '/x')).toThrow(/valid bucket/);
    expect(() => parseRemoteUrl('gs://bucket/x', '/x')).toThrow(/storage.googleapis.com/);
    expect(() => parseRemoteUrl('file://server/share', '/x')).toThrow(/local paths/);
    // A slash short of s3:// or file:// is a slip, not a folder named `s3:`.
    expect(() => parseRemoteUrl('s3:/bad', '/x')).toThrow('The remote URL s3:/bad needs two slashes after s3: (did you mean s3://bad?).');
    expect(() => parseRemoteUrl('S3:models/team', '/x')).toThrow('(did you mean s3://models/team?)');
    expect(() => parseRemoteUrl('file:/mnt/cache', '/x')).toThrow('(did you mean file:///mnt/cache?)');
    expect(parseRemoteUrl('./s3:/bad', '/x')).toEqual({ kind: 'directory', path: '/x/s3:/bad' });
  });

  it('refuses credentials in a URL without repeating them', () => {
    let message = '';
    try {
      parseRemoteUrl('s3://AKIAEXAMPLE:wJalrXUtnFEMI@bucket/prefix', '/x');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/contains credentials/);
    expect(message).not.toContain('wJalrXUtnFEMI');
    expect(redactUrl('fatal: https://user:token@host/repo.git not found')).toBe('fatal: https://***@host/repo.git not found');
  });

  it('picks -r, then MV_REMOTE (a name or a URL), then the default remote', () => {
    const config = configSchema.parse({ remote: 'main', remotes: { main: { url: '/srv/main' }, other: { url: 's3://bucket-b/p' } } });
    const base = { baseDir: '/repo', cwd: '/repo' };
    expect(resolveRemote(config, { ...base, env: {} }).name).toBe('main');
    expect(resolveRemote(config, { ...base, env: { MV_REMOTE: 'other' } }).name).toBe('other');
    expect(resolveRemote(config, { ...base, env: { MV_REMOTE: 's3://ci-bucket/x' } }).spec).toEqual({ kind: 's3', bucket: 'ci-bucket', prefix: 'x/' });
    expect(resolveRemote(config, { ...base, remote: '/tmp/r', env: { MV_REMOTE: 'other' } }).spec).toEqual({ kind: 'directory', path: '/tmp/r' });
    expect(() => resolveRemote(config, { ...base, env: { MV_REMOTE: 'nope' } })).toThrow(/MV_REMOTE names the remote "nope"/);
    expect(() => resolveRemote(configSchema.parse({}), { ...base, env: {} })).toThrow(/No remote is configured/);
  });
});

describe('mv remote add | list | remove', () => {
  it('commits the shared settings alone, keeps secrets in config.local.yaml, and never prints them', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    const headBefore = await repo.git('rev-parse', 'HEAD');
    const added = await cliJson<{ remote: { name: string; credentials: string }; commit: string }>(repo.dir, [
      'remote', 'add', 'team', 's3://models-bucket/team', '--endpoint', 'http://127.0.0.1:9000', '--default',
      '--profile', 'ml-team', '--access-key-id', 'AKIAEXAMPLE', '--secret-access-key', 'SECRETVALUE123',
    ]);
    expect(added.remote).toMatchObject({ name: 'team', credentials: 'local-config' });
    expect(await repo.git('rev-parse', 'HEAD^')).toBe(headBefore);
    expect((await repo.git('show', '--name-only', '--format=', 'HEAD')).trim()).toBe('.mv/config.yaml');
    const committed = parse(await repo.read('.mv/config.yaml')) as Record<string, any>;
    expect(committed.remote).toBe('team');
    expect(committed.remotes.team).toEqual({ url: 's3://models-bucket/team/', endpoint: 'http://127.0.0.1:9000' });
    expect(await repo.read('.mv/config.yaml')).toContain('# promotion order');
    const local = parse(await repo.read('.mv/config.local.yaml')) as Record<string, any>;
    expect(local.remotes.team).toEqual({ profile: 'ml-team', access_key_id: 'AKIAEXAMPLE', secret_access_key: 'SECRETVALUE123' });
    expect(await repo.git('status', '--porcelain', '--', '.mv')).toBe('');

    const list = await cliOk(repo.dir, ['remote', 'list']);
    const listJson = await cli(repo.dir, ['remote', 'list', '--json']);
    expect(list.stdout).toContain('* team\ts3://models-bucket/team/');
    expect(JSON.parse(listJson.stdout).remotes[0]).toMatchObject({ name: 'team', default: true, credentials: 'local-config', defined_in: ['config', 'local'] });
    for (const out of [list.stdout, list.stderr, listJson.stdout]) {
      expect(out).not.toContain('SECRETVALUE123');
      expect(out).not.toContain('AKIAEXAMPLE');
    }

    await cliOk(repo.dir, ['remote', 'remove', 'team']);
    const after = parse(await repo.read('.mv/config.yaml')) as Record<string, any>;
    expect(after.remotes.team).toBeUndefined();
    expect(after.remote).toBeUndefined();
    expect((parse(await repo.read('.mv/config.local.yaml')) as Record<string, any>).remotes.team).toBeUndefined();
  });

  it('refuses bad input with a clear message and changes nothing', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    const before = await repo.read('.mv/config.yaml');
    const withSecret = await cli(repo.dir, ['remote', 'add', 'x', 's3://KEY:SECRETVALUE@bucket/p']);
    expect(withSecret.exitCode).toBe(1);
    expect(withSecret.stderr).toContain('contains credentials');
    expect(withSecret.stderr).not.toContain('SECRETVALUE');
    const badName = await cli(repo.dir, ['remote', 'add', '-bad', '/tmp/x']);
    expect(badName.exitCode).toBe(2);
    await cliOk(repo.dir, ['remote', 'add', 'origin', await tempDir()]);
    const twice = await cli(repo.dir, ['remote', 'add', 'origin', '/tmp/y']);
    expect(twice.stderr).toContain('already exists');
    const slip = await cli(repo.dir, ['remote', 'add', 'x', 's3:/bad']);
    expect(slip.exitCode).toBe(1);
    expect(slip.stderr).toContain('did you mean s3://bad?');
    const unknown = await cli(repo.dir, ['remote', 'remove', 'nope']);
    expect(unknown.stderr).toContain('There is no remote named nope');
    expect(await repo.read('.mv/config.yaml')).not.toBe(before);
    const badJobs = await cli(repo.dir, ['push', '-j', '0']);
    expect(badJobs.exitCode).toBe(2);
  });

  it('an endpoint over plain http to another machine is never committed: refused, or kept local with --local', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    const head = await repo.git('rev-parse', 'HEAD');
    const before = await repo.read('.mv/config.yaml');
    const refused = await cli(repo.dir, ['remote', 'add', 'lan', 's3://models/registry', '--endpoint', 'http://10.0.0.5:9000']);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('error: The endpoint http://10.0.0.5:9000 is plain http to another machine');
    expect(refused.stderr).toContain('hint: Use https://, or add the remote with --local');
    expect(await repo.read('.mv/config.yaml')).toBe(before);
    expect(await repo.git('rev-parse', 'HEAD')).toBe(head);
    await cliOk(repo.dir, ['remote', 'add', 'lan', 's3://models/registry', '--endpoint', 'http://10.0.0.5:9000', '--local']);
    expect(await repo.read('.mv/config.yaml')).toBe(before);
    expect((parse(await repo.read('.mv/config.local.yaml')) as Record<string, any>).remotes.lan).toEqual({ url: 's3://models/registry/', endpoint: 'http://10.0.0.5:9000' });
    await cliOk(repo.dir, ['remote', 'add', 'secure', 's3://models/registry', '--endpoint', 'https://10.0.0.5:9000']);
    expect((parse(await repo.read('.mv/config.yaml')) as Record<string, any>).remotes.secure).toEqual({ url: 's3://models/registry/', endpoint: 'https://10.0.0.5:9000' });
  });

  it('mv init --remote validates the URL and stores it in canonical form', async () => {
    const repo = await gitRepo();
    const refused = await cli(repo.dir, ['init', '--remote', 'https://example.com/cache']);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('does not support');
    await cliOk(repo.dir, ['init', '--remote', 's3://team-bucket']);
    expect((parse(await repo.read('.mv/config.yaml')) as Record<string, any>).remotes.origin.url).toBe('s3://team-bucket/');
  });

  it('MV_REMOTE supplies the remote when the repository configures none', async () => {
    const repo = await gitRepo();
    await initProject(repo);
    await addChurn(repo);
    const remote = await tempDir();
    const run = await cli(repo.dir, ['push', '--json'], { env: { MV_REMOTE: remote } });
    expect(run.exitCode).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ uploaded: 9, remote });
    const none = await cli(repo.dir, ['push']);
    expect(none.stderr).toContain('No remote is configured');
  });
});

/**
 * Credentials live only in `.mv/config.local.yaml`, created readable by its owner alone (0600), in a
 * folder other users cannot write, never tracked by git; a file that other users can read is warned about.
 */
import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { push } from '../../src/commands/push.js';
import { remoteAdd } from '../../src/commands/remote.js';
import { tempDir } from '../helpers/git-repo.js';
import { projectWithVersion } from '../helpers/remote-project.js';
import { cli } from '../helpers/mv-cli.js';
import { NOBODY } from '../helpers/unprivileged.js';

const SECRET = 'wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY';

const s3Remote = { name: 'team', url: 's3://models/team', endpoint: 'http://127.0.0.1:9', accessKeyId: 'AKIAEXAMPLE', secretAccessKey: SECRET };

describe('credentials', () => {
  it('config.local.yaml is created 0600: another user cannot read it', async () => {
    const repo = await projectWithVersion();
    await remoteAdd({ cwd: repo.dir, ...s3Remote });
    const file = join(repo.dir, '.mv/config.local.yaml');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readFile(file, 'utf8')).toContain(SECRET);
    await execa('chmod', ['o+x', repo.dir, join(repo.dir, '.mv')]);
    // The same user can read a file there that is not private: only the mode keeps the secret.
    await writeFile(join(repo.dir, '.mv/public.txt'), 'public', { mode: 0o644 });
    expect((await execa('setpriv', [`--reuid=${NOBODY.uid}`, `--regid=${NOBODY.gid}`, '--clear-groups', 'cat', join(repo.dir, '.mv/public.txt')])).stdout).toBe('public');
    const other = await execa('setpriv', [`--reuid=${NOBODY.uid}`, `--regid=${NOBODY.gid}`, '--clear-groups', 'cat', file], { reject: false });
    expect(other.exitCode).not.toBe(0);
    expect(other.stdout).not.toContain(SECRET);
  });

  it('an existing config.local.yaml readable by everyone becomes 0600 when mv rewrites it with a secret', async () => {
    const repo = await projectWithVersion();
    const file = join(repo.dir, '.mv/config.local.yaml');
    await writeFile(file, 'cache:\n  fsync: false\n', { mode: 0o644 });
    await chmod(file, 0o644);
    await remoteAdd({ cwd: repo.dir, ...s3Remote });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readFile(file, 'utf8')).toContain('fsync: false');
  });

  it('credentials that others can read are warned about, with the fix', async () => {
    const remote = await tempDir('mv-remote-');
    const repo = await projectWithVersion({ remote: { name: 'origin', url: remote, makeDefault: true } });
    const file = join(repo.dir, '.mv/config.local.yaml');
    await writeFile(file, `remotes:\n  spare:\n    url: s3://spare/x\n    secret_access_key: ${SECRET}\n    access_key_id: AKIAEXAMPLE\n`);
    await chmod(file, 0o644);
    const result = await push({ cwd: repo.dir });
    expect(result.warnings).toEqual([expect.stringContaining('chmod 600 .mv/config.local.yaml')]);
    const run = await cli(repo.dir, ['push']);
    expect(run.stderr).toContain('holds credentials and can be read by every user of this machine (mode 644)');
    expect(run.stdout + run.stderr).not.toContain(SECRET);
  });

  it('no warning for a private file, or for one without credentials', async () => {
    const remote = await tempDir('mv-remote-');
    const repo = await projectWithVersion({ remote: { name: 'origin', url: remote, makeDefault: true } });
    const file = join(repo.dir, '.mv/config.local.yaml');
    await writeFile(file, 'cache:\n  fsync: false\n');
    await chmod(file, 0o644);
    expect((await push({ cwd: repo.dir })).warnings).toEqual([]);
    await writeFile(file, `remotes:\n  spare:\n    url: s3://spare/x\n    secret_access_key: ${SECRET}\n    access_key_id: AKIAEXAMPLE\n`);
    await chmod(file, 0o600);
    expect((await push({ cwd: repo.dir })).warnings).toEqual([]);
  });

  it('a .mv/ that every user can write is refused for secrets, and nothing is written', async () => {
    const repo = await projectWithVersion();
    await chmod(join(repo.dir, '.mv'), 0o777);
    await expect(remoteAdd({ cwd: repo.dir, ...s3Remote })).rejects.toMatchObject({ code: 'UNSAFE_PERMISSIONS', hint: expect.stringContaining('chmod o-w .mv') });
    await expect(stat(join(repo.dir, '.mv/config.local.yaml'))).rejects.toThrow();
  });

  it('a config.local.yaml that git tracks is refused for secrets (they would be committed)', async () => {
    const repo = await projectWithVersion();
    await writeFile(join(repo.dir, '.mv/config.local.yaml'), 'remotes: {}\n');
    await repo.git('add', '-f', '.mv/config.local.yaml');
    await repo.git('commit', '-q', '-m', 'oops');
    await expect(remoteAdd({ cwd: repo.dir, ...s3Remote })).rejects.toMatchObject({ code: 'SECRET_FILE_TRACKED' });
    expect(await readFile(join(repo.dir, '.mv/config.local.yaml'), 'utf8')).toBe('remotes: {}\n');
  });

  it('a secret in the committed config is refused, and never printed', async () => {
    const repo = await projectWithVersion();
    await writeFile(join(repo.dir, '.mv/config.yaml'), `${await readFile(join(repo.dir, '.mv/config.yaml'), 'utf8')}\nremotes:\n  leak:\n    url: s3://x/y\n    secret_access_key: ${SECRET}\n`.replace(/^remotes: \{\}\n/m, ''));
    const run = await cli(repo.dir, ['remote', 'list']);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('remotes.leak.secret_access_key is a secret and must not be in the committed config');
    expect(run.stdout + run.stderr).not.toContain(SECRET);
  });
});

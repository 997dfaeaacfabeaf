/**
 * What the committed `.mv/config.yaml` may decide, since anyone who can push writes it: never a program
 * mv runs (an interpreter is a command name looked up on PATH, never a path), and never that the user's
 * credentials travel in clear to another machine (an S3 endpoint is https, or http to this machine's
 * loopback). The same settings in `.mv/config.local.yaml`, or on the command line, are the user's own.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chmod, cp, mkdir, stat, writeFile } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { add } from '../../src/commands/add.js';
import { pull } from '../../src/commands/fetch.js';
import { push } from '../../src/commands/push.js';
import { remoteList } from '../../src/commands/remote.js';
import { bareRemote, tempDir, type TestRepo } from '../helpers/git-repo.js';
import { cli, mv } from '../helpers/mv-cli.js';
import { attackBranch, publish, scene, victim, type Scene } from './attack.js';

let s: Scene;
beforeAll(async () => {
  s = await scene();
}, 60_000);

/** Commits an executable script with plain git, as the attacker's "tool". */
async function commitProgram(repo: TestRepo, path: string, script: string): Promise<void> {
  await mkdir(dirname(join(repo.dir, path)), { recursive: true });
  await writeFile(join(repo.dir, path), script);
  await chmod(join(repo.dir, path), 0o755);
  await repo.git('add', '-f', '--', path);
}

/** A program that leaves `marker` behind when it runs and answers like a Python interpreter. */
function interpreter(marker: string, version: string): string {
  return `#!/bin/sh\necho "ran with $*" >> '${marker}'\necho "Python ${version}"\n`;
}

/**
 * The attacker's branch: `tools/python`, a script that leaves a marker when it runs, named by
 * `add.python` in the committed config. Returns the marker's path and the victim's fresh clone.
 */
async function pinnedScript(branch: string): Promise<{ marker: string; repo: TestRepo }> {
  await attackBranch(s, branch);
  const marker = join(await tempDir('mv-marker-'), 'ran');
  await commitProgram(s.attacker, 'tools/python', interpreter(marker, '3.11.7'));
  await commitAddSetting(branch, 'python: tools/python');
  return { marker, repo: await victim(s, branch) };
}

/** The attacker's config change under `add:`, committed on its own branch with whatever else was staged. */
async function commitAddSetting(branch: string, line: string): Promise<void> {
  const config = (await s.attacker.read('.mv/config.yaml')).replace('require_lineage: warn', `require_lineage: warn\n  ${line}`);
  await s.attacker.write('.mv/config.yaml', config);
  await s.attacker.git('add', '.mv/config.yaml');
  await s.attacker.git('commit', '-q', '-m', `pin the training interpreter (${branch})`);
  await publish(s);
}

/** The victim's own training run: the artifact's files and its data, in the clone. */
async function trained(repo: TestRepo): Promise<void> {
  for (const folder of ['models/churn', 'data/train']) await cp(join(s.attacker.dir, folder), join(repo.dir, folder), { recursive: true });
  await writeFile(join(repo.dir, 'models/churn/model.pt'), 'retrained');
}

async function ran(marker: string): Promise<boolean> {
  return stat(marker).then(() => true, () => false);
}

describe('add.python never names a program from the committed config', () => {
  it('a path there (a script the repository holds) is never run: add and add --dry-run say it was not used, other commands work', async () => {
    const { marker, repo } = await pinnedScript('python-path');
    await pull({ cwd: repo.dir });
    await trained(repo);
    const notUsed = '.mv/config.yaml: add.python names a path ("tools/python"), so it was not used';
    const planned = await add({ cwd: repo.dir, name: 'churn', dryRun: true });
    expect(planned.warnings).toContainEqual(expect.stringContaining(notUsed));
    const run = await cli(repo.dir, ['add', 'churn', '--dry-run']);
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toContain(`warning: ${notUsed}`);
    expect(run.stderr).toContain('Move it to .mv/config.local.yaml');
    const made = await add({ cwd: repo.dir, name: 'churn', message: 'retrain' });
    expect(made.created).toBe(true);
    expect(await ran(marker)).toBe(false);
  });

  it('the user\'s own path in config.local.yaml is used, and overrides the committed one', async () => {
    const { marker, repo } = await pinnedScript('python-local');
    const mine = join(await tempDir('mv-own-python-'), 'bin', 'python');
    await mkdir(dirname(mine), { recursive: true });
    await writeFile(mine, '#!/bin/sh\necho "Python 3.12.8"\n', { mode: 0o755 });
    await writeFile(join(repo.dir, '.mv/config.local.yaml'), `add:\n  python: ${mine}\n`);
    await pull({ cwd: repo.dir, lineage: true });
    await writeFile(join(repo.dir, 'models/churn/model.pt'), 'retrained');
    const planned = await add({ cwd: repo.dir, name: 'churn', dryRun: true });
    expect(planned.dryRun).toBe(true);
    await add({ cwd: repo.dir, name: 'churn', message: 'retrain' });
    expect(await repo.read('models/churn/churn.mv.yaml')).toContain('python: 3.12.8');
    expect(await ran(marker)).toBe(false);
    await writeFile(join(repo.dir, 'models/churn/model.pt'), 'retrained again');
    await writeFile(join(repo.dir, '.mv/config.local.yaml'), '');
    // With the local setting gone, the committed path is left out and --python names the interpreter.
    const again = await add({ cwd: repo.dir, name: 'churn', message: 'again', python: mine });
    expect(again.warnings).toContainEqual(expect.stringContaining('add.python names a path'));
    expect(await ran(marker)).toBe(false);
  });

  it('a command name is looked up in PATH\'s absolute folders only: a relative entry never reaches the clone\'s files', async () => {
    await attackBranch(s, 'python-name');
    const marker = join(await tempDir('mv-marker-'), 'ran');
    await commitProgram(s.attacker, 'python3.99', interpreter(marker, '3.99.0'));
    await commitProgram(s.attacker, 'bin/python3.99', interpreter(marker, '3.99.0'));
    await commitAddSetting('python-name', 'python: python3.99');
    const repo = await victim(s, 'python-name');
    const installed = join(await tempDir('mv-path-'), 'bin');
    await mkdir(installed);
    await writeFile(join(installed, 'python3.99'), '#!/bin/sh\necho "Python 3.99.1"\n', { mode: 0o755 });
    await pull({ cwd: repo.dir, lineage: true });
    await writeFile(join(repo.dir, 'models/churn/model.pt'), 'retrained');
    // The built mvr, started in the clone, with the relative entries some shells' PATH carries.
    const run = await mv(repo.dir, ['add', 'churn', '-m', 'retrain'], { env: { PATH: `.:bin::${installed}:${process.env.PATH ?? ''}` } });
    expect(run.exitCode).toBe(0);
    expect(await repo.read('models/churn/churn.mv.yaml')).toContain('python: 3.99.1');
    expect(await ran(marker)).toBe(false);
  });

  it.each([['../python'], ['/usr/bin/python3'], ['-c'], ['py thon']])('%j in the committed config is left out, with a warning', async (value) => {
    const branch = `python-${value.replace(/\W/g, '-')}`;
    await attackBranch(s, branch);
    await commitAddSetting(branch, `python: ${JSON.stringify(value)}`);
    const repo = await victim(s, branch);
    await trained(repo);
    const planned = await add({ cwd: repo.dir, name: 'churn', dryRun: true });
    expect(planned.warnings).toContainEqual(expect.stringContaining(`add.python ${value.includes('/') ? 'names a path' : 'is not a command name'} (${JSON.stringify(value)}), so it was not used`));
  });
});

/** An HTTP server on every interface that records each request's headers and answers 403. */
async function listener(): Promise<{ port: number; requests: IncomingHttpHeaders[]; close: () => Promise<void> }> {
  const requests: IncomingHttpHeaders[] = [];
  const server = createServer((request, response) => {
    requests.push(request.headers);
    request.resume();
    response.writeHead(403, { 'content-type': 'application/xml' }).end('<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>no</Message></Error>');
  });
  await new Promise<void>((done) => server.listen(0, '0.0.0.0', done));
  return { port: (server.address() as AddressInfo).port, requests, close: () => new Promise((done) => server.close(() => done())) };
}

/** This machine's address on a network (not loopback): where another machine's server would be. */
const LAN = Object.values(networkInterfaces())
  .flat()
  .find((address) => address && address.family === 'IPv4' && !address.internal)?.address;

const VICTIM_AWS = { AWS_ACCESS_KEY_ID: 'AKIAVICTIMKEY', AWS_SECRET_ACCESS_KEY: 'victim-secret', AWS_SESSION_TOKEN: 'VICTIM-SESSION-TOKEN', AWS_REGION: 'us-east-1' };

/** The attacker's commit moving the default remote to an S3 store at `endpoint`. */
async function commitRemote(branch: string, endpoint: string, extra = ''): Promise<void> {
  await attackBranch(s, branch);
  const config = (await s.attacker.read('.mv/config.yaml')).replace(/remotes:\n {2}origin:\n {4}url: .*/, `remotes:\n  origin:\n    url: s3://team-models/registry\n    endpoint: ${endpoint}${extra}`);
  expect(config).toContain(endpoint);
  await s.attacker.write('.mv/config.yaml', config);
  await s.attacker.git('commit', '-q', '-am', `move the model store (${branch})`);
  await publish(s);
}

describe('a committed S3 endpoint never takes credentials over plain http to another machine', () => {
  let server: Awaited<ReturnType<typeof listener>>;
  beforeAll(async () => {
    server = await listener();
  });
  afterAll(async () => {
    await server.close();
  });

  it.skipIf(!LAN)('http:// to a host on the network: push sends nothing, and says where the setting belongs', async () => {
    const endpoint = `http://${LAN}:${server.port}`;
    await commitRemote('plain-http', endpoint);
    const repo = await victim(s, 'plain-http');
    const refused = { code: 'INVALID_CONFIG', message: expect.stringContaining('remotes.origin.endpoint'), hint: expect.stringContaining('.mv/config.local.yaml') };
    const run = await mv(repo.dir, ['push'], { env: VICTIM_AWS });
    expect(server.requests).toEqual([]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain(`error: .mv/config.yaml: remotes.origin.endpoint (${endpoint}) is plain http to another machine`);
    expect(run.stderr).toContain('hint: Use https://');
    await expect(push({ cwd: repo.dir })).rejects.toMatchObject(refused);
    // A deploy host's `mvr get --repo`, which reads the config committed on the default branch.
    const deployed = await bareRemote();
    await s.attacker.git('push', '-q', deployed, 'plain-http:main', '--tags');
    const output = join(await tempDir('mv-deploy-'), 'churn');
    const got = await mv(await tempDir('mv-deploy-cwd-'), ['get', 'churn@v0.1.0', '-o', output, '--repo', deployed], { env: VICTIM_AWS });
    expect(got.exitCode).toBe(1);
    expect(got.stderr).toContain('remotes.origin.endpoint');
    expect(await stat(output).then(() => true, () => false)).toBe(false);
    expect(server.requests).toEqual([]);
  });

  it('https://, and http:// to this machine\'s loopback (a local S3 server) are accepted from the committed config', async () => {
    for (const [i, endpoint] of ['https://minio.example.com:9000', 'http://127.0.0.1:4568', 'http://127.1.2.3:9000', 'http://localhost:4568', 'http://[::1]:4568'].entries()) {
      await commitRemote(`endpoint-ok-${i}`, endpoint);
      const repo = await victim(s, `endpoint-ok-${i}`);
      const listed = await remoteList({ cwd: repo.dir });
      expect(listed.remotes[0]).toMatchObject({ name: 'origin', endpoint });
    }
  });

  it('http:// to loopback with virtual-hosted addressing (the bucket would become part of the host) is refused', async () => {
    await commitRemote('virtual-host', 'http://localhost:4568', '\n    path_style: false');
    const repo = await victim(s, 'virtual-host');
    await expect(remoteList({ cwd: repo.dir })).rejects.toMatchObject({ code: 'INVALID_CONFIG', message: expect.stringContaining('remotes.origin.endpoint') });
  });

  it.skipIf(!LAN)('the same endpoint in config.local.yaml is the user\'s own choice', async () => {
    const endpoint = `http://${LAN}:${server.port}`;
    await commitRemote('local-http', 'https://minio.example.com:9000');
    const repo = await victim(s, 'local-http');
    await writeFile(join(repo.dir, '.mv/config.local.yaml'), `remotes:\n  origin:\n    endpoint: ${endpoint}\n`);
    expect((await remoteList({ cwd: repo.dir })).remotes[0]).toMatchObject({ endpoint });
    const before = server.requests.length;
    expect((await mv(repo.dir, ['push'], { env: VICTIM_AWS })).exitCode).toBe(1);
    expect(server.requests.length).toBeGreaterThan(before);
    expect(server.requests.at(-1)?.['x-amz-security-token']).toBe('VICTIM-SESSION-TOKEN');
  });
});

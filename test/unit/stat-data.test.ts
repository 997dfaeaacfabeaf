import { lstatSync, statSync } from 'node:fs';
import { chmod, mkdir, symlink, utimes, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { isRegularFile, lstatData, statData, statDataSource, type StatData } from '../../src/stat-data.js';
import { tempDir } from '../helpers/git-repo.js';

const pick = ({ mode, ino, size, mtimeMs, ctimeMs }: StatData) => ({ mode, ino, size, mtimeMs, ctimeMs });
const fields = (path: string) => pick(statSync(path));
const built = resolve('dist/stat-data.js');
const nodeMajor = Number(process.versions.node.split('.')[0]);

describe('stat data for loops over many files', () => {
  it('gives exactly the numbers statSync gives, for files, folders and links, through the binding on Node 20 and 21', async () => {
    const dir = await tempDir();
    const file = join(dir, 'a.bin');
    const tool = join(dir, 'run.sh');
    const folder = join(dir, 'sub');
    await writeFile(file, 'x'.repeat(1234));
    await writeFile(tool, '#!/bin/sh\n');
    await chmod(tool, 0o755);
    await mkdir(folder);
    await symlink('a.bin', join(dir, 'link'));
    // Times with a fraction of a millisecond that a float rounds: the stat cache compares them exactly.
    await utimes(file, 1_700_000_000.123456, 1_700_000_000.987654);

    expect(pick(statData(file))).toEqual(fields(file));
    expect(statDataSource()).toBe(nodeMajor >= 22 ? 'statSync' : 'binding');
    for (const path of [file, tool, folder, join(dir, 'link')]) expect(pick(statData(path))).toEqual(fields(path));
    expect(statData(join(dir, 'link')).ino).toBe(statSync(file).ino);
    expect(isRegularFile(statData(tool).mode)).toBe(true);
    expect(isRegularFile(statData(folder).mode)).toBe(false);
    expect(statData(file).mtimeMs).toBe(statSync(file).mtimeMs);
  });

  it('lstat data is the link itself, exactly as lstatSync gives it, and fails as lstatSync does', async () => {
    const dir = await tempDir();
    const file = join(dir, 'a.bin');
    await writeFile(file, 'data');
    await symlink('a.bin', join(dir, 'link'));
    await symlink('nowhere', join(dir, 'dangling'));
    statData(file);
    for (const path of [file, dir, join(dir, 'link'), join(dir, 'dangling')]) expect(pick(lstatData(path))).toEqual(pick(lstatSync(path)));
    expect(lstatData(join(dir, 'link')).ino).not.toBe(statSync(file).ino);
    expect(() => lstatData(join(dir, 'missing'))).toThrow(expect.objectContaining({ code: 'ENOENT', syscall: 'lstat', path: join(dir, 'missing') }));
    expect(() => lstatData(`${file}\0/x`)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
  });

  it('decides on the binding at the first path that stats, not at a dangling link', async () => {
    const dir = await tempDir();
    await symlink('nowhere', join(dir, 'dangling'));
    await writeFile(join(dir, 'f'), 'x');
    const script = `const m = await import(${JSON.stringify(built)}); m.lstatData(${JSON.stringify(join(dir, 'dangling'))}); const first = m.statDataSource(); m.lstatData(${JSON.stringify(join(dir, 'f'))}); console.log(first, m.statDataSource());`;
    const run = await execa('node', ['--input-type=module', '-e', script]);
    expect(run.stdout).toBe(nodeMajor >= 22 ? 'statSync statSync' : 'unchecked binding');
  });

  it('fails as statSync does: a missing path, a file in place of a folder, a NUL in the path', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'f'), 'x');
    statData(join(dir, 'f'));
    expect(() => statData(join(dir, 'missing'))).toThrow(expect.objectContaining({ code: 'ENOENT', syscall: 'stat', path: join(dir, 'missing') }));
    expect(() => statData(join(dir, 'f', 'x'))).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
    expect(statData(join(dir, 'missing'), { throwIfNoEntry: false })).toBeUndefined();
    expect(() => statData(join(dir, 'f', 'x'), { throwIfNoEntry: false })).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
    // The system call would see the path up to the NUL (the file f): refused, as statSync refuses it.
    expect(() => statData(`${join(dir, 'f')}\0/x`)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
  });

  it.each([
    ['--pending-deprecation', ['--pending-deprecation'], {}],
    ['NODE_PENDING_DEPRECATION=1', [], { NODE_PENDING_DEPRECATION: '1' }],
    ['NODE_OPTIONS=--pending-deprecation', [], { NODE_OPTIONS: '--pending-deprecation' }],
    ['--pending_deprecation', ['--pending_deprecation'], {}],
    ['NODE_OPTIONS=--pending_deprecation --throw-deprecation', [], { NODE_OPTIONS: '--pending_deprecation --throw-deprecation' }],
    ['the permission model', ['--experimental-permission', '--allow-fs-read=*'], {}],
  ])('uses statSync and prints no warning of its own under %s', async (name, flags, env) => {
    const dir = await tempDir();
    await writeFile(join(dir, 'f'), 'data');
    const script = `const m = await import(${JSON.stringify(built)}); const a = m.statData(${JSON.stringify(join(dir, 'f'))}); m.statData(${JSON.stringify(join(dir, 'f'))}); console.log(m.statDataSource(), a.size);`;
    const run = await execa('node', [...flags, '--input-type=module', '-e', script], { env, reject: false });
    // Only Node's own notice that the permission model is experimental.
    const notice = /^\(node:\d+\) ExperimentalWarning: Permission is an experimental feature.*\n\(Use `node --trace-warnings \.\.\.` to show where the warning was created\)$/;
    if (name === 'the permission model') expect(run.stderr).toMatch(notice);
    else expect(run.stderr).toBe('');
    expect(run.stdout).toBe('statSync 4');
  });
});

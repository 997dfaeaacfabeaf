import { chmod, mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { captureEnvironment, pythonVersion } from '../../src/workspace/environment.js';
import { tempDir } from '../helpers/git-repo.js';

const saved = { ...process.env };
let dir: string;
let marks: string;

/** A `python3` that records each start (it must not be started when files can tell) and answers `version`. */
async function fakePython(folder: string, version: string): Promise<string> {
  await mkdir(folder, { recursive: true });
  const path = join(folder, 'python3');
  await writeFile(path, `#!/bin/sh\ntouch "${marks}/started-$$"\necho "Python ${version}"\n`);
  await chmod(path, 0o755);
  return path;
}

async function starts(): Promise<number> {
  return (await readdir(marks)).length;
}

beforeEach(async () => {
  dir = await tempDir('mv-env-');
  marks = join(dir, 'marks');
  await mkdir(marks);
  for (const key of ['VIRTUAL_ENV', 'CONDA_PREFIX', 'PYENV_VERSION', 'PYENV_ROOT']) delete process.env[key];
});

afterEach(() => {
  process.env = { ...saved };
});

describe('the Python version of the training environment', () => {
  it('comes from the active virtual environment\'s pyvenv.cfg, without starting any python', async () => {
    const venv = join(dir, 'venv');
    await fakePython(join(venv, 'bin'), '9.9.9');
    await writeFile(join(venv, 'pyvenv.cfg'), 'home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.10.14\n');
    process.env.VIRTUAL_ENV = venv;
    process.env.PATH = `${join(venv, 'bin')}:${process.env.PATH ?? ''}`;
    expect(await pythonVersion({ root: dir })).toBe('3.10.14');
    expect(await starts()).toBe(0);
  });

  it('comes from the active conda environment\'s conda-meta record', async () => {
    const env = join(dir, 'conda-env');
    await mkdir(join(env, 'conda-meta'), { recursive: true });
    await writeFile(join(env, 'conda-meta', 'python-3.12.4-h99e199e_0_cpython.json'), '{}');
    await writeFile(join(env, 'conda-meta', 'pip-24.0-py312h06a4308_0.json'), '{}');
    process.env.CONDA_PREFIX = env;
    expect(await pythonVersion({ root: dir })).toBe('3.12.4');
  });

  it('comes from pyenv\'s selection (.python-version up the tree, else the global one) when its shims are on PATH', async () => {
    const pyenv = join(dir, 'pyenv');
    await fakePython(join(pyenv, 'shims'), '9.9.9');
    await writeFile(join(pyenv, 'version'), '3.8.18\n');
    process.env.PYENV_ROOT = pyenv;
    process.env.PATH = `${join(pyenv, 'shims')}:/usr/bin:/bin`;
    const project = join(dir, 'project', 'sub');
    await mkdir(project, { recursive: true });
    expect(await pythonVersion({ root: project })).toBe('3.8.18');
    await writeFile(join(dir, 'project', '.python-version'), '3.11.9\n');
    expect(await pythonVersion({ root: project })).toBe('3.11.9');
    process.env.PYENV_VERSION = '3.9.19:system';
    expect(await pythonVersion({ root: project })).toBe('3.9.19');
    expect(await starts()).toBe(0);
  });

  it('--python names the interpreter: its environment\'s version, or its own answer', async () => {
    const venv = join(dir, 'trainer-venv');
    const inVenv = await fakePython(join(venv, 'bin'), '9.9.9');
    await writeFile(join(venv, 'pyvenv.cfg'), 'version_info = 3.10.12.final.0\n');
    process.env.VIRTUAL_ENV = join(dir, 'some-other-venv');
    expect(await pythonVersion({ root: dir, python: inVenv })).toBe('3.10.12.final.0');
    expect(await starts()).toBe(0);
    const plain = await fakePython(join(dir, 'opt', 'bin'), '3.13.1');
    expect(await pythonVersion({ root: dir, python: plain })).toBe('3.13.1');
    expect(await starts()).toBe(1);
  });

  it('without any of those, the python3 on PATH is asked, and a missing one is no error', async () => {
    await fakePython(join(dir, 'bin'), '3.7.17');
    process.env.PATH = `${join(dir, 'bin')}:/usr/bin:/bin`;
    expect(await pythonVersion({ root: dir })).toBe('3.7.17');
    process.env.PATH = join(dir, 'empty');
    expect(await pythonVersion({ root: dir })).toBeUndefined();
  });

  it('lockfiles are hashed; a lockfile that is a symbolic link is not followed', async () => {
    await writeFile(join(dir, 'requirements.txt'), 'torch==2.5.1\n');
    await writeFile(join(dir, 'elsewhere.lock'), 'secret');
    await symlink(join(dir, 'elsewhere.lock'), join(dir, 'poetry.lock'));
    process.env.PATH = join(dir, 'empty');
    const env = await captureEnvironment(dir, '');
    expect(env.lockfiles?.map((l) => l.path)).toEqual(['requirements.txt']);
  });
});

/**
 * The compute environment a version was trained in: OS, CPU, memory, GPUs, the Python version, and the
 * hashes of dependency lockfiles found at the repository's top level or next to the pointer.
 *
 * What can be read from files is read, not asked of a program: starting `python3` through pyenv's or
 * conda's shims costs a third of a second, and the `python3` first on PATH need not be the interpreter
 * the training ran in. The Python version comes, in this order, from the interpreter named with
 * `--python` (or `add.python`), the active virtual environment (`VIRTUAL_ENV/pyvenv.cfg`), the active
 * conda environment (`CONDA_PREFIX/conda-meta`), pyenv's selection (`PYENV_VERSION`, `.python-version`),
 * and only then a `python3 --version` run, bounded in time. GPUs are asked of `nvidia-smi` only where the
 * NVIDIA driver is loaded. Probes that are missing or slow are skipped, never fatal.
 */
import { access, lstat, readFile, readdir, realpath } from 'node:fs/promises';
import os from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { hashBuffer } from '../cache/hash.js';
import { runTool } from '../subprocess.js';
import type { Environment } from '../pointer/pointer.js';
import { absolutePath, relativeFromFolder } from '../paths.js';

export const LOCKFILE_NAMES = [
  'requirements.txt',
  'requirements.lock',
  'poetry.lock',
  'uv.lock',
  'Pipfile.lock',
  'pdm.lock',
  'environment.yml',
  'environment.yaml',
  'conda-lock.yml',
];

/** The longest a program asked about the environment may take; its run overlaps the hashing. */
const PROBE_TIMEOUT_MS = 2000;

const VERSION = /(\d+\.\d+\.\d+[\w.+-]*)/;

/**
 * PATH without its relative entries (`.`, `bin`, an empty one): those name folders of wherever mv runs, a
 * clone's files, and a clone must never choose the program mv starts.
 */
function absolutePathDirs(): string[] {
  return (process.env.PATH ?? '').split(':').filter((dir) => isAbsolute(dir));
}

async function probe(command: string, args: string[]): Promise<string | undefined> {
  const result = await runTool(command, args, { timeoutMs: PROBE_TIMEOUT_MS, env: { ...process.env, PATH: absolutePathDirs().join(':') } });
  if (result.exitCode !== 0) return undefined;
  return `${result.stdout}\n${result.stderr}`.trim();
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The Python version of a virtual environment, from its `pyvenv.cfg` (`version = 3.11.7`, or `version_info`). */
async function venvVersion(prefix: string): Promise<string | undefined> {
  const cfg = await readText(join(prefix, 'pyvenv.cfg'));
  const match = cfg && /^\s*version(?:_info)?\s*=\s*(\d+\.\d+\.\d+[\w.+-]*)/m.exec(cfg);
  return match ? match[1] : undefined;
}

/** The Python version of a conda environment, from the `python-<version>-<build>.json` record in conda-meta. */
async function condaVersion(prefix: string): Promise<string | undefined> {
  try {
    const names = await readdir(join(prefix, 'conda-meta'));
    for (const name of names) {
      const match = /^python-(\d+\.\d+\.\d+[\w.+]*)-[^-]+\.json$/.exec(name);
      if (match) return match[1];
    }
  } catch {
    // not a conda environment
  }
  return undefined;
}

/**
 * What pyenv would select here, when its shims are on PATH: `PYENV_VERSION`, else the nearest
 * `.python-version` up from `dir`, else pyenv's global `version` file.
 */
async function pyenvVersion(dir: string): Promise<string | undefined> {
  const root = process.env.PYENV_ROOT ?? join(os.homedir(), '.pyenv');
  if (!(process.env.PATH ?? '').split(':').includes(join(root, 'shims'))) return undefined;
  const first = (text: string | undefined) => text?.split('\n')[0]?.trim() || undefined;
  let selected = process.env.PYENV_VERSION?.split(':')[0];
  for (let at = dir; !selected; at = dirname(at)) {
    selected = first(await readText(join(at, '.python-version')));
    if (dirname(at) === at) break;
  }
  selected ??= first(await readText(join(root, 'version')));
  return selected ? VERSION.exec(selected)?.[1] : undefined;
}

/** The version of the interpreter at `path` (or named on PATH): from the environment it belongs to, else by asking it. */
async function interpreterVersion(named: string): Promise<string | undefined> {
  const path = named.includes('/') ? named : await onPath(named);
  if (path) {
    const prefix = dirname(dirname(path));
    const fromFiles = (await venvVersion(prefix)) ?? (await condaVersion(prefix));
    if (fromFiles) return fromFiles;
  }
  const out = await probe(path ?? named, ['--version']);
  return out ? VERSION.exec(out)?.[1] : undefined;
}

/** Where `command` is on PATH, links resolved; undefined when it is not there or is a pyenv or asdf shim (which would have to be started to tell). */
async function onPath(command: string): Promise<string | undefined> {
  for (const dir of absolutePathDirs()) {
    const candidate = join(dir, command);
    try {
      await access(candidate);
    } catch {
      continue;
    }
    if (/\/(shims|\.asdf)\b/.test(dir)) return undefined;
    return realpath(candidate).catch(() => candidate);
  }
  return undefined;
}

export async function pythonVersion(options: { python?: string | undefined; root: string }): Promise<string | undefined> {
  if (options.python) return interpreterVersion(options.python);
  const venv = process.env.VIRTUAL_ENV;
  if (venv) {
    const version = await venvVersion(venv);
    if (version) return version;
  }
  const conda = process.env.CONDA_PREFIX;
  if (conda) {
    const version = await condaVersion(conda);
    if (version) return version;
  }
  const pyenv = await pyenvVersion(options.root);
  if (pyenv) return pyenv;
  const found = await onPath('python3');
  if (found) {
    // A python3.11 binary names its minor version; a venv or conda prefix knows the patch too.
    const version = await interpreterVersion(found);
    if (version) return version;
    return /python(\d+\.\d+)$/.exec(basename(found))?.[1];
  }
  const out = await probe('python3', ['--version']);
  return out ? VERSION.exec(out)?.[1] : undefined;
}

async function gpus(): Promise<Array<Record<string, unknown>> | undefined> {
  // Without the NVIDIA driver there is nothing to ask, and no reason to start a program.
  if (process.platform === 'linux') {
    try {
      await access('/proc/driver/nvidia/version');
    } catch {
      return undefined;
    }
  }
  const out = await probe('nvidia-smi', ['--query-gpu=name,memory.total,driver_version', '--format=csv,noheader,nounits']);
  if (!out) return undefined;
  const list = out
    .split('\n')
    .map((line) => line.split(',').map((s) => s.trim()))
    .filter((cols) => cols.length >= 3 && cols[0])
    .map(([name, memory, driver]) => ({ name, memory_mib: Number(memory), driver }));
  return list.length ? list : undefined;
}

async function lockfiles(root: string, pointerFolder: string): Promise<Environment['lockfiles']> {
  const folders = [...new Set(['', pointerFolder])];
  const found: NonNullable<Environment['lockfiles']> = [];
  for (const folder of folders) {
    for (const name of LOCKFILE_NAMES) {
      const repoPath = folder ? `${folder}/${name}` : name;
      const abs = absolutePath(root, repoPath);
      // A lockfile is a regular file of the project; a link is not followed (it could lead anywhere).
      if (!(await lstat(abs).then((info) => info.isFile(), () => false))) continue;
      const content = await readFile(abs).catch(() => undefined);
      if (content) found.push({ path: relativeFromFolder(pointerFolder, repoPath), oid: hashBuffer(content) });
    }
  }
  return found.length ? found : undefined;
}

export async function captureEnvironment(root: string, pointerFolder: string, options: { python?: string | undefined } = {}): Promise<Environment> {
  const [python, gpuList, locks] = await Promise.all([pythonVersion({ ...options, root }), gpus(), lockfiles(root, pointerFolder)]);
  const cpus = os.cpus();
  return {
    os: `${os.platform()} ${os.release()}`,
    arch: os.arch(),
    ...(cpus[0] ? { cpu: cpus[0].model.trim() } : {}),
    cpus: cpus.length,
    memory: os.totalmem(),
    ...(gpuList ? { gpus: gpuList } : {}),
    ...(python ? { python } : {}),
    ...(locks ? { lockfiles: locks } : {}),
  };
}

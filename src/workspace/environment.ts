/**
 * The compute environment a version was trained in: OS, CPU, memory, GPUs (when `nvidia-smi` answers),
 * the Python version, and the hashes of dependency lockfiles found at the repository's top level or next
 * to the pointer. Probes that are missing or slow are skipped, never fatal.
 */
import { access, readFile } from 'node:fs/promises';
import os from 'node:os';
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

const PROBE_TIMEOUT_MS = 5000;

async function probe(command: string, args: string[]): Promise<string | undefined> {
  const result = await runTool(command, args, { timeoutMs: PROBE_TIMEOUT_MS });
  if (result.exitCode !== 0) return undefined;
  return `${result.stdout}\n${result.stderr}`.trim();
}

async function pythonVersion(): Promise<string | undefined> {
  for (const binary of ['python3', 'python']) {
    const out = await probe(binary, ['--version']);
    const match = out && /Python (\d+\.\d+\.\d+\S*)/.exec(out);
    if (match) return match[1];
  }
  return undefined;
}

async function gpus(): Promise<Array<Record<string, unknown>> | undefined> {
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
      try {
        await access(abs);
        found.push({ path: relativeFromFolder(pointerFolder, repoPath), oid: hashBuffer(await readFile(abs)) });
      } catch {
        // not present
      }
    }
  }
  return found.length ? found : undefined;
}

export async function captureEnvironment(root: string, pointerFolder: string): Promise<Environment> {
  const [python, gpuList, locks] = await Promise.all([pythonVersion(), gpus(), lockfiles(root, pointerFolder)]);
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

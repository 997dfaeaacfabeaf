/** Repositories whose artifact is a large model file that changes a few tensors per version, for the chunked-storage tests. */
import { readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { add, init, remoteAdd, type Oid } from '../../src/index.js';
import { pseudoRandom, safetensorsFile, type TensorSpec } from '../chunk/fixtures.js';
import { gitRepo, tempDir, type TestRepo } from './git-repo.js';

export const MiB = 1024 * 1024;
export const MODEL = 'models/churn/model.safetensors';

/** 16 tensors of 1 MiB (BF16 [512, 1024]); the tensors named in `changed` get bytes of `version`. */
export function modelBytes(version: string, changed: readonly number[] = [], tensors = 16): Buffer {
  const specs: TensorSpec[] = [];
  for (let i = 0; i < tensors; i++) {
    specs.push({ name: `layers.${i}.weight`, dtype: 'BF16', shape: [512, 1024], data: pseudoRandom(MiB, `tensor ${i} ${changed.includes(i) ? version : 'v1'}`) });
  }
  return safetensorsFile(specs, { metadata: { format: 'pt' } });
}

export interface ChunkedProject {
  repo: TestRepo;
  /** The remote's folder (or s3:// URL). */
  remote: string;
}

/** A repository with a remote and churn@v0.1.0 (the model, 16 MiB) added. */
export async function chunkedProject(options: { remote?: string; endpoint?: string; model?: Buffer } = {}): Promise<ChunkedProject> {
  const repo = await gitRepo();
  const remote = options.remote ?? (await tempDir('mv-remote-'));
  await init({ cwd: repo.dir });
  await remoteAdd({ cwd: repo.dir, name: 'origin', url: remote, makeDefault: true, ...(options.endpoint ? { endpoint: options.endpoint } : {}) });
  await repo.write(MODEL, options.model ?? modelBytes('v1'));
  await add({ cwd: repo.dir, name: 'churn', paths: [MODEL], version: '0.1.0', allowDirty: true });
  return { repo, remote };
}

/** Adds the next version of the model with the given tensors changed (their bytes new in this version). */
export async function addVersion(repo: TestRepo, version: string, changed: readonly number[]): Promise<void> {
  await addModel(repo, version, modelBytes(`v${version}`, changed));
}

/** Adds a version whose model is `bytes`. */
export async function addModel(repo: TestRepo, version: string, bytes: Buffer): Promise<void> {
  await repo.write(MODEL, bytes);
  await add({ cwd: repo.dir, name: 'churn', paths: [MODEL], version, allowDirty: true });
}

/** The model file's oid in the pointer of the work tree. */
export async function modelOid(repo: TestRepo): Promise<Oid> {
  return /oid: (sha256:[0-9a-f]{64})/.exec(await repo.read('models/churn/churn.mv.yaml'))![1]! as Oid;
}

/** Every file under `dir/sub` (recursively), relative to `dir/sub`; [] when there is none. */
export async function filesUnder(dir: string, sub: string): Promise<string[]> {
  const base = join(dir, sub);
  try {
    const entries = await readdir(base, { recursive: true, withFileTypes: true });
    return entries.filter((e) => e.isFile()).map((e) => relative(base, join(e.parentPath, e.name))).sort();
  } catch {
    return [];
  }
}

export async function totalSize(dir: string, files: string[]): Promise<number> {
  let sum = 0;
  for (const f of files) sum += (await stat(join(dir, f))).size;
  return sum;
}

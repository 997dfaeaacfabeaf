/** Repositories with a registered version, remotes and clones, for the remote tests. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { execa } from 'execa';
import { init, remoteAdd, type RemoteAddOptions } from '../../src/index.js';
import { bareRemote, copyRepo, gitRepo, suiteDir, tempDir, type TestRepo } from './git-repo.js';
import { addChurn, writeProject } from './project.js';

export const POINTER_FILE = 'models/churn/churn.mv.yaml';

/** A remote as `mvr remote add NAME URL [--default] [--endpoint E]` would add it. */
export type RemoteSpec = Omit<RemoteAddOptions, 'cwd'>;

/** Prepared repositories of this test file: the project set up, with churn@v0.1.0 or without; by weights size. */
const templates = new Map<string, Promise<string>>();

function template(registered: boolean, weightsBytes: number | undefined): Promise<string> {
  const key = `${registered} ${weightsBytes}`;
  let made = templates.get(key);
  if (!made) {
    made = (async () => {
      const repo = await gitRepo({ dir: join(await suiteDir('mv-project-'), 'project') });
      await writeProject(repo, weightsBytes === undefined ? {} : { weightsBytes });
      await init({ cwd: repo.dir });
      if (registered) await addChurn(repo);
      return repo.dir;
    })();
    templates.set(key, made);
  }
  return made;
}

/**
 * A repository with mv set up, optionally a remote, and churn@v0.1.0 registered: a copy of one prepared
 * once per test file (the same weights in each test of a file). A remote is added before the version, so
 * that the version's commit names it.
 */
export async function projectWithVersion(options: { weightsBytes?: number; remote?: RemoteSpec } = {}): Promise<TestRepo> {
  if (!options.remote) return copyRepo(await template(true, options.weightsBytes));
  const repo = await copyRepo(await template(false, options.weightsBytes));
  await remoteAdd({ cwd: repo.dir, ...options.remote });
  await addChurn(repo);
  return repo;
}

/** Every oid the version's pointer names (files, data, pipeline, params; directory manifests, not their entries). */
export async function pointerOids(repo: TestRepo): Promise<string[]> {
  const p = parse(await repo.read(POINTER_FILE)) as Record<string, any>;
  return [...p.files, ...p.lineage.data, ...p.lineage.pipeline, p.lineage.params_file].map((e: { oid: string }) => e.oid);
}

/** Pushes the repository (branch and tags) to a new bare origin and clones it elsewhere. */
export async function cloneThroughOrigin(repo: TestRepo): Promise<TestRepo> {
  const origin = await bareRemote();
  await repo.git('push', '-q', origin, 'main', '--tags');
  const dir = join(await tempDir('mv-clone-'), 'clone');
  await execa('git', ['clone', '-q', origin, dir]);
  // An existing clone: gitRepo only re-applies the test identity and adds no commit.
  return gitRepo({ dir, empty: true });
}

export async function sameBytes(a: string, b: string): Promise<boolean> {
  return Buffer.compare(await readFile(a), await readFile(b)) === 0;
}

/** A small ML project in a test repository: weights, tokenizer, data, preprocessing, params, metrics. */
import { randomBytes } from 'node:crypto';
import { add, init, type AddOptions, type AddResult } from '../../src/index.js';
import type { TestRepo } from './git-repo.js';

/** The command line of a user's `mvr add` of the project (for tests that drive the built CLI). */
export const ADD_ARGS = [
  'add',
  'churn',
  'models/churn/model.pt',
  'models/churn/tokenizer/',
  '--data',
  'data/train',
  '--pipeline',
  'src/preprocess.py',
  '--params',
  'params.yaml',
  '--metrics',
  'metrics.json',
];

/** The same add through the library. */
export const ADD_OPTIONS = {
  name: 'churn',
  paths: ['models/churn/model.pt', 'models/churn/tokenizer/'],
  data: ['data/train'],
  pipeline: ['src/preprocess.py'],
  paramsFile: 'params.yaml',
  metricsFile: 'metrics.json',
} satisfies AddOptions;

export async function writeProject(repo: TestRepo, options: { weightsBytes?: number } = {}): Promise<void> {
  await repo.write('models/churn/model.pt', randomBytes(options.weightsBytes ?? 64 * 1024));
  await repo.write('models/churn/tokenizer/vocab.json', '{"hello": 1, "world": 2}\n');
  await repo.write('models/churn/tokenizer/config.json', '{"lowercase": true}\n');
  await repo.write('data/train/part-0.csv', 'id,churned\n1,0\n2,1\n');
  await repo.write('data/train/part-1.csv', 'id,churned\n3,1\n');
  await repo.write('src/preprocess.py', 'def preprocess(rows):\n    return rows\n');
  await repo.write('params.yaml', 'lr: 0.001\nepochs: 20\n');
  await repo.write('metrics.json', '{"accuracy": 0.912, "f1": 0.88}\n');
  await repo.git('add', 'src', 'params.yaml', 'metrics.json');
  await repo.git('commit', '-q', '-m', 'training code');
}

/** A repository with mv set up and the project written (nothing added yet). */
export async function initProject(repo: TestRepo): Promise<void> {
  await writeProject(repo);
  await init({ cwd: repo.dir });
}

/** `mvr add` of the project (ADD_ARGS) through the library, with `extra` options on top. */
export function addChurn(repo: TestRepo, extra: Partial<AddOptions> = {}): Promise<AddResult> {
  return add({ cwd: repo.dir, ...ADD_OPTIONS, ...extra });
}

/**
 * Runs the CI examples of docs/ci.md: every `run:` step (GitHub Actions) and `script:` line (GitLab CI), in
 * order, against a real origin repository and a real folder remote. Only steps that call the user's own
 * code (training, evaluation, deployment) or install packages are replaced.
 */
import { readFile, readdir, writeFile, mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { bareRemote, configureRepo, gitRepo, tempDir } from '../helpers/git-repo.js';
import { init } from '../../src/index.js';
import { MV_BIN } from '../helpers/mv-cli.js';
import { writeProject } from '../helpers/project.js';

const DOC = fileURLToPath(new URL('../../docs/ci.md', import.meta.url));

async function yamlBlocks(): Promise<Array<Record<string, any>>> {
  const text = await readFile(DOC, 'utf8');
  return [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => parse(m[1]!) as Record<string, any>);
}

interface Step {
  name?: string;
  id?: string;
  if?: string;
  run?: string;
  uses?: string;
}

/** The user's own code, replaced by fixtures; package installs, replaced by a PATH with the built mvr. */
const USER_CODE = /python (train|evaluate)\.py|\.\/deploy\.sh|npm install -g|apt-get/;

interface World {
  origin: string;
  store: string;
  path: string;
}

async function world(): Promise<World> {
  const dev = await gitRepo();
  await writeProject(dev);
  await init({ cwd: dev.dir });
  const origin = await bareRemote();
  await dev.git('remote', 'add', 'origin', origin);
  await dev.git('push', '-q', 'origin', 'main');
  const store = await tempDir('mv-ci-store-');
  const bin = await tempDir('mv-ci-bin-');
  await symlink(MV_BIN, join(bin, 'mvr'));
  return { origin, store, path: `${bin}:${process.env.PATH ?? ''}` };
}

/** A CI checkout: a fresh clone with the identity unset (the job sets it). */
async function checkout(origin: string): Promise<string> {
  const dir = await tempDir('mv-ci-job-');
  await execa('git', ['clone', '-q', origin, dir]);
  await execa('git', ['config', 'commit.gpgsign', 'false'], { cwd: dir });
  await execa('git', ['config', 'tag.gpgsign', 'false'], { cwd: dir });
  return dir;
}

/** Runs steps like a CI runner: bash -e per step; GitHub's $GITHUB_ENV lines carry over to later steps. */
async function runSteps(dir: string, steps: Step[], env: Record<string, string>, fixtures: Record<string, (dir: string) => Promise<void>>, origin?: string): Promise<string> {
  const scratch = await tempDir('mv-ci-env-');
  const githubEnv = join(scratch, 'env');
  await writeFile(githubEnv, '');
  const outputs = new Map<string, Record<string, string>>();
  let output = '';
  for (const step of steps) {
    // The one condition form the examples use: steps.<id>.outputs.<key> == 'value'.
    const condition = step.if && /^steps\.([\w-]+)\.outputs\.([\w-]+) == '([^']*)'$/.exec(step.if);
    if (step.if && !condition) throw new Error(`unsupported condition ${step.if}`);
    if (condition && outputs.get(condition[1]!)?.[condition[2]!] !== condition[3]) continue;
    if (step.uses?.startsWith('actions/checkout')) {
      // What actions/checkout does for a tag push: the repository at the tag, tags included.
      if (origin && !(await readdir(dir)).length) await execa('git', ['clone', '-q', origin, dir]);
      continue;
    }
    if (step.run === undefined) continue;
    const replaced = Object.entries(fixtures).find(([pattern]) => step.run!.includes(pattern));
    if (replaced) {
      await replaced[1](dir);
      continue;
    }
    if (USER_CODE.test(step.run)) continue;
    const carried = Object.fromEntries(
      (await readFile(githubEnv, 'utf8'))
        .split('\n')
        .filter((l) => l.includes('='))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    const githubOutput = join(scratch, `output-${outputs.size}`);
    await writeFile(githubOutput, '');
    const result = await execa('bash', ['-e', '-o', 'pipefail', '-c', step.run], {
      cwd: dir,
      reject: false,
      env: { ...env, ...carried, GITHUB_ENV: githubEnv, GITHUB_OUTPUT: githubOutput, NO_COLOR: '1' },
    });
    if (step.id) {
      const lines = (await readFile(githubOutput, 'utf8')).split('\n').filter((l) => l.includes('='));
      outputs.set(step.id, Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)])));
    }
    output += `${result.stdout}\n${result.stderr}\n`;
    if (result.exitCode !== 0) throw new Error(`step ${step.name ?? step.run} failed (${result.exitCode}):\n${result.stdout}\n${result.stderr}`);
  }
  return output;
}

const trainFixture = async (dir: string) => {
  await mkdir(join(dir, 'models/churn/tokenizer'), { recursive: true });
  await writeFile(join(dir, 'models/churn/model.pt'), 'weights trained in CI');
  await writeFile(join(dir, 'models/churn/tokenizer/vocab.json'), '{"ci": 1}');
  await writeFile(join(dir, 'metrics.json'), '{"accuracy": 0.93}');
  await mkdir(join(dir, 'data/train'), { recursive: true });
  await writeFile(join(dir, 'data/train/part-0.csv'), 'id,churned\n1,0\n');
};

const steps = (job: { steps: Step[] }): Step[] => job.steps;

describe('docs/ci.md: GitHub Actions', () => {
  it('train → gate → promote → deploy, with the pinned version deployed', async () => {
    const blocks = await yamlBlocks();
    const workflow = (name: string) => blocks.find((b) => b.name === name)!;
    const w = await world();
    const base = { PATH: w.path, MV_REMOTE: w.store, GITHUB_RUN_ID: '42', HOME: process.env.HOME ?? '/root', GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };

    const trainDir = await checkout(w.origin);
    const trained = await runSteps(trainDir, steps(workflow('train').jobs.train), base, { 'python train.py': trainFixture });
    expect(trained).toContain('registered churn@v0.1.0');
    expect(trained).toMatch(/uploaded \d+ of \d+ objects/);
    expect((await execa('git', ['tag', '-l'], { cwd: w.origin })).stdout).toBe('churn@v0.1.0');
    expect((await readdir(join(w.store, 'objects'))).length).toBeGreaterThan(0);

    const gateDir = await checkout(w.origin);
    await runSteps(gateDir, steps(workflow('gate').jobs.gate), { ...base, GITHUB_REF_NAME: 'churn@v0.1.0' }, {
      'python evaluate.py': async (dir) => expect(await readFile(join(dir, 'models/churn/model.pt'), 'utf8')).toBe('weights trained in CI'),
    });
    const stagingTag = (await execa('git', ['tag', '-l', 'churn#staging#*'], { cwd: w.origin })).stdout;
    expect(stagingTag).toMatch(/^churn#staging#\d+$/);

    // A person promotes to production; the deploy job is triggered by that tag.
    const person = await checkout(w.origin);
    await configureRepo(person);
    await execa(MV_BIN, ['promote', 'churn@v0.1.0', 'production', '-m', 'ship it', '--push'], { cwd: person });
    const productionTag = (await execa('git', ['tag', '-l', 'churn#production#*'], { cwd: w.origin })).stdout;
    expect(productionTag).toMatch(/^churn#production#\d+$/);

    const deployDir = await tempDir('mv-ci-deploy-');
    let deployed = '';
    const out = await runSteps(deployDir, steps(workflow('deploy').jobs.deploy), { ...base, GITHUB_REF_NAME: productionTag }, {
      './deploy.sh': async (dir) => {
        deployed = await readFile(join(dir, 'release/churn/model.pt'), 'utf8');
      },
    }, w.origin);
    expect(out).toContain('deploying churn@v0.1.0');
    expect(deployed).toBe('weights trained in CI');
    const lock = JSON.parse(await readFile(join(deployDir, 'release/mv.lock.json'), 'utf8'));
    expect(lock.id).toBe('churn@v0.1.0');

    // A tag that is not an assignment deploys nothing and does not fail the pipeline.
    const skipped = await runSteps(await tempDir('mv-ci-deploy-'), steps(workflow('deploy').jobs.deploy), { ...base, GITHUB_REF_NAME: 'churn@v0.1.0' }, {
      './deploy.sh': () => Promise.reject(new Error('must not deploy')),
    }, w.origin);
    expect(skipped).toContain('not an assignment');
  });
});

describe('docs/ci.md: GitLab CI', () => {
  it('train, gate and deploy jobs run as written', async () => {
    const gitlab = (await yamlBlocks()).find((b) => b.stages)!;
    const w = await world();
    // GitLab runs a job's lines in one shell, stopping at the first failing line.
    const lines = (job: string, replace: Record<string, string> = {}) => {
      const all = [...(gitlab.default.before_script as string[]), ...(gitlab[job].script as string[])];
      const kept = all.filter((l) => !/npm install -g|apt-get/.test(l)).map((l) => Object.entries(replace).reduce((line, [from, to]) => (line.includes(from) ? to : line), l));
      return [{ run: kept.join('\n') }];
    };
    const pushUrl = 'https://ci-bot:token@gitlab.example.com/ml/churn.git';
    const base = {
      PATH: w.path,
      MV_REMOTE: w.store,
      CI_PIPELINE_ID: '7',
      CI_PUSH_TOKEN: 'token',
      CI_SERVER_HOST: 'gitlab.example.com',
      CI_PROJECT_PATH: 'ml/churn',
      CI_COMMIT_BRANCH: 'main',
      HOME: process.env.HOME ?? '/root',
      GIT_CONFIG_NOSYSTEM: '1',
    };
    // The job's https URL with its token points at the test's origin.
    const globalConfig = join(await tempDir('mv-ci-gitconfig-'), 'gitconfig');
    await writeFile(globalConfig, `[url "${w.origin}"]\n\tinsteadOf = ${pushUrl}\n`);
    const env = { ...base, GIT_CONFIG_GLOBAL: globalConfig };

    const trainDir = await checkout(w.origin);
    await trainFixture(trainDir);
    await runSteps(trainDir, lines('train', { 'python train.py': 'true' }), env, {});
    expect((await execa('git', ['tag', '-l'], { cwd: w.origin })).stdout).toBe('churn@v0.1.0');

    const gateDir = await checkout(w.origin);
    await runSteps(gateDir, lines('gate', { 'python evaluate.py': 'test -f models/churn/model.pt' }), { ...env, CI_COMMIT_TAG: 'churn@v0.1.0' }, {});
    expect((await execa('git', ['tag', '-l', 'churn#staging#*'], { cwd: w.origin })).stdout).toMatch(/^churn#staging#\d+$/);

    const person = await checkout(w.origin);
    await configureRepo(person);
    await execa(MV_BIN, ['promote', 'churn@v0.1.0', 'production', '--push'], { cwd: person });
    const tag = (await execa('git', ['tag', '-l', 'churn#production#*'], { cwd: w.origin })).stdout;
    const deployDir = await checkout(w.origin);
    const out = await runSteps(deployDir, lines('deploy', { './deploy.sh': 'test "$(cat release/churn/model.pt)" = "weights trained in CI"' }), { ...env, CI_COMMIT_TAG: tag }, {});
    expect(out).toContain('deploying churn@v0.1.0');
  });
});

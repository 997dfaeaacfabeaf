// A walkthrough of the main job on the built-in local defaults, in a temporary repository: set up,
// version a model with its data, pipeline, params and metrics, inspect, change, restore. Each command is
// printed before it runs, with its output, exactly as a user would type it: `mvr …` (with the shell
// function of `mvr shell-init`, `mv …` works the same).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const mvBin = fileURLToPath(new URL('../bin/mvr', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'mv-walkthrough-'));
const keep = process.argv.includes('--keep');

function write(path, content) {
  mkdirSync(dirname(join(dir, path)), { recursive: true });
  writeFileSync(join(dir, path), content);
}

const cleanups = [];

function run(display, command, args, { mayFail = false, cwd = dir } = {}) {
  process.stdout.write(`\n$ ${display}\n`);
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  process.stdout.write(result.stdout);
  process.stdout.write(result.stderr);
  if (result.status !== 0 && !mayFail) {
    process.stdout.write(`\nwalkthrough failed: \`${display}\` exited ${result.status}\n`);
    process.exit(1);
  }
  return result;
}

const mv = (args, options) => run(`mvr ${args.map(shellWord).join(' ')}`, mvBin, args, options);
/** An argument as it would be typed in a shell. */
function shellWord(arg) {
  return /^[\w@%+=:,./#-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
const git = (args) => run(`git ${args.map(shellWord).join(' ')}`, 'git', args);

try {
  process.stdout.write(`Walkthrough in ${dir}\n`);
  git(['init', '-q', '-b', 'main']);
  for (const [k, v] of [['user.name', 'Walkthrough'], ['user.email', 'walkthrough@example.com'], ['commit.gpgsign', 'false'], ['tag.gpgsign', 'false']]) {
    spawnSync('git', ['config', k, v], { cwd: dir });
  }
  write('src/train.py', 'print("training")\n');
  write('src/preprocess.py', 'def preprocess(rows):\n    return [r.strip() for r in rows]\n');
  write('params.yaml', 'lr: 0.001\nepochs: 20\n');
  write('data/train/part-0.csv', 'id,churned\n1,0\n2,1\n');
  write('data/train/part-1.csv', 'id,churned\n3,1\n');
  git(['add', 'src', 'params.yaml']);
  git(['commit', '-q', '-m', 'training code']);

  mv(['init']);

  // "Training" writes weights, a tokenizer and metrics.
  process.stdout.write('\n# training writes models/churn/ (weights, tokenizer) and metrics.json\n');
  write('models/churn/model.pt', randomBytes(2 * 1024 * 1024));
  write('models/churn/tokenizer/vocab.json', '{"hello": 1}\n');
  write('metrics.json', '{"accuracy": 0.912, "f1": 0.88}\n');
  mv(['add', 'churn', 'models/churn/', '--data', 'data/train', '--pipeline', 'src/preprocess.py', '--params', 'params.yaml', '--metrics', 'metrics.json', '-m', 'weekly retrain']);
  run('cat models/churn.mv.yaml', 'cat', ['models/churn.mv.yaml']);
  git(['log', '--oneline', '--decorate']);
  mv(['status']);

  // A retrain with a new learning rate.
  process.stdout.write('\n# a retrain with a higher learning rate\n');
  write('params.yaml', 'lr: 0.01\nepochs: 20\n');
  git(['commit', '-q', '-am', 'raise the learning rate']);
  write('models/churn/model.pt', randomBytes(2 * 1024 * 1024));
  write('metrics.json', '{"accuracy": 0.925, "f1": 0.90}\n');
  mv(['add', 'churn', 'models/churn/', '--data', 'data/train', '--pipeline', 'src/preprocess.py', '--params', 'params.yaml', '--metrics', 'metrics.json', '-m', 'higher lr']);

  // Someone edits the weights by hand; status notices, checkout restores exactly v0.1.0.
  process.stdout.write('\n# someone overwrites models/churn/model.pt by hand\n');
  write('models/churn/model.pt', 'oops');
  mv(['status']);
  mv(['checkout', 'churn@v0.1.0'], { mayFail: true });
  mv(['checkout', 'churn@v0.1.0', '--force']);
  mv(['status']);
  mv(['checkout', 'churn']);
  mv(['status']);

  // The registry: stages on git tags, a canary, history, diff, a rollback and an audit.
  mv(['promote', 'churn@v0.1.0', 'staging', '-m', 'offline eval passed']);
  mv(['promote', 'churn@v0.1.0', 'production', '-m', 'first release']);
  mv(['promote', 'churn@v0.2.0', 'staging']);
  mv(['promote', 'churn@v0.2.0', 'production', '--traffic', '10', '-m', 'canary']);
  mv(['ls']);
  mv(['resolve', 'churn#production']);
  mv(['route', 'churn#production', '--key', 'customer-4711']);
  mv(['diff', 'churn@v0.1.0', 'churn@v0.2.0']);
  mv(['rollback', 'churn', '-m', 'canary error rate']);
  mv(['history', 'churn']);
  mv(['audit', 'churn', '--stage', 'production', '--key', 'customer-4711']);

  // Sharing: a folder remote, a second clone, and a deploy without a clone.
  const remote = join(dir, '..', `${dir.split('/').pop()}-remote`);
  const clone = join(dir, '..', `${dir.split('/').pop()}-clone`);
  const release = join(dir, '..', `${dir.split('/').pop()}-release`);
  mkdirSync(remote);
  cleanups.push(remote, clone, release);
  mv(['remote', 'add', 'shared', remote, '--default']);
  mv(['push', '--all']);
  git(['clone', '-q', dir, clone]);
  run(`(cd ${clone} && mvr pull churn@v0.2.0)`, mvBin, ['pull', 'churn@v0.2.0'], { cwd: clone });
  mv(['get', 'churn#production', '-o', release, '--repo', dir]);
  run(`cat ${release}/mv.lock.json`, 'cat', [join(release, 'mv.lock.json')]);
  process.stdout.write('\nWalkthrough complete.\n');
} finally {
  if (!keep) for (const path of [dir, ...cleanups]) rmSync(path, { recursive: true, force: true });
  else process.stdout.write(`(kept ${dir})\n`);
}

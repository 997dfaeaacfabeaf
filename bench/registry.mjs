// Registry benchmark: builds a registry of 10 artifacts, 1,000 versions and 5,000 stage events (about
// 6,000 annotated tags, written in one `git fast-import` stream), then measures with hyperfine the
// medians of a bare node start, `git for-each-ref` over all tags and over one artifact's tags, and
// mv resolve / ls / history / promote / rollback, and prints them with the ratios the targets name.
// Run after `npm run build`:  node bench/registry.mjs [--keep]
import { BENCH_ARTIFACTS, registryStream } from './registry-stream.mjs';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ARTIFACTS = BENCH_ARTIFACTS;
const BENCH_ARTIFACT = 'model-3';
const mvBin = fileURLToPath(new URL('../bin/mvr', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'mv-bench-registry-'));
const keep = process.argv.includes('--keep');

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 30, ...options });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${result.stderr}`);
  return result.stdout;
}

function hasHyperfine() {
  return spawnSync('hyperfine', ['--version']).status === 0;
}


function median(jsonFile) {
  const { results } = JSON.parse(readFileSync(jsonFile, 'utf8'));
  return results.map((r) => ({ command: r.command, median: r.median * 1000 }));
}

try {
  if (!hasHyperfine()) throw new Error('hyperfine is not installed (apt-get install hyperfine)');
  run('git', ['init', '-q', '-b', 'main', '.']);
  for (const [k, v] of [['user.name', 'Bench'], ['user.email', 'bench@example.com'], ['commit.gpgsign', 'false'], ['tag.gpgsign', 'false']]) run('git', ['config', k, v]);
  const built = Date.now();
  const { stream, versions, events } = registryStream();
  run('git', ['fast-import', '--quiet'], { input: stream });
  run('git', ['reset', '-q', '--hard', 'main']);
  // Set up as a team using mv has it (`mvr init` adopts the stages the tags use): the registry writes then
  // take their stages from .mv/config.yaml. (In a registry without it, they read every tag first to adopt
  // the stages the tags use.)
  run(mvBin, ['init']);
  const tags = Number(run('sh', ['-c', 'git tag -l | wc -l']).trim());
  process.stdout.write(`Registry in ${dir}: ${ARTIFACTS} artifacts, ${versions} versions, ${events} stage events, ${tags} annotated tags (built in ${((Date.now() - built) / 1000).toFixed(1)} s)\n\n`);

  // A version that has been in staging, promoted back to production and rolled back in turn.
  const older = `${BENCH_ARTIFACT}@v1.50.0`;
  const fmt = '--format=%(refname)%00%(objecttype)%00%(objectname)%00%(*objectname)%00%(taggername)%00%(taggeremail)%00%(taggerdate:raw)%00%(contents:subject)%00%(contents:body)%00%(contents:signature)%00';
  const out = join(dir, '.git', 'bench.json');
  const hf = (args) => run('hyperfine', ['-N', '--style', 'basic', '--warmup', '3', '--export-json', out, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
  const reads = [
    `node -e ''`,
    `git for-each-ref ${fmt} refs/tags/`,
    `git for-each-ref ${fmt} refs/tags/${BENCH_ARTIFACT}@* refs/tags/${BENCH_ARTIFACT}#*`,
    `${mvBin} resolve ${BENCH_ARTIFACT}#production`,
    `${mvBin} ls`,
    `${mvBin} history ${BENCH_ARTIFACT}`,
  ];
  hf(['--runs', '20', ...reads]);
  const [node, ferAll, ferOne, resolve, ls, history] = median(out);
  // Tag dates have whole seconds, and a stage's events must be dated in order: a write in the same second
  // as the stage's previous event waits for the next second. The preparing write is a second older, as
  // two people's promotions of one stage are.
  const after = (command) => `sh -c "${command} >/dev/null && sleep 1"`;
  hf(['--runs', '10', '--prepare', after(`${mvBin} rollback ${BENCH_ARTIFACT} production`), `${mvBin} promote ${older} production`]);
  const [promote] = median(out);
  hf(['--runs', '10', '--prepare', after(`${mvBin} promote ${older} production`), `${mvBin} rollback ${BENCH_ARTIFACT} production`]);
  const [rollback] = median(out);

  const ms = (x) => `${x.median.toFixed(1)} ms`;
  const resolveBudget = 2 * node.median + ferOne.median;
  const rows = [
    ['node -e \'\'', ms(node), ''],
    ['git for-each-ref, all tags with messages', ms(ferAll), ''],
    [`git for-each-ref, ${BENCH_ARTIFACT}'s tags`, ms(ferOne), ''],
    [`mv resolve ${BENCH_ARTIFACT}#production`, ms(resolve), `${(resolve.median / resolveBudget).toFixed(2)} × (2 × node + one-artifact for-each-ref = ${resolveBudget.toFixed(1)} ms); target ≤ 1`],
    ['mv ls', ms(ls), `${(ls.median / 500).toFixed(2)} × 0.5 s; target < 1`],
    [`mv history ${BENCH_ARTIFACT}`, ms(history), `${(history.median / 500).toFixed(2)} × 0.5 s; target < 1`],
    ['mv promote', ms(promote), `${(promote.median / 1000).toFixed(2)} × 1 s; target < 1`],
    ['mv rollback', ms(rollback), `${(rollback.median / 1000).toFixed(2)} × 1 s; target < 1`],
  ];
  process.stdout.write('\n| command | median | ratio |\n|---|---|---|\n');
  for (const [command, median, ratio] of rows) process.stdout.write(`| ${command} | ${median} | ${ratio} |\n`);
  process.stdout.write(`\nmv resolve / node start: ${(resolve.median / node.median).toFixed(2)}; mv ls / all-tags for-each-ref: ${(ls.median / ferAll.median).toFixed(2)}\n`);
} finally {
  if (keep) process.stdout.write(`kept ${dir}\n`);
  else rmSync(dir, { recursive: true, force: true });
}

// Registry benchmark: builds a registry of 10 artifacts, 1,000 versions and 5,000 stage events (about
// 6,000 annotated tags, written in one `git fast-import` stream), then measures with hyperfine the
// medians of a bare node start, `git for-each-ref` over all tags and over one artifact's tags, and
// mv resolve / ls / history / promote / rollback, and prints them with the ratios the targets name.
// Run after `npm run build`:  node bench/registry.mjs [--keep]
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ARTIFACTS = 10;
const VERSIONS_PER_ARTIFACT = 100;
const BENCH_ARTIFACT = 'model-3';
const mvBin = fileURLToPath(new URL('../bin/mv', import.meta.url));
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

/** A fast-import stream: one commit per version, then every registry tag with mv's message format. */
function buildStream() {
  const parts = [];
  let mark = 0;
  let time = Date.UTC(2026, 0, 1) / 1000;
  const ident = (t) => `Bench <bench@example.com> ${t} +0000`;
  const data = (text) => `data ${Buffer.byteLength(text)}\n${text}\n`;
  const versionMark = new Map();
  for (let i = 0; i < VERSIONS_PER_ARTIFACT; i++) {
    for (let a = 0; a < ARTIFACTS; a++) {
      const name = `model-${a}`;
      const version = `1.${i}.0`;
      const pointer = `mv: 1\nname: ${name}\nversion: ${version}\n`;
      mark++;
      versionMark.set(`${name}@${version}`, mark);
      parts.push(`commit refs/heads/main\nmark :${mark}\ncommitter ${ident(time++)}\n${data(`train ${name} ${version}`)}${mark > 1 ? `from :${mark - 1}\n` : ''}M 100644 inline models/${name}.mv.yaml\n${data(pointer)}`);
    }
  }
  let events = 0;
  for (let a = 0; a < ARTIFACTS; a++) {
    const name = `model-${a}`;
    let counter = 0;
    let production = {};
    const tag = (tagName, target, summary, payload) => {
      parts.push(`tag ${tagName}\nfrom :${target}\ntagger ${ident(time++)}\n${data(`${summary}\n\n${JSON.stringify(payload)}`)}`);
    };
    for (let i = 0; i < VERSIONS_PER_ARTIFACT; i++) {
      const version = `1.${i}.0`;
      const target = versionMark.get(`${name}@${version}`);
      const oid = `sha256:${createHash('sha256').update(`${name}${version}`).digest('hex')}`;
      tag(`${name}@v${version}`, target, `Register ${name}@v${version}`, { mv: 1, event: 'register', artifact: name, version, pointer: { path: `models/${name}.mv.yaml`, oid } });
      const previous = Object.keys(production).find((v) => v !== version);
      const steps = [
        ['staging', { [version]: 100 }],
        ['production', previous ? { [version]: 10, [previous]: 90 } : { [version]: 100 }],
        ['production', previous ? { [version]: 50, [previous]: 50 } : { [version]: 100 }],
        ['production', { [version]: 100 }],
        ['candidate', { [version]: 100 }],
      ];
      for (const [stage, state] of steps) {
        counter++;
        events++;
        tag(`${name}#${stage}#${counter}`, target, `Promote ${name}@v${version} to ${stage}`, { mv: 1, event: 'assign', artifact: name, version, stage, state });
        if (stage === 'production') production = state;
      }
    }
  }
  return { stream: parts.join(''), versions: ARTIFACTS * VERSIONS_PER_ARTIFACT, events };
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
  const { stream, versions, events } = buildStream();
  run('git', ['fast-import', '--quiet'], { input: stream });
  run('git', ['reset', '-q', '--hard', 'main']);
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
  hf(['--runs', '10', '--prepare', `${mvBin} rollback ${BENCH_ARTIFACT} production`, `${mvBin} promote ${older} production`]);
  const [promote] = median(out);
  hf(['--runs', '10', '--prepare', `${mvBin} promote ${older} production`, `${mvBin} rollback ${BENCH_ARTIFACT} production`]);
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

// Dashboard benchmark: builds a registry of 10 artifacts, 1,000 versions (each with a real pointer:
// files, lineage, params, four metrics) and 5,000 stage events (about 6,000 annotated tags, written in
// one `git fast-import` stream, as bench/registry.mjs does), starts `mv ui --port 0` on it, and measures
// medians of time to first byte and whole response for the overview and an artifact page (first request,
// then with the server's snapshot warm), the same pages fully loaded in headless chromium when it is
// installed, and a whole `mv ui --export`.
// Run after `npm run build`:  node bench/ui.mjs [--runs 15] [--keep]
import { BENCH_ARTIFACTS, BENCH_VERSIONS, registryStream } from './registry-stream.mjs';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ARTIFACTS = BENCH_ARTIFACTS;
const VERSIONS_PER_ARTIFACT = BENCH_VERSIONS;
const BENCH_ARTIFACT = 'model-3';
const CHROMIUM = '/usr/bin/chromium';
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 15;
const keep = process.argv.includes('--keep');
const mvBin = fileURLToPath(new URL('../bin/mvr', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'mv-bench-ui-'));

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 30, ...options });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${result.stderr}`);
  return result.stdout;
}

const sha = (text) => createHash('sha256').update(text).digest('hex');

function pointer(name, version, i, time) {
  return [
    'mv: 1',
    `name: ${name}`,
    'type: model',
    `version: ${version}`,
    `description: ${name} trained on shard ${i}`,
    'files:',
    `  - path: ${name}/model.pt`,
    `    oid: sha256:${sha(`${name}${version}w`)}`,
    `    size: ${100_000_000 + i}`,
    `  - path: ${name}/tokenizer/`,
    `    oid: sha256:${sha(`${name}${version}t`)}`,
    '    size: 2345678',
    '    nfiles: 12',
    'lineage:',
    `  code: {commit: ${sha(`c${name}${version}`).slice(0, 40)}, branch: main, dirty: false}`,
    '  data:',
    `    - {path: ../data/train/, oid: sha256:${sha(`d${i % 7}`)}, size: ${5_000_000 + (i % 7)}, nfiles: 40}`,
    '  pipeline:',
    `    - {path: ../src/preprocess.py, oid: sha256:${sha(`p${i % 3}`)}, size: 1234}`,
    '  params:',
    `    lr: ${(0.001 * (1 + (i % 5))).toFixed(3)}`,
    '    epochs: 20',
    'metrics:',
    `  accuracy: ${(0.8 + 0.15 * Math.sin(i / 9) ** 2).toFixed(4)}`,
    `  f1: ${(0.75 + 0.2 * Math.cos(i / 11) ** 2).toFixed(4)}`,
    `  loss: ${(0.5 - 0.3 * (i / VERSIONS_PER_ARTIFACT)).toFixed(4)}`,
    `  latency_ms: ${20 + (i % 13)}`,
    'environment: {os: linux, arch: x64, python: 3.11.7}',
    `created: ${new Date(time * 1000).toISOString().replace(/\.\d+Z$/, 'Z')}`,
    '',
  ].join('\n');
}


function startServer() {
  return new Promise((resolve, reject) => {
    const child = spawn(mvBin, ['ui', '--port', '0'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const url = /^http:\S+/m.exec(out);
      if (url) resolve({ child, url: url[0] });
    });
    child.on('exit', (code) => reject(new Error(`mv ui exited ${code}`)));
  });
}

/** Time to first byte and to the whole body, in ms. */
function fetchTimed(url) {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    let ttfb;
    let bytes = 0;
    const req = request(url, { agent: false }, (res) => {
      res.once('data', () => (ttfb ??= performance.now() - start));
      res.on('data', (chunk) => (bytes += chunk.length));
      res.on('end', () => (res.statusCode === 200 ? resolve({ ttfb, total: performance.now() - start, bytes }) : reject(new Error(`${url}: ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x) => `${x.toFixed(1)} ms`;

async function browserTimes(pages) {
  if (!existsSync(CHROMIUM)) return undefined;
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'mv-bench-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
  try {
    const page = await browser.newPage();
    const times = {};
    for (const [label, url] of pages) {
      const samples = [];
      for (let i = 0; i < RUNS; i++) {
        const start = performance.now();
        await page.goto(url, { waitUntil: 'load' });
        samples.push(performance.now() - start);
      }
      times[label] = median(samples);
    }
    return times;
  } finally {
    await browser.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

let server;
try {
  run('git', ['init', '-q', '-b', 'main', '.']);
  for (const [k, v] of [['user.name', 'Bench'], ['user.email', 'bench@example.com'], ['commit.gpgsign', 'false'], ['tag.gpgsign', 'false']]) run('git', ['config', k, v]);
  const built = Date.now();
  const { stream, versions, events } = registryStream({ pointer, reason: 'canary looked fine' });
  run('git', ['fast-import', '--quiet'], { input: stream });
  run('git', ['reset', '-q', '--hard', 'main']);
  const tags = Number(run('sh', ['-c', 'git tag -l | wc -l']).trim());
  process.stdout.write(`Registry in ${dir}: ${ARTIFACTS} artifacts, ${versions} versions, ${events} stage events, ${tags} annotated tags (built in ${((Date.now() - built) / 1000).toFixed(1)} s)\n`);

  const startedAt = performance.now();
  server = await startServer();
  process.stdout.write(`mv ui up in ${ms(performance.now() - startedAt)} at ${server.url}\n\n`);
  const pages = [
    ['overview', server.url],
    [`artifact page (${BENCH_ARTIFACT}, 100 versions, 500 events)`, `${server.url}a/${BENCH_ARTIFACT}/index.html`],
    ['version page', `${server.url}a/${BENCH_ARTIFACT}/v/1.50.0.html`],
    ['diff page', `${server.url}a/${BENCH_ARTIFACT}/diff/1.49.0..1.50.0.html`],
  ];
  const rows = [];
  for (const [label, url] of pages) {
    const first = await fetchTimed(url);
    const warm = [];
    for (let i = 0; i < RUNS; i++) warm.push(await fetchTimed(url));
    rows.push([label, ms(first.ttfb), ms(first.total), ms(median(warm.map((w) => w.ttfb))), ms(median(warm.map((w) => w.total))), `${(first.bytes / 1024).toFixed(0)} KiB`]);
  }
  process.stdout.write(`| page | first request: TTFB | first request: whole | warm: TTFB (median of ${RUNS}) | warm: whole | size |\n|---|---|---|---|---|---|\n`);
  for (const row of rows) process.stdout.write(`| ${row.join(' | ')} |\n`);

  // A new tag invalidates the snapshot: the next request re-reads the registry (pointers stay cached).
  const afterTag = [];
  for (let i = 0; i < Math.min(RUNS, 5); i++) {
    run('git', ['tag', '-a', '-m', 'bench', `${BENCH_ARTIFACT}#staging#${1000 + i}`, `${BENCH_ARTIFACT}@v1.10.0`]);
    afterTag.push((await fetchTimed(`${server.url}a/${BENCH_ARTIFACT}/index.html`)).total);
  }
  process.stdout.write(`\nartifact page right after a new tag (registry re-read): ${ms(median(afterTag))} (median of ${afterTag.length})\n`);

  const loaded = await browserTimes([...pages.slice(0, 2), ['the 404 page (a small page, for comparison)', `${server.url}no-such-page`]]);
  if (loaded) for (const [label, t] of Object.entries(loaded)) process.stdout.write(`chromium, ${label}, navigation to load event: ${ms(t)} (median of ${RUNS})\n`);
  else process.stdout.write(`${CHROMIUM} not found: full-render times not measured\n`);

  const exportDir = join(dir, '.git', 'site');
  const exportStart = performance.now();
  const written = JSON.parse(run(mvBin, ['ui', '--export', exportDir, '--json']));
  process.stdout.write(`\nmv ui --export: ${written.files.length} files, ${(written.bytes / 1024 / 1024).toFixed(1)} MiB in ${ms(performance.now() - exportStart)}\n`);
} finally {
  server?.child.kill('SIGINT');
  if (keep) process.stdout.write(`kept ${dir}\n`);
  else rmSync(dir, { recursive: true, force: true });
}

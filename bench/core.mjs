// Benchmarks of the core: `mv add` of a 1 GiB file and of a 20,000 × 4 KiB dataset against openssl,
// git-lfs, git-annex and plain git on the same files in the same run; no-op status/add; start-up; peak
// memory. Run after `npm run build`: `node bench/core.mjs [--big]` (--big adds the 10 GiB memory check).
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MV, gitInit, have, hyperfine, interleaved, q, ratio, requireTools, saveSummary, seconds, sh, table, warmOnly, workspace } from './lib.mjs';

requireTools(['hyperfine', 'git-lfs', 'git-annex', 'openssl']);
const big = process.argv.includes('--big');
const root = workspace('core');
const src = join(root, 'src');
sh(`mkdir -p ${q(src)}/dataset`);

console.log('Preparing inputs: a 1 GiB random file and 20,000 files of 4 KiB…');
sh(`head -c 1073741824 /dev/urandom > ${q(src)}/big.bin`);
for (let d = 0; d < 20; d++) {
  const part = join(src, 'dataset', `part${String(d).padStart(2, '0')}`);
  mkdirSync(part, { recursive: true });
  for (let f = 0; f < 1000; f++) writeFileSync(join(part, `f${String(f).padStart(3, '0')}.bin`), randomBytes(4096));
}
sh('sync');

// Each tool gets a fresh repository holding a copy of the input, prepared outside the timed command.
const repo = (tool) => join(root, tool);
// Repositories of the 20,000-file dataset are set aside, not deleted, between runs (lib.mjs, setAside).
const trash = join(root, 'trash');
const freshWith = (tool, input, extra = '') =>
  `${gitInit(repo(tool), input === 'dataset' ? trash : undefined)} && ${extra ? `${extra} && ` : ''}cp -r ${q(join(src, input))} . && sync`;
const mvSetup = `${q(MV)} init >/dev/null && printf 'add:\\n  require_lineage: off\\n' > .mv/config.local.yaml`;
const mvLinkSetup = `${q(MV)} init >/dev/null && printf 'add:\\n  require_lineage: off\\ncache:\\n  type: hardlink\\n' > .mv/config.local.yaml`;
const lfsSetup = `git lfs install --local >/dev/null && git lfs track '*.bin' >/dev/null && git add .gitattributes && git commit -qm lfs`;
const annexSetup = 'git annex init -q bench >/dev/null 2>&1';

const summary = {};

// 1. One 1 GiB file. Adds are timed in rounds (each tool once per round, after one warm-up round), so
// that the disk's write-back, which comes and goes, falls on every tool alike; each starts with its input
// in the page cache (lib.mjs, warmOnly).
const file = interleaved('add-1gib', [
  { name: 'openssl dgst -sha256', prepare: warmOnly(join(src, 'big.bin')), command: `openssl dgst -sha256 ${q(join(src, 'big.bin'))}` },
  { name: 'mv add', prepare: `${freshWith('mv', 'big.bin', mvSetup)} && ${warmOnly('big.bin')}`, command: `cd ${q(repo('mv'))} && ${q(MV)} add big big.bin >/dev/null` },
  { name: 'mv add (cache.type hardlink)', prepare: `${freshWith('mvlink', 'big.bin', mvLinkSetup)} && ${warmOnly('big.bin')}`, command: `cd ${q(repo('mvlink'))} && ${q(MV)} add big big.bin >/dev/null 2>&1` },
  { name: 'git-lfs git add', prepare: `${freshWith('lfs', 'big.bin', lfsSetup)} && ${warmOnly('big.bin')}`, command: `cd ${q(repo('lfs'))} && git add big.bin` },
  { name: 'git annex add', prepare: `${freshWith('annex', 'big.bin', annexSetup)} && ${warmOnly('big.bin')}`, command: `cd ${q(repo('annex'))} && git annex add -q big.bin` },
  { name: 'copy of the file (cp)', prepare: `rm -f ${q(join(root, 'copy.bin'))} && ${warmOnly(join(src, 'big.bin'))}`, command: `cp ${q(join(src, 'big.bin'))} ${q(join(root, 'copy.bin'))}` },
]);
summary.add1GiB = file;
table('mv add of a new 1 GiB file (median seconds)', [
  ['tool', 'median', 'mv ÷ tool'],
  ...Object.entries(file).map(([name, t]) => [name, seconds(t), name === 'mv add' ? '' : ratio(file['mv add'], t)]),
  ['mv add (cache.type hardlink) ÷ openssl', ratio(file['mv add (cache.type hardlink)'], file['openssl dgst -sha256']), ''],
  ['mv add (cache.type hardlink) ÷ git-lfs', ratio(file['mv add (cache.type hardlink)'], file['git-lfs git add']), ''],
]);

// 2. A 20,000 × 4 KiB dataset folder.
const dir = interleaved('add-20k', [
  { name: 'mv add', prepare: freshWith('mv', 'dataset', mvSetup), command: `cd ${q(repo('mv'))} && ${q(MV)} add ds dataset/ --type dataset >/dev/null` },
  { name: 'mv add (cache.type hardlink)', prepare: freshWith('mvlink', 'dataset', mvLinkSetup), command: `cd ${q(repo('mvlink'))} && ${q(MV)} add ds dataset/ --type dataset >/dev/null 2>&1` },
  { name: 'git add (plain git)', prepare: freshWith('git', 'dataset'), command: `cd ${q(repo('git'))} && git add dataset` },
  { name: 'git-lfs git add', prepare: freshWith('lfs', 'dataset', lfsSetup), command: `cd ${q(repo('lfs'))} && git add dataset` },
  { name: 'git annex add', prepare: freshWith('annex', 'dataset', annexSetup), command: `cd ${q(repo('annex'))} && git annex add -q dataset` },
], { runs: Number(process.env.BENCH_RUNS ?? 3) });
summary.add20k = dir;
table('mv add of a 20,000 × 4 KiB folder (median seconds)', [
  ['tool', 'median', 'mv ÷ tool'],
  ...Object.entries(dir).map(([name, t]) => [name, seconds(t), name === 'mv add' ? '' : ratio(dir['mv add'], t)]),
  ['mv add (cache.type hardlink) ÷ git add', ratio(dir['mv add (cache.type hardlink)'], dir['git add (plain git)']), ''],
  ['mv add (cache.type hardlink) ÷ git-lfs', ratio(dir['mv add (cache.type hardlink)'], dir['git-lfs git add']), ''],
]);

// 3. Nothing changed: status and a repeated add, on both workspaces, must not read file contents.
const statusRepo = join(root, 'noop');
sh(`${gitInit(statusRepo)} && ${mvSetup} && cp -r ${q(join(src, 'dataset'))} ${q(join(src, 'big.bin'))} . && ${q(MV)} add ds dataset/ --type dataset >/dev/null && ${q(MV)} add big big.bin >/dev/null && sync && sleep 1`);
const noop = hyperfine('noop', [
  { name: 'mv status', command: `cd ${q(statusRepo)} && ${q(MV)} status >/dev/null` },
  { name: 'mv add (20k files, unchanged)', command: `cd ${q(statusRepo)} && ${q(MV)} add ds dataset/ --type dataset >/dev/null` },
  { name: 'mv add (1 GiB, unchanged)', command: `cd ${q(statusRepo)} && ${q(MV)} add big big.bin >/dev/null` },
], { runs: 10, warmup: 1 });
summary.noop = noop;
let contentReads = 'not measured (strace missing)';
if (have('strace')) {
  const log = join(root, 'strace.log');
  spawnSync('strace', ['-f', '-qq', '-e', 'trace=openat', '-o', log, MV, 'status'], { cwd: statusRepo, stdio: 'ignore' });
  spawnSync('strace', ['-f', '-qq', '-e', 'trace=openat', '-o', `${log}.add`, MV, 'add', 'ds', 'dataset/', '--type', 'dataset'], { cwd: statusRepo, stdio: 'ignore' });
  const opened = (f) => readFileSync(f, 'utf8').split('\n').filter((l) => /"[^"]*(dataset\/part|big\.bin)[^"]*"/.test(l) && !/O_DIRECTORY/.test(l)).length;
  contentReads = `${opened(log)} data files opened by status, ${opened(`${log}.add`)} by the repeated add`;
}
summary.noopContentReads = contentReads;
table('nothing changed (median seconds)', [['command', 'median'], ...Object.entries(noop).map(([n, t]) => [n, seconds(t)])]);
console.log(`content reads: ${contentReads}`);

// 4. Start-up.
const start = hyperfine('startup', [
  { name: "node -e ''", command: "node -e ''" },
  { name: 'mv --version', command: `${MV} --version` },
], { runs: 20, warmup: 3 });
summary.startup = start;
table('start-up (median seconds)', [['command', 'median', 'ratio'], ["node -e ''", seconds(start["node -e ''"]), ''], ['mv --version', seconds(start['mv --version']), ratio(start['mv --version'], start["node -e ''"])]]);

// 5. Peak memory adding a 10 GiB file (preallocated: it reads as zeros, and real blocks are written to the cache).
if (big) {
  const memRepo = join(root, 'mem');
  const timing = join(root, 'time.txt');
  sh(`${gitInit(memRepo)} && ${mvSetup} && fallocate -l 10G huge.bin && sync`);
  execFileSync('/usr/bin/time', ['-o', timing, '-f', '%M %e', MV, 'add', 'huge', 'huge.bin'], { cwd: memRepo, stdio: 'ignore' });
  const [kb, elapsed] = readFileSync(timing, 'utf8').trim().split(/\s+/).map(Number);
  summary.peak10GiB = { maxRssMB: kb / 1024, seconds: elapsed };
  table('adding a 10 GiB file', [['peak RSS', 'elapsed'], [`${(kb / 1024).toFixed(0)} MB`, seconds(elapsed)]]);
}

saveSummary('core', summary);
console.log('\nTargets: add 1 GiB ≤ 1.6× openssl and ≤ 0.3× git-lfs; add 20k ≤ 0.25× git-lfs and ≤ 1.0× plain git add; no-op < 0.5 s with no content read; mv --version ≤ 2× node.');

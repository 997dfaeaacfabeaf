#!/usr/bin/env node
// Remote transfer benchmark: mv push/pull against `rclone copy` to the same targets (a folder and an
// S3 server, s3rver on loopback), medians of rounds that time each tool once, a no-op push, and peak memory.
// Run after `npm run build`:  node bench/transfer.mjs [--runs 3] [--small 20000] [--big-mib 1024] [--pulls-only]
// [--compare PATH]: PATH is another build's `bin/mvr` (e.g. a checkout of an earlier commit, built), timed in the
// same rounds as this one, so a change can be judged against the code before it on the same machine state.
import { execFileSync, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { interleaved, setAside } from './lib.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const RUNS = option('--runs', 3);
const SMALL = option('--small', 20000);
const BIG_MIB = option('--big-mib', 1024);
// Only the pulls (the remotes are still filled by one push each): for re-measuring downloads alone.
const PULLS_ONLY = args.includes('--pulls-only');
const COMPARE = args.includes('--compare') ? args[args.indexOf('--compare') + 1] : undefined;
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MV = join(ROOT, 'bin/mvr');
const work = await mkdtemp(join(tmpdir(), 'mv-bench-transfer-'));
const repo = join(work, 'repo');
const gitEnv = { GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'b@b', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'b@b' };
const sh = (cmd, env = {}) => execFileSync('bash', ['-c', cmd], { cwd: repo, env: { ...process.env, ...gitEnv, ...env }, stdio: ['ignore', 'pipe', 'inherit'] }).toString();

console.error(`work folder: ${work}`);
mkdirSync(join(repo, 'small'), { recursive: true });
sh('git init -q -b main . && echo bench > README && git add README && git commit -qm init');
for (let i = 0; i < SMALL; i++) writeFileSync(join(repo, 'small', `f${String(i).padStart(5, '0')}.bin`), randomBytes(4096));
await new Promise((resolve, reject) => {
  const out = createWriteStream(join(repo, 'big.bin'));
  let left = BIG_MIB;
  const next = () => {
    while (left > 0) {
      left--;
      if (!out.write(randomBytes(1024 * 1024))) return out.once('drain', next);
    }
    out.end(resolve);
  };
  out.on('error', reject);
  next();
});
sh(`${MV} init >/dev/null && ${MV} add small small/ --type dataset >/dev/null && ${MV} add big big.bin >/dev/null`);

// The S3 server runs in its own process, as a real service would.
const s3dir = join(work, 's3rver');
mkdirSync(s3dir);
const server = spawn(process.execPath, ['--input-type=module', '-e', `
  const { default: S3rver } = await import(${JSON.stringify(join(ROOT, 'node_modules/s3rver/lib/s3rver.js'))});
  const s = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: ${JSON.stringify(s3dir)}, configureBuckets: [{ name: 'bench', configs: [] }] });
  const { port } = await s.run();
  console.log(port);
`], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = await new Promise((resolve) => server.stdout.once('data', (d) => resolve(Number(String(d).trim()))));
const endpoint = `http://127.0.0.1:${port}`;
const s3Env = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL_S3: endpoint };
const rcloneEnv = {
  RCLONE_CONFIG_S3R_TYPE: 's3', RCLONE_CONFIG_S3R_PROVIDER: 'Other', RCLONE_CONFIG_S3R_ACCESS_KEY_ID: 'S3RVER',
  RCLONE_CONFIG_S3R_SECRET_ACCESS_KEY: 'S3RVER', RCLONE_CONFIG_S3R_ENDPOINT: endpoint, RCLONE_CONFIG_S3R_REGION: 'us-east-1',
  RCLONE_CONFIG_S3R_FORCE_PATH_STYLE: 'true', RCLONE_CONFIG: '/dev/null',
};
const env = { ...process.env, ...gitEnv, ...s3Env, ...rcloneEnv };
// rclone refuses a custom CA bundle with its own HTTP transport; the loopback server needs none.
delete env.AWS_CA_BUNDLE;
const counter = join(work, 'counter');
writeFileSync(counter, '0');
const dirRemote = join(work, 'dir-mv');
const dirRclone = join(work, 'dir-rclone');
const pulled = join(work, 'rclone-pulled');

const results = {};
function hyperfine(name, command, prepare) {
  const file = join(work, `${name}.json`);
  execFileSync('hyperfine', ['--runs', String(RUNS), '--style', 'basic', '--export-json', file, ...(prepare ? ['--prepare', prepare] : []), command], { cwd: repo, env, stdio: ['ignore', 'ignore', 'inherit'] });
  const median = JSON.parse(readFileSync(file, 'utf8')).results[0].median;
  results[name] = median;
  console.error(`${name.padEnd(28)} ${median.toFixed(2)} s`);
  return median;
}
function peakRss(command, prepare) {
  if (prepare) execFileSync('bash', ['-c', prepare], { cwd: repo, env });
  if (!existsSync('/usr/bin/time')) return undefined;
  const out = execFileSync('bash', ['-c', `/usr/bin/time -f '%M' ${command} 2>&1 >/dev/null | tail -1`], { cwd: repo, env }).toString().trim();
  return Math.round(Number(out) / 1024);
}
// What a push knows the remote holds goes before each push, so every push sends everything; builds before
// `.git/mv/` kept it in `.mv/state/remotes` (for --compare).
const forgetRemotes = 'rm -rf .git/mv/remotes .mv/state/remotes';
const bump = `n=$(( $(cat ${counter}) + 1 )); echo $n > ${counter}; ${forgetRemotes}`;
// Folders of many files are set aside between runs, never deleted just before one (lib.mjs, setAside).
const trash = join(work, 'trash');
const freshDir = (dir) => `${setAside(trash, dir)} && mkdir -p ${dir} && ${forgetRemotes} && sync`;
const emptyCache = (paths) => `${setAside(trash, '.mv/cache/objects', '.mv/cache/tmp', paths)} && sync`;

// mv and rclone are timed in rounds (each once per round, prepared outside the timing), so that changes
// in the machine's state over the minutes of a run fall on both alike.
const rounds = (label, cases) => Object.assign(results, interleaved(label, cases, { runs: RUNS, warmup: 0, cwd: repo, env }));
for (const [what, ref, src] of PULLS_ONLY ? [] : [['small', 'small', 'small'], ['big', 'big', 'big.bin']]) {
  rounds(`transfer-push-${what}`, [
    { name: `push ${what} dir mv`, prepare: freshDir(dirRemote), command: `${MV} push ${ref} -r ${dirRemote}` },
    ...(COMPARE ? [{ name: `push ${what} dir mv-b`, prepare: freshDir(dirRemote), command: `${COMPARE} push ${ref} -r ${dirRemote}` }] : []),
    { name: `push ${what} dir rclone`, prepare: `${setAside(trash, `${dirRclone}/${what}`)} && sync`, command: `rclone copy ${src} ${dirRclone}/${what}` },
    { name: `push ${what} s3 mv`, prepare: bump, command: `${MV} push ${ref} -r s3://bench/mv-$(cat ${counter})` },
    ...(COMPARE ? [{ name: `push ${what} s3 mv-b`, prepare: bump, command: `${COMPARE} push ${ref} -r s3://bench/mv-$(cat ${counter})` }] : []),
    { name: `push ${what} s3 rclone`, prepare: bump, command: `rclone copy ${src} s3r:bench/rc-$(cat ${counter})/${what}` },
  ]);
}
// The last pushes stay: pulls read them.
execFileSync('bash', ['-c', `mkdir -p ${dirRemote} && ${MV} push small big -r ${dirRemote} >/dev/null && rclone copy small ${dirRclone}/small && rclone copy big.bin ${dirRclone}/big`], { cwd: repo, env });
const s3Last = readFileSync(counter, 'utf8').trim();
execFileSync('bash', ['-c', `${MV} push small big -r s3://bench/mv-${s3Last} >/dev/null && rclone copy small s3r:bench/rc-${s3Last}/small && rclone copy big.bin s3r:bench/rc-${s3Last}/big`], { cwd: repo, env });

if (!PULLS_ONLY) {
  hyperfine('no-op push small dir mv', `${MV} push small -r ${dirRemote}`);
  hyperfine('no-op push small dir rclone', `rclone copy small ${dirRclone}/small`);
  hyperfine('no-op push small s3 mv', `${MV} push small -r s3://bench/mv-${s3Last}`);
}

for (const [what, ref, path] of [['small', 'small', 'small'], ['big', 'big', 'big.bin']]) {
  rounds(`transfer-pull-${what}`, [
    { name: `pull ${what} dir mv`, prepare: emptyCache(path), command: `${MV} pull ${ref} -r ${dirRemote}` },
    ...(COMPARE ? [{ name: `pull ${what} dir mv-b`, prepare: emptyCache(path), command: `${COMPARE} pull ${ref} -r ${dirRemote}` }] : []),
    { name: `pull ${what} dir rclone`, prepare: `${setAside(trash, pulled)} && sync`, command: `rclone copy ${dirRclone}/${what} ${pulled}` },
    { name: `pull ${what} s3 mv`, prepare: emptyCache(path), command: `${MV} pull ${ref} -r s3://bench/mv-${s3Last}` },
    ...(COMPARE ? [{ name: `pull ${what} s3 mv-b`, prepare: emptyCache(path), command: `${COMPARE} pull ${ref} -r s3://bench/mv-${s3Last}` }] : []),
    { name: `pull ${what} s3 rclone`, prepare: `${setAside(trash, pulled)} && sync`, command: `rclone copy s3r:bench/rc-${s3Last}/${what} ${pulled}` },
  ]);
}

const memory = {
  'push big dir': peakRss(`${MV} push big -r ${dirRemote}`, freshDir(dirRemote)),
  'pull big dir': peakRss(`${MV} pull big -r ${dirRemote}`, emptyCache('big.bin')),
  'push big s3': peakRss(`${MV} push big -r s3://bench/mem`, forgetRemotes),
  'pull big s3': peakRss(`${MV} pull big -r s3://bench/mem`, emptyCache('big.bin')),
};
server.kill();

const rows = [];
for (const op of ['push', 'pull']) {
  for (const what of ['small', 'big']) {
    for (const target of ['dir', 's3']) {
      const mv = results[`${op} ${what} ${target} mv`];
      const rc = results[`${op} ${what} ${target} rclone`];
      const b = results[`${op} ${what} ${target} mv-b`];
      if (mv === undefined) continue;
      const compared = COMPARE ? ` ${b.toFixed(2)} s | ${(b / rc).toFixed(2)}× | ${(mv / b).toFixed(2)}× |` : '';
      rows.push(`| ${op} | ${what === 'small' ? `${SMALL} × 4 KiB` : `1 × ${BIG_MIB} MiB`} | ${target === 'dir' ? 'folder' : 's3rver'} | ${mv.toFixed(2)} s | ${rc.toFixed(2)} s | ${(mv / rc).toFixed(2)}× |${compared}`);
    }
  }
}
const header = COMPARE ? ['| operation | data | target | mv (median) | rclone copy (median) | ratio | --compare build | its ratio | mv / --compare |', '|---|---|---|---|---|---|---|---|---|'] : ['| operation | data | target | mv (median) | rclone copy (median) | ratio |', '|---|---|---|---|---|---|'];
const table = [...header, ...rows].join('\n');
const noop = PULLS_ONLY ? '' : `no-op push of ${SMALL + 1} objects: folder ${results['no-op push small dir mv'].toFixed(2)} s (rclone ${results['no-op push small dir rclone'].toFixed(2)} s), s3rver ${results['no-op push small s3 mv'].toFixed(2)} s`;
const mem = `peak RSS (MiB): ${Object.entries(memory).map(([k, v]) => `${k} ${v ?? 'n/a'}`).join(', ')}`;
mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
writeFileSync(join(ROOT, 'bench/results/transfer.json'), JSON.stringify({ runs: RUNS, small: SMALL, bigMiB: BIG_MIB, results, memory }, null, 2));
console.log(`${table}\n\n${noop}\n${mem}`);
// Everything this run made goes, unless asked to keep it.
if (!process.env.BENCH_KEEP) execFileSync('bash', ['-c', `chmod -R u+w ${JSON.stringify(work)}; rm -rf ${JSON.stringify(work)}`]);

#!/usr/bin/env node
// Chunk-level deduplication benchmark. Through the built bin/mvr on real git repositories, against a
// folder remote and an S3 server (s3rver on loopback, behind a proxy that counts the bytes each way):
// for each case of the issue, the bytes `mvr push` of v2 sends with v1 on the remote, and the bytes
// `mvr pull` of v2 fetches on a clone holding v1, with rclone and git-lfs (which send whole files) for
// contrast; the push time of a brand-new file against the whole-file push (`chunks: false`); peak memory
// and time pushing a large file; and the chunker's throughput against SHA-256.
// Run after `npm run build`:
//   node bench/dedup.mjs [--mib 1024] [--big-gib 10] [--runs 3] [--only throughput|cases|new|big]
import { createCipheriv, createHash } from 'node:crypto';
import { createWriteStream, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { get } from 'node:http';
import { join } from 'node:path';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { MV, saveSummary, table, workspace } from './lib.mjs';

const dist = (path) => new URL(`../dist/${path}`, import.meta.url).href;
const { chunkFile } = await import(dist('chunk/chunker.js'));
const { cutPoint } = await import(dist('chunk/cut.js'));
const { FolderChunkStore } = await import(dist('chunk/folder-chunk-store.js'));
const { chunkAndStore } = await import(dist('chunk/chunk-upload.js'));
const { hashFile } = await import(dist('cache/hash.js'));
const { DirectoryStore } = await import(dist('remote/directory-store.js'));
const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const MIB = 1024 * 1024;
const SIZE = Number(option('--mib', 1024)) * MIB;
const BIG_GIB = Number(option('--big-gib', 10));
const RUNS = Number(option('--runs', 3));
const ONLY = option('--only', undefined);
const work = workspace('dedup');
const BLOCK = 8 * MIB;

/** AES-256-CTR keystream: reproducible bytes that look random, produced at several GB/s. */
function keystream(seed) {
  const cipher = createCipheriv('aes-256-ctr', createHash('sha256').update(String(seed)).digest(), Buffer.alloc(16));
  const zeros = Buffer.alloc(BLOCK);
  return (n) => cipher.update(n === BLOCK ? zeros : Buffer.alloc(n));
}

async function writeFrom(path, pieces) {
  const out = createWriteStream(path, { highWaterMark: BLOCK });
  for await (const piece of pieces) if (!out.write(piece)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
  return path;
}

function* randomBytes(size, seed) {
  const next = keystream(seed);
  for (let left = size; left > 0; left -= BLOCK) yield next(Math.min(BLOCK, left));
}

/** Random bytes with `length` bytes from `at` on replaced by other random bytes (one stream: no repeats). */
function* randomWithOverwrite(size, seed, at, length) {
  let offset = 0;
  const replacement = keystream(`overwrite ${seed}`);
  for (const block of randomBytes(size, seed)) {
    const start = Math.max(at, offset);
    const end = Math.min(at + length, offset + block.length);
    if (start < end) replacement(end - start).copy(block, start - offset);
    offset += block.length;
    yield block;
  }
}

/** CSV rows of an id, a timestamp, two numbers and a category, different on every row. */
function* csvRows(size, seed, firstRow = 0) {
  const next = keystream(`csv ${seed}`);
  let written = 0;
  let row = firstRow;
  while (written < size) {
    const noise = next(BLOCK / 16);
    const parts = [];
    let length = 0;
    for (let i = 0; i + 8 <= noise.length && length < BLOCK - 128; i += 8) {
      const line = `${row++},2026-${String(1 + (noise[i] % 12)).padStart(2, '0')}-${String(1 + (noise[i + 1] % 28)).padStart(2, '0')},${noise.readUInt16LE(i + 2) / 100},${noise.readInt16LE(i + 4)},cat${noise[i + 6] % 40}\n`;
      parts.push(line);
      length += line.length;
    }
    const block = Buffer.from(parts.join(''));
    const take = Math.min(block.length, size - written);
    written += take;
    yield block.subarray(0, take);
  }
}

/** A safetensors file of 40 small and 160 large tensors (BF16 [1024, 2048..4095]); `changed` names get other values. */
function safetensorsPieces(totalTarget, version, changed) {
  const tensors = [];
  for (let i = 0; i < 200; i++) {
    if (i % 5 === 4) tensors.push({ name: `layers.${i}.norm.weight`, dtype: 'F32', shape: [4096], bytes: 16384 });
    else {
      const columns = 2048 + ((i * 613) % 2048);
      tensors.push({ name: `layers.${i}.proj.weight`, dtype: 'BF16', shape: [1024, columns], bytes: 1024 * columns * 2 });
    }
  }
  // Scale the large tensors' rows so the file is about `totalTarget` bytes.
  const scale = totalTarget / tensors.reduce((s, t) => s + t.bytes, 0);
  for (const t of tensors)
    if (t.dtype === 'BF16') {
      t.shape[0] = Math.max(1, Math.round(1024 * scale));
      t.bytes = t.shape[0] * t.shape[1] * 2;
    }
  const header = {};
  let offset = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.bytes] };
    offset += t.bytes;
  }
  const json = Buffer.from(JSON.stringify({ __metadata__: { format: 'pt' }, ...header }));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  return {
    tensors,
    *pieces() {
      yield Buffer.concat([length, json]);
      for (const t of tensors) yield* randomBytes(t.bytes, `${t.name} ${changed.has(t.name) ? version : 'v1'}`);
    },
  };
}



const pct = (part, whole) => `${((100 * part) / whole).toFixed(2)} %`;
const mib = (bytes) => `${(bytes / MIB).toFixed(2)} MiB`;
const mbps = (bytes, ms) => `${(bytes / 1e6 / (ms / 1000)).toFixed(0)} MB/s`;
const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];

/** Wall time, and the CPU time of the whole process (all its threads), in milliseconds. */
async function timed(fn) {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const value = await fn();
  const used = process.cpuUsage(cpu);
  return { ms: performance.now() - start, cpuMs: (used.user + used.system) / 1000, value };
}

const summary = {};

// Throughput: SHA-256 alone (the floor every push already pays), the chunker with its chunk hashes, with
// the whole-file hash as well, and the cut alone on bytes in memory.
if (!ONLY || ONLY === 'throughput') {
  const path = await writeFrom(join(work, 'random.bin'), randomBytes(SIZE, 'throughput'));
  // Wall time says how fast it goes here; CPU time (all threads) says how much work it is, and holds up
  // better when other programs share the cores.
  const rows = [['measurement', `wall, median of ${RUNS}`, 'CPU time per GiB', 'wall, each run']];
  const measure = async (label, fn, bytes = SIZE) => {
    const runs = [];
    for (let r = 0; r < RUNS; r++) runs.push(await timed(fn));
    const wall = median(runs.map((x) => x.ms));
    const cpu = median(runs.map((x) => x.cpuMs));
    rows.push([label, mbps(bytes, wall), `${((cpu / 1000) * (2 ** 30 / bytes)).toFixed(2)} s`, runs.map((x) => mbps(bytes, x.ms)).join(', ')]);
    return wall;
  };
  await hashFile(path); // page cache warm
  const sha = await measure('SHA-256 of the file (hashFile)', () => hashFile(path));
  let peak = 0;
  const poll = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const base = process.memoryUsage().rss;
  const chunking = await measure('chunker: cut + SHA-256 per chunk (worker)', () => chunkFile(path));
  clearInterval(poll);
  const both = await measure('chunker + whole-file SHA-256', () => chunkFile(path, { wholeHash: true }));
  const slice = Math.min(SIZE, 256 * MIB);
  const data = Buffer.alloc(slice);
  const handle = await open(path);
  await handle.read(data, 0, slice, 0);
  await handle.close();
  const cut = await measure(
    'cut alone (no hashing), bytes in memory',
    async () => {
      for (let at = 0; at < slice; ) at += cutPoint(data, at, slice);
    },
    slice,
  );
  table(`Chunking throughput, ${mib(SIZE)} random file in the page cache`, rows);
  console.log(`peak RSS growth while chunking: ${mib(peak - base)}`);
  summary.throughput = { rows, sha256: mbps(SIZE, sha), chunker: mbps(SIZE, chunking), chunkerWithWholeHash: mbps(SIZE, both), cutAlone: mbps(slice, cut), peakRssGrowth: mib(peak - base) };
  rmSync(path);
}

// The cases, through bin/mvr: v1 pushed, then v2 (sent bytes); a clone pulls v1, then v2 (fetched bytes).
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const gitEnv = { GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'b@b', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'b@b' };

/**
 * s3rver and, in front of it, a proxy that counts request and response body bytes, both in a process of
 * their own (the benchmark blocks while mvr runs). The counts are read and reset over the proxy itself.
 */
async function s3WithCounter() {
  const dir = join(work, 's3rver');
  mkdirSync(dir, { recursive: true });
  const child = spawn(process.execPath, ['--input-type=module', '-e', `
    const { createServer, request } = await import('node:http');
    const { default: S3rver } = await import(${JSON.stringify(join(ROOT, 'node_modules/s3rver/lib/s3rver.js'))});
    const s = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: ${JSON.stringify(dir)}, configureBuckets: [{ name: 'bench', configs: [] }] });
    const { port } = await s.run();
    const counts = { sent: 0, received: 0, requests: 0 };
    const proxy = createServer((req, res) => {
      if (req.url === '/__counts') return res.end(JSON.stringify(counts));
      if (req.url === '/__reset') { Object.assign(counts, { sent: 0, received: 0, requests: 0 }); return res.end('{}'); }
      counts.requests++;
      const upstream = request({ host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.on('data', (d) => (counts.received += d.length));
        answer.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      req.on('data', (d) => (counts.sent += d.length));
      req.pipe(upstream);
    });
    proxy.listen(0, '127.0.0.1', () => console.log(proxy.address().port));
  `], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve) => child.stdout.once('data', (d) => resolve(Number(String(d).trim()))));
  process.on('exit', () => child.kill());
  const endpoint = `http://127.0.0.1:${port}`;
  // A fresh connection each time: a kept-alive one may have been closed by the proxy while mvr ran.
  const ask = (path) =>
    new Promise((resolve, reject) => {
      get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve(JSON.parse(body)));
      }).on('error', reject);
    });
  return { endpoint, counts: () => ask('/__counts'), reset: () => ask('/__reset'), close: () => child.kill() };
}

function run(cmd, cwd, env = {}) {
  const all = { ...process.env, ...gitEnv, ...env };
  // rclone refuses a custom CA bundle with its own HTTP transport; the loopback server needs none.
  delete all.AWS_CA_BUNDLE;
  try {
    return execFileSync('bash', ['-c', cmd], { cwd, env: all, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 }).toString();
  } catch (error) {
    throw new Error(`${cmd} failed:\n${error.stderr?.toString() ?? error.message}`);
  }
}
const mvJson = (cwd, args, env) => JSON.parse(run(`${MV} ${args} --json`, cwd, env));

async function duBytes(dir) {
  let total = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])) if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  return total;
}

/** A repository with one artifact `data` whose file is `name`, and a remote (folder path or s3:// URL). */
function project(dir, remote, env) {
  mkdirSync(dir, { recursive: true });
  run(`git init -q -b main . && echo bench > README && git add README && git commit -qm init && ${MV} init >/dev/null && ${MV} remote add origin ${remote} --default >/dev/null`, dir, env);
}

const cases = [];
if (!ONLY || ONLY === 'cases' || ONLY === 'new') {
  const changedNames = new Set();
  const st = safetensorsPieces(SIZE, 'v1', changedNames);
  // One tensor in each run of five changes, at a rotating position: 32 large ones and 8 small ones.
  st.tensors.forEach((t, i) => i % 5 === Math.floor(i / 5) % 5 && changedNames.add(t.name));
  const changedBytes = st.tensors.filter((t) => changedNames.has(t.name)).reduce((s, t) => s + t.bytes, 0);
  cases.push(
    { key: 'safetensors', name: `safetensors, ${st.tensors.length} tensors, ${changedNames.size} changed (${pct(changedBytes, SIZE)} of bytes)`, file: 'model.safetensors', target: 0.25, v1: () => safetensorsPieces(SIZE, 'v1', changedNames).pieces(), v2: () => safetensorsPieces(SIZE, 'v2', changedNames).pieces() },
    { key: 'overwrite', name: '1 MiB overwritten in the middle', file: 'weights.bin', targetBytes: 4 * MIB, v1: () => randomBytes(SIZE, 'mid'), v2: () => randomWithOverwrite(SIZE, 'mid', SIZE / 2, MIB) },
    { key: 'append', name: 'CSV with 1 % appended', file: 'rows.csv', target: 0.03, v1: () => csvRows(SIZE, 'a'), v2: function* () { yield* csvRows(SIZE, 'a'); yield* csvRows(SIZE / 100, 'b', 1e9); } },
    { key: 'insert', name: '100 bytes inserted at offset 0', file: 'weights.bin', target: 0.02, v1: () => randomBytes(SIZE, 'ins'), v2: function* () { yield keystream('inserted')(100); yield* randomBytes(SIZE, 'ins'); } },
  );
}

if (!ONLY || ONLY === 'cases') {
  const s3 = await s3WithCounter();
  const s3Env = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL_S3: s3.endpoint };
  const rcloneEnv = { RCLONE_CONFIG_S3R_TYPE: 's3', RCLONE_CONFIG_S3R_PROVIDER: 'Other', RCLONE_CONFIG_S3R_ACCESS_KEY_ID: 'S3RVER', RCLONE_CONFIG_S3R_SECRET_ACCESS_KEY: 'S3RVER', RCLONE_CONFIG_S3R_ENDPOINT: s3.endpoint, RCLONE_CONFIG_S3R_REGION: 'us-east-1', RCLONE_CONFIG_S3R_FORCE_PATH_STYLE: 'true', RCLONE_CONFIG: '/dev/null' };
  const rows = [['case', 'remote', 'mv push of v2 sends', 'mv pull of v2 fetches (v1 cached)', 'target', 'met', 'rclone copy of v2', 'git-lfs push of v2']];
  summary.cases = [];
  let n = 0;
  for (const c of cases) {
    for (const kind of ['folder', 's3rver']) {
      const base = join(work, `case-${n++}`);
      const remote = kind === 'folder' ? join(base, 'remote') : `s3://bench/case-${n}`;
      if (kind === 'folder') mkdirSync(remote, { recursive: true });
      const env = kind === 'folder' ? {} : s3Env;
      const repo = join(base, 'repo');
      project(repo, remote, env);
      await writeFrom(join(repo, c.file), c.v1());
      run(`${MV} add data ${c.file} --type dataset --version 0.1.0 >/dev/null`, repo, env);
      mvJson(repo, 'push', env);
      await writeFrom(join(repo, c.file), c.v2());
      run(`${MV} add data ${c.file} --type dataset --version 0.2.0 >/dev/null`, repo, env);
      const size = statSync(join(repo, c.file)).size;
      const before = kind === 'folder' ? await duBytes(remote) : 0;
      await s3.reset();
      const pushed = mvJson(repo, 'push', env);
      const sent = kind === 'folder' ? (await duBytes(remote)) - before : (await s3.counts()).sent;
      const clone = join(base, 'clone');
      run(`git clone -q ${repo} ${clone}`, base, env);
      mvJson(clone, 'pull data@v0.1.0', env);
      await s3.reset();
      const pulled = mvJson(clone, 'pull data@v0.2.0', env);
      const fetched = kind === 'folder' ? pulled.fetch.bytes : (await s3.counts()).received;
      // rclone sends the changed file whole (it copies files, not chunks).
      let rclone;
      if (kind === 'folder') {
        run(`rclone copy ${c.file} ${join(base, 'rclone')}`, repo);
        rclone = (await duBytes(join(base, 'rclone')));
      } else {
        await s3.reset();
        run(`rclone copy ${c.file} s3r:bench/rclone-${n}`, repo, rcloneEnv);
        rclone = (await s3.counts()).sent;
      }
      // git-lfs to a file:// remote sends the new version's object whole too (no S3 back end: n/a there).
      let lfs = 'n/a';
      if (kind === 'folder') {
        const lfsRepo = join(base, 'lfs');
        const bare = join(base, 'lfs-remote.git');
        run(`git init -q --bare ${bare} && git init -q -b main ${lfsRepo}`, base);
        run(`git lfs install --local >/dev/null && git lfs track '*.bin' '*.csv' '*.safetensors' >/dev/null && git remote add origin file://${bare}`, lfsRepo);
        await writeFrom(join(lfsRepo, c.file), c.v1());
        run(`git add . && git commit -qm v1 && git push -q origin main 2>/dev/null`, lfsRepo);
        const lfsBefore = await duBytes(join(bare, 'lfs'));
        await writeFrom(join(lfsRepo, c.file), c.v2());
        run(`git add . && git commit -qm v2 && git push -q origin main 2>/dev/null`, lfsRepo);
        lfs = (await duBytes(join(bare, 'lfs'))) - lfsBefore;
      }
      const limit = c.targetBytes ?? c.target * size;
      const met = sent <= limit && fetched <= limit;
      const show = (bytes) => (typeof bytes === 'number' ? `${mib(bytes)} (${pct(bytes, size)})` : bytes);
      rows.push([c.name, kind, show(sent), show(fetched), c.targetBytes ? `≤ ${mib(c.targetBytes)}` : `≤ ${c.target * 100} %`, met ? 'yes' : 'NO', show(rclone), show(lfs)]);
      summary.cases.push({ case: c.key, remote: kind, size, sent, fetched, reported: { sent: pushed.bytes, newBytes: pushed.newBytes, fetched: pulled.fetch.bytes, reused: pulled.fetch.reusedBytes }, limit, met, rclone, lfs });
      console.error(`${c.key} ${kind}: sent ${mib(sent)}, fetched ${mib(fetched)}${met ? '' : ' (target missed)'}`);
      rmSync(base, { recursive: true, force: true });
    }
  }
  s3.close();
  table(`Bytes moved for v2 with v1 on the remote and in the cache (${mib(SIZE)} files; packs, indexes and recipes included)`, rows);
}

// A brand-new file: push time with chunked storage on (the default) against the whole-file push
// (`chunks: false`, what every push did before), interleaved rounds; then the second version's push both ways.
if (!ONLY || ONLY === 'new') {
  const times = { on: [], off: [], secondOn: [], secondOff: [] };
  const newFile = join(work, 'new.bin');
  await writeFrom(newFile, randomBytes(SIZE, 'new'));
  const second = join(work, 'second.bin');
  await writeFrom(second, randomWithOverwrite(SIZE, 'new', SIZE / 3, 8 * MIB));
  for (let r = 0; r < RUNS; r++) {
    for (const mode of ['on', 'off']) {
      const base = join(work, `new-${mode}`);
      rmSync(base, { recursive: true, force: true });
      const remote = join(base, 'remote');
      mkdirSync(remote, { recursive: true });
      const repo = join(base, 'repo');
      project(repo, remote, {});
      if (mode === 'off') writeFileSync(join(repo, '.mv/config.local.yaml'), 'remotes:\n  origin:\n    chunks: false\n');
      run(`cp ${newFile} big.bin && ${MV} add data big.bin --type dataset --version 0.1.0 >/dev/null && sync`, repo);
      const start = performance.now();
      run(`${MV} push >/dev/null`, repo);
      times[mode].push(performance.now() - start);
      run(`cp ${second} big.bin && ${MV} add data big.bin --type dataset --version 0.2.0 >/dev/null && sync`, repo);
      const start2 = performance.now();
      run(`${MV} push >/dev/null`, repo);
      times[mode === 'on' ? 'secondOn' : 'secondOff'].push(performance.now() - start2);
      rmSync(base, { recursive: true, force: true });
    }
  }
  const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
  table(`Push time to a folder remote, ${mib(SIZE)} file (median of ${RUNS} interleaved rounds)`, [
    ['push', 'chunked storage on (default)', 'chunks: false (whole objects)', 'ratio'],
    ['v1: a brand-new file', `${(m.on / 1000).toFixed(2)} s`, `${(m.off / 1000).toFixed(2)} s`, `${(m.on / m.off).toFixed(2)}×`],
    ['v2: 8 MiB changed (indexes v1, chunks v2)', `${(m.secondOn / 1000).toFixed(2)} s`, `${(m.secondOff / 1000).toFixed(2)} s`, `${(m.secondOn / m.secondOff).toFixed(2)}×`],
  ]);
  summary.newFile = { runs: times, medians: m, ratio: m.on / m.off };
  // What the decision avoids: the same new file stored as chunks in one pass (the chunk layer alone).
  const oid = (await hashFile(newFile)).oid;
  const layer = { whole: [], chunks: [] };
  for (let r = 0; r < RUNS; r++) {
    for (const kind of ['whole', 'chunks']) {
      const remote = join(work, `layer-${kind}`);
      rmSync(remote, { recursive: true, force: true });
      mkdirSync(remote);
      const store = kind === 'whole' ? () => new DirectoryStore(remote, { stallTimeoutMs: 60_000, copierThreads: 4 }).put(oid, newFile, SIZE) : () => chunkAndStore(new FolderChunkStore(remote), { path: newFile, oid }, { known: new Map() });
      layer[kind].push((await timed(store)).ms);
      rmSync(remote, { recursive: true, force: true });
    }
  }
  const [whole, chunks] = [median(layer.whole), median(layer.chunks)];
  table(`The same new file stored by the layers alone (no git, no process start), median of ${RUNS}`, [
    ['store', 'time', 'ratio'],
    ['whole object (DirectoryStore.put: kernel copy beside SHA-256)', `${(whole / 1000).toFixed(2)} s`, '1.00×'],
    ['as chunks in one pass (cut, chunk hashes, whole hash, packs)', `${(chunks / 1000).toFixed(2)} s`, `${(chunks / whole).toFixed(2)}×`],
  ]);
  summary.newFile.layers = { whole, chunks, ratio: chunks / whole };
  rmSync(newFile);
  rmSync(second);
}

// A large file (10 GiB by default): peak memory and time of pushing v1 (whole) and v2 (which indexes v1
// and chunks v2), with the cache in hardlink mode so the work tree's files are the cache objects.
if (!ONLY || ONLY === 'big') {
  const base = join(work, 'big');
  const remote = join(base, 'remote');
  mkdirSync(remote, { recursive: true });
  const repo = join(base, 'repo');
  project(repo, remote, {});
  run(`printf 'cache:\\n  type: hardlink\\n' > .mv/config.local.yaml`, repo);
  const size = BIG_GIB * 1024 * MIB;
  await writeFrom(join(repo, 'big.bin'), randomBytes(size, 'big'));
  run(`${MV} add data big.bin --type dataset --version 0.1.0 >/dev/null`, repo);
  const measure = (label) => {
    const start = performance.now();
    const out = spawnSync('/usr/bin/time', ['-f', '%M', MV, 'push', '--json'], { cwd: repo, env: { ...process.env, ...gitEnv }, encoding: 'utf8', maxBuffer: 64 * MIB });
    if (out.status !== 0) throw new Error(`${label}: ${out.stderr}`);
    const seconds = (performance.now() - start) / 1000;
    const peakKiB = Number(out.stderr.trim().split('\n').at(-1));
    return { seconds, peakMiB: peakKiB / 1024, result: JSON.parse(out.stdout) };
  };
  const first = measure('v1');
  rmSync(join(repo, 'big.bin'));
  await writeFrom(join(repo, 'big.bin'), randomWithOverwrite(size, 'big', size / 2, 64 * MIB));
  run(`${MV} add data big.bin --type dataset --version 0.2.0 >/dev/null`, repo);
  const secondPush = measure('v2');
  table(`Pushing a ${BIG_GIB} GiB file to a folder remote (peak RSS of the mvr process)`, [
    ['push', 'time', 'throughput', 'peak RSS', 'sent'],
    ['v1, new: sent whole', `${first.seconds.toFixed(1)} s`, mbps(size, first.seconds * 1000), `${first.peakMiB.toFixed(0)} MiB`, mib(first.result.bytes)],
    ['v2, 64 MiB changed: v1 indexed (chunked), v2 chunked', `${secondPush.seconds.toFixed(1)} s`, `${mbps(2 * size, secondPush.seconds * 1000)} (2 files chunked)`, `${secondPush.peakMiB.toFixed(0)} MiB`, mib(secondPush.result.bytes)],
  ]);
  summary.big = { gib: BIG_GIB, first: { seconds: first.seconds, peakMiB: first.peakMiB, sent: first.result.bytes }, second: { seconds: secondPush.seconds, peakMiB: secondPush.peakMiB, sent: secondPush.result.bytes } };
  run('chmod -R u+w .', base);
  rmSync(base, { recursive: true, force: true });
}

saveSummary('dedup', { size: SIZE, runs: RUNS, ...summary });

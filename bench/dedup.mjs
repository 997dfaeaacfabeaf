#!/usr/bin/env node
// Chunk-level deduplication benchmark: chunker throughput against SHA-256, and for each case of the issue
// how many bytes a new version sends and how many a machine holding the earlier version fetches, through
// the chunk layer (chunker, upload plan, packs, recipe, assembly) on a folder remote.
// Run after `npm run build` (it imports dist/):  node bench/dedup.mjs [--mib 1024] [--runs 3] [--only throughput|cases|new]
import { createCipheriv, createHash } from 'node:crypto';
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { saveSummary, table, workspace } from './lib.mjs';

const dist = (path) => new URL(`../dist/${path}`, import.meta.url).href;
const { chunkFile } = await import(dist('chunk/chunker.js'));
const { cutPoint } = await import(dist('chunk/cut.js'));
const { planUpload, knownChunksFromRecipes } = await import(dist('chunk/plan-upload.js'));
const { storeChunkedFile, fetchRecipe, rebuildFile, localChunks } = await import(dist('chunk/chunked-transfer.js'));
const { FolderChunkStore } = await import(dist('chunk/folder-chunk-store.js'));
const { chunkAndStore } = await import(dist('chunk/chunk-upload.js'));
const { readTensorLayout } = await import(dist('model-files/read-layout.js'));
const { tensorBoundaries } = await import(dist('model-files/tensor-layout.js'));
const { hashFile } = await import(dist('cache/hash.js'));
const { DirectoryStore } = await import(dist('remote/directory-store.js'));

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const MIB = 1024 * 1024;
const SIZE = Number(option('--mib', 1024)) * MIB;
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

function* randomWithOverwrite(size, seed, at, length) {
  let offset = 0;
  for (const block of randomBytes(size, seed)) {
    const start = Math.max(at, offset);
    const end = Math.min(at + length, offset + block.length);
    if (start < end) keystream('overwrite')(end - start).copy(block, start - offset);
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

async function oidOf(path) {
  return (await hashFile(path)).oid;
}

async function chunked(path, tensorAware) {
  const layout = tensorAware ? await readTensorLayout(path) : undefined;
  const result = await chunkFile(path, { wholeHash: true, ...(layout ? { boundaries: tensorBoundaries(layout) } : {}) });
  return { ...result, layout };
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

// The cases: bytes sent by the upload of v2 after v1, and fetched by the rebuild of v2 where v1 is cached.
if (!ONLY || ONLY === 'cases') {
  const changedNames = new Set();
  const st = safetensorsPieces(SIZE, 'v1', changedNames);
  // One tensor in each run of five changes, at a rotating position: 32 large ones and 8 small ones.
  st.tensors.forEach((t, i) => i % 5 === Math.floor(i / 5) % 5 && changedNames.add(t.name));
  const changedBytes = st.tensors.filter((t) => changedNames.has(t.name)).reduce((s, t) => s + t.bytes, 0);
  const cases = [
    {
      name: `safetensors, ${st.tensors.length} tensors, ${changedNames.size} changed (${pct(changedBytes, SIZE)} of bytes)`,
      target: 0.25,
      tensorAware: true,
      v1: () => safetensorsPieces(SIZE, 'v1', changedNames).pieces(),
      v2: () => safetensorsPieces(SIZE, 'v2', changedNames).pieces(),
    },
    { name: '1 MiB overwritten in the middle', targetBytes: 4 * MIB, v1: () => randomBytes(SIZE, 'mid'), v2: () => randomWithOverwrite(SIZE, 'mid', SIZE / 2, MIB) },
    {
      name: 'CSV with 1 % appended',
      target: 0.03,
      v1: () => csvRows(SIZE, 'a'),
      v2: function* () {
        yield* csvRows(SIZE, 'a');
        yield* csvRows(SIZE / 100, 'b', 1e9);
      },
    },
    {
      name: '100 bytes inserted at offset 0',
      target: 0.02,
      v1: () => randomBytes(SIZE, 'ins'),
      v2: function* () {
        yield keystream('inserted')(100);
        yield* randomBytes(SIZE, 'ins');
      },
    },
  ];
  const rows = [['case', 'v2 size', 'sent by upload of v2', 'share', 'fetched by rebuild of v2', 'share', 'target', 'met']];
  summary.cases = [];
  for (const c of cases) {
    const dir = join(work, 'case');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(join(dir, 'remote'), { recursive: true });
    const store = new FolderChunkStore(join(dir, 'remote'));
    const v1 = await writeFrom(join(dir, 'v1'), c.v1());
    const v2 = await writeFrom(join(dir, 'v2'), c.v2());
    const one = await chunked(v1, c.tensorAware);
    await storeChunkedFile(store, planUpload({ oid: one.oid, size: one.size, chunks: one.chunks }, new Map()), v1);
    // The upload of v2 learns what the remote has from v1's recipe (fetched, so not counted as sent).
    const recipe1 = await fetchRecipe(store, one.oid, one.size);
    const two = await chunked(v2, c.tensorAware);
    const plan = planUpload({ oid: two.oid, size: two.size, chunks: two.chunks }, knownChunksFromRecipes([recipe1]));
    const written = store.counters.bytesWritten;
    await storeChunkedFile(store, plan, v2);
    const sent = store.counters.bytesWritten - written;
    // The rebuild of v2 reads its recipe and the chunks v1 lacks; the rest is copied from the cached v1.
    const read = store.counters.bytesRead;
    const recipe2 = await fetchRecipe(store, two.oid, two.size);
    const rebuilt = await rebuildFile(store, recipe2, { local: localChunks([{ path: v1, chunks: one.chunks }]), temp: join(dir, 'rebuilt') });
    const fetched = store.counters.bytesRead - read;
    const limit = c.targetBytes ?? c.target * two.size;
    const met = sent <= limit && fetched <= limit;
    rows.push([c.name, mib(two.size), mib(sent), pct(sent, two.size), mib(fetched), pct(fetched, two.size), c.targetBytes ? mib(c.targetBytes) : `≤ ${c.target * 100} %`, met ? 'yes' : 'NO']);
    summary.cases.push({ case: c.name, size: two.size, sent, fetched, remoteChunkBytes: rebuilt.remoteBytes, recipeBytes: plan.recipeBytes.length, limit, met, chunks: two.chunks.length });
    rmSync(dir, { recursive: true, force: true });
  }
  table(`Bytes moved for v2 with v1 on the remote and in the cache (${mib(SIZE)} files; recipe and pack index included)`, rows);
}

// A brand-new file: storing it as chunks against storing it whole, on a folder remote.
if (!ONLY || ONLY === 'new') {
  const path = await writeFrom(join(work, 'new.bin'), randomBytes(SIZE, 'new'));
  const oid = await oidOf(path);
  const times = { whole: [], onePass: [], twoPass: [] };
  for (let r = 0; r < RUNS; r++) {
    for (const kind of Object.keys(times)) {
      const remote = join(work, `remote-${kind}`);
      rmSync(remote, { recursive: true, force: true });
      mkdirSync(remote);
      const store = new FolderChunkStore(remote);
      const run = {
        whole: () => new DirectoryStore(remote, { stallTimeoutMs: 60_000 }).put(oid, path, SIZE),
        onePass: () => chunkAndStore(store, { path, oid }, { known: new Map() }),
        twoPass: async () => {
          const result = await chunkFile(path, { expect: oid });
          await storeChunkedFile(store, planUpload({ oid, size: result.size, chunks: result.chunks }, new Map()), path);
        },
      }[kind];
      times[kind].push((await timed(run)).ms);
      rmSync(remote, { recursive: true, force: true });
    }
  }
  const [whole, onePass, twoPass] = [median(times.whole), median(times.onePass), median(times.twoPass)];
  table(`A new ${mib(SIZE)} random file to a folder remote (median of ${RUNS} interleaved rounds)`, [
    ['store', 'time', 'ratio'],
    ['whole object (DirectoryStore.put: kernel copy beside SHA-256)', `${(whole / 1000).toFixed(3)} s`, '1.00×'],
    ['chunks in one pass (packs written from the chunker\'s buffers)', `${(onePass / 1000).toFixed(3)} s`, `${(onePass / whole).toFixed(2)}×`],
    ['chunks in two passes (chunk, then packs re-read and re-hashed)', `${(twoPass / 1000).toFixed(3)} s`, `${(twoPass / whole).toFixed(2)}×`],
  ]);
  summary.newFile = { whole, onePass, twoPass };
  rmSync(path);
}

saveSummary('dedup', { size: SIZE, runs: RUNS, ...summary });

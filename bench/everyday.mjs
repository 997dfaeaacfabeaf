// Everyday speed: the commands people run all day, as ratios against a bare Node start (and, for the big
// add, against the hash-or-copy floor), measured in the same run. Targets (issue "everyday speed"):
//   - mvr add of a 100-byte file, code committed            ≤ 3 × node start
//   - mvr status, nothing changed, 10,000 × 4 KiB + 512 MiB  ≤ 3 × node start
//   - mvr add of a new 512 MiB file, page cache warm         ≤ 1.3 × (max(openssl, cp) + node start)
//   - mvr init, remote list, verify (small repo), show, ls, history: each ≤ 3 × node start
// Run after `npm run build`:  node bench/everyday.mjs   (BENCH_RUNS=10 by default)
import { join } from 'node:path';
import { MV, interleaved, q, ratio, requireTools, saveSummary, sh, table, workspace } from './lib.mjs';

requireTools(['openssl', 'git']);
const runs = Number(process.env.BENCH_RUNS ?? 10);
const root = workspace('everyday');
const mv = (args) => `${q(MV)} ${args}`;

// A project: one small committed code file, mv set up, a folder remote, two versions of a small model.
const small = join(root, 'small');
sh(
  [
    `mkdir -p ${q(small)} && cd ${q(small)} && git init -q -b main`,
    'git config user.name bench && git config user.email bench@example.com && git config commit.gpgsign false && git config tag.gpgsign false',
    'mkdir -p src models && echo "print(1)" > src/train.py && git add src && git commit -q -m code',
    `${mv('init')} >/dev/null 2>&1`,
    `mkdir -p ${q(join(root, 'remote'))} && ${mv(`remote add origin ${q(join(root, 'remote'))} --default`)} >/dev/null`,
    'head -c 100 /dev/urandom > models/m.bin',
    `${mv('add m models/m.bin --pipeline src/train.py')} >/dev/null 2>&1`,
    `${mv('promote m@v0.1.0 staging')} >/dev/null 2>&1`,
  ].join(' && '),
);

// A bigger work tree for status: 10,000 files of 4 KiB and one of 512 MiB, versioned and unchanged.
const big = join(root, 'big');
sh(
  [
    `mkdir -p ${q(big)} && cd ${q(big)} && git init -q -b main`,
    'git config user.name bench && git config user.email bench@example.com && git config commit.gpgsign false && git config tag.gpgsign false',
    'mkdir -p src data/shards models && echo "print(1)" > src/train.py && git add src && git commit -q -m code',
    `${mv('init')} >/dev/null 2>&1`,
    `node -e "const fs=require('fs');const b=Buffer.alloc(4096);for(let i=0;i<10000;i++){b.writeUInt32LE(i,0);fs.writeFileSync('data/shards/s'+i+'.bin',b)}"`,
    'head -c 536870912 /dev/urandom > models/weights.bin',
    `${mv('add big models/weights.bin --data data/shards --pipeline src/train.py')} >/dev/null 2>&1`,
    `${mv('status')} >/dev/null`,
  ].join(' && '),
);

// The big add: a new 512 MiB file each run (the cache emptied of it first), page cache warm.
const adds = join(root, 'adds');
sh(
  [
    `mkdir -p ${q(adds)} && cd ${q(adds)} && git init -q -b main`,
    'git config user.name bench && git config user.email bench@example.com && git config commit.gpgsign false && git config tag.gpgsign false',
    'mkdir -p src models && echo "print(1)" > src/train.py && git add src && git commit -q -m code',
    `${mv('init')} >/dev/null 2>&1`,
  ].join(' && '),
);
const newBin = q(join(adds, 'models/new.bin'));
const copyBin = q(join(adds, 'copy.bin'));
const fresh = `cd ${q(adds)} && head -c 536870912 /dev/urandom > models/new.bin && rm -rf .mv/cache/objects .git/mv/stat-cache .git/mv/stat-cache.json ${copyBin} && cat models/new.bin > /dev/null`;
// The two cases that write 512 MiB (cp and the add) start right after 512 MiB of written pages were freed:
// on a virtual machine whose balloon hands freed memory back to the host (free page reporting), writing
// into memory the host has taken back costs a fault per page, and a copy then took 1.0–1.4 s instead of
// 0.25–0.33 s. Whichever case ran just after another writer would otherwise get the cheap pages.
const writer = `${fresh} && sync && cp models/new.bin scratch.bin && rm scratch.bin`;

// The everyday commands and a bare Node start in the same rounds (each round runs every case once,
// starting one case later each round): the machine's speed drifts over minutes (other work, Node's start
// itself moves 0.05–0.11 s from day to day), and a ratio is only honest between times taken together.
const freshDir = join(root, 'fresh');
const everyday = interleaved(
  'everyday',
  [
    { name: 'node', command: "node -e ''" },
    { name: 'add 100 B', command: `cd ${q(small)} && ${mv('add m models/m.bin --pipeline src/train.py')} >/dev/null 2>&1`, prepare: `cd ${q(small)} && head -c 100 /dev/urandom > models/m.bin` },
    { name: 'status', command: `cd ${q(big)} && ${mv('status')} >/dev/null` },
    { name: 'init (already set up)', command: `cd ${q(small)} && ${mv('init')} >/dev/null` },
    { name: 'remote list', command: `cd ${q(small)} && ${mv('remote list')} >/dev/null` },
    { name: 'verify', command: `cd ${q(small)} && ${mv('verify')} >/dev/null` },
    { name: 'show', command: `cd ${q(small)} && ${mv('show m')} >/dev/null` },
    { name: 'ls', command: `cd ${q(small)} && ${mv('ls')} >/dev/null` },
    { name: 'history', command: `cd ${q(small)} && ${mv('history m')} >/dev/null` },
    { name: 'init (new repository)', command: `cd ${q(freshDir)} && ${mv('init')} >/dev/null`, prepare: `rm -rf ${q(freshDir)} && mkdir -p ${q(freshDir)} && cd ${q(freshDir)} && git init -q -b main && git config user.name b && git config user.email b@e && git commit -q --allow-empty -m i` },
  ],
  { runs, warmup: 2 },
);
const { node, 'add 100 B': small100, status } = everyday;
const reads = Object.fromEntries(Object.entries(everyday).filter(([name]) => !['node', 'add 100 B', 'status'].includes(name)));

const floor = interleaved(
  'everyday-floor',
  [
    { name: 'node', command: "node -e ''" },
    { name: 'openssl', command: `openssl dgst -sha256 ${newBin} >/dev/null`, prepare: fresh },
    { name: 'cp', command: `cp ${newBin} ${copyBin}`, prepare: writer },
    { name: 'add 512 MiB', command: `cd ${q(adds)} && ${mv('add n models/new.bin --pipeline src/train.py --allow-dirty')} >/dev/null 2>&1`, prepare: writer },
  ],
  { runs: Math.min(runs, 5), warmup: 1 },
);
const bigAddFloor = Math.max(floor.openssl, floor.cp) + floor.node;

const rows = [
  ['what', 'median', 'ratio', 'target'],
  ['node -e \'\' (with the commands)', `${node.toFixed(3)} s`, '1.00×', ''],
  ['add of a 100-byte file', `${small100.toFixed(3)} s`, ratio(small100, node), '≤ 3× node'],
  ['status, 10,000 × 4 KiB + 512 MiB unchanged', `${status.toFixed(3)} s`, ratio(status, node), '≤ 3× node'],
  ...Object.entries(reads).map(([name, t]) => [name, `${t.toFixed(3)} s`, ratio(t, node), '≤ 3× node']),
  ['openssl dgst -sha256, 512 MiB', `${floor.openssl.toFixed(3)} s`, '', ''],
  ['cp, 512 MiB', `${floor.cp.toFixed(3)} s`, '', ''],
  ['node -e \'\' (with the 512 MiB cases)', `${floor.node.toFixed(3)} s`, '', ''],
  ['add of a new 512 MiB file', `${floor['add 512 MiB'].toFixed(3)} s`, ratio(floor['add 512 MiB'], bigAddFloor), '≤ 1.3× (max(openssl, cp) + node)'],
];
table('Everyday commands (medians; ratios against a bare Node start timed in the same rounds)', rows);
saveSummary('everyday', { node, small100, status, reads, floor });

// Shared helpers for the benchmarks: temp workspaces, git repositories, hyperfine runs, tables.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MV = fileURLToPath(new URL('../bin/mvr', import.meta.url));
export const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));

export function sh(command, options = {}) {
  return execFileSync('bash', ['-c', command], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });
}

export function have(tool) {
  return spawnSync('bash', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
}

export function requireTools(tools) {
  const missing = tools.filter((t) => !have(t));
  if (missing.length) {
    console.error(`missing tools: ${missing.join(', ')} (Debian: apt-get install ${missing.join(' ')})`);
    process.exit(2);
  }
}

export function workspace(name) {
  const base = process.env.BENCH_DIR ?? tmpdir();
  const dir = mkdtempSync(join(base, `mv-bench-${name}-`));
  process.on('exit', () => {
    if (!process.env.BENCH_KEEP) spawnSync('bash', ['-c', `chmod -R u+w ${JSON.stringify(dir)} 2>/dev/null; rm -rf ${JSON.stringify(dir)}`]);
  });
  return dir;
}

/**
 * A shell command that moves `paths` (those that exist) into `trash`, a folder on the same file system,
 * instead of deleting them. This machine's ext4 runs without a journal, and there the inode allocator
 * passes over every inode freed in the last minute, reading its inode-table block each time: creating
 * 20,000 files just after deleting 20,000 costs seconds of kernel time (perf: `recently_deleted`), for
 * whichever tool runs next. Trees of many files are set aside between runs; the trash goes at the end.
 * Files over 1 MiB are deleted first (few inodes, and the trash stays small).
 */
export function setAside(trash, ...paths) {
  const list = paths.map(q).join(' ');
  const aside = `{ [ ! -e "$p" ] || mv "$p" ${q(trash)}/$(date +%s%N); }`;
  return `mkdir -p ${q(trash)} && for p in ${list}; do if [ -e "$p" ]; then chmod -R u+w "$p" && find "$p" -type f -size +1M -delete && ${aside} || exit 1; fi; done`;
}

/**
 * Shell lines that make `dir` a fresh git repository with a fixed identity and one commit; a previous one
 * is deleted, or set aside into `trash` when it holds many files (see `setAside`).
 */
export function gitInit(dir, trash) {
  return [
    trash ? setAside(trash, dir) : `rm -rf ${q(dir)}`,
    `mkdir -p ${q(dir)}`,
    `cd ${q(dir)}`,
    'git init -q -b main',
    'git config user.name bench && git config user.email bench@example.com',
    'git config commit.gpgsign false && git config tag.gpgsign false',
    'git commit -q --allow-empty -m init',
  ].join(' && ');
}

/** A shell command that flushes written data and reads `files` into the page cache: each timed run starts warm. */
export function warmOnly(...files) {
  return `sync && cat ${files.map(q).join(' ')} > /dev/null`;
}

export function q(text) {
  return `'${String(text).replace(/'/g, `'\\''`)}'`;
}

/**
 * Runs hyperfine on named commands (each with its own prepare step) and returns median seconds by name.
 * `runs` defaults to 5; `BENCH_RUNS` overrides.
 */
export function hyperfine(label, cases, { runs = Number(process.env.BENCH_RUNS ?? 5), warmup = 0 } = {}) {
  mkdirSync(RESULTS, { recursive: true });
  const out = join(RESULTS, `${label}.json`);
  const args = ['--runs', String(runs), '--warmup', String(warmup), '--export-json', out, '--style', 'basic', '-N'];
  const shellArgs = ['--runs', String(runs), '--warmup', String(warmup), '--export-json', out, '--style', 'basic'];
  const needsShell = cases.some((c) => c.prepare || /[|&;<>$]/.test(c.command));
  const final = needsShell ? [...shellArgs] : [...args];
  for (const c of cases) {
    if (c.prepare) final.push('--prepare', c.prepare);
    else if (needsShell) final.push('--prepare', 'true');
    final.push('-n', c.name, c.command);
  }
  const result = spawnSync('hyperfine', final, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) throw new Error(`hyperfine ${label} failed`);
  const data = JSON.parse(readFileSync(out, 'utf8'));
  return Object.fromEntries(data.results.map((r) => [r.command, r.median]));
}

/**
 * Like `hyperfine`, but runs the cases in turn within each round (prepare, then the timed command) instead
 * of all runs of one case before the next, each round starting with the next case: on a machine whose disk
 * write-back comes and goes, every tool then meets the same conditions. Returns median seconds by name and writes every time to `<label>.json`.
 */
export function interleaved(label, cases, { runs = Number(process.env.BENCH_RUNS ?? 5), warmup = 1, cwd, env } = {}) {
  mkdirSync(RESULTS, { recursive: true });
  const times = Object.fromEntries(cases.map((c) => [c.name, []]));
  const where = { ...(cwd ? { cwd } : {}), ...(env ? { env } : {}) };
  for (let round = 0; round < warmup + runs; round++) {
    // Each round starts one case later, so no tool always runs first (after the cleanup of the round before).
    for (const c of [...cases.slice(round % cases.length), ...cases.slice(0, round % cases.length)]) {
      if (c.prepare) sh(c.prepare, where);
      const start = process.hrtime.bigint();
      const result = spawnSync('sh', ['-c', c.command], { stdio: ['ignore', 'ignore', 'inherit'], ...where });
      const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
      if (result.status !== 0) throw new Error(`${label}: ${c.name} failed (exit ${result.status})`);
      if (round >= warmup) times[c.name].push(elapsed);
    }
    console.log(`${label}: round ${round + 1 - warmup}${round < warmup ? ' (warm-up)' : ''}: ${cases.map((c) => `${c.name} ${seconds(times[c.name].at(-1) ?? NaN)}`).join(', ')}`);
  }
  writeFileSync(join(RESULTS, `${label}.json`), `${JSON.stringify({ runs, warmup, times }, null, 2)}\n`);
  return Object.fromEntries(Object.entries(times).map(([name, list]) => [name, median(list)]));
}

function median(list) {
  const sorted = [...list].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function ratio(a, b) {
  return `${(a / b).toFixed(2)}×`;
}

export function table(title, rows) {
  console.log(`\n## ${title}`);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  for (const [i, row] of rows.entries()) {
    console.log(`| ${row.map((cell, j) => String(cell).padEnd(widths[j])).join(' | ')} |`);
    if (i === 0) console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  }
}

export function saveSummary(name, summary) {
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, `${name}-summary.json`), `${JSON.stringify({ date: new Date().toISOString(), ...summary }, null, 2)}\n`);
}

export function seconds(value) {
  return `${value.toFixed(3)} s`;
}

export function cleanup(dir) {
  if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
}

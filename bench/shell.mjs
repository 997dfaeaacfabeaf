// What the `mv` shell function of `mvr shell-init` costs a plain `mv a b`: in each shell, ROUNDS rounds
// of N renames through the function and N through `command mv`, interleaved, in one shell process
// (no start-up in the timing). Prints microseconds per rename and the difference. Target: within 5 ms.
// `node bench/shell.mjs` (after `npm run build`); BENCH_N and BENCH_ROUNDS change the counts.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MV } from './lib.mjs';

const N = Number(process.env.BENCH_N ?? 500);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const dir = mkdtempSync(join(tmpdir(), 'mv-bench-shell-'));

const loops = {
  posix: (call) => `s=$(date +%s%N); i=0; while [ $i -lt ${N} ]; do ${call} a b; ${call} b a; i=$((i+1)); done; e=$(date +%s%N); echo $(( (e - s) / (${N} * 2) ))`,
  fish: (call) => `set s (date +%s%N); for i in (seq ${N}); ${call} a b; ${call} b a; end; set e (date +%s%N); math --scale=0 "($e - $s) / (${N} * 2)"`,
};

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

console.log(`plain renames through the mv function vs command mv: ${ROUNDS} rounds × ${N * 2} renames each, time per rename (median of rounds)`);
console.log('| shell | function | command mv | difference |');
console.log('|---|---|---|---|');
try {
  for (const shell of ['bash', 'zsh', 'fish']) {
    if (spawnSync(shell, ['-c', 'true']).status !== 0) continue;
    const init = join(dir, `init.${shell}`);
    writeFileSync(init, execFileSync(MV, ['shell-init', shell], { encoding: 'utf8' }));
    writeFileSync(join(dir, 'a'), 'x');
    const loop = shell === 'fish' ? loops.fish : loops.posix;
    const script = [`source ${init}`];
    const substitute = (command) => (shell === 'fish' ? `(${command})` : `$(${command})`);
    for (let r = 0; r < ROUNDS; r++) script.push(`echo f ${substitute(loop('mv'))}`, `echo c ${substitute(loop('command mv'))}`);
    const flags = shell === 'bash' ? ['--norc', '--noprofile', '-c'] : shell === 'zsh' ? ['-f', '-c'] : ['--no-config', '-c'];
    const out = execFileSync(shell, [...flags, script.join('\n')], { cwd: dir, encoding: 'utf8' });
    const of = (tag) => out.split('\n').filter((l) => l.startsWith(`${tag} `)).map((l) => Number(l.slice(2)));
    const fn = median(of('f'));
    const cmd = median(of('c'));
    console.log(`| ${shell} | ${(fn / 1000).toFixed(0)} µs | ${(cmd / 1000).toFixed(0)} µs | ${((fn - cmd) / 1000).toFixed(0)} µs |`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

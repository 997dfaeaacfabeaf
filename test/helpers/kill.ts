/**
 * Kill tests drive the built mvr with the step hook (steps.mjs): `traceSteps` lists the steps a command
 * takes, `killAtStep` runs it again and kills it just before one of them.
 */
import { readFile, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { tempDir } from './git-repo.js';
import { MV_BIN, type MvRun } from './mv-cli.js';

const HOOK = fileURLToPath(new URL('./steps.mjs', import.meta.url));

/** The environment that loads the step hook into mvr (and `more`: MV_STEP_LOG, MV_KILL_AT, MV_STOP_AT). */
export function stepEnv(more: Record<string, string>): Record<string, string> {
  return { NODE_OPTIONS: `--import=${HOOK}`, ...more };
}

async function runWithHook(cwd: string, args: string[], env: Record<string, string>): Promise<{ run: MvRun & { signal?: string }; log: string[] }> {
  const log = join(await tempDir('mv-steps-'), 'steps.log');
  const result = await execa(MV_BIN, args, {
    cwd,
    reject: false,
    env: { NO_COLOR: '1', ...stepEnv({ MV_STEP_LOG: log, ...env }) },
  });
  const lines = (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean);
  return { run: { exitCode: result.exitCode ?? 1, stdout: result.stdout, stderr: result.stderr, ...(result.signal ? { signal: result.signal } : {}) }, log: lines };
}

/** Runs `mvr args` to the end and returns the steps it took, in order; fails unless it exits 0. */
export async function traceSteps(cwd: string, args: string[], env: Record<string, string> = {}): Promise<string[]> {
  const { run, log } = await runWithHook(cwd, args, env);
  if (run.exitCode !== 0) throw new Error(`mvr ${args.join(' ')} exited ${run.exitCode}\n${run.stderr}`);
  return log;
}

/**
 * Runs `mvr args` in the repository `cwd` and kills it with SIGKILL just before `step` (a line of
 * `traceSteps`; `#k` for its k-th occurrence); fails unless it died there.
 *
 * The repository lock the killed command held is left behind, as after a real crash; it is dated a minute
 * back, as it would be by the time anyone looks, so that the next command takes it over at once instead of
 * waiting the seconds after which a lock that is no longer refreshed counts as abandoned.
 */
export async function killAtStep(cwd: string, args: string[], step: string, env: Record<string, string> = {}): Promise<void> {
  const { run, log } = await runWithHook(cwd, args, { ...env, MV_KILL_AT: step });
  if (run.signal !== 'SIGKILL' || !log.some((line) => line.startsWith('kill '))) {
    throw new Error(`mvr ${args.join(' ')} was not killed before ${step} (exit ${run.exitCode}, ${log.length} steps)\n${run.stderr}`);
  }
  const past = new Date(Date.now() - 60_000);
  await utimes(join(cwd, '.git/mv/repo.lock'), past, past).catch(() => undefined);
}

/** `step` as `killAtStep` names it: with `#k` when it is the k-th of its kind in `steps` (k > 1). */
export function occurrence(steps: string[], index: number): string {
  const step = steps[index]!;
  const k = steps.slice(0, index + 1).filter((s) => s === step).length;
  return k > 1 ? `${step}#${k}` : step;
}

/**
 * Running mvr. `mv`, `mvOk` and `mvJson` run the built `bin/mvr` as a user, script or CI job would: the
 * end-to-end tests, and tests that need a process of its own (signals, another user, git hooks). `cli`
 * runs the same command line through the CLI's `main` in this process — the same parsing, rendering and
 * exit codes without starting Node and loading the bundle — for tests about what the CLI itself adds.
 */
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { withEnv } from './env.js';

export const MV_BIN = fileURLToPath(new URL('../../bin/mvr', import.meta.url));

export interface MvRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export async function mv(cwd: string, args: string[], options: { env?: Record<string, string>; input?: string } = {}): Promise<MvRun> {
  const result = await execa(MV_BIN, args, {
    cwd,
    reject: false,
    env: { NO_COLOR: '1', ...options.env },
    ...(options.input !== undefined ? { input: options.input } : {}),
  });
  return { exitCode: result.exitCode ?? 1, stdout: result.stdout, stderr: result.stderr };
}

/** Runs mvr and fails the test with its output unless it exits 0. */
export async function mvOk(cwd: string, args: string[], options: { env?: Record<string, string> } = {}): Promise<MvRun> {
  return succeeded(args, await mv(cwd, args, options));
}

export async function mvJson<T = Record<string, unknown>>(cwd: string, args: string[], options: { env?: Record<string, string> } = {}): Promise<T> {
  const run = await mvOk(cwd, [...args, '--json'], options);
  return JSON.parse(run.stdout) as T;
}

function succeeded(args: string[], run: MvRun): MvRun {
  if (run.exitCode !== 0) throw new Error(`mvr ${args.join(' ')} exited ${run.exitCode}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
  return run;
}

type Write = typeof process.stdout.write;

/**
 * `mvr args` in `cwd`, run by the CLI's `main` in this test process, with `env` set meanwhile; what it
 * writes to stdout and stderr is captured, as `mv` returns it (one final line break removed). Output is
 * not a terminal here (vitest's forks write to pipes), as for a script: no colour, no spinner. mvr's own
 * path (written into hooks by `hooks install` and by the rewrite of old hooks, printed by `shell-init`) is
 * that of the built bin/mvr only when the built mvr runs: use `mv` for those.
 */
export async function cli(cwd: string, args: string[], options: { env?: Record<string, string> } = {}): Promise<MvRun> {
  const { main } = await import('../../src/cli/main.js');
  const out: string[] = [];
  const err: string[] = [];
  const capture = (sink: string[]): Write =>
    (chunk: string | Uint8Array, encoding?: unknown, done?: unknown) => {
      sink.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      const callback = typeof encoding === 'function' ? encoding : done;
      if (typeof callback === 'function') callback();
      return true;
    };
  // main() installs its handlers for signals and closed pipes on every run; they are removed after it.
  const events = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const before = { signals: events.map((e) => process.listeners(e)), out: process.stdout.listeners('error'), err: process.stderr.listeners('error') };
  const streams = [process.stdout, process.stderr];
  const writes = streams.map((stream) => Object.getOwnPropertyDescriptor(stream, 'write'));
  const dir = process.cwd();
  process.stdout.write = capture(out);
  process.stderr.write = capture(err);
  process.chdir(cwd);
  try {
    const exitCode = await withEnv({ NO_COLOR: '1', ...options.env }, () => main(args));
    return { exitCode, stdout: out.join('').replace(/\n$/, ''), stderr: err.join('').replace(/\n$/, '') };
  } finally {
    streams.forEach((stream, i) => {
      if (writes[i]) Object.defineProperty(stream, 'write', writes[i]);
      else delete (stream as { write?: Write }).write;
    });
    process.chdir(dir);
    process.exitCode = undefined;
    events.forEach((e, i) => process.listeners(e).filter((l) => !before.signals[i]!.includes(l)).forEach((l) => process.off(e, l)));
    process.stdout.listeners('error').filter((l) => !before.out.includes(l)).forEach((l) => process.stdout.off('error', l as () => void));
    process.stderr.listeners('error').filter((l) => !before.err.includes(l)).forEach((l) => process.stderr.off('error', l as () => void));
  }
}

/** `cli`, failing the test with its output unless it exits 0. */
export async function cliOk(cwd: string, args: string[], options: { env?: Record<string, string> } = {}): Promise<MvRun> {
  return succeeded(args, await cli(cwd, args, options));
}

export async function cliJson<T = Record<string, unknown>>(cwd: string, args: string[], options: { env?: Record<string, string> } = {}): Promise<T> {
  return JSON.parse((await cliOk(cwd, [...args, '--json'], options)).stdout) as T;
}

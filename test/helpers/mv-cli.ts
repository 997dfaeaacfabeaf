/** Runs the built `bin/mvr` as a user, script or CI job would. */
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

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
  const run = await mv(cwd, args, options);
  if (run.exitCode !== 0) throw new Error(`mvr ${args.join(' ')} exited ${run.exitCode}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
  return run;
}

export async function mvJson<T = Record<string, unknown>>(cwd: string, args: string[], options: { env?: Record<string, string> } = {}): Promise<T> {
  const run = await mvOk(cwd, [...args, '--json'], options);
  return JSON.parse(run.stdout) as T;
}

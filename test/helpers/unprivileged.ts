/**
 * Running mv as an unprivileged user. CI runs as root, which ignores file permissions; cases that depend
 * on them (read-only cache objects, unwritable remotes) run mv as `nobody` through `setpriv`.
 */
import { execa } from 'execa';
import { MV_BIN, type MvRun } from './mv-cli.js';

export const NOBODY = { uid: 65534, gid: 65534 };

/** Hands `dir` (and everything in it) to `nobody`, so mv running as nobody can write there. */
export async function giveToNobody(...dirs: string[]): Promise<void> {
  for (const dir of dirs) await execa('chown', ['-R', `${NOBODY.uid}:${NOBODY.gid}`, dir]);
}

/** Runs the built mv as `nobody` (no supplementary groups), with a home folder of `home`. */
export async function mvAsNobody(cwd: string, args: string[], options: { home?: string; env?: Record<string, string> } = {}): Promise<MvRun> {
  const result = await execa('setpriv', [`--reuid=${NOBODY.uid}`, `--regid=${NOBODY.gid}`, '--clear-groups', process.execPath, MV_BIN, ...args], {
    cwd,
    reject: false,
    env: { NO_COLOR: '1', HOME: options.home ?? cwd, ...options.env },
  });
  return { exitCode: result.exitCode ?? 1, stdout: result.stdout, stderr: result.stderr };
}

export async function mvAsNobodyOk(cwd: string, args: string[], options: { home?: string } = {}): Promise<MvRun> {
  const run = await mvAsNobody(cwd, args, options);
  if (run.exitCode !== 0) throw new Error(`mv ${args.join(' ')} (as nobody) exited ${run.exitCode}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
  return run;
}

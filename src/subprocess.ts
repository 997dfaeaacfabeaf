/**
 * Running a helper program (cp, python, nvidia-smi) and collecting its output. Node's execFile is enough
 * here, and unlike a wrapper library it costs nothing at start-up, which `mv add` pays on every run.
 */
import { execFile } from 'node:child_process';

export interface ToolResult {
  /** undefined when the program could not be started (not installed) or was killed. */
  exitCode: number | undefined;
  /** The signal that killed it, if one did (`signal` aborted, a timeout, or a signal from elsewhere). */
  killedBy?: string;
  stdout: string;
  stderr: string;
}

/**
 * Runs a program to the end and resolves once it has exited. With `signal`, aborting kills it (SIGTERM);
 * the promise still waits for the exit, so a caller that cleans up afterwards never races it.
 */
export function runTool(command: string, args: string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv; signal?: AbortSignal } = {}): Promise<ToolResult> {
  return new Promise((resolve) => {
    const settings = { timeout: options.timeoutMs ?? 0, encoding: 'utf8' as const, maxBuffer: 16 * 1024 * 1024, ...(options.env ? { env: options.env } : {}) };
    // Not execFile's own `signal` option: that reports the abort at once, while the program may still be
    // writing; this callback runs only once it has exited.
    const child = execFile(command, args, settings, (error, stdout, stderr) => {
      options.signal?.removeEventListener('abort', stop);
      const code = error && typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : error ? undefined : 0;
      const killedBy = (error as { signal?: string | null } | null)?.signal ?? undefined;
      resolve({ exitCode: code, ...(killedBy ? { killedBy } : {}), stdout, stderr });
    });
    const stop = () => void child.kill('SIGTERM');
    if (options.signal?.aborted) stop();
    else options.signal?.addEventListener('abort', stop, { once: true });
    child.stdin?.end();
  });
}

/**
 * Running a helper program (cp, python, nvidia-smi) and collecting its output. Node's execFile is enough
 * here, and unlike a wrapper library it costs nothing at start-up, which `mv add` pays on every run.
 */
import { execFile } from 'node:child_process';

export interface ToolResult {
  /** undefined when the program could not be started (not installed). */
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
}

export function runTool(command: string, args: string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<ToolResult> {
  return new Promise((resolve) => {
    const settings = { timeout: options.timeoutMs ?? 0, encoding: 'utf8' as const, maxBuffer: 16 * 1024 * 1024, ...(options.env ? { env: options.env } : {}) };
    const child = execFile(command, args, settings, (error, stdout, stderr) => {
      const code = error && typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : error ? undefined : 0;
      resolve({ exitCode: code, stdout, stderr });
    });
    child.stdin?.end();
  });
}

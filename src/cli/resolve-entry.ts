/**
 * The start-up path of `mv resolve <ref> [--json]`, which serving code may run on every start: it parses
 * those two forms itself instead of loading commander and every command definition. Anything else
 * (--help, unknown flags, a missing ref) is left to the full CLI, which reports usage as usual.
 */
import { renderResolve } from './registry-render.js';
import { installInterruptHandler, reportError } from './run.js';
import { loadStyles } from './output.js';

/** The exit code, or undefined when the arguments need the full CLI. */
export async function runResolve(args: string[]): Promise<number | undefined> {
  const json = args.includes('--json');
  const rest = args.filter((a) => a !== '--json');
  if (rest.length !== 1 || rest[0]!.startsWith('-')) return undefined;
  installInterruptHandler();
  await loadStyles();
  try {
    const { resolve } = await import('../commands/resolve.js');
    renderResolve(await resolve({ cwd: process.cwd(), ref: rest[0]! }), json);
    return 0;
  } catch (error) {
    return reportError(error, json);
  }
}

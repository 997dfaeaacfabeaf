/** CLI definition of `mv ui`: serve the dashboard until Ctrl-C, or write it as static files with --export. */
import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { formatBytes } from '../byte-size.js';
import { note, print, printJson, warn } from './output.js';
import { interruptSignal } from './run.js';

interface UiFlags {
  port?: string;
  host?: string;
  open?: boolean;
  export?: string;
  force?: boolean;
  json?: boolean;
}

export function registerUiCommands(program: Command): void {
  program
    .command('ui')
    .description('a read-only web dashboard of the registry on this machine; with --export DIR, the same as static HTML files')
    .option('--port <n>', 'port to listen on (default 8470; 0 picks a free port)')
    .option('--host <address>', 'address to listen on (default 127.0.0.1); any other than loopback exposes the registry to the network')
    .option('--open', 'open the dashboard in the default browser')
    .option('--export <dir>', 'write the dashboard as static files to DIR (for CI to publish) instead of serving it')
    .option('--force', 'with --export: write into a folder that holds other files')
    .option('--json', 'print the result as JSON')
    .action(async (opts: UiFlags) => {
      if (opts.export !== undefined) return exportAction(opts.export, opts);
      if (opts.force) throw new UsageError('--force only applies to --export.', 'Use `mvr ui --export DIR --force`.');
      await serveAction(opts);
    });
}

async function exportAction(dir: string, opts: UiFlags): Promise<void> {
  const serving = (['port', 'host', 'open'] as const).filter((flag) => opts[flag] !== undefined);
  if (serving.length) throw new UsageError(`--export writes files and serves nothing, so --${serving.join(', --')} ${serving.length === 1 ? 'does' : 'do'} not apply.`, 'Run `mvr ui --export DIR` to write the site, or `mvr ui --port N` to serve it.');
  const { exportSite } = await import('../commands/ui.js');
  const result = await exportSite({ cwd: process.cwd(), dir, force: Boolean(opts.force) });
  if (opts.json) return printJson(result);
  note(`Wrote ${result.files.length} files (${formatBytes(result.bytes)}) for ${result.artifacts} artifact${result.artifacts === 1 ? '' : 's'} and ${result.versions} version${result.versions === 1 ? '' : 's'}${result.replaced ? ', replacing the previous export' : ''}.`);
  print(`${result.dir}/index.html`);
}

async function serveAction(opts: UiFlags): Promise<void> {
  const port = opts.port === undefined ? undefined : parsePort(opts.port);
  const { startUi } = await import('../commands/ui.js');
  const server = await startUi({ cwd: process.cwd(), ...(port !== undefined ? { port } : {}), ...(opts.host !== undefined ? { host: opts.host, exposed: true } : {}) });
  if (server.exposed) {
    warn(`listening on ${server.host}: anyone who can reach this machine on port ${server.port} can read the registry (artifact names, versions, metrics, tag messages, authors). The dashboard is read-only and has no login.`);
  }
  if (opts.json) printJson({ url: server.url, host: server.host, port: server.port, exposed: server.exposed });
  else print(server.url);
  note('Serving the registry read-only; press Ctrl-C to stop.');
  if (opts.open) openBrowser(server.url);
  await new Promise<void>((resolve) => {
    if (interruptSignal.aborted) resolve();
    else interruptSignal.addEventListener('abort', () => resolve(), { once: true });
  });
  await server.close();
  note('Stopped.');
}

function parsePort(text: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) {
    throw new UsageError(`--port ${JSON.stringify(text)} is not a port number.`, 'Use a whole number from 1 to 65535, or 0 for any free port.');
  }
  return Number(text);
}

function openBrowser(url: string): void {
  const [command, args] = process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', url]] : ['xdg-open', [url]];
  const child = spawn(command, args, { stdio: 'ignore', detached: true });
  child.on('error', () => note(`Could not start a browser (${command}); open ${url} yourself.`));
  child.unref();
}

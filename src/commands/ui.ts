/**
 * `mv ui`: a read-only dashboard of the registry. `startUi` serves it on loopback (another host only when
 * asked for explicitly, since that exposes the registry to the network); `exportSite` writes it as static
 * files; `renderSite` returns the pages without writing anything.
 */
import { basename } from 'node:path';
import { Git, locateRepo } from '../git.js';
import { errnoCode, MvError, UsageError } from '../errors.js';
import { createUiServer, isLoopback, loopbackHostNames } from '../ui/server.js';
import { SnapshotSource } from '../ui/snapshots.js';

export { exportSite, type ExportSiteOptions, type ExportSiteResult } from '../ui/export.js';
export { renderSite, type RenderSiteOptions, type RenderedSite } from '../ui/render-site.js';

export const DEFAULT_UI_HOST = '127.0.0.1';
export const DEFAULT_UI_PORT = 8470;

export interface StartUiOptions {
  cwd?: string;
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** Required for a host that is not loopback: the caller has been told that this exposes the registry. */
  exposed?: boolean;
  /** Where failures while rendering are reported (default: stderr). */
  log?: (message: string) => void;
}

export interface UiServer {
  url: string;
  host: string;
  port: number;
  /** Whether the server can be reached from other machines. */
  exposed: boolean;
  close(): Promise<void>;
}

export async function startUi(options: StartUiOptions = {}): Promise<UiServer> {
  const host = options.host ?? DEFAULT_UI_HOST;
  const port = options.port ?? DEFAULT_UI_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port ${port} is not a port number.`, 'Use a whole number from 1 to 65535, or 0 for any free port.');
  const loopback = isLoopback(host);
  if (!loopback && !options.exposed) {
    throw new MvError('UI_NOT_LOOPBACK', `${host} is not a loopback address; serving there would expose the registry to the network.`, {
      hint: `Pass --host ${host} on the command line to do that on purpose, or leave --host out to serve on ${DEFAULT_UI_HOST}.`,
    });
  }
  const { root } = await locateRepo(options.cwd ?? process.cwd());
  const git = new Git(root);
  const source = new SnapshotSource(git);
  // Fail now, not on the first request, when the registry cannot be read.
  await source.current();
  const server = createUiServer({
    source,
    base: { mode: 'server', site: basename(root) },
    ...(loopback ? { allowedHosts: loopbackHostNames(host) } : {}),
    log: options.log ?? ((message) => process.stderr.write(`${message}\n`)),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(listenError(error, host, port)));
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  const urlHost = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${bound}/`,
    host,
    port: bound,
    exposed: !loopback,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function listenError(error: Error, host: string, port: number): Error {
  switch (errnoCode(error)) {
    case 'EADDRINUSE':
      return new MvError('PORT_IN_USE', `Port ${port} on ${host} is already in use.`, { hint: `Pick another with --port N, or --port 0 for any free port.`, cause: error });
    case 'EACCES':
    case 'EPERM':
      return new MvError('PORT_FORBIDDEN', `Not allowed to listen on port ${port} of ${host}.`, { hint: 'Ports below 1024 need privileges; use a higher one, e.g. --port 8470.', cause: error });
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new MvError('HOST_UNAVAILABLE', `Cannot listen on ${host}: it is not an address of this machine.`, { hint: `Leave --host out to serve on ${DEFAULT_UI_HOST}, or pass an address this machine has.`, cause: error });
    default:
      return error;
  }
}

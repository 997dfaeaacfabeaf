/**
 * `mv ui`'s web server: plain `node:http`, read-only (GET and HEAD; anything else is 405), every response
 * with a strict Content-Security-Policy and `nosniff`. Bound to loopback by default; then it also refuses
 * requests addressed to any other host name, so a web page cannot reach it through DNS rebinding.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { GitCommandError } from '../errors.js';
import { isSemver } from '../semver.js';
import { parsePagePath } from './routes.js';
import { renderSitePage, renderUnknownPath, type RenderBase, type Rendered } from './site.js';
import type { SnapshotSource } from './snapshots.js';
import { CONTENT_SECURITY_POLICY } from './style.js';

export const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

export interface HandlerOptions {
  source: SnapshotSource;
  base: RenderBase;
  /** Host names (without port) that requests may be addressed to; undefined accepts any. */
  allowedHosts?: Set<string>;
  /** Where failures that are bugs are reported. */
  log: (message: string) => void;
}

export function createUiServer(options: HandlerOptions): Server {
  return createServer((request, response) => {
    handle(options, request, response).catch((error: unknown) => {
      options.log(`mvr ui: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      if (!response.headersSent) send(request, response, 500, 'text/plain; charset=utf-8', 'Internal error while rendering this page; see the terminal that runs mvr ui.\n');
      else response.destroy();
    });
  });
}

async function handle(options: HandlerOptions, request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('Allow', 'GET, HEAD');
    return send(request, response, 405, 'text/plain; charset=utf-8', 'This dashboard is read-only: only GET and HEAD are answered.\n');
  }
  if (options.allowedHosts && !options.allowedHosts.has(hostName(request.headers.host))) {
    return send(request, response, 403, 'text/plain; charset=utf-8', 'mvr ui only answers requests addressed to localhost (open the URL it printed).\n');
  }
  const url = new URL(request.url ?? '/', 'http://localhost');
  const path = url.pathname;
  const compare = /^\/a\/([^/]+)\/diff\/$/.exec(path);
  if (compare) {
    const from = url.searchParams.get('from') ?? '';
    const to = url.searchParams.get('to') ?? '';
    if (isSemver(from) && isSemver(to)) {
      response.setHeader('Location', `${encodeURIComponent(`${from}..${to}`)}.html`);
      return send(request, response, 303, 'text/plain; charset=utf-8', '');
    }
  }
  const page = parsePagePath(path);
  let rendered: Rendered;
  try {
    if (!page) rendered = renderUnknownPath(await options.source.latest(), path.slice(1), options.base);
    else rendered = await renderSitePage(await options.source.current(), page, options.base);
  } catch (error) {
    if (!(error instanceof GitCommandError)) throw error;
    options.log(`mvr ui: ${error.message}`);
    return send(request, response, 500, 'text/plain; charset=utf-8', `git failed while reading the registry: ${error.message}\n`);
  }
  send(request, response, rendered.status, 'text/html; charset=utf-8', rendered.body);
}

function send(request: IncomingMessage, response: ServerResponse, status: number, type: string, body: string): void {
  const bytes = Buffer.from(body, 'utf8');
  response.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': String(bytes.length) });
  response.end(request.method === 'HEAD' ? undefined : bytes);
}

/** The host name of a Host header, lower-cased and without the port (`[::1]:8470` → `::1`). */
function hostName(header: string | undefined): string {
  if (!header) return '';
  const host = header.toLowerCase();
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']') > 0 ? host.indexOf(']') : undefined);
  const colon = host.lastIndexOf(':');
  return colon >= 0 && isIP(host) !== 6 ? host.slice(0, colon) : host;
}

/** Whether binding to `host` keeps the dashboard on this machine. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}

/** Host names a loopback-bound server accepts in requests. */
export function loopbackHostNames(host: string): Set<string> {
  return new Set(['localhost', '127.0.0.1', '::1', host.replace(/^\[|\]$/g, '').toLowerCase()]);
}

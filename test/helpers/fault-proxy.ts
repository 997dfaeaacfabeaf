/**
 * An HTTP proxy in front of the S3 server that injects faults by rule: an error status (with headers such
 * as Retry-After), a connection dropped mid-body, a corrupted body, a response that stalls, or one that
 * drips the second half of its body a byte at a time. It records
 * every request, so tests can assert what was (and was not) sent again.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, afterEach } from 'vitest';

export type Fault =
  | { kind: 'status'; status: number; code?: string; headers?: Record<string, string> }
  | { kind: 'drop-mid-body' }
  | { kind: 'corrupt' }
  | { kind: 'stall-headers' }
  | { kind: 'stall-body' }
  | { kind: 'drip-body' };

export interface FaultRule {
  method?: string;
  /** Matched against the request path and query. */
  url?: RegExp;
  fault: Fault;
  /** How many matching requests get the fault (then it is spent); Infinity for all. */
  times: number;
}

export interface LoggedRequest {
  method: string;
  url: string;
  range: string | undefined;
  bodyBytes: number;
  fault: Fault['kind'] | undefined;
}

export interface FaultProxy {
  endpoint: string;
  log: LoggedRequest[];
  rules: FaultRule[];
  close(): Promise<void>;
}

const open: Array<() => Promise<void>> = [];
const openForSuite: Array<() => Promise<void>> = [];

afterEach(async () => {
  while (open.length) await open.pop()!().catch(() => undefined);
});

afterAll(async () => {
  while (openForSuite.length) await openForSuite.pop()!().catch(() => undefined);
});

/** A proxy to the server on `targetPort`, closed after the test (with `suite`, after the file's last test). */
export async function faultProxy(targetPort: number, options: { suite?: boolean } = {}): Promise<FaultProxy> {
  const log: LoggedRequest[] = [];
  const rules: FaultRule[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => void handle(req, res));
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  const pick = (req: IncomingMessage): Fault | undefined => {
    const rule = rules.find((r) => r.times > 0 && (!r.method || r.method === req.method) && (!r.url || r.url.test(req.url ?? '')));
    if (!rule) return undefined;
    rule.times--;
    return rule.fault;
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const fault = pick(req);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    log.push({ method: req.method ?? '', url: req.url ?? '', range: req.headers.range, bodyBytes: body.length, fault: fault?.kind });
    if (fault?.kind === 'status') {
      res.writeHead(fault.status, { 'content-type': 'application/xml', ...fault.headers });
      res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${fault.code ?? (fault.status === 429 ? 'SlowDown' : fault.status === 503 ? 'ServiceUnavailable' : 'InternalError')}</Code><Message>injected</Message></Error>`);
      return;
    }
    if (fault?.kind === 'stall-headers') return; // never answers; the client must time out
    const upstream = request({ host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      if (!fault) {
        answer.pipe(res);
        return;
      }
      const length = Number(answer.headers['content-length'] ?? 0);
      let sent = 0;
      if (fault.kind === 'drip-body') {
        // The first half at once, then one byte every 100 ms: always moving, never done.
        const parts: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => parts.push(chunk));
        answer.on('end', () => {
          const all = Buffer.concat(parts);
          res.write(all.subarray(0, Math.floor(all.length / 2)));
          let at = Math.floor(all.length / 2);
          const drip = setInterval(() => {
            if (at >= all.length) {
              clearInterval(drip);
              res.end();
              return;
            }
            res.write(all.subarray(at, at + 1));
            at++;
          }, 100);
          res.on('close', () => clearInterval(drip));
        });
        return;
      }
      answer.on('data', (chunk: Buffer) => {
        const half = Math.floor(length / 2);
        if ((fault.kind === 'drop-mid-body' || fault.kind === 'stall-body') && sent + chunk.length > half) {
          res.write(chunk.subarray(0, Math.max(0, half - sent)));
          sent = half;
          answer.destroy();
          if (fault.kind === 'drop-mid-body') setTimeout(() => res.socket?.destroy(), 20);
          return;
        }
        if (fault.kind === 'corrupt' && sent === 0 && chunk.length > 0) {
          const copy = Buffer.from(chunk);
          copy[0] = copy[0]! ^ 0xff;
          chunk = copy;
        }
        sent += chunk.length;
        res.write(chunk);
      });
      answer.on('end', () => {
        if (sent >= length) res.end();
      });
    });
    upstream.on('error', () => res.destroy());
    upstream.end(body);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const close = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  (options.suite ? openForSuite : open).push(close);
  return { endpoint: `http://127.0.0.1:${port}`, log, rules, close };
}

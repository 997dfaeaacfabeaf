/**
 * `mv ui`'s HTTP server without a browser: status codes, security headers, read-only methods, the host
 * check, escaping of hostile text in the raw HTML, a registry change showing up, and the CLI's errors.
 */
import { createServer, request, type Server } from 'node:http';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promote, startUi, type UiServer } from '../../src/index.js';
import { MV_BIN, cli } from '../helpers/mv-cli.js';
import { DANA, registryAt } from '../helpers/registry.js';
import { HOSTILE_METRIC, HOSTILE_PARAM, HOSTILE_REASON, uiFixture, type UiFixture } from '../helpers/ui-fixture.js';
import { copyRepo, tempDir } from '../helpers/git-repo.js';

/** The registry the pages show, made once for the file. */
let fixture: UiFixture;
beforeAll(async () => {
  fixture = await uiFixture();
}, 120_000);
afterAll(async () => fixture?.cleanup());

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function fetchRaw(url: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers ?? {}, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

function escaped(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

describe('mv ui server', () => {
  let server: UiServer;

  beforeAll(async () => {
    server = await startUi({ cwd: fixture.repo.dir, port: 0 });
  });

  afterAll(async () => {
    await server?.close();
  });

  it('serves the pages with a strict Content-Security-Policy, nosniff and no framing', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    for (const path of ['', 'index.html', 'a/chatbot/index.html', 'a/chatbot/versions-1.html', 'a/chatbot/history.html', 'a/chatbot/v/1.1.0.html', 'a/chatbot/diff/1.0.0..1.1.0.html', 'a/legacy/index.html']) {
      const answer = await fetchRaw(`${server.url}${path}`);
      expect(answer.status, path).toBe(200);
      expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
      expect(answer.headers['x-frame-options']).toBe('DENY');
      const csp = String(answer.headers['content-security-policy']);
      expect(csp).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]+=*';/);
      expect(csp).not.toMatch(/script-src|unsafe-inline|unsafe-eval|\*/);
      expect(answer.body).not.toMatch(/<script|https?:\/\/(?!127\.0\.0\.1)/i);
    }
  });

  it('escapes hostile tag messages, metric keys and params in the raw HTML', async () => {
    const artifact = (await fetchRaw(`${server.url}a/chatbot/index.html`)).body;
    expect(artifact).toContain(escaped(HOSTILE_REASON));
    expect(artifact).toContain(escaped(HOSTILE_METRIC));
    expect(artifact).not.toContain('<img');
    expect(artifact).not.toContain('<script>alert');
    expect(artifact).not.toContain('<b onmouseover');
    const version = (await fetchRaw(`${server.url}a/chatbot/v/1.2.0.html`)).body;
    expect(version).toContain(escaped(HOSTILE_PARAM));
    expect(version).not.toContain('<svg onload');
    const diff = (await fetchRaw(`${server.url}a/chatbot/diff/1.1.0..1.2.0.html`)).body;
    expect(diff).toContain(escaped(HOSTILE_METRIC));
    expect(diff).not.toContain('<b onmouseover');
  });

  it('answers HEAD like GET without a body, and refuses every other method with 405', async () => {
    const get = await fetchRaw(`${server.url}a/chatbot/index.html`);
    const head = await fetchRaw(`${server.url}a/chatbot/index.html`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(head.headers['content-length']).toBe(get.headers['content-length']);
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const answer = await fetchRaw(server.url, { method });
      expect(answer.status, method).toBe(405);
      expect(answer.headers.allow).toBe('GET, HEAD');
      expect(answer.headers['content-security-policy']).toBeDefined();
    }
  });

  it('gives helpful 404 pages for unknown paths, artifacts, versions and page numbers', async () => {
    const unknown = await fetchRaw(`${server.url}admin/../etc/passwd`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(unknown.body).toContain('Page not found');
    expect(unknown.body).toContain('See all artifacts');
    const artifact = await fetchRaw(`${server.url}a/nope/index.html`);
    expect(artifact.status).toBe(404);
    expect(artifact.body).toContain('There is no artifact nope in this registry.');
    expect(artifact.body).toContain('href="../chatbot/index.html"');
    const version = await fetchRaw(`${server.url}a/chatbot/v/9.9.9.html`);
    expect(version.status).toBe(404);
    expect(version.body).toContain('Versions of chatbot: v1.2.0, v1.1.0, v1.0.0');
    const hostileName = await fetchRaw(`${server.url}a/%3Cscript%3Ealert(1)%3C%2Fscript%3E/index.html`);
    expect(hostileName.status).toBe(404);
    expect(hostileName.body).not.toContain('<script');
    const hostileVersion = await fetchRaw(`${server.url}a/chatbot/v/%3Cimg%20src=x%20onerror=alert(1)%3E.html`);
    expect(hostileVersion.status).toBe(404);
    expect(hostileVersion.body).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(hostileVersion.body).not.toContain('<img');
    expect((await fetchRaw(`${server.url}a/chatbot/versions-7.html`)).status).toBe(404);
    expect((await fetchRaw(`${server.url}a/%E0%A4%A/index.html`)).status).toBe(404);
    const legacyDiff = await fetchRaw(`${server.url}a/legacy/diff/0.1.0..0.1.0.html`);
    expect(legacyDiff.status).toBe(422);
  });

  it('refuses requests addressed to another host name (DNS rebinding)', async () => {
    const port = new URL(server.url).port;
    expect((await fetchRaw(server.url, { headers: { Host: `evil.example:${port}` } })).status).toBe(403);
    expect((await fetchRaw(server.url, { headers: { Host: `localhost:${port}` } })).status).toBe(200);
  });

  it('redirects the compare form to the diff page', async () => {
    const answer = await fetchRaw(`${server.url}a/chatbot/diff/?from=1.0.0&to=1.2.0`);
    expect(answer.status).toBe(303);
    expect(answer.headers.location).toBe('1.0.0..1.2.0.html');
    expect((await fetchRaw(`${server.url}a/chatbot/diff/?from=x&to=%0d%0aSet-Cookie:a`)).status).toBe(404);
  });
});

describe('mv ui sees registry changes', () => {
  it('a promotion made while the server runs shows on the next request', async () => {
    const repo = await copyRepo(fixture.repo.dir);
    const server = await startUi({ cwd: repo.dir, port: 0 });
    try {
      const before = (await fetchRaw(server.url)).body;
      expect(before).toContain('10%');
      await registryAt('2026-05-08T12:00:00Z', DANA, () => promote({ cwd: repo.dir, ref: 'chatbot@v1.2.0', stage: 'production', message: 'canary graduated' }));
      const after = (await fetchRaw(`${server.url}a/chatbot/index.html`)).body;
      expect(after).toContain('canary graduated');
      expect(after).not.toContain('production 90%');
      expect((await fetchRaw(server.url)).body).not.toContain('10%');
    } finally {
      await server.close();
    }
  });
});

describe('mv ui on the command line', () => {
  it('prints the URL, serves until Ctrl-C, then exits 130', async () => {
    const child = execa(MV_BIN, ['ui', '--port', '0'], { cwd: fixture.repo.dir, reject: false, env: { NO_COLOR: '1' } });
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        const match = /^http:\/\/127\.0\.0\.1:\d+\/$/m.exec(chunk.toString());
        if (match) resolve(match[0]);
      });
      child.on('exit', () => reject(new Error('mv ui exited before printing its URL')));
    });
    const answer = await fetchRaw(url);
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('chatbot');
    child.kill('SIGINT');
    const result = await child;
    expect(result.exitCode).toBe(130);
    expect(result.stderr).toContain('press Ctrl-C to stop');
    expect(result.stderr).toContain('Stopped.');
  });

  it('rejects bad --port values as usage errors (exit 2)', async () => {
    for (const port of ['abc', '70000', '-1', '80.5']) {
      const run = await cli(fixture.repo.dir, ['ui', '--port', port]);
      expect(run.exitCode, port).toBe(2);
      expect(run.stderr).toMatch(/is not a port number|unknown option/);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
    const conflicting = await cli(fixture.repo.dir, ['ui', '--export', 'site', '--port', '9000']);
    expect(conflicting.exitCode).toBe(2);
    expect(conflicting.stderr).toContain('--export writes files and serves nothing');
  });

  it('fails with a hint when the port is taken (exit 1)', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const run = await cli(fixture.repo.dir, ['ui', '--port', String(port)]);
      expect(run.exitCode).toBe(1);
      expect(run.stderr).toContain(`Port ${port} on 127.0.0.1 is already in use.`);
      expect(run.stderr).toContain('--port 0');
    } finally {
      blocker.close();
    }
  });

  it('serves beyond loopback only when the host is given explicitly, with a warning', async () => {
    await expect(startUi({ cwd: fixture.repo.dir, port: 0, host: '0.0.0.0' })).rejects.toMatchObject({ code: 'UI_NOT_LOOPBACK' });
    const child = execa(MV_BIN, ['ui', '--port', '0', '--host', '0.0.0.0', '--json'], { cwd: fixture.repo.dir, reject: false, env: { NO_COLOR: '1' } });
    const info = await new Promise<{ url: string; exposed: boolean }>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        try {
          resolve(JSON.parse(out) as { url: string; exposed: boolean });
        } catch {
          // not complete yet
        }
      });
      child.on('exit', () => reject(new Error('mv ui exited early')));
    });
    expect(info.exposed).toBe(true);
    // Any Host header is accepted when exposed on purpose.
    expect((await fetchRaw(info.url.replace('0.0.0.0', '127.0.0.1'), { headers: { Host: 'models.internal' } })).status).toBe(200);
    child.kill('SIGINT');
    const result = await child;
    expect(result.stderr).toContain('anyone who can reach this machine');
  });

  it('outside a git repository it says so (exit 1)', async () => {
    const dir = await tempDir();
    const run = await cli(dir, ['ui', '--port', '0']);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('is not inside a git repository');
  });
});

/** The dashboard's building blocks: escaping, page paths and relative links, charts, paging, the style's policy hash. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { metricChart } from '../../src/ui/chart.js';
import { escapeHtml, html, trusted } from '../../src/ui/html.js';
import { renderArtifact } from '../../src/ui/pages/artifact.js';
import { pagePath, parsePagePath, relativeHref, type Page } from '../../src/ui/routes.js';
import type { ArtifactData, VersionRow } from '../../src/ui/site-data.js';
import { CONTENT_SECURITY_POLICY, STYLE } from '../../src/ui/style.js';

describe('html', () => {
  it('escapes every interpolated value and keeps only Html fragments as markup', () => {
    const hostile = `<img src=x onerror="alert('1')">&`;
    expect(escapeHtml(hostile)).toBe('&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;');
    const inner = html`<b>${hostile}</b>`;
    const page = html`<p title="${hostile}">${inner} ${[hostile, 1, null, undefined, false]} ${trusted('<br>')}</p>`;
    expect(page.text).toBe(`<p title="${escapeHtml(hostile)}"><b>${escapeHtml(hostile)}</b> ${escapeHtml(hostile)}1 <br></p>`);
  });
});

describe('page paths', () => {
  const pages: Page[] = [
    { kind: 'overview' },
    { kind: 'artifact', name: 'team/churn', page: 1 },
    { kind: 'artifact', name: 'churn', page: 3 },
    { kind: 'history', name: 'churn', page: 1 },
    { kind: 'history', name: 'a-b_c', page: 12 },
    { kind: 'version', name: 'team/churn', version: '1.2.3-rc.1+build.7' },
    { kind: 'diff', name: 'churn', from: '1.0.0', to: '2.0.0-beta.1' },
  ];

  it('map each page to one path and back, through URL encoding', () => {
    for (const page of pages) {
      const path = pagePath(page);
      expect(parsePagePath(`/${path}`)).toEqual(page);
      expect(parsePagePath(`/${path.split('/').map(encodeURIComponent).join('/')}`)).toEqual(page);
    }
    expect(pagePath({ kind: 'version', name: 'team/churn', version: '1.0.0' })).toBe('a/team~churn/v/1.0.0.html');
    expect(parsePagePath('/')).toEqual({ kind: 'overview' });
    expect(parsePagePath('/a/churn/')).toEqual({ kind: 'artifact', name: 'churn', page: 1 });
  });

  it('reject what is not a page', () => {
    for (const path of ['/a', '/a/churn', '/a/churn/v/', '/a/churn/v/1.0.0', '/a/churn/diff/1.0.0.html', '/a/churn/diff/..1.0.0.html', '/a/churn/versions-0.html', '/a/%2e%2e/index.html', '/a/x/%2F/1.html', '/etc/passwd', '/a/%E0%A4%A/index.html']) {
      expect(parsePagePath(path), path).toBeUndefined();
    }
  });

  it('link relatively between pages, so the same HTML works served and from disk', () => {
    expect(relativeHref('index.html', 'a/team~churn/index.html')).toBe('a/team~churn/index.html');
    expect(relativeHref('a/churn/v/1.0.0.html', 'a/churn/index.html')).toBe('../index.html');
    expect(relativeHref('a/churn/v/1.0.0.html', 'index.html')).toBe('../../../index.html');
    expect(relativeHref('a/churn/index.html', 'a/other/v/1.0.0+b.html')).toBe('../other/v/1.0.0%2Bb.html');
    expect(relativeHref('a/churn/diff/1.0.0..1.1.0.html', 'a/churn/v/1.1.0.html')).toBe('../v/1.1.0.html');
  });
});

describe('charts', () => {
  it('draw one linked point per version with its value, and production holders marked', () => {
    const svg = metricChart('acc<uracy>', [
      { version: '1.0.0', value: 0.9, href: 'v/1.0.0.html', inProduction: false },
      { version: '1.1.0', value: 0.85, href: 'v/1.1.0.html', inProduction: true },
      { version: '1.2.0', value: 0.95, href: 'v/1.2.0.html', inProduction: false },
    ]).text;
    expect(svg.match(/<circle /g)).toHaveLength(3);
    expect(svg.match(/class="pt prod"/g)).toHaveLength(1);
    expect(svg).toContain('<title>v1.1.0: acc&lt;uracy&gt; = 0.85 (in production)</title>');
    expect(svg).toContain('<a href="v/1.2.0.html">');
    expect(svg).not.toContain('<uracy>');
    // Lowest value at the bottom of the plot, highest at the top.
    const ys = [...svg.matchAll(/cy="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(ys[1]).toBeGreaterThan(ys[0]!);
    expect(ys[2]).toBeLessThan(ys[0]!);
  });

  it('leave out the markers of very long series but keep the line and the production points', () => {
    const points = Array.from({ length: 1000 }, (_, i) => ({ version: `1.${i}.0`, value: Math.sin(i), href: '#', inProduction: i === 500 }));
    const svg = metricChart('loss', points).text;
    expect(svg.match(/<circle /g)).toHaveLength(1);
    expect(svg.match(/<polyline [^>]*points="([^"]*)"/)![1]!.split(' ')).toHaveLength(1000);
  });
});

describe('the artifact page with many versions', () => {
  function data(count: number): ArtifactData {
    const rows: VersionRow[] = Array.from({ length: count }, (_, i) => {
      const version = `1.${count - 1 - i}.0`;
      return {
        id: `big@v${version}`,
        version,
        commit: 'c'.repeat(40),
        status: 'active',
        stages: i === 0 ? [{ stage: 'production', weight: 100 }] : [],
        registered: { tag: `big@v${version}`, by: { name: 'CI', email: 'ci@example.com' }, at: '2026-01-01T00:00:00Z' },
        metrics: new Map<string, unknown>([['accuracy', 0.5 + i / (2 * count)]]),
        codeCommit: 'd'.repeat(40),
        created: '2026-01-01T00:00:00Z',
        pointerProblem: null,
      };
    });
    return { show: { kind: 'artifact', artifact: 'big', deprecated: null, registered: true, annotation: null, stages: [], versions: rows, notes: [] }, rows, metricKeys: ['accuracy'], events: [] };
  }

  it('shows fifty versions a page with links to the others, and the chart of all of them on the first', () => {
    const ctx = { mode: 'export' as const, site: 'repo', path: 'a/big/index.html', diffExists: () => true };
    const first = renderArtifact(ctx, data(120), 1);
    expect(first.match(/<tr data-version=/g)).toHaveLength(50);
    expect(first).toContain('<tr data-version="1.119.0">');
    expect(first).toContain('<span class="muted">of 3</span>');
    expect(first).toContain('href="versions-2.html"');
    expect(first.match(/<circle /g)).toHaveLength(120);
    const last = renderArtifact({ ...ctx, path: 'a/big/versions-3.html' }, data(120), 3);
    expect(last.match(/<tr data-version=/g)).toHaveLength(20);
    expect(last).toContain('<tr data-version="1.0.0">');
    expect(last).not.toContain('<figure class="chart">');
    expect(last).toContain('href="versions-2.html">← newer</a>');
  });
});

describe('the style sheet', () => {
  it('is the one block the Content-Security-Policy allows, by hash', () => {
    const hash = createHash('sha256').update(STYLE).digest('base64');
    expect(CONTENT_SECURITY_POLICY).toContain(`style-src 'sha256-${hash}'`);
    expect(CONTENT_SECURITY_POLICY).toMatch(/^default-src 'none';/);
    expect(STYLE).not.toMatch(/@import|url\(/);
  });
});

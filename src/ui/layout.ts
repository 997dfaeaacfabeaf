/** The page shell: head with the style and policy, the top bar with breadcrumbs, the footer. */
import { html, trusted, type Html, type Renderable } from './html.js';
import { pagePath, relativeHref, type Page } from './routes.js';
import { META_CONTENT_SECURITY_POLICY, STYLE } from './style.js';

/** Where a page is rendered: its own path (links are relative to it) and whether a server answers forms. */
export interface RenderContext {
  path: string;
  mode: 'server' | 'export';
  /** Shown in the title and top bar: the repository's folder name. */
  site: string;
  /** In an export, only these diff pages exist (keys `name\0from\0to`); the server renders any pair. */
  diffExists?: (name: string, from: string, to: string) => boolean;
}

export function contextFor(page: Page, base: Omit<RenderContext, 'path'>): RenderContext {
  return { ...base, path: pagePath(page) };
}

export function href(ctx: RenderContext, page: Page): string {
  return relativeHref(ctx.path, pagePath(page));
}

export function link(ctx: RenderContext, page: Page, label: Renderable): Html {
  return html`<a href="${href(ctx, page)}">${label}</a>`;
}

export interface Shell {
  title: string;
  crumbs: Array<{ page: Page; label: string }>;
  body: Html;
}

export function renderPage(ctx: RenderContext, shell: Shell): string {
  const crumbs = [{ page: { kind: 'overview' } as Page, label: 'all artifacts' }, ...shell.crumbs];
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${META_CONTENT_SECURITY_POLICY}">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>${shell.title} · ${ctx.site} · mv</title>
<style>${trusted(STYLE)}</style>
</head>
<body>
<header class="top"><a class="brand" href="${href(ctx, { kind: 'overview' })}">mv registry</a><span class="muted">${ctx.site}</span>
<nav class="crumbs" aria-label="breadcrumbs">${crumbs.map((c, i) => html`${i > 0 ? '› ' : ''}${i === crumbs.length - 1 ? html`<span>${c.label}</span>` : link(ctx, c.page, c.label)} `)}</nav></header>
<main>
${shell.body}
</main>
<footer>A read-only view of the registry tags of ${ctx.site}, rendered by <code>mvr ui</code>${ctx.mode === 'export' ? ' (static export)' : ''}.</footer>
</body>
</html>
`.text;
}

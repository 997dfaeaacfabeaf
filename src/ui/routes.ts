/**
 * The dashboard's pages and their paths. The server and the static export use the same paths (relative
 * to the site's root, e.g. `a/churn/v/1.2.0.html`), and every link is relative, so the same HTML works
 * when served and when opened from disk. An artifact name's `/` becomes `~` in paths (`~` cannot occur
 * in a name), so every artifact's pages sit at the same depth.
 */

export type Page =
  | { kind: 'overview' }
  | { kind: 'artifact'; name: string; page: number }
  | { kind: 'history'; name: string; page: number }
  | { kind: 'version'; name: string; version: string }
  | { kind: 'diff'; name: string; from: string; to: string };

export function slug(name: string): string {
  return name.replaceAll('/', '~');
}

function unslug(text: string): string {
  return text.replaceAll('~', '/');
}

/** The page's path from the site root, unencoded. */
export function pagePath(page: Page): string {
  if (page.kind === 'overview') return 'index.html';
  const base = `a/${slug(page.name)}`;
  switch (page.kind) {
    case 'artifact':
      return page.page > 1 ? `${base}/versions-${page.page}.html` : `${base}/index.html`;
    case 'history':
      return page.page > 1 ? `${base}/history-${page.page}.html` : `${base}/history.html`;
    case 'version':
      return `${base}/v/${page.version}.html`;
    case 'diff':
      return `${base}/diff/${page.from}..${page.to}.html`;
  }
}

/** A relative URL from the page at `from` to the page at `to` (both paths from the site root). */
export function relativeHref(from: string, to: string): string {
  const fromDirs = from.split('/').slice(0, -1);
  const target = to.split('/');
  let common = 0;
  while (common < fromDirs.length && common < target.length - 1 && fromDirs[common] === target[common]) common++;
  const up = fromDirs.slice(common).map(() => '..');
  return [...up, ...target.slice(common)].map(encodePathSegment).join('/');
}

function encodePathSegment(segment: string): string {
  return segment === '..' ? segment : encodeURIComponent(segment).replace(/%7E/gi, '~').replace(/%40/g, '@');
}

const PAGED = /^(versions|history)-([1-9]\d{0,5})\.html$/;

/** The page a request path names (already split from its query), or undefined. */
export function parsePagePath(pathname: string): Page | undefined {
  let segments: string[];
  try {
    segments = pathname.split('/').filter((s, i) => i > 0 || s !== '').map((s) => decodeURIComponent(s));
  } catch {
    return undefined;
  }
  if (segments.some((s) => s.includes('/') || s === '..' || s === '.')) return undefined;
  if (segments.length === 0 || (segments.length === 1 && (segments[0] === '' || segments[0] === 'index.html'))) return { kind: 'overview' };
  if (segments[0] !== 'a' || segments.length < 3) return undefined;
  const name = unslug(segments[1]!);
  if (!name) return undefined;
  const rest = segments.slice(2);
  if (rest.length === 1) {
    const file = rest[0]!;
    if (file === '' || file === 'index.html') return { kind: 'artifact', name, page: 1 };
    if (file === 'history.html') return { kind: 'history', name, page: 1 };
    const paged = PAGED.exec(file);
    if (paged) return { kind: paged[1] === 'versions' ? 'artifact' : 'history', name, page: Number(paged[2]) };
    return undefined;
  }
  if (rest.length !== 2 || !rest[1]!.endsWith('.html')) return undefined;
  const stem = rest[1]!.slice(0, -'.html'.length);
  if (rest[0] === 'v' && stem) return { kind: 'version', name, version: stem };
  if (rest[0] === 'diff') {
    const split = stem.indexOf('..');
    if (split <= 0 || split + 2 >= stem.length) return undefined;
    return { kind: 'diff', name, from: stem.slice(0, split), to: stem.slice(split + 2) };
  }
  return undefined;
}

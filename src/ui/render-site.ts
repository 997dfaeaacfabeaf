/**
 * The whole dashboard as static pages, from one read of the registry: the overview, each artifact's
 * version pages and history pages, every version's record, and a comparison of each version with the one
 * before it (a static site cannot compare arbitrary pairs on demand; the server can).
 */
import { basename } from 'node:path';
import { MvError } from '../errors.js';
import { Git, locateRepo } from '../git.js';
import { versionsHighestFirst } from '../registry/state.js';
import { contextFor, type RenderContext } from './layout.js';
import { renderArtifact, VERSIONS_PER_PAGE } from './pages/artifact.js';
import { renderDiff } from './pages/diff.js';
import { historyPages, renderHistory } from './pages/history.js';
import { renderOverview } from './pages/overview.js';
import { renderProblem } from './pages/problem.js';
import { renderVersion } from './pages/version.js';
import { PointerCache } from './pointer-cache.js';
import type { Page } from './routes.js';
import { artifactData, diffData, overviewData, takeSnapshot, versionData, type Snapshot } from './site-data.js';

export interface RenderSiteOptions {
  cwd?: string;
}

export interface RenderedSite {
  /** HTML by path from the site's root (`index.html`, `a/churn/v/1.2.0.html`, …). */
  pages: Map<string, string>;
  artifacts: number;
  versions: number;
}

export async function renderSite(options: RenderSiteOptions = {}): Promise<RenderedSite> {
  const { root } = await locateRepo(options.cwd ?? process.cwd());
  const git = new Git(root);
  const snapshot = await takeSnapshot(git, new PointerCache(git));
  const diffs = await comparablePairs(snapshot);
  const base: Omit<RenderContext, 'path'> = { mode: 'export', site: basename(root), diffExists: (name, from, to) => diffs.get(name)?.has(`${from}\0${to}`) ?? false };
  const pages = new Map<string, string>();
  const add = (page: Page, render: (ctx: RenderContext) => string) => {
    const ctx = contextFor(page, base);
    pages.set(ctx.path, render(ctx));
  };
  add({ kind: 'overview' }, (ctx) => renderOverview(ctx, overviewData(snapshot)));
  let versions = 0;
  for (const name of snapshot.registry.artifacts.keys()) {
    const data = await artifactData(snapshot, name);
    versions += data.rows.length;
    const versionPages = Math.max(1, Math.ceil(data.rows.length / VERSIONS_PER_PAGE));
    for (let n = 1; n <= versionPages; n++) add({ kind: 'artifact', name, page: n }, (ctx) => renderArtifact(ctx, data, n));
    for (let n = 1; n <= historyPages(data); n++) add({ kind: 'history', name, page: n }, (ctx) => renderHistory(ctx, data, n));
    for (const row of data.rows) {
      // A version registered at two commits has no page of its own to show, only the conflict.
      const version = await versionData(snapshot, name, row.version).catch((error: unknown) => {
        if (error instanceof MvError && error.code === 'VERSION_CONFLICT') return error;
        throw error;
      });
      add({ kind: 'version', name, version: row.version }, (ctx) =>
        version instanceof MvError
          ? renderProblem(ctx, { status: 409, title: 'Version registered twice', message: version.message, artifacts: [...snapshot.registry.artifacts.keys()] })
          : renderVersion(ctx, version),
      );
    }
    for (const pair of diffs.get(name) ?? []) {
      const [from, to] = pair.split('\0') as [string, string];
      const diff = await diffData(snapshot, name, from, to);
      add({ kind: 'diff', name, from, to }, (ctx) => renderDiff(ctx, name, diff));
    }
  }
  const notFound = { ...base, path: '404.html' };
  pages.set('404.html', renderProblem(notFound, { status: 404, title: 'Page not found', message: 'There is no such page in this export of the registry.', artifacts: [...snapshot.registry.artifacts.keys()] }));
  return { pages, artifacts: snapshot.registry.artifacts.size, versions };
}

/** Per artifact, `from\0to` for each registered version and the one below it, when both have readable pointers. */
async function comparablePairs(snapshot: Snapshot): Promise<Map<string, Set<string>>> {
  const pairs = new Map<string, Set<string>>();
  for (const state of snapshot.registry.artifacts.values()) {
    const versions = versionsHighestFirst(state).filter((v) => v.registered && !v.conflicts?.length);
    const reads = await snapshot.pointers.read(state, versions);
    const set = new Set<string>();
    for (let i = 0; i + 1 < versions.length; i++) {
      if ('located' in reads[i]! && 'located' in reads[i + 1]!) set.add(`${versions[i + 1]!.version}\0${versions[i]!.version}`);
    }
    pairs.set(state.name, set);
  }
  return pairs;
}

/** Rendering one page of the dashboard from a registry snapshot (shared by the server and the export). */
import { MvError } from '../errors.js';
import { contextFor, type RenderContext } from './layout.js';
import { renderArtifact, VERSIONS_PER_PAGE } from './pages/artifact.js';
import { renderDiff } from './pages/diff.js';
import { historyPages, renderHistory } from './pages/history.js';
import { renderOverview } from './pages/overview.js';
import { renderProblem, type Problem } from './pages/problem.js';
import { renderVersion } from './pages/version.js';
import type { Page } from './routes.js';
import { artifactData, diffData, overviewData, versionData, type Snapshot } from './site-data.js';

export type RenderBase = Omit<RenderContext, 'path'>;

export interface Rendered {
  status: number;
  body: string;
}

/** The page's HTML; a 404 page when the artifact, version or page number does not exist. */
export async function renderSitePage(snapshot: Snapshot, page: Page, base: RenderBase): Promise<Rendered> {
  const ctx = contextFor(page, base);
  try {
    switch (page.kind) {
      case 'overview':
        return ok(renderOverview(ctx, overviewData(snapshot)));
      case 'artifact': {
        const data = await artifactData(snapshot, page.name);
        const pages = Math.max(1, Math.ceil(data.rows.length / VERSIONS_PER_PAGE));
        if (page.page > pages) return notFound(snapshot, ctx, `${page.name} has ${pages} page${pages === 1 ? '' : 's'} of versions, not ${page.page}.`);
        return ok(renderArtifact(ctx, data, page.page));
      }
      case 'history': {
        const data = await artifactData(snapshot, page.name);
        const pages = historyPages(data);
        if (page.page > pages) return notFound(snapshot, ctx, `${page.name}'s history has ${pages} page${pages === 1 ? '' : 's'}, not ${page.page}.`);
        return ok(renderHistory(ctx, data, page.page));
      }
      case 'version':
        return ok(renderVersion(ctx, await versionData(snapshot, page.name, page.version)));
      case 'diff':
        return ok(renderDiff(ctx, page.name, await diffData(snapshot, page.name, page.from, page.to)));
    }
  } catch (error) {
    if (!(error instanceof MvError)) throw error;
    const status = ['UNKNOWN_ARTIFACT', 'UNKNOWN_VERSION'].includes(error.code) ? 404 : 422;
    return { status, body: renderProblem(ctx, { status, title: status === 404 ? 'Not in this registry' : 'Cannot show this page', message: error.message, hint: error.hint, artifacts: artifactNames(snapshot) }) };
  }
}

/** The 404 page for a path that is not one of the dashboard's pages. */
export function renderUnknownPath(snapshot: Snapshot | undefined, path: string, base: RenderBase): Rendered {
  return notFound(snapshot, { ...base, path }, `There is no page at /${path}.`);
}

function notFound(snapshot: Snapshot | undefined, ctx: RenderContext, message: string): Rendered {
  const problem: Problem = { status: 404, title: 'Page not found', message, artifacts: snapshot ? artifactNames(snapshot) : [] };
  return { status: 404, body: renderProblem(ctx, problem) };
}

function ok(body: string): Rendered {
  return { status: 200, body };
}

function artifactNames(snapshot: Snapshot): string[] {
  return [...snapshot.registry.artifacts.keys()];
}

/** The full stage history of an artifact, newest first, a hundred events a page. */
import { isSemver } from '../../semver.js';
import { html } from '../html.js';
import { pager } from '../components.js';
import { renderPage, type RenderContext } from '../layout.js';
import type { ArtifactData } from '../site-data.js';
import { timeline } from '../timeline.js';

export const EVENTS_PER_PAGE = 100;

export function historyPages(data: ArtifactData): number {
  return Math.max(1, Math.ceil(data.events.length / EVENTS_PER_PAGE));
}

export function renderHistory(ctx: RenderContext, data: ArtifactData, page: number): string {
  const name = data.show.artifact;
  const newestFirst = [...data.events].reverse();
  const pages = historyPages(data);
  const slice = newestFirst.slice((page - 1) * EVENTS_PER_PAGE, page * EVENTS_PER_PAGE);
  const pageOf = (n: number) => ({ kind: 'history' as const, name, page: n });
  return renderPage(ctx, {
    title: `${name} history`,
    crumbs: [
      { page: { kind: 'artifact', name, page: 1 }, label: name },
      { page: pageOf(1), label: 'history' },
    ],
    body: html`<h1>${name}: stage history</h1>
<p class="sub">${data.events.length} registry events, newest first, ordered by tag date as <code>mvr history ${name}</code> and GTO order them.</p>
${pager(ctx, pageOf, page, pages)}
${timeline({ ctx, name, isRegistered: isSemver }, slice)}
${pager(ctx, pageOf, page, pages)}`,
  });
}

/** Page 1: every artifact with its latest version and what each stage holds now, with traffic shares. */
import { isSemver } from '../../semver.js';
import { html, type Html } from '../html.js';
import { badge, holdersList, notesBlock, stageBadge, timeTag, trafficBar } from '../components.js';
import { link, renderPage, type RenderContext } from '../layout.js';
import type { OverviewData } from '../site-data.js';

const STAGE_ORDER = ['production', 'staging'];

/** Stages in the order people look at them: production, staging, then the rest by name. */
export function orderedStages<T>(stages: Record<string, T>): Array<[string, T]> {
  const rank = (s: string) => (STAGE_ORDER.includes(s) ? STAGE_ORDER.indexOf(s) : STAGE_ORDER.length);
  return Object.entries(stages).sort(([a], [b]) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

export function renderOverview(ctx: RenderContext, data: OverviewData): string {
  const body = data.artifacts.length === 0 ? empty() : html`<div class="cards">${data.artifacts.map((a) => card(ctx, a))}</div>`;
  const versions = data.artifacts.reduce((n, a) => n + a.versions + a.archived + a.deregistered, 0);
  return renderPage(ctx, {
    title: 'Artifacts',
    crumbs: [],
    body: html`<h1>Artifacts</h1>
<p class="sub">${data.artifacts.length} artifact${data.artifacts.length === 1 ? '' : 's'}, ${versions} version${versions === 1 ? '' : 's'}, read from the registry tags.</p>
${notesBlock(data.notes)}
${body}`,
  });
}

function card(ctx: RenderContext, a: OverviewData['artifacts'][number]): Html {
  const counts = [`${a.versions} active`, ...(a.archived ? [`${a.archived} archived`] : []), ...(a.deregistered ? [`${a.deregistered} deregistered`] : [])];
  const latest = a.latest ? a.latest.slice(a.name.length + 1) : null;
  return html`<section class="card artifact-card" data-artifact="${a.name}">
<h3>${link(ctx, { kind: 'artifact', name: a.name, page: 1 }, a.name)} ${a.deprecated ? badge('deprecated', 'deprecated') : ''}</h3>
<div class="muted">latest ${latest ? link(ctx, { kind: 'version', name: a.name, version: latest.slice(1) }, latest) : '—'} · ${counts.join(', ')}</div>
${orderedStages(a.stages).map(
  ([stage, holders]) =>
    html`<div class="stage-row" data-stage="${stage}"><span class="label">${stageBadge(stage)}</span><span class="holders">${holdersList(ctx, a.name, holders, isSemver)}${trafficBar(holders, true)}</span></div>`,
)}
${a.candidates.length ? html`<div class="stage-row"><span class="label">${stageBadge('candidate')}</span><span class="holders muted">${a.candidates.length}${a.candidates.length === 1 ? ' version holds' : ' versions hold'} no stage</span></div>` : ''}
${a.lastEvent ? html`<div class="muted">last change ${timeTag(a.lastEvent)}</div>` : ''}
</section>`;
}

function empty(): Html {
  return html`<p>No artifacts in this registry yet. Register a version at the end of a training run:</p>
<pre><code>mvr add churn models/churn/model.pt --metrics metrics.json</code></pre>
<p class="muted">Versions and stages are git tags; once there are some, this page lists them.</p>`;
}

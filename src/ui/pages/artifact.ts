/**
 * Page 2: one artifact. What each stage holds now, a chart of each metric across versions, the versions
 * as a table (paged, newest first) and the latest stage events (the full history has its own pages).
 */
import { isSemver } from '../../semver.js';
import { html, type Html } from '../html.js';
import { metricChart, type ChartPoint } from '../chart.js';
import { badge, holdersList, notesBlock, pager, shortCommit, stageBadge, timeTag, trafficBar, who } from '../components.js';
import { href, link, renderPage, type RenderContext } from '../layout.js';
import type { ArtifactData, VersionRow } from '../site-data.js';
import { timeline } from '../timeline.js';
import { displayValue } from '../values.js';
import { orderedStages } from './overview.js';

export const VERSIONS_PER_PAGE = 50;
const RECENT_EVENTS = 15;
const METRIC_COLUMNS = 6;
const MAX_CHARTS = 12;

export function renderArtifact(ctx: RenderContext, data: ArtifactData, page: number): string {
  const { show, rows } = data;
  const name = show.artifact;
  const pages = Math.max(1, Math.ceil(rows.length / VERSIONS_PER_PAGE));
  const slice = rows.slice((page - 1) * VERSIONS_PER_PAGE, page * VERSIONS_PER_PAGE);
  const stageRows = orderedStages(Object.fromEntries(show.stages.map((s) => [s.stage, s])));
  const recent = data.events.slice(-RECENT_EVENTS).reverse();
  const body = html`<h1>${name} ${show.deprecated ? badge('deprecated', 'deprecated', `by ${show.deprecated.by.name} on ${show.deprecated.at}`) : ''}</h1>
<p class="sub">${rows.length} version${rows.length === 1 ? '' : 's'}${rows[0] ? html` · highest ${link(ctx, { kind: 'version', name, version: rows[0].version }, `v${rows[0].version}`)}` : ''} · ${data.events.length} registry events</p>
${notesBlock(show.notes)}
<h2>Stages now</h2>
${stageRows.length === 0 ? html`<p class="muted">No stage holds a version yet.</p>` : html`<table class="stages"><thead><tr><th>stage</th><th>traffic</th><th>holders</th><th>since</th></tr></thead><tbody>${stageRows.map(
  ([stage, s]) => html`<tr data-stage="${stage}"><td>${stageBadge(stage)}</td><td>${trafficBar(s.holders)}</td><td>${holdersList(ctx, name, s.holders, isSemver)}</td><td>${timeTag(s.since.at)} by ${who(s.since.by)}${s.since.rollbackOf ? html` ${badge('rollback', 'rollback')}` : ''}</td></tr>`,
)}</tbody></table>`}
${ctx.mode === 'server' && rows.length > 1 ? compareForm(rows) : ''}
${page === 1 ? charts(ctx, data) : ''}
<h2 id="versions">Versions</h2>
${pager(ctx, (n) => ({ kind: 'artifact', name, page: n }), page, pages)}
${versionsTable(ctx, data, slice)}
${pager(ctx, (n) => ({ kind: 'artifact', name, page: n }), page, pages)}
<h2 id="history">Stage history</h2>
<p class="sub">Newest first${data.events.length > RECENT_EVENTS ? html`; the latest ${RECENT_EVENTS} of ${data.events.length} events. ${link(ctx, { kind: 'history', name, page: 1 }, 'Full history →')}` : ''}</p>
${timeline({ ctx, name, isRegistered: isSemver }, recent)}`;
  return renderPage(ctx, { title: page > 1 ? `${name} (page ${page})` : name, crumbs: [{ page: { kind: 'artifact', name, page: 1 }, label: name }], body });
}

function compareForm(rows: VersionRow[]): Html {
  const options = (selected: string) => rows.map((r) => html`<option value="${r.version}"${r.version === selected ? ' selected' : ''}>v${r.version}</option>`);
  return html`<form class="compare" method="get" action="diff/"><strong>Compare</strong>
<label>from <select name="from">${options(rows[1]!.version)}</select></label>
<label>to <select name="to">${options(rows[0]!.version)}</select></label>
<button type="submit">Show differences</button></form>`;
}

function charts(ctx: RenderContext, data: ArtifactData): Html {
  const name = data.show.artifact;
  const oldestFirst = [...data.rows].reverse();
  const numeric = data.metricKeys.filter((key) => oldestFirst.some((r) => typeof r.metrics.get(key) === 'number'));
  if (numeric.length === 0) return html``;
  const figures = numeric.slice(0, MAX_CHARTS).map((key) => {
    const points: ChartPoint[] = oldestFirst
      .filter((r) => typeof r.metrics.get(key) === 'number')
      .map((r) => ({ version: r.version, value: r.metrics.get(key) as number, href: href(ctx, { kind: 'version', name, version: r.version }), inProduction: r.stages.some((s) => s.stage === 'production') }));
    return metricChart(key, points);
  });
  return html`<h2 id="metrics">Metrics across versions</h2>
<div class="charts">${figures}</div>
${numeric.length > MAX_CHARTS ? html`<p class="muted">${numeric.length - MAX_CHARTS} more metrics are listed on each version's page.</p>` : ''}`;
}

function versionsTable(ctx: RenderContext, data: ArtifactData, slice: VersionRow[]): Html {
  const name = data.show.artifact;
  const keys = data.metricKeys.slice(0, METRIC_COLUMNS);
  const previous = new Map(data.rows.map((r, i) => [r.version, data.rows[i + 1]?.version]));
  return html`<table class="versions"><thead><tr><th>version</th><th>registered</th><th>by</th><th>code</th>${keys.map((k) => html`<th class="num">${k}</th>`)}<th>stages</th><th></th></tr></thead>
<tbody>${slice.map((r) => {
    const before = previous.get(r.version);
    const canDiff = before !== undefined && (ctx.mode === 'server' || (ctx.diffExists?.(name, before, r.version) ?? false));
    return html`<tr data-version="${r.version}"><td>${link(ctx, { kind: 'version', name, version: r.version }, `v${r.version}`)}</td>
<td class="nowrap">${r.registered ? timeTag(r.registered.at) : html`<span class="muted">—</span>`}</td>
<td class="nowrap">${r.registered ? r.registered.by.name : ''}</td>
<td>${shortCommit(r.codeCommit)}</td>
${keys.map((k) => html`<td class="num metric" data-metric="${k}">${r.metrics.has(k) ? displayValue(r.metrics.get(k)) : html`<span class="muted">—</span>`}</td>`)}
<td>${r.stages.map((s) => stageBadge(s.stage, s.weight))}${r.status === 'archived' || r.status === 'deregistered' ? html`<span class="badge status-${r.status}">${r.status}</span>` : ''}${r.pointerProblem ? html`<span class="muted" title="${r.pointerProblem}">no pointer</span>` : ''}</td>
<td class="nowrap">${canDiff ? link(ctx, { kind: 'diff', name, from: before, to: r.version }, `diff v${before}`) : ''}</td></tr>`;
  })}</tbody></table>
${data.metricKeys.length > METRIC_COLUMNS ? html`<p class="muted">${data.metricKeys.length - METRIC_COLUMNS} more metrics on each version's page.</p>` : ''}`;
}

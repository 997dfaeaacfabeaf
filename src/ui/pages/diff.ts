/** Page 4: two versions side by side, from `mv diff`'s result: metrics with deltas, params, data, pipeline, files, code, environment, signature, parent. */
import type { DiffResult, DiffSide } from '../../registry/version-diff.js';
import type { EntryChange, ValueChange } from '../../registry/pointer-diff.js';
import { formatBytes } from '../../byte-size.js';
import { html, type Html } from '../html.js';
import { notesBlock, shortCommit, shortOid, timeTag } from '../components.js';
import { link, renderPage, type RenderContext } from '../layout.js';
import { displayDelta, displayValue } from '../values.js';

export function renderDiff(ctx: RenderContext, name: string, diff: DiffResult): string {
  const side = (s: DiffSide, label: string) =>
    html`<section class="card diff-side"><div class="muted">${label}</div><h3>${link(ctx, { kind: 'version', name, version: s.version }, s.id)}</h3>
<dl class="facts"><dt>created</dt><dd>${timeTag(s.created)}</dd><dt>commit</dt><dd>${shortCommit(s.commit)}</dd><dt>pointer</dt><dd><code>${s.pointer}</code></dd></dl></section>`;
  const body = html`<h1>v${diff.from.version} → v${diff.to.version}</h1>
<p class="sub">${diff.changed.length ? html`Changed: ${diff.changed.join(', ')}.` : 'No differences in what the two versions recorded.'} Same data as <code>mvr diff ${diff.from.id} ${diff.to.id}</code>.</p>
${notesBlock(diff.notes)}
<div class="side">${side(diff.from, 'from')}${side(diff.to, 'to')}</div>
${section('Metrics', valueChanges(diff.metrics, true), diff.metrics.length > 0)}
${section('Params', valueChanges(diff.params, false), diff.params.length > 0)}
${section('Data', entryChanges(diff.data), diff.data.length > 0)}
${section('Pipeline', entryChanges(diff.pipeline), diff.pipeline.length > 0)}
${section('Files', entryChanges(diff.files), diff.files.length > 0)}
${section('Code', html`<table><tbody><tr><td>${codeText(diff.code.from)}</td><td>→</td><td>${codeText(diff.code.to)}</td></tr></tbody></table>`, diff.code.changed)}
${section('Environment', valueChanges(diff.environment, false), diff.environment.length > 0)}
${section('Signature', html`<div class="side"><pre class="wrap"><code>${JSON.stringify(diff.signature.from, null, 2)}</code></pre><pre class="wrap"><code>${JSON.stringify(diff.signature.to, null, 2)}</code></pre></div>`, diff.signature.changed)}
${section('Parent', html`<p><code>${diff.parent.from ?? '—'}</code> → <code>${diff.parent.to ?? '—'}</code></p>`, diff.parent.changed)}`;
  return renderPage(ctx, {
    title: `${name} v${diff.from.version} → v${diff.to.version}`,
    crumbs: [
      { page: { kind: 'artifact', name, page: 1 }, label: name },
      { page: { kind: 'diff', name, from: diff.from.version, to: diff.to.version }, label: `v${diff.from.version} → v${diff.to.version}` },
    ],
    body,
  });
}

function section(title: string, content: Html, shown: boolean): Html {
  return shown ? html`<h2>${title}</h2>${content}` : html``;
}

function valueChanges(changes: ValueChange[], withDelta: boolean): Html {
  const align = withDelta ? 'num wrap' : 'wrap';
  return html`<table class="changes"><thead><tr><th>name</th><th class="${align}">from</th><th class="${align}">to</th>${withDelta ? html`<th class="num">change</th>` : ''}</tr></thead><tbody>${changes.map(
    (c) => html`<tr data-name="${c.name}" class="change-row-${c.change}"><td class="mono">${c.name}</td><td class="${align}">${displayValue(c.from)}</td><td class="${align}">${displayValue(c.to)}</td>${
      withDelta ? html`<td class="num">${c.delta !== undefined ? html`<span class="${c.delta > 0 ? 'up' : c.delta < 0 ? 'down' : 'muted'}">${displayDelta(c.delta)}</span>` : html`<span class="change-${c.change === 'same' ? 'muted' : c.change}">${c.change}</span>`}</td>` : ''
    }</tr>`,
  )}</tbody></table>`;
}

function entryChanges(changes: EntryChange[]): Html {
  const describe = (e: Record<string, unknown> | undefined): Html => {
    if (!e) return html`<span class="muted">—</span>`;
    if (typeof e.oid === 'string') return html`${shortOid(e.oid)}${typeof e.size === 'number' ? html` <span class="muted">${formatBytes(e.size)}</span>` : ''}`;
    return html`<code>${displayValue(e.version ?? e.etag ?? e.artifact ?? e.uri)}</code>`;
  };
  return html`<table class="changes"><thead><tr><th>entry</th><th>change</th><th>from</th><th>to</th></tr></thead><tbody>${changes.map(
    (c) => html`<tr><td class="wrap"><code>${c.key}</code></td><td class="change-${c.change}">${c.change}</td><td>${describe(c.from)}</td><td>${describe(c.to)}</td></tr>`,
  )}</tbody></table>`;
}

function codeText(code: { commit: string; branch?: string | undefined; dirty: boolean } | null | undefined): Html {
  if (!code) return html`<span class="muted">not recorded</span>`;
  return html`${shortCommit(code.commit)}${code.branch ? html` <span class="muted">${code.branch}</span>` : ''}${code.dirty ? ' (dirty)' : ''}`;
}

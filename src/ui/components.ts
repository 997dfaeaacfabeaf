/** Pieces shared by the pages: stage badges, traffic bars, holder lists, notes, pagers, key/value tables. */
import type { Actor } from '../registry/events.js';
import type { HolderInfo } from '../registry/holders.js';
import { versionLabel } from '../registry/ref.js';
import { html, type Html, type Renderable } from './html.js';
import { link, type RenderContext } from './layout.js';
import type { Page } from './routes.js';
import { displayTime, displayValue } from './values.js';

const KNOWN_STAGES = new Set(['candidate', 'staging', 'production', 'archived']);

export function stageBadge(stage: string, weight?: number): Html {
  const kind = KNOWN_STAGES.has(stage) ? stage : 'other';
  return html`<span class="badge stage-${kind}">${stage}${weight !== undefined && weight !== 100 ? ` ${weight}%` : ''}</span>`;
}

export function badge(kind: string, label: Renderable, title?: string): Html {
  return html`<span class="badge ${kind}"${title ? html` title="${title}"` : ''}>${label}</span>`;
}

/** A horizontal bar split by traffic weight, one segment per holder (titles give version and share). */
export function trafficBar(holders: HolderInfo[], wide = false): Html {
  const width = 120;
  let x = 0;
  const shades = ['var(--prod)', 'var(--accent)', 'var(--staging)', 'var(--good)', 'var(--muted)'];
  const rects = holders.map((h, i) => {
    const w = (h.weight / 100) * width;
    const rect = html`<rect x="${x.toFixed(2)}" y="0" width="${w.toFixed(2)}" height="10" fill="${shades[i % shades.length]}"><title>${h.id}: ${h.weight}%</title></rect>`;
    x += w;
    return rect;
  });
  return html`<svg class="traffic${wide ? ' wide' : ''}" width="${width}" height="10" viewBox="0 0 ${width} 10" preserveAspectRatio="none" role="img" aria-label="traffic split">${rects}</svg>`;
}

/** "v1.2.0 90% · v1.3.0 10%", each linked to its version page when it is a registered version. */
export function holdersList(ctx: RenderContext, name: string, holders: HolderInfo[], isRegistered: (version: string) => boolean): Html {
  if (holders.length === 0) return html`<span class="muted">(none)</span>`;
  const one = holders.length === 1 && holders[0]!.weight === 100;
  return html`${holders.map((h, i) => {
    const label = versionLabel(h.version);
    return html`${i > 0 ? ' · ' : ''}<span class="holder">${isRegistered(h.version) ? link(ctx, { kind: 'version', name, version: h.version }, label) : label}${one ? '' : html` <span class="weight">${h.weight}%</span>`}</span>`;
  })}`;
}

export function who(actor: Actor): Html {
  return html`<span class="who">${actor.name || '(unknown)'}</span>${actor.email ? html` <span class="muted">&lt;${actor.email}&gt;</span>` : ''}`;
}

export function timeTag(iso: string): Html {
  return html`<time datetime="${iso}">${displayTime(iso)}</time>`;
}

export function notesBlock(notes: string[]): Html {
  if (notes.length === 0) return html``;
  return html`<div class="notes"><strong>Notes</strong><ul>${notes.map((n) => html`<li>${n}</li>`)}</ul></div>`;
}

/** Links to the other pages of a paged list ("page 2 of 20"). */
export function pager(ctx: RenderContext, pageOf: (n: number) => Page, current: number, total: number): Html {
  if (total <= 1) return html``;
  const near = [...new Set([1, current - 1, current, current + 1, total])].filter((n) => n >= 1 && n <= total).sort((a, b) => a - b);
  return html`<nav class="pager" aria-label="pages">${current > 1 ? link(ctx, pageOf(current - 1), '← newer') : ''}
${near.map((n) => (n === current ? html`<strong>${n}</strong>` : link(ctx, pageOf(n), String(n))))}
<span class="muted">of ${total}</span>${current < total ? link(ctx, pageOf(current + 1), 'older →') : ''}</nav>`;
}

/** A two-column table of recorded values (params, metrics, environment). */
export function valueTable(values: Map<string, unknown>, empty: string): Html {
  if (values.size === 0) return html`<p class="muted">${empty}</p>`;
  return html`<table class="values"><thead><tr><th>key</th><th>value</th></tr></thead><tbody>${[...values].map(
    ([key, value]) => html`<tr><td class="mono">${key}</td><td class="wrap">${displayValue(value)}</td></tr>`,
  )}</tbody></table>`;
}

export function shortOid(oid: unknown): Html {
  if (typeof oid !== 'string') return html`<span class="muted">—</span>`;
  return html`<code title="${oid}">${oid.replace(/^sha256:/, '').slice(0, 12)}</code>`;
}

export function shortCommit(commit: string | null | undefined): Html {
  if (!commit) return html`<span class="muted">—</span>`;
  return html`<code title="${commit}">${commit.slice(0, 10)}</code>`;
}


/** The stage history of an artifact as a timeline: what changed, who did it, when and why; rollbacks, forced gates and signed tags marked. */
import type { EventInfo } from '../registry/event-info.js';
import { versionLabel } from '../registry/ref.js';
import { html, type Html } from './html.js';
import { badge, holdersList, stageBadge, timeTag, who } from './components.js';
import { link, type RenderContext } from './layout.js';

export interface TimelineOptions {
  ctx: RenderContext;
  name: string;
  isRegistered: (version: string) => boolean;
}

/** Events newest first; tags written as part of another event (a promotion's unassign tags) are listed with it. */
export function timeline(options: TimelineOptions, events: EventInfo[]): Html {
  if (events.length === 0) return html`<p class="muted">No registry events.</p>`;
  const parts = new Map<string, string[]>();
  for (const e of events) if (e.partOf) parts.set(e.partOf, [...(parts.get(e.partOf) ?? []), e.tag]);
  return html`<ol class="timeline">${events.filter((e) => !e.partOf).map((e) => eventItem(options, e, parts.get(e.tag) ?? []))}</ol>`;
}

function eventItem(options: TimelineOptions, e: EventInfo, parts: string[]): Html {
  const { ctx, name, isRegistered } = options;
  const classes = ['event', `event-${e.event}`, ...(e.rollbackOf ? ['rollback'] : []), ...(e.forced ? ['forced'] : [])];
  const version = e.version !== undefined ? (isRegistered(e.version) ? link(ctx, { kind: 'version', name, version: e.version }, versionLabel(e.version)) : html`${versionLabel(e.version)}`) : html``;
  const flags = [
    e.rollbackOf ? badge('rollback', 'rollback', `undid ${e.rollbackOf}`) : '',
    e.forced ? badge('forced', `forced past ${e.forced.length} gate${e.forced.length === 1 ? '' : 's'}`, e.forced.join('\n')) : '',
    e.signed ? badge('signed', 'signed tag', 'the tag carries a signature (verify it with git tag -v)') : '',
  ];
  const changes = e.changes.map((c) => html`<div class="change">${stageBadge(c.stage)} ${holdersList(ctx, name, c.before, isRegistered)} → ${holdersList(ctx, name, c.after, isRegistered)}</div>`);
  const why = e.reason ?? '';
  return html`<li class="${classes.join(' ')}">
<div class="when">${timeTag(e.at)}${e.counter !== null ? html` · #${e.counter}` : ''} · <code>${e.tag}</code>${parts.map((tag) => html` + <code>${tag}</code>`)}</div>
<div class="what"><strong>${headline(e)}</strong> ${version} ${flags}</div>
${changes}
<div class="by">by ${who(e.by)}</div>
${why ? html`<blockquote class="why">${why}</blockquote>` : e.message ? html`<div class="muted">${e.message.split('\n')[0]}</div>` : ''}
</li>`;
}

function headline(e: EventInfo): string {
  switch (e.event) {
    case 'register':
      return 'Registered';
    case 'deregister':
      return 'Deregistered';
    case 'deprecate':
      return 'Deprecated the artifact';
    case 'assign':
      if (e.stage === 'archived') return 'Archived';
      return e.rollbackOf ? `Rolled back ${e.stage ?? ''} to` : `Promoted to ${e.stage ?? ''}:`;
    case 'unassign':
      return `Removed from ${e.stage ?? ''}:`;
  }
}

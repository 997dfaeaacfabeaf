/**
 * Page 3: one version's full record: registration, stages, files with sizes, lineage (code commit, data
 * and pipeline with their hashes, params, parent), metrics, environment, signature, and its events.
 */
import { formatBytes } from '../../byte-size.js';
import { joinRepoPath } from '../../paths.js';
import { pointerFolder, type DataEntry, type PathEntry } from '../../pointer/pointer.js';
import { isSemver } from '../../semver.js';
import { html, type Html } from '../html.js';
import { badge, notesBlock, shortCommit, shortOid, stageBadge, timeTag, valueTable, who } from '../components.js';
import { link, renderPage, type RenderContext } from '../layout.js';
import type { VersionData } from '../site-data.js';
import { timeline } from '../timeline.js';
import { displayValue, flattenValues } from '../values.js';

export function renderVersion(ctx: RenderContext, data: VersionData): string {
  const { show, pointer } = data;
  const v = show.version;
  const name = show.artifact;
  const folder = data.pointerFile ? pointerFolder(data.pointerFile) : '';
  const repoPath = (path: string) => joinRepoPath(folder, path);
  const canDiff = data.previous !== null && (ctx.mode === 'server' || (ctx.diffExists?.(name, data.previous, v.version) ?? false));
  const env = pointer?.environment ? flattenValues(Object.fromEntries(Object.entries(pointer.environment).filter(([k]) => k !== 'lockfiles'))) : new Map<string, unknown>();
  const body = html`<h1>${v.id} <span class="badge status-${v.status}">${v.status}</span> ${v.stages.map((s) => stageBadge(s.stage, s.weight))}</h1>
<p class="sub">${v.registered ? html`registered ${timeTag(v.registered.at)} by ${who(v.registered.by)}` : 'not registered'}${canDiff ? html` · ${link(ctx, { kind: 'diff', name, from: data.previous!, to: v.version }, `compare with v${data.previous!}`)}` : ''}</p>
${v.registered?.reason ? html`<blockquote class="why">${v.registered.reason}</blockquote>` : ''}
${notesBlock([...show.notes, ...(data.pointerProblem ? [data.pointerProblem] : [])])}
<dl class="facts">
<dt>artifact</dt><dd>${link(ctx, { kind: 'artifact', name, page: 1 }, name)}${pointer ? html` <span class="muted">(${pointer.type})</span>` : ''}</dd>
${pointer?.description ? html`<dt>description</dt><dd>${pointer.description}</dd>` : ''}
<dt>tagged commit</dt><dd>${shortCommit(v.commit)}</dd>
<dt>pointer</dt><dd>${v.pointer ? html`<code>${v.pointer.path}</code> ${shortOid(v.pointer.oid)}` : html`<span class="muted">none: registered without mv, so no files, metrics or lineage were recorded</span>`}</dd>
${pointer ? html`<dt>created</dt><dd>${timeTag(pointer.created)}</dd>` : ''}
</dl>
${pointer ? record(ctx, data, repoPath, env) : ''}
<h2>Events</h2>
${timeline({ ctx, name, isRegistered: isSemver }, [...show.events].reverse())}`;
  return renderPage(ctx, {
    title: v.id,
    crumbs: [
      { page: { kind: 'artifact', name, page: 1 }, label: name },
      { page: { kind: 'version', name, version: v.version }, label: `v${v.version}` },
    ],
    body,
  });
}

function record(ctx: RenderContext, data: VersionData, repoPath: (p: string) => string, env: Map<string, unknown>): Html {
  const pointer = data.pointer!;
  const lineage = pointer.lineage;
  const code = lineage.code;
  const total = pointer.files.reduce((n, f) => n + f.size, 0);
  return html`<h2>Files</h2>
<p class="sub">${pointer.files.length} entr${pointer.files.length === 1 ? 'y' : 'ies'}, ${formatBytes(total)}</p>
${pathTable(pointer.files, repoPath)}
<h2>Lineage</h2>
<dl class="facts">
<dt>code</dt><dd>${code ? html`${shortCommit(code.commit)}${code.branch ? html` on <code>${code.branch}</code>` : ''}${code.dirty ? html` ${badge('forced', 'dirty work tree')}` : ''}` : html`<span class="muted">not recorded</span>`}</dd>
<dt>parent</dt><dd>${lineage.parent ? artifactRef(ctx, data, lineage.parent) : html`<span class="muted">none</span>`}</dd>
${lineage.params_file ? html`<dt>params file</dt><dd><code>${repoPath(lineage.params_file.path)}</code> ${shortOid(lineage.params_file.oid)}</dd>` : ''}
</dl>
<h3>Data</h3>
${dataTable(ctx, data, lineage.data ?? [], repoPath)}
<h3>Pipeline</h3>
${(lineage.pipeline ?? []).length ? pathTable(lineage.pipeline!, repoPath) : html`<p class="muted">No preprocessing code recorded.</p>`}
<h3>Params</h3>
${valueTable(flattenValues(lineage.params ?? {}), 'No params recorded.')}
<h2>Metrics</h2>
${valueTable(flattenValues(pointer.metrics ?? {}), 'No metrics recorded.')}
<h2>Environment</h2>
${valueTable(env, 'No environment recorded.')}
${pointer.environment?.lockfiles?.length ? html`<h3>Lock files</h3><table><thead><tr><th>path</th><th>oid</th></tr></thead><tbody>${pointer.environment.lockfiles.map((l) => html`<tr><td><code>${repoPath(l.path)}</code></td><td>${shortOid(l.oid)}</td></tr>`)}</tbody></table>` : ''}
${pointer.signature !== undefined ? html`<h2>Signature</h2><pre class="wrap"><code>${JSON.stringify(pointer.signature, null, 2)}</code></pre>` : ''}`;
}

function pathTable(entries: PathEntry[], repoPath: (p: string) => string): Html {
  return html`<table class="files"><thead><tr><th>path</th><th class="num">size</th><th class="num">files</th><th>oid</th></tr></thead><tbody>${entries.map(
    (f) => html`<tr><td class="wrap"><code>${repoPath(f.path)}</code></td><td class="num">${formatBytes(f.size)}</td><td class="num">${f.nfiles ?? ''}</td><td>${shortOid(f.oid)}</td></tr>`,
  )}</tbody></table>`;
}

function dataTable(ctx: RenderContext, data: VersionData, entries: DataEntry[], repoPath: (p: string) => string): Html {
  if (entries.length === 0) return html`<p class="muted">No training data recorded.</p>`;
  return html`<table class="data"><thead><tr><th>source</th><th>what</th><th>identity</th><th class="num">size</th></tr></thead><tbody>${entries.map((d) => {
    if ('path' in d && typeof d.path === 'string') {
      const p = d as PathEntry;
      return html`<tr><td>path</td><td class="wrap"><code>${repoPath(p.path)}</code>${p.nfiles ? html` <span class="muted">(${p.nfiles} files)</span>` : ''}</td><td>${shortOid(p.oid)}</td><td class="num">${formatBytes(p.size)}</td></tr>`;
    }
    if ('uri' in d && typeof d.uri === 'string') {
      const identity = d.version ?? d.etag;
      return html`<tr><td>uri</td><td class="wrap"><code>${d.uri}</code></td><td>${identity !== undefined ? displayValue(identity) : html`<span class="muted">—</span>`}</td><td></td></tr>`;
    }
    const ref = displayValue((d as { artifact: unknown }).artifact);
    return html`<tr><td>artifact</td><td>${artifactRef(ctx, data, ref)}</td><td></td><td></td></tr>`;
  })}</tbody></table>`;
}

/** An artifact ref from the lineage, linked when it names a version in this registry. */
function artifactRef(ctx: RenderContext, data: VersionData, ref: string): Html {
  const target = data.known.get(ref);
  return target ? link(ctx, { kind: 'version', name: target.name, version: target.version }, ref) : html`<code>${ref}</code>`;
}

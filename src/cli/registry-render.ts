/** Text rendering of the registry commands' results (JSON is printed as returned). */
import type { AuditResult } from '../commands/audit.js';
import type { CheckRefResult } from '../commands/check-ref.js';
import type { DiffResult } from '../commands/diff.js';
import type { HistoryResult } from '../commands/history.js';
import type { LsResult } from '../commands/ls.js';
import type { RegistryWriteResult } from '../commands/registry-write.js';
import type { ResolveResult } from '../commands/resolve.js';
import type { RouteResult } from '../commands/route.js';
import type { ShowResult } from '../commands/show.js';
import type { EventInfo } from '../registry/event-info.js';
import type { HolderInfo } from '../registry/holders.js';
import type { EntryChange, ValueChange } from '../registry/pointer-diff.js';
import { displayText } from '../display-text.js';
import { versionLabel } from '../registry/ref.js';
import { c, count, formatBytes, note, print, printJson, warn } from './output.js';
import { printModelLines, printTensorLines } from './model-render.js';

export function renderNotes(notes: string[], warnings: string[] = []): void {
  for (const w of warnings) warn(w);
  for (const n of notes) note(`note: ${n}`);
}

export function holders(list: HolderInfo[]): string {
  if (list.length === 0) return c.dim('(none)');
  return list.map((h) => (list.length > 1 || h.weight !== 100 ? `${versionLabel(h.version)} ${h.weight}%` : versionLabel(h.version))).join(', ');
}

/** Tags created go to stdout (one a line, for scripts); what changed goes to stderr. */
export function renderWrite(result: RegistryWriteResult, unchanged: string): void {
  renderNotes([], result.warnings);
  if (!result.changed) {
    if (unchanged) note(unchanged);
    return;
  }
  if (result.dryRun) {
    // The plan on stdout, as the command it stands for would print it, marked as not done.
    for (const stage of result.stages) print(`would change ${result.artifact} ${stage.stage}: ${holders(stage.before)} → ${holders(stage.after)}`);
    if (result.forced.length) print(`would force past: ${result.forced.join('; ')}`);
    for (const tag of result.tags) print(`would create tag ${tag}`);
    note('Nothing was written (--dry-run).');
    return;
  }
  for (const stage of result.stages) note(`${c.bold(`${result.artifact} ${stage.stage}`)}: ${holders(stage.before)} → ${holders(stage.after)}`);
  if (result.forced.length) note(c.yellow(`forced past: ${result.forced.join('; ')}`));
  if (result.pushedTo) note(`pushed to ${result.pushedTo}`);
  for (const tag of result.tags) print(tag);
}

export function renderLs(result: LsResult): void {
  renderNotes(result.notes);
  if (result.artifacts.length === 0 && result.hidden === 0) return print('No artifacts in the registry yet. Register one with: mvr add <name> <path>…');
  for (const a of result.artifacts) {
    const counts = [`${a.versions} version${a.versions === 1 ? '' : 's'}`, ...(a.archived ? [`${a.archived} archived`] : []), ...(a.deregistered ? [`${a.deregistered} deregistered`] : [])];
    const listedOnly = !a.registered && a.listedIn !== null ? c.dim(` (only listed in ${displayText(a.listedIn)})`) : '';
    print(`${c.bold(a.name)}${a.deprecated ? c.red(' (deprecated)') : ''}${listedOnly}  latest ${a.latest ?? '-'}  ${counts.join(', ')}`);
    for (const [stage, list] of Object.entries(a.stages)) print(`  ${stage}: ${holders(list)}`);
    if (a.candidates.length) print(`  in no stage: ${a.candidates.length > 5 ? `${a.candidates.length} (newest ${a.candidates.at(-1)!})` : a.candidates.map((id) => id.slice(a.name.length + 1)).join(', ')}`);
  }
}

function who(e: { by: { name: string; email: string } }): string {
  return `${displayText(e.by.name)} <${displayText(e.by.email)}>`;
}

/** `: <reason>` for an event that recorded one (a tag message's line, written by whoever pushed the tag). */
function because(reason: string | undefined): string {
  return reason ? `: ${displayText(reason)}` : '';
}

export function describeEvent(e: EventInfo): string {
  const what =
    e.event === 'register'
      ? `registered ${e.id}`
      : e.event === 'deregister'
        ? `deregistered ${e.id}`
        : e.event === 'deprecate'
          ? 'deprecated the artifact'
          : e.stage === 'archived' && e.event === 'assign'
            ? `archived ${e.id}`
            : e.changes.map((ch) => `${ch.stage}: ${holders(ch.before)} → ${holders(ch.after)}`).join('; ') ||
              (e.event === 'unassign' ? `removed ${e.id} from ${e.stage}` : `assigned ${e.id} to ${e.stage}`);
  const flags = [...(e.ignored ? [c.yellow('ignored')] : []), ...(e.rollbackOf && !e.partOf ? [c.yellow(`rollback of ${e.rollbackOf}`)] : []), ...(e.forced ? [c.red(`forced past ${e.forced.length} gate(s)`)] : []), ...(e.partOf ? [c.dim(`with ${e.partOf}`)] : [])];
  return `${what}${flags.length ? ` [${flags.join(', ')}]` : ''}`;
}

export function renderHistory(result: HistoryResult): void {
  renderNotes(result.notes);
  for (const e of result.events) {
    const counter = e.counter === null ? '  ' : `#${e.counter}`;
    print(`${c.dim(counter.padStart(4))}  ${e.at}  ${describeEvent(e)}`);
    print(`        ${c.dim(`${e.tag} by ${who(e)}`)}${because(e.reason)}`);
  }
}

export function renderShow(result: ShowResult): void {
  renderNotes(result.notes);
  if (result.kind === 'stage') {
    print(`${c.bold(`${result.artifact}#${result.stage}`)}: ${holders(result.holders)}`);
    print(`  since ${result.since.tag}, ${result.since.at} by ${who(result.since)}${because(result.since.reason)}`);
    for (const m of result.members ?? []) print(`  ${c.dim('in')} ${result.stage}: ${versionLabel(m.version)}  ${c.dim(`${m.tag}, ${m.at}`)}`);
    return;
  }
  if (result.kind === 'artifact') {
    const annotation = result.annotation;
    const listedOnly = !result.registered && annotation ? c.dim(` (only listed in ${displayText(annotation.file)}: no registry tags)`) : '';
    print(`${c.bold(result.artifact)}${result.deprecated ? c.red(` (deprecated ${result.deprecated.at}: its stages and latest version resolve to nothing until a newer event)`) : ''}${listedOnly}`);
    if (annotation) {
      table(
        [
          ['type', annotation.type === null ? '-' : displayText(annotation.type)],
          ['path', annotation.path === null ? '-' : displayText(annotation.path)],
          ...(annotation.description ? [['description', displayText(annotation.description)] as [string, string]] : []),
          ...(annotation.labels.length ? [['labels', annotation.labels.map(displayText).join(', ')] as [string, string]] : []),
        ],
        2,
      );
    }
    for (const s of result.stages) {
      print(`  ${s.stage}: ${holders(s.holders)}  ${c.dim(`since ${s.since.tag} by ${displayText(s.since.by.name)}, ${s.since.at}`)}`);
      if (s.members) print(`    ${c.dim('all in stage:')} ${s.members.map((m) => `${versionLabel(m.version)} ${c.dim(`(${m.tag}, ${m.at})`)}`).join(', ')}`);
    }
    for (const v of result.versions) {
      const stages = v.stages.map((s) => (s.weight === 100 ? s.stage : `${s.stage} ${s.weight}%`)).join(', ');
      const listed = v.status === 'unregistered' && v.commit === annotation?.commit ? `HEAD, listed in ${displayText(annotation.file)}` : '';
      print(`  ${versionLabel(v.version)}  ${v.status}${stages ? ` (${stages})` : ''}  ${c.dim(`${v.commit.slice(0, 12)} ${v.registered ? `${v.registered.at} by ${displayText(v.registered.by.name)}` : listed}`)}`);
    }
    return;
  }
  const v = result.version;
  print(`${c.bold(v.id)}  ${v.status}${v.stages.length ? ` (${v.stages.map((s) => (s.weight === 100 ? s.stage : `${s.stage} ${s.weight}%`)).join(', ')})` : ''}`);
  const facts: Array<[string, string]> = [
    ['commit', v.commit],
    ['pointer', v.pointer ? `${displayText(v.pointer.path)} ${c.dim(v.pointer.oid)}` : '(none: registered without mv)'],
    ...(v.registered ? [['registered', `${v.registered.at} by ${who(v.registered)}${because(v.registered.reason)}`] as [string, string]] : []),
    ...(v.recorded ? [['created', v.recorded.created] as [string, string]] : []),
    ...(v.purged ? [[c.yellow('purged'), `${v.purged.at} by ${who(v.purged)}${because(v.purged.reason)} (${v.purged.tag})`] as [string, string]] : []),
    ...(v.description ? [['description', displayText(v.description)] as [string, string]] : []),
  ];
  table(facts, 2);
  const r = v.recorded;
  if (r) {
    const size = (e: { size?: number; nfiles?: number }) => (e.size === undefined ? '' : e.nfiles !== undefined ? `${count(e.nfiles, 'file')}, ${formatBytes(e.size)}` : formatBytes(e.size));
    section('files', r.files.map((f) => [displayText(f.path), size(f)]));
    const code = r.lineage.code;
    section('lineage', [
      ...(code ? [['code', `${code.commit.slice(0, 12)}${code.branch ? ` (${displayText(code.branch)})` : ''}${code.dirty ? c.yellow(' dirty') : ''}`] as [string, string]] : []),
      ...r.lineage.data.map((d): [string, string] => ['data', d.path !== undefined ? `${displayText(d.path)}  ${c.dim(size(d))}` : displayText(d.uri ?? d.artifact ?? '')]),
      ...r.lineage.pipeline.map((p): [string, string] => ['pipeline', `${displayText(p.path)}  ${c.dim(size(p))}`]),
      ...(r.lineage.paramsFile ? [['params', displayText(r.lineage.paramsFile)] as [string, string]] : []),
      ...(r.lineage.parent ? [['parent', displayText(r.lineage.parent)] as [string, string]] : []),
    ]);
  }
  if (v.params) section('params', flatEntries(v.params));
  if (v.metrics) section(r?.metricsFile ? `metrics ${c.dim(`(${displayText(r.metricsFile)})`)}` : 'metrics', flatEntries(v.metrics));
  printModelLines(v.models);
  if (r?.environment) section('environment', flatEntries(r.environment).filter(([key]) => !key.startsWith('lockfiles')).map(([key, text]): [string, string] => [key, key === 'memory' ? formatBytes(Number(text)) : text]));
  const events = result.events.filter((x) => x.event !== 'register');
  if (events.length) {
    print(c.bold('  events'));
    for (const e of events) print(`    ${e.at}  ${describeEvent(e)}  ${c.dim(`${e.tag} by ${displayText(e.by.name)}`)}`);
  }
}

/** Rows of a name column and a value column, the names padded to one width. */
function table(rows: Array<[string, string]>, indent: number): void {
  const width = Math.max(0, ...rows.map(([name]) => name.length));
  for (const [name, text] of rows) print(`${' '.repeat(indent)}${name.padEnd(width)}  ${text}`);
}

function section(title: string, rows: Array<[string, string]>): void {
  if (rows.length === 0) return;
  print(c.bold(`  ${title}`));
  table(rows, 4);
}

/** Nested values as dotted keys (`model.layers`) with scalar text; lists as JSON. */
function flatEntries(value: Record<string, unknown>, prefix = ''): Array<[string, string]> {
  const rows: Array<[string, string]> = [];
  for (const [key, item] of Object.entries(value)) {
    const name = `${prefix}${displayText(key)}`;
    if (item !== null && typeof item === 'object' && !Array.isArray(item)) rows.push(...flatEntries(item as Record<string, unknown>, `${name}.`));
    else rows.push([name, typeof item === 'string' ? displayText(item) : JSON.stringify(item)]);
  }
  return rows;
}

/** Warnings and notes on stderr; the result as JSON, or one line per version: pinned id, commit, pointer oid, weight. */
export function renderResolve(result: ResolveResult, json: boolean): void {
  renderNotes(result.notes, result.warnings);
  if (json) return printJson(result);
  for (const v of result.versions) {
    print(`${v.id} ${v.commit} ${v.pointer ? v.pointer.oid : '-'}${result.kind === 'stage' ? ` ${v.weight}%` : ''}`);
  }
}

export function renderRoute(result: RouteResult): void {
  renderNotes(result.notes);
  note(`${result.key}: bucket ${result.bucket} of 10000 → ${result.id} (${result.weight}% of ${result.artifact}#${result.stage}, set by ${result.event})`);
  print(result.id);
}

export function renderAudit(result: AuditResult): void {
  renderNotes(result.notes);
  print(`${c.bold(result.artifact)} at ${result.at}`);
  if (result.stages.length === 0) print('  no stage held a version then');
  for (const s of result.stages) {
    print(`  ${s.stage}: ${holders(s.holders)}`);
    print(`    set by ${s.event.tag}${s.event.rollbackOf ? ' (a rollback)' : ''} on ${s.event.at} by ${who(s.event)}${because(s.event.reason)}${signedBy(s.event)}`);
  }
  if (result.key) {
    const k = result.key;
    print(`key ${k.key} → ${c.bold(k.id)} (bucket ${k.bucket}; ${k.weight}% of ${k.stage})`);
    print(`  ${k.id} was put in ${k.stage} by ${who(k.assignedBy)} on ${k.assignedBy.at} (${k.assignedBy.tag})${because(k.assignedBy.reason)}${signedBy(k.assignedBy)}`);
  }
}

/** ` [signed by …]` for a signed event, `` for an unsigned one. */
function signedBy(e: EventInfo): string {
  const s = e.signature;
  if (!e.signed || !s) return '';
  if (s.status === 'good') return ` ${c.green(`[signed by ${displayText(s.signer ?? s.key ?? 'a trusted key')}]`)}`;
  if (s.status === 'bad') return ` ${c.red('[BAD signature]')}`;
  if (s.status === 'unknown-key') return ` ${c.yellow(`[signed by an unknown key${s.key ? ` ${displayText(s.key)}` : ''}]`)}`;
  return ` ${c.yellow('[signed, not verifiable here]')}`;
}

export function renderCheckRef(result: CheckRefResult): void {
  renderNotes(result.notes);
  const parts = [`artifact=${result.artifact}`, `event=${result.event}`, ...(result.version ? [`version=${versionLabel(result.version)}`] : []), ...(result.stage ? [`stage=${result.stage}`] : []), ...(result.counter !== undefined ? [`counter=${result.counter}`] : [])];
  print(parts.join(' '));
  if (!result.exists) note(`${result.tag} is not an annotated tag in this repository (fetch it with \`git fetch origin refs/tags/${result.tag}\`); the fields above come from its name.`);
}

function value(v: unknown): string {
  return v === undefined ? '-' : typeof v === 'string' ? displayText(v) : JSON.stringify(v);
}

function valueLines(title: string, changes: ValueChange[]): void {
  if (changes.length === 0) return;
  print(c.bold(title));
  for (const ch of changes) {
    const delta = ch.delta !== undefined && ch.delta !== 0 ? `  (${ch.delta > 0 ? '+' : ''}${ch.delta})` : '';
    const name = displayText(ch.name);
    print(ch.change === 'same' ? `  ${name}: ${value(ch.from)} ${c.dim('(same)')}` : `  ${name}: ${value(ch.from)} → ${value(ch.to)}${delta}`);
  }
}

function entryLines(title: string, changes: EntryChange[]): void {
  if (changes.length === 0) return;
  print(c.bold(title));
  const mark = { added: c.green('+'), removed: c.red('-'), changed: c.yellow('~') };
  for (const ch of changes) {
    const oid = (e?: Record<string, unknown>) => (typeof e?.oid === 'string' ? `${e.oid.slice(0, 19)}…` : value(e?.etag ?? e?.version ?? e?.artifact));
    const f = ch.folder;
    if (!f) {
      print(`  ${mark[ch.change]} ${displayText(ch.key)}${ch.change === 'changed' ? `  ${oid(ch.from)} → ${oid(ch.to)}` : ''}`);
      continue;
    }
    const parts = [
      f.added && `${c.green(`+${count(f.added, 'file')}`)} (${formatBytes(f.bytes.added)})`,
      f.removed && `${c.red(`-${count(f.removed, 'file')}`)} (${formatBytes(f.bytes.removed)})`,
      f.changed && `${c.yellow(`~${count(f.changed, 'file')}`)} changed (${formatBytes(f.bytes.changed)})`,
      `${f.unchanged} unchanged`,
    ].filter(Boolean);
    print(`  ${mark[ch.change]} ${displayText(ch.key)}  ${parts.join(', ')}`);
    for (const [kind, paths] of [[c.green('+'), f.paths?.added], [c.red('-'), f.paths?.removed], [c.yellow('~'), f.paths?.changed]] as const) {
      for (const path of paths ?? []) print(`      ${kind} ${displayText(path)}`);
    }
  }
}

export function renderDiff(result: DiffResult): void {
  renderNotes(result.notes);
  print(`${c.bold(result.from.id)} (${result.from.created}) → ${c.bold(result.to.id)} (${result.to.created})`);
  if (result.changed.length === 0) return print('  no differences in what was recorded');
  valueLines('metrics', result.metrics);
  valueLines('params', result.params);
  entryLines('data', result.data);
  entryLines('pipeline', result.pipeline);
  entryLines('files', result.files);
  printTensorLines(result.models);
  if (result.code.changed) print(`${c.bold('code')}\n  ${result.code.from?.commit ?? '-'}${result.code.from?.dirty ? ' (dirty)' : ''} → ${result.code.to?.commit ?? '-'}${result.code.to?.dirty ? ' (dirty)' : ''}`);
  valueLines('environment', result.environment);
  if (result.signature.changed) print(`${c.bold('signature')}\n  ${value(result.signature.from)} → ${value(result.signature.to)}`);
  if (result.parent.changed) print(`${c.bold('parent')}\n  ${result.parent.from ?? '-'} → ${result.parent.to ?? '-'}`);
}

/**
 * Comparing what two versions recorded: metrics (with deltas), params, data, pipeline, files, code commit,
 * environment, signature and parent. Pure over two pointers; paths are compared as repository paths so a
 * pointer that moved folders does not show every file as changed.
 */
import { joinRepoPath } from '../paths.js';
import { pointerFolder, type DataEntry, type Pointer } from '../pointer/pointer.js';

export interface ValueChange {
  name: string;
  change: 'added' | 'removed' | 'changed' | 'same';
  from?: unknown;
  to?: unknown;
  /** to − from, for numbers. */
  delta?: number;
}

export interface EntryChange {
  key: string;
  change: 'added' | 'removed' | 'changed';
  from?: Record<string, unknown>;
  to?: Record<string, unknown>;
  /** For a changed folder whose two manifests are in the cache: the files added, removed and changed in it. */
  folder?: FolderChange;
}

export interface FolderChange {
  added: number;
  removed: number;
  changed: number;
  unchanged: number;
  /** Bytes of the files added, removed, and of the changed files in their new version. */
  bytes: { added: number; removed: number; changed: number };
  /** The paths inside the folder, with `files: true`. */
  paths?: { added: string[]; removed: string[]; changed: string[] };
}

export interface PointerDiff {
  metrics: ValueChange[];
  params: ValueChange[];
  data: EntryChange[];
  pipeline: EntryChange[];
  files: EntryChange[];
  code: { from: Pointer['lineage']['code'] | null; to: Pointer['lineage']['code'] | null; changed: boolean };
  environment: ValueChange[];
  signature: { changed: boolean; from: unknown; to: unknown };
  parent: { changed: boolean; from: string | null; to: string | null };
  /** The sections that differ, e.g. ["metrics", "data", "params"]. */
  changed: string[];
}

export function diffPointers(a: { file: string; pointer: Pointer }, b: { file: string; pointer: Pointer }): PointerDiff {
  const metrics = diffValues(flatten(a.pointer.metrics ?? {}), flatten(b.pointer.metrics ?? {}), true);
  const params = diffValues(flatten(a.pointer.lineage.params ?? {}), flatten(b.pointer.lineage.params ?? {}), false);
  const environment = diffValues(flatten(a.pointer.environment ?? {}), flatten(b.pointer.environment ?? {}), false);
  const data = diffEntries(keyed(a.file, a.pointer.lineage.data ?? []), keyed(b.file, b.pointer.lineage.data ?? []));
  const pipeline = diffEntries(keyed(a.file, a.pointer.lineage.pipeline ?? []), keyed(b.file, b.pointer.lineage.pipeline ?? []));
  const files = diffEntries(keyed(a.file, a.pointer.files), keyed(b.file, b.pointer.files));
  const codeA = a.pointer.lineage.code ?? null;
  const codeB = b.pointer.lineage.code ?? null;
  const code = { from: codeA, to: codeB, changed: codeA?.commit !== codeB?.commit || codeA?.dirty !== codeB?.dirty };
  const signature = { changed: stable(a.pointer.signature) !== stable(b.pointer.signature), from: a.pointer.signature ?? null, to: b.pointer.signature ?? null };
  const parent = { changed: a.pointer.lineage.parent !== b.pointer.lineage.parent, from: a.pointer.lineage.parent ?? null, to: b.pointer.lineage.parent ?? null };
  const paramsFileChanged = a.pointer.lineage.params_file?.oid !== b.pointer.lineage.params_file?.oid;
  const changed = [
    ...(metrics.some((m) => m.change !== 'same') ? ['metrics'] : []),
    ...(params.some((p) => p.change !== 'same') || paramsFileChanged ? ['params'] : []),
    ...(data.length ? ['data'] : []),
    ...(pipeline.length ? ['pipeline'] : []),
    ...(files.length ? ['files'] : []),
    ...(code.changed ? ['code'] : []),
    ...(environment.some((e) => e.change !== 'same') ? ['environment'] : []),
    ...(signature.changed ? ['signature'] : []),
    ...(parent.changed ? ['parent'] : []),
  ];
  return { metrics, params: params.filter((p) => p.change !== 'same'), data, pipeline, files, code, environment: environment.filter((e) => e.change !== 'same'), signature, parent, changed };
}

/** Nested mappings as dotted keys; lists and scalars are leaves. */
function flatten(value: Record<string, unknown>, prefix = '', out: Map<string, unknown> = new Map()): Map<string, unknown> {
  for (const [key, child] of Object.entries(value)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (child !== null && typeof child === 'object' && !Array.isArray(child)) flatten(child as Record<string, unknown>, name, out);
    else out.set(name, child);
  }
  return out;
}

function diffValues(a: Map<string, unknown>, b: Map<string, unknown>, keepSame: boolean): ValueChange[] {
  const names = [...new Set([...a.keys(), ...b.keys()])].sort();
  const changes: ValueChange[] = [];
  for (const name of names) {
    const from = a.get(name);
    const to = b.get(name);
    const change = !a.has(name) ? 'added' : !b.has(name) ? 'removed' : stable(from) === stable(to) ? 'same' : 'changed';
    if (change === 'same' && !keepSame) continue;
    const delta = typeof from === 'number' && typeof to === 'number' ? round(to - from) : undefined;
    changes.push({ name, change, ...(a.has(name) ? { from } : {}), ...(b.has(name) ? { to } : {}), ...(delta !== undefined ? { delta } : {}) });
  }
  return changes;
}

/** Float noise (0.1 + 0.2) out of deltas, keeping 12 significant digits. */
function round(x: number): number {
  return Number(x.toPrecision(12));
}

function keyed(pointerFile: string, entries: DataEntry[]): Map<string, Record<string, unknown>> {
  const folder = pointerFolder(pointerFile);
  const map = new Map<string, Record<string, unknown>>();
  for (const entry of entries) {
    const key = 'path' in entry && typeof entry.path === 'string' ? joinRepoPath(folder, entry.path) : 'uri' in entry ? String(entry.uri) : String((entry as { artifact: unknown }).artifact);
    map.set(key, entry);
  }
  return map;
}

function diffEntries(a: Map<string, Record<string, unknown>>, b: Map<string, Record<string, unknown>>): EntryChange[] {
  const changes: EntryChange[] = [];
  for (const key of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const from = a.get(key);
    const to = b.get(key);
    if (from && to && identity(from) === identity(to)) continue;
    changes.push({ key, change: !from ? 'added' : !to ? 'removed' : 'changed', ...(from ? { from } : {}), ...(to ? { to } : {}) });
  }
  return changes;
}

/** What makes an entry the same: its content id (or, for URIs and artifacts, its recorded version). */
function identity(entry: Record<string, unknown>): string {
  const { path: _path, ...rest } = entry;
  return stable(rest);
}

function stable(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : 1))) : v)) ?? 'undefined';
}

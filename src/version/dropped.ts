/**
 * What a new version would lose that the artifact's current version had: a file or folder, a data or
 * pipeline input, the params file, the metrics, the signature. A forgotten path on the command line must
 * not silently strip a version, so each loss has to be asked for (`--drop`); pure functions.
 */
import { MvError, UsageError } from '../errors.js';
import { displayPath, displayText, shellQuote } from '../display-text.js';
import { joinRepoPath } from '../paths.js';
import { pointerFolder, type DataEntry, type Pointer } from '../pointer/pointer.js';
import { pinnedId } from '../registry/ref.js';

/** The parts of a version read from a file of their own, which `--drop` names by their name. */
export const PARTS = ['params', 'metrics', 'signature'] as const;
export type Part = (typeof PARTS)[number];

export type Drop = { kind: 'path'; repoPath: string } | { kind: 'uri'; uri: string } | { kind: 'artifact'; name: string } | { kind: 'part'; part: Part };

export interface Dropped {
  /** What goes, for people: `file models/churn/tokenizer/`, `data s3://bucket/train`, `metrics`. */
  what: string;
  /** The `--drop` argument that allows it. */
  flag: string;
  key: Drop;
  /** Another `--drop` that allows it too: `params` for the params file the params were read from. */
  alias?: Drop;
}

/** A `--drop` argument: `metrics`, `signature` or `params`; a URI; an artifact ref (`name@vX`); else a path. */
export function parseDrop(text: string, toRepoPath: (path: string) => string): Drop {
  if (text === 'metrics' || text === 'signature' || text === 'params') return { kind: 'part', part: text };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return { kind: 'uri', uri: text };
  if (/^[A-Za-z0-9][\w/-]*@/.test(text)) return { kind: 'artifact', name: text.slice(0, text.indexOf('@')) };
  return { kind: 'path', repoPath: toRepoPath(text).replace(/\/$/, '') };
}

function dataKey(entry: DataEntry, folder: string): Drop {
  if ('path' in entry && typeof entry.path === 'string') return { kind: 'path', repoPath: joinRepoPath(folder, entry.path).replace(/\/$/, '') };
  if ('uri' in entry && typeof entry.uri === 'string') return { kind: 'uri', uri: entry.uri };
  const ref = String((entry as { artifact?: unknown }).artifact);
  return { kind: 'artifact', name: ref.slice(0, ref.indexOf('@')) };
}

function same(a: Drop, b: Drop): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Whether `--drop` names the data entry `entry` of the pointer in `folder` (then it is not carried over). */
export function dropsData(drops: Drop[], entry: DataEntry, folder: string): boolean {
  const key = dataKey(entry, folder);
  return drops.some((drop) => same(drop, key));
}

/** Whether `--drop` names the part `part` (then it, and the file it was read from, are not carried over). */
export function dropsPart(drops: Drop[], part: Part): boolean {
  return drops.some((drop) => drop.kind === 'part' && drop.part === part);
}

/** Whether `--drop` names the file or folder at `repoPath` (then it is not carried over). */
export function dropsPath(drops: Drop[], repoPath: string): boolean {
  const path = repoPath.replace(/\/$/, '');
  return drops.some((drop) => drop.kind === 'path' && drop.repoPath === path);
}

/** `what` names strings from a pointer (a data `uri` or artifact ref may hold any text): they are shown escaped. */
function describe(key: Drop, role: string, display?: string): Dropped {
  switch (key.kind) {
    case 'path':
      return { what: `${role} ${displayPath(display ?? key.repoPath)}`, flag: key.repoPath, key };
    case 'uri':
      return { what: `${role} ${displayText(key.uri)}`, flag: key.uri, key };
    case 'artifact':
      return { what: `${role} ${displayText(display ?? key.name)}`, flag: `${key.name}@`, key };
    case 'part':
      return { what: key.part, flag: key.part, key };
  }
}

/** Everything `before` recorded that `after` does not. Both pointers' paths are compared from the repository's top. */
export function droppedInputs(before: { pointer: Pointer; file: string }, after: { pointer: Pointer; file: string }): Dropped[] {
  const bf = pointerFolder(before.file);
  const af = pointerFolder(after.file);
  const dropped: Dropped[] = [];
  const paths = (entries: Array<{ path: string }> | undefined, folder: string) => (entries ?? []).map((e) => joinRepoPath(folder, e.path));
  // A file of the old version inside a folder the new one versions is kept (the folder's manifest holds it).
  const kept = (list: string[], path: string) => list.some((p) => p.replace(/\/$/, '') === path.replace(/\/$/, '') || (p.endsWith('/') && path.startsWith(p)));
  const nowFiles = paths(after.pointer.files, af);
  for (const path of paths(before.pointer.files, bf)) if (!kept(nowFiles, path)) dropped.push(describe({ kind: 'path', repoPath: path.replace(/\/$/, '') }, 'file', path));
  const nowData = (after.pointer.lineage.data ?? []).map((d) => dataKey(d, af));
  for (const entry of before.pointer.lineage.data ?? []) {
    const key = dataKey(entry, bf);
    if (!nowData.some((k) => key.kind === 'artifact' ? k.kind === 'artifact' && k.name === key.name : same(k, key))) {
      dropped.push(describe(key, 'data', 'artifact' in entry ? String(entry.artifact) : 'path' in entry ? joinRepoPath(bf, String(entry.path)) : undefined));
    }
  }
  const nowPipeline = paths(after.pointer.lineage.pipeline, af);
  for (const path of paths(before.pointer.lineage.pipeline, bf)) if (!kept(nowPipeline, path)) dropped.push(describe({ kind: 'path', repoPath: path.replace(/\/$/, '') }, 'pipeline', path));
  if (before.pointer.lineage.params_file && !after.pointer.lineage.params_file) {
    dropped.push({ ...describe({ kind: 'path', repoPath: joinRepoPath(bf, before.pointer.lineage.params_file.path) }, 'params file'), alias: { kind: 'part', part: 'params' } });
  }
  if (Object.keys(before.pointer.lineage.params ?? {}).length && !Object.keys(after.pointer.lineage.params ?? {}).length) dropped.push(describe({ kind: 'part', part: 'params' }, 'params'));
  if (before.pointer.metrics !== undefined && after.pointer.metrics === undefined) dropped.push(describe({ kind: 'part', part: 'metrics' }, 'metrics'));
  if (before.pointer.signature !== undefined && after.pointer.signature === undefined) dropped.push(describe({ kind: 'part', part: 'signature' }, 'signature'));
  return dropped;
}

/** What `--drop` could name in `base`: everything it records, each as `droppedInputs` describes its loss. */
function droppable(base: { pointer: Pointer; file: string }): { items: Dropped[]; partFiles: string[] } {
  const { metrics: _metrics, signature: _signature, ...rest } = base.pointer;
  const nothing: Pointer = { ...rest, files: [], lineage: { code: base.pointer.lineage.code } };
  const folder = pointerFolder(base.file);
  // The metrics and signature files too: `--drop` by path leaves out the part read from them.
  const partFiles = [base.pointer.metrics_file, base.pointer.signature_file].filter((f): f is string => f !== undefined).map((f) => joinRepoPath(folder, f));
  return { items: droppedInputs(base, { pointer: nothing, file: base.file }), partFiles };
}

/**
 * Fails (a usage error) when a `--drop` names nothing that `base`, the version the new one is compared
 * with, records: a mistyped path would otherwise be accepted without a word, and leave out nothing.
 */
export function checkDropsNamed(drops: Drop[], base: { pointer: Pointer; file: string } | undefined, context: { name: string; typed?: (repoPath: string) => string }): void {
  const shown = (drop: Drop) => shellQuote(drop.kind === 'path' ? (context.typed?.(drop.repoPath) ?? drop.repoPath) : drop.kind === 'uri' ? drop.uri : drop.kind === 'artifact' ? `${drop.name}@` : drop.part);
  if (!base) {
    if (drops.length) throw new UsageError(`--drop ${shown(drops[0]!)}: ${context.name} has no earlier version with a pointer, so there is nothing to leave out.`, 'Leave out --drop: only what a new version would lose from the previous one needs it.');
    return;
  }
  const { items, partFiles } = droppable(base);
  const unknown = drops.filter((drop) => !items.some((d) => same(d.key, drop) || (d.alias !== undefined && same(d.alias, drop))) && !(drop.kind === 'path' && partFiles.includes(drop.repoPath)));
  if (unknown.length === 0) return;
  const id = pinnedId(context.name, base.pointer.version);
  throw new UsageError(
    `--drop ${unknown.map(shown).join(', ')}: ${id} records no file, input or part by ${unknown.length > 1 ? 'those names' : 'that name'}, so there is nothing to leave out.`,
    `${id} records: ${items.map((d) => d.what).join(', ')}. Name one of those with --drop: a path as you would type it here, a URI, name@ for an artifact, or params, metrics, signature.`,
  );
}

/** Fails unless every loss was asked for; returns the losses that were. */
export function checkDrops(dropped: Dropped[], allowed: Drop[], context: { name: string; current: string; carried?: boolean; typed?: (repoPath: string) => string }): Dropped[] {
  const refused = dropped.filter((d) => !allowed.some((a) => same(a, d.key) || (d.alias !== undefined && same(a, d.alias))));
  if (refused.length) {
    const list = refused.map((d) => d.what).join(', ');
    throw new MvError('INPUTS_DROPPED', `This version of ${context.name} would leave out what ${context.current} has: ${list}.`, {
      hint: `Add them again (${context.carried === false ? 'name them on the command line, as for a first version' : `\`mvr add ${context.name}\` with no paths keeps everything ${context.current} recorded`}), or leave them out on purpose with ${refused.map((d) => `--drop ${shellQuote(d.key.kind === 'path' && context.typed ? context.typed(d.key.repoPath) : d.flag)}`).join(' ')}.`,
      details: { dropped: refused.map((d) => d.what) },
    });
  }
  return dropped;
}

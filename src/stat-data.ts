/**
 * stat(2) and lstat(2) for loops over many files: listing a folder of 10,000s of files for `status` and
 * `add`, the presence checks and stat records of a checkout.
 *
 * Node 20's `statSync` builds a `Stats` object with four `Date` objects on every call (Node 22 makes the
 * dates lazily, nodejs/node#50908): about 1 KB of garbage a file, most of what the young generation
 * collects during a status of 10,000 files. On Node 20.10 and later 20s and 21 the five numbers mv uses are
 * read instead from the array Node's own binding fills for `statSync` (the call `statSync` makes there,
 * with the same arguments): `status` of 10,000 files took 9% less time (docs/decisions.md). That binding
 * is not a public API, so it is used only after checking it on the first call: its numbers for that file
 * must equal `statSync`'s and `lstatSync`'s to the bit, and a missing path must throw ENOENT (or give nothing when asked
 * to), as earlier Node 20s, whose binding takes other arguments, do not. Anywhere it is missing or
 * different, where it would print a warning (under Node's pending deprecations, `process.binding` warns),
 * under the permission model (where it throws), on Windows (where `statSync` first makes the path a
 * namespaced one), and on Node 22 and later, `statSync` is used.
 */
import { constants, lstatSync, statSync, type Stats } from 'node:fs';

/** What mv takes from stat data: the stat cache's stamp (inode, size, times) and the mode. */
export type StatData = Pick<Stats, 'mode' | 'ino' | 'size' | 'mtimeMs' | 'ctimeMs'>;

interface FsBinding {
  stat(path: string, bigint: false, request: undefined, throwIfNoEntry: boolean): Float64Array | undefined;
  lstat(path: string, bigint: false, request: undefined, throwIfNoEntry: boolean): Float64Array | undefined;
}

/** Node's fs binding once checked; null when `statSync` is used; undefined until the first call. */
let binding: FsBinding | null | undefined;

/** How stat data is read in this process: through the checked binding, `statSync`, or not decided yet. */
export function statDataSource(): 'binding' | 'statSync' | 'unchecked' {
  return binding === undefined ? 'unchecked' : binding === null ? 'statSync' : 'binding';
}

/** Whether `mode` is a regular file's. */
export function isRegularFile(mode: number): boolean {
  return (mode & constants.S_IFMT) === constants.S_IFREG;
}

/** The stat data of `path` (following links); throws as `statSync` does (ENOENT, ENOTDIR, EACCES…). */
export function statData(path: string): StatData;
/** The same, but undefined where nothing is at `path` (ENOENT only, as `statSync` does). */
export function statData(path: string, options: { throwIfNoEntry: false }): StatData | undefined;
export function statData(path: string, options?: { throwIfNoEntry: false }): StatData | undefined {
  const throwIfNoEntry = options?.throwIfNoEntry ?? true;
  // A NUL would end the path early in the system call: statSync (lstatSync below) refuses such a path.
  if (binding === undefined || binding === null || path.includes('\0')) {
    const reference = statSync(path, { throwIfNoEntry });
    if (binding === undefined && reference) binding = checkedBinding(path);
    return reference;
  }
  const values = binding.stat(path, false, undefined, throwIfNoEntry);
  return values === undefined ? undefined : fromValues(values);
}

/** The stat data of `path` itself (a link, not what it leads to); throws as `lstatSync` does. */
export function lstatData(path: string): StatData {
  if (binding === undefined || binding === null || path.includes('\0')) {
    const reference = lstatSync(path);
    if (binding === undefined) binding = checkedBinding(path);
    return reference;
  }
  return fromValues(binding.lstat(path, false, undefined, true)!);
}

/** The fields Node computes from the binding's numbers (lib/internal/fs/utils.js, getStatsFromBinding). */
function fromValues(values: Float64Array): StatData {
  return {
    mode: values[1]!,
    ino: values[7]!,
    size: values[8]!,
    mtimeMs: values[12]! * 1000 + values[13]! / 1e6,
    ctimeMs: values[14]! * 1000 + values[15]! / 1e6,
  };
}

/**
 * Node's fs binding, if it may be used and gives exactly what `statSync` and `lstatSync` give for `path`;
 * null if not; undefined (still to be checked) where `path` does not stat (a dangling link, a file gone).
 */
function checkedBinding(path: string): FsBinding | null | undefined {
  // Not in @types/node: deprecated in documentation only (DEP0111), and still how Node exposes it.
  const bind = (process as unknown as { binding?: (name: string) => unknown }).binding;
  if (Number(process.versions.node.split('.')[0]) >= 22 || process.platform === 'win32' || typeof bind !== 'function' || pendingDeprecation(bind)) return null;
  let viaStat: StatData;
  let viaLstat: StatData;
  try {
    viaStat = statSync(path);
    viaLstat = lstatSync(path);
  } catch {
    return undefined;
  }
  try {
    const candidate = bind.call(process, 'fs') as Partial<FsBinding> | undefined;
    if (typeof candidate?.stat !== 'function' || typeof candidate.lstat !== 'function') return null;
    const checked = candidate as FsBinding;
    const same = (call: keyof FsBinding, reference: StatData) => {
      const values = checked[call](path, false, undefined, true);
      if (!(values instanceof Float64Array) || values.length < 16) return false;
      const ours = fromValues(values);
      return ours.mode === reference.mode && ours.ino === reference.ino && ours.size === reference.size && ours.mtimeMs === reference.mtimeMs && ours.ctimeMs === reference.ctimeMs;
    };
    const ok = same('stat', viaStat) && same('lstat', viaLstat) && failsAsNode(checked, 'stat') && failsAsNode(checked, 'lstat');
    return ok ? checked : null;
  } catch {
    return null;
  }
}

/** Whether the binding's `call` reports a missing path as Node does: ENOENT thrown, or nothing when asked. */
function failsAsNode(candidate: FsBinding, call: keyof FsBinding): boolean {
  if (candidate[call]('', false, undefined, false) !== undefined) return false;
  try {
    candidate[call]('', false, undefined, true);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
  }
}

/**
 * Whether `process.binding` would print a deprecation warning (Node's `--pending-deprecation`, in any
 * spelling, or NODE_PENDING_DEPRECATION=1): then Node has wrapped it in its deprecation function.
 */
function pendingDeprecation(bind: (name: string) => unknown): boolean {
  const flag = (arg: string) => arg.replaceAll('_', '-').includes('--pending-deprecation');
  return bind.name === 'deprecated' || process.env.NODE_PENDING_DEPRECATION === '1' || [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some(flag);
}

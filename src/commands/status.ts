/**
 * `mv status`: how the work tree compares with its committed pointers. For each artifact: files that are
 * modified or missing, whether the cache holds what the pointer records, and which version was checked out
 * if it is not the pointer's. Unchanged files are recognised by the stat cache and never re-read.
 */
import { MvError } from '../errors.js';
import { diffEntries, parseManifest, type DirChanges, type ManifestEntry } from '../cache/manifest.js';
import type { Oid } from '../cache/oid.js';
import { atOrUnder } from '../paths.js';
import { readWorkspacePointer, trackedPointerFiles, type LocatedPointer } from '../pointer/locate.js';
import { pointerObjects, type ObjectRole } from '../pointer/objects.js';
import { openRepo, type Repo } from '../repo.js';
import { inspectEntry, type EntryCondition } from '../workspace/inspect.js';
import { RealFolders } from '../real-folders.js';
import type { SnapshotContext } from '../workspace/snapshot.js';
import { checkoutStateFile, loadStatCache } from '../workspace/state-files.js';
import { readCheckoutState } from '../workspace/checkout-state.js';

export interface StatusOptions {
  cwd?: string;
  names?: string[];
  signal?: AbortSignal;
}

export interface EntryStatus {
  /** Repository-relative path; folders end with "/". */
  path: string;
  role: ObjectRole;
  condition: EntryCondition;
  /** Whether the cache holds the recorded content (so `mv checkout` can restore it). */
  cached: boolean;
  /** For a modified folder whose recorded manifest is cached: what differs inside it. */
  changes?: DirChanges;
  /** The oid of what is on disk now (absent when missing, or not read). */
  currentOid?: string;
  /** Why what is on disk was not read (a symbolic link on the way or leading outside, a pipe, …). */
  problem?: { code: string; message: string };
  /** A lineage file git tracks: git holds its content, so the cache need not. */
  tracked?: boolean;
  /** A lineage entry whose content is that of the version `mv checkout --lineage` put there. */
  matchesCheckout?: boolean;
}

export interface ArtifactStatus {
  name: string;
  version: string;
  pointer: string;
  /** The version whose files are in the work tree, when `mv checkout name@vX` put another version there. */
  checkedOut?: string;
  clean: boolean;
  entries: EntryStatus[];
}

export interface StatusResult {
  artifacts: ArtifactStatus[];
  /** Committed pointers that cannot be read (reported, not fatal for the others). */
  invalid: Array<{ file: string; code: string; message: string; hint?: string }>;
  clean: boolean;
  /** Whether mv is set up in the repository (`.mv/config.yaml` is there); status works either way. */
  initialized: boolean;
}

export async function status(options: StatusOptions = {}): Promise<StatusResult> {
  const repo = await openRepo(options.cwd ?? process.cwd());
  const invalid: StatusResult['invalid'] = [];
  const [pointers, stats, checkouts] = await Promise.all([workspacePointers(repo, options.names, invalid), loadStatCache(repo), readCheckoutState(checkoutStateFile(repo))]);
  const folders = new RealFolders(repo.root, 'reading artifact files');
  const ctx: SnapshotContext = { root: repo.root, cache: repo.cache, stats, store: false, ...(options.signal ? { signal: options.signal } : {}) };
  // The files, data and pipeline paths and params file each pointer records, repository-relative.
  const recorded = pointers.map((located) => pointerObjects(located.pointer, located.file));
  // One question to git for every lineage path: which does it track (and so hold)? Asked while the work
  // tree is compared.
  const lineagePaths = [...new Set(recorded.flat().filter((e) => e.role !== 'file').map((e) => e.path.replace(/\/$/, '')))];
  const tracking = repo.git.trackedFiles(lineagePaths);
  tracking.catch(() => undefined);
  const artifacts: ArtifactStatus[] = [];
  try {
    for (const [index, located] of pointers.entries()) {
      const { pointer } = located;
      const entries: EntryStatus[] = [];
      /** The files now in a folder that differs, when what the version recorded there is not known (not cached). */
      const folderFiles = new Map<string, string[]>();
      for (const { path: repoPath, oid, role } of recorded[index]!) {
        const inspection = await inspectEntry(repoPath, oid, ctx, folders);
        const cached = await repo.cache.has(oid);
        const entry: EntryStatus = { path: repoPath, role, condition: inspection.condition, cached, ...(inspection.current ? { currentOid: inspection.current.oid } : {}) };
        if (inspection.blocked) entry.problem = { code: inspection.blocked.code, message: inspection.blocked.message };
        // What differs inside a folder, when a folder was recorded there (not a file now replaced by one).
        if (inspection.condition === 'modified' && inspection.current?.kind === 'dir' && repoPath.endsWith('/') && cached) {
          entry.changes = diffEntries(await manifestOf(repo, oid), (inspection.current).entries);
        } else if (inspection.condition === 'modified' && inspection.current?.kind === 'dir' && checkouts[pointer.name]) {
          folderFiles.set(repoPath, inspection.current.entries.map((e) => e.path));
        }
        entries.push(entry);
      }
      const fileEntries = entries.filter((e) => e.role === 'file');
      const clean = fileEntries.every((e) => e.condition === 'unchanged');
      const checkedOut = checkouts[pointer.name];
      const status: ArtifactStatus = { name: pointer.name, version: pointer.version, pointer: located.file, clean, entries };
      if (!clean && checkedOut && checkedOut.version !== pointer.version && (await holdsCheckout(fileEntries, folderFiles, checkedOut.files, ctx, folders))) {
        status.checkedOut = checkedOut.version;
        for (const entry of entries) if (entry.role !== 'file' && entry.currentOid !== undefined && checkedOut.lineage?.[entry.path] === entry.currentOid) entry.matchesCheckout = true;
      }
      artifacts.push(status);
    }
  } finally {
    await stats.save();
  }
  const lineage = artifacts.flatMap((a) => a.entries.filter((e) => e.role !== 'file'));
  const tracked = await tracking;
  for (const entry of lineage) {
    const path = entry.path.replace(/\/$/, '');
    if (tracked.some((t) => atOrUnder(t, path))) entry.tracked = true;
  }
  return { artifacts, invalid, clean: invalid.length === 0 && artifacts.every((a) => a.clean && a.entries.every((e) => e.cached || e.tracked)), initialized: repo.initialized };
}

async function workspacePointers(repo: Repo, names: string[] | undefined, invalid: StatusResult['invalid']): Promise<LocatedPointer[]> {
  const files = await trackedPointerFiles(repo.git);
  const located: LocatedPointer[] = [];
  for (const file of files) {
    try {
      const pointer = await readWorkspacePointer(repo.root, file);
      if (pointer) located.push(pointer);
    } catch (error) {
      if (!(error instanceof MvError)) throw error;
      invalid.push({ file, code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) });
    }
  }
  if (!names || names.length === 0) return located.sort((a, b) => a.pointer.name.localeCompare(b.pointer.name));
  return names.map((name) => {
    const found = located.find((l) => l.pointer.name === name);
    if (!found) {
      const known = located.map((l) => l.pointer.name);
      throw new MvError('UNKNOWN_ARTIFACT', `No pointer for ${name} in this work tree.`, {
        hint: known.length ? `Artifacts here: ${known.join(', ')}.` : 'Nothing is versioned here yet; start with `mvr add <name> <path>…`.',
      });
    }
    return found;
  });
}

async function manifestOf(repo: Repo, oid: Oid): Promise<ManifestEntry[]> {
  return parseManifest((await repo.cache.readVerified(oid)).toString('utf8'), oid);
}

/**
 * Whether the work tree holds what the last checkout of another version wrote, and nothing else changed.
 * That version's paths need not be the committed pointer's (a file it has and the newer version dropped,
 * a folder where the newer version has a file of the same name): the committed entries already inspected
 * answer for their paths, and the others are inspected now. A committed file that version does not have
 * was left where it was by the checkout: it must be as committed (or gone), else the work tree holds an
 * edit that status must show.
 */
async function holdsCheckout(entries: EntryStatus[], folderFiles: Map<string, string[]>, recorded: Record<string, string>, ctx: SnapshotContext, folders: RealFolders): Promise<boolean> {
  const written = Object.entries(recorded);
  if (written.length === 0) return false;
  const bare = (path: string) => path.replace(/\/$/, '');
  const writtenPaths = written.map(([path]) => bare(path));
  const writtenThere = (path: string) => {
    const target = bare(path);
    return writtenPaths.some((other) => atOrUnder(target, other));
  };
  // A committed entry that differs must be one the checkout wrote, or a folder that differs only where the
  // checkout wrote into it: files of the folder it left are as committed or gone. When what the committed
  // version has in the folder is not known (its manifest is not cached), every file there must be one the
  // checkout wrote (a clone that checked out an older version without the newer one's objects).
  const explained = (e: EntryStatus) => {
    if (writtenThere(e.path)) return true;
    const differing = e.changes ? [...e.changes.added, ...e.changes.modified] : folderFiles.get(e.path);
    return differing !== undefined && differing.length > 0 && differing.every((rel) => writtenThere(`${bare(e.path)}/${rel}`));
  };
  if (entries.some((e) => e.condition === 'modified' && !explained(e))) return false;
  const inspected = new Map(entries.map((e) => [e.path, e.currentOid]));
  for (const [path, oid] of written) {
    if (inspected.has(path)) {
      if (inspected.get(path) !== oid) return false;
    } else if ((await inspectEntry(path, oid, ctx, folders)).condition !== 'unchanged') return false;
  }
  return true;
}

/**
 * Snapshots of workspace paths: the oid, size (and for a directory its manifest) of what is on disk now.
 * Unchanged files are recognised by the stat cache and never re-read. With `store`, every file is also
 * written into the cache, and a directory's manifest only after all of its entries, so a manifest present
 * in the cache implies its files are too.
 */
import type { BigIntStats } from 'node:fs';
import { lstatSync, readFileSync, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import fg from 'fast-glob';
import { MvError, errnoCode, fsError } from '../errors.js';
import { hashBuffer, hashFile } from '../cache/hash.js';
import { ingestMany, POOL_THRESHOLD } from '../cache/file-pool.js';
import { SMALL_FILE, type LocalCache } from '../cache/local-cache.js';
import { adopt, adoptSmallSync, type LinkMode } from '../cache/adopt.js';
import { modeOf, serializeManifest, type ManifestEntry } from '../cache/manifest.js';
import type { Oid } from '../cache/oid.js';
import type { StatCache } from '../cache/stat-cache.js';
import { absolutePath, relativePathProblem } from '../paths.js';
import { TEMP_MARKER } from '../atomic-file.js';

export interface FileSnapshot {
  kind: 'file';
  repoPath: string;
  oid: Oid;
  size: number;
  mode: number;
}

export interface DirSnapshot {
  kind: 'dir';
  /** Ends with "/". */
  repoPath: string;
  oid: Oid;
  size: number;
  nfiles: number;
  entries: ManifestEntry[];
}

export type Snapshot = FileSnapshot | DirSnapshot;

export interface Progress {
  /** Called with the bytes and files just handled; `read` is false when the stat cache answered. */
  (update: { bytes: number; files: number; read: boolean }): void;
}

export interface SnapshotContext {
  root: string;
  cache: LocalCache;
  stats: StatCache;
  /** Store content in the cache (add) or only hash it (status). */
  store: boolean;
  /** When storing: make the files themselves the cache objects (hard link or moved and symlinked) instead of copying. */
  link?: LinkMode;
  onProgress?: Progress;
  signal?: AbortSignal;
}

/**
 * Long loops of synchronous file calls hand the event loop a turn at least this often (milliseconds), so
 * progress updates and Ctrl-C stay responsive whether the files are tiny or a mebibyte each.
 */
const YIELD_AFTER_MS = 50;
let lastYield = performance.now();

/** Whether the current synchronous stretch has run long enough to yield (checked per file: no await). */
const yieldDue = () => performance.now() - lastYield >= YIELD_AFTER_MS;

/** Gives the event loop a turn, then honours an abort. */
async function breathe(signal: AbortSignal | undefined): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
  lastYield = performance.now();
  signal?.throwIfAborted();
}

export async function snapshotPath(repoPath: string, ctx: SnapshotContext): Promise<Snapshot> {
  const abs = absolutePath(ctx.root, repoPath);
  let info: BigIntStats;
  try {
    info = statSync(abs, { bigint: true });
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') {
      throw new MvError('PATH_MISSING', `${repoPath} does not exist.`, { hint: 'Check the path; it is relative to the current directory.', details: { path: repoPath } });
    }
    throw fsError(error, 'reading', repoPath);
  }
  if (info.isDirectory()) {
    if (lstatSync(abs).isSymbolicLink()) {
      throw new MvError('UNSUPPORTED_FILE', `${repoPath} is a symbolic link to a folder.`, {
        hint: 'Give the real folder instead; links to folders are not versioned (git would not ignore the link either).',
      });
    }
    return snapshotDir(repoPath.endsWith('/') ? repoPath : `${repoPath}/`, ctx);
  }
  if (!info.isFile()) throw new MvError('UNSUPPORTED_FILE', `${repoPath} is not a regular file or directory.`, { hint: 'Only files and folders can be versioned.' });
  const file = repoPath.replace(/\/$/, '');
  const { oid, size } = await snapshotFile(file, abs, info, ctx);
  return { kind: 'file', repoPath: file, oid, size, mode: modeOf(info.mode) };
}

/**
 * The oid of one file: from the stat cache when its stat data is unchanged (and, when storing, the object
 * is present), else by reading it. Small files are handled with synchronous calls, large ones streamed.
 */
async function snapshotFile(key: string, abs: string, info: BigIntStats, ctx: SnapshotContext): Promise<{ oid: Oid; size: number }> {
  ctx.signal?.throwIfAborted();
  const size = Number(info.size);
  const known = ctx.stats.lookup(key, info);
  if (known && (!ctx.store || ctx.cache.hasSync(known, size))) {
    ctx.onProgress?.({ bytes: size, files: 1, read: false });
    return { oid: known, size };
  }
  let hashed: { oid: Oid; size: number };
  try {
    if (ctx.store && ctx.link) hashed = size <= SMALL_FILE ? adoptSmallSync(ctx.cache, abs, ctx.link) : await adopt(ctx.cache, abs, ctx.link);
    else if (size <= SMALL_FILE) hashed = ctx.store ? ctx.cache.ingestSmallSync(abs) : { oid: hashBuffer(readFileSync(abs)), size };
    else hashed = ctx.store ? await ctx.cache.ingest(abs, undefined, { direct: true, ...(ctx.signal ? { signal: ctx.signal } : {}) }) : await hashFile(abs, ctx.signal);
  } catch (error) {
    throw fsError(error, 'reading', key);
  }
  // Linking changed the file's inode data (mode, link count): remember what it is now.
  ctx.stats.record(key, ctx.store && ctx.link ? statSync(abs, { bigint: true }) : info, hashed.oid);
  ctx.onProgress?.({ bytes: hashed.size, files: 1, read: true });
  return hashed;
}

async function snapshotDir(repoPath: string, ctx: SnapshotContext): Promise<DirSnapshot> {
  const absDir = absolutePath(ctx.root, repoPath);
  const files = await listFiles(absDir, repoPath);
  const entries = new Array<ManifestEntry>(files.length);
  // Stat data is kept only for files the stat cache does not know: holding 100,000s of stat objects
  // would cost more in garbage collection than the whole comparison.
  const infos = new Array<BigIntStats | undefined>(files.length);
  const seen = new Set<string>();
  let allKnown = true;
  // First pass: stat everything and ask the stat cache; nothing is read yet.
  for (const [i, rel] of files.entries()) {
    if (yieldDue()) await breathe(ctx.signal);
    const key = repoPath + rel;
    seen.add(key);
    const info = statOf(`${absDir}/${rel}`, key);
    const known = ctx.stats.lookup(key, info);
    if (!known) {
      allKnown = false;
      infos[i] = info;
    }
    entries[i] = { path: rel, oid: known ?? ('' as Oid), size: Number(info.size), mode: modeOf(info.mode) };
  }
  // Every entry known and the manifest already cached: the folder is unchanged and fully stored.
  const knownManifest = allKnown ? serializeManifest(entries) : undefined;
  const manifestOid = knownManifest === undefined ? undefined : hashBuffer(knownManifest);
  const complete = manifestOid !== undefined && (!ctx.store || ctx.cache.hasSync(manifestOid));
  if (complete) {
    const bytes = entries.reduce((sum, e) => sum + e.size, 0);
    ctx.onProgress?.({ bytes, files: entries.length, read: false });
  } else {
    const pending = await storeManyInWorkers(repoPath, absDir, entries, infos, ctx);
    for (const [i, entry] of entries.entries()) {
      if (pending.has(i)) continue;
      if (yieldDue()) await breathe(ctx.signal);
      if (entry.oid && (!ctx.store || ctx.cache.hasSync(entry.oid, entry.size))) {
        ctx.onProgress?.({ bytes: entry.size, files: 1, read: false });
        continue;
      }
      const abs = `${absDir}/${entry.path}`;
      const hashed = await snapshotFile(repoPath + entry.path, abs, infos[i] ?? statOf(abs, repoPath + entry.path), ctx);
      entry.oid = hashed.oid;
      entry.size = hashed.size;
    }
  }
  ctx.stats.prune(repoPath, seen);
  const manifest = complete ? knownManifest! : serializeManifest(entries);
  const oid = complete ? manifestOid : ctx.store ? (await ctx.cache.putBuffer(manifest)).oid : hashBuffer(manifest);
  const size = entries.reduce((sum, e) => sum + e.size, 0);
  return { kind: 'dir', repoPath, oid, size, nfiles: entries.length, entries };
}

function statOf(abs: string, key: string): BigIntStats {
  try {
    return statSync(abs, { bigint: true });
  } catch (error) {
    throw fsError(error, 'reading', key);
  }
}

/**
 * When storing thousands of new small files, hands them to worker threads; returns the indexes it handled
 * (their entries are filled in and recorded in the stat cache).
 */
async function storeManyInWorkers(repoPath: string, absDir: string, entries: ManifestEntry[], infos: Array<BigIntStats | undefined>, ctx: SnapshotContext): Promise<Set<number>> {
  if (!ctx.store) return new Set();
  const todo: number[] = [];
  for (const [i, entry] of entries.entries()) {
    if (entry.size > SMALL_FILE) continue;
    if (entry.oid && ctx.cache.hasSync(entry.oid, entry.size)) continue;
    todo.push(i);
  }
  if (todo.length < POOL_THRESHOLD) return new Set();
  let hashed;
  try {
    hashed = await ingestMany(
      { cacheDir: ctx.cache.location, fsync: ctx.cache.fsync, paths: todo.map((i) => `${absDir}/${entries[i]!.path}`), ...(ctx.link ? { link: ctx.link } : {}) },
      {
        onBatch: (start, count) => {
          const bytes = todo.slice(start, start + count).reduce((sum, i) => sum + entries[i]!.size, 0);
          ctx.onProgress?.({ files: count, bytes, read: true });
        },
        ...(ctx.signal ? { signal: ctx.signal } : {}),
      },
    );
  } catch (error) {
    throw fsError(error, 'storing files of', repoPath);
  }
  todo.forEach((index, k) => {
    const result = hashed[k]!;
    entries[index]!.oid = result.oid;
    entries[index]!.size = result.size;
    const key = repoPath + entries[index]!.path;
    ctx.stats.record(key, ctx.link ? statSync(`${absDir}/${entries[index]!.path}`, { bigint: true }) : infos[index] ?? statOf(`${absDir}/${entries[index]!.path}`, key), result.oid);
  });
  const handled = new Set(todo);
  // Small files whose oid was known and whose object is cached are done too.
  for (const [i, entry] of entries.entries()) {
    if (handled.has(i) || entry.size > SMALL_FILE || !entry.oid) continue;
    handled.add(i);
    ctx.onProgress?.({ bytes: entry.size, files: 1, read: false });
  }
  return handled;
}

/**
 * Regular files below `absDir`, as POSIX paths relative to it. Symbolic links to files are followed (their
 * content is versioned); links to folders are refused rather than silently skipped or looped through.
 */
async function listFiles(absDir: string, repoPath: string): Promise<string[]> {
  // `**/*`, not `**`: the bare globstar silently skips names containing a newline.
  const found = await fg('**/*', {
    cwd: absDir,
    dot: true,
    onlyFiles: false,
    followSymbolicLinks: false,
    objectMode: true,
    // Temp files, and staging folders of a checkout killed midway, are not the artifact's.
    ignore: ['**/.git', '**/.git/**', `**/*${TEMP_MARKER}*/**`],
    suppressErrors: false,
  }).catch((error: unknown) => {
    throw fsError(error, 'listing', repoPath);
  });
  const files: string[] = [];
  for (const entry of found) {
    if (entry.path.split('/').some((part) => part.includes(TEMP_MARKER))) continue;
    const problem = relativePathProblem(entry.path);
    if (problem && (entry.dirent.isFile() || entry.dirent.isSymbolicLink())) {
      throw new MvError('UNSUPPORTED_FILE_NAME', `${JSON.stringify(repoPath + entry.path)} cannot be versioned: its path ${problem}.`, {
        hint: 'Rename the file (versioned paths are portable POSIX paths without control characters or backslashes).',
      });
    }
    if (entry.dirent.isFile()) files.push(entry.path);
    else if (entry.dirent.isSymbolicLink()) {
      const target = await stat(`${absDir}/${entry.path}`).catch(() => undefined);
      if (target?.isFile()) files.push(entry.path);
      else {
        throw new MvError('UNSUPPORTED_FILE', `${repoPath}${entry.path} is a symbolic link to ${target ? 'a folder' : 'nothing (broken link)'}.`, {
          hint: 'Replace it with the files it should contain, or remove it; links to folders are not versioned.',
        });
      }
    }
  }
  return files;
}

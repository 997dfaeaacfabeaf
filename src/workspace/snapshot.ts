/**
 * Snapshots of workspace paths: the oid, size (and for a directory its manifest) of what is on disk now.
 * Unchanged files are recognised by the stat cache and never re-read. With `store`, every file is also
 * written into the cache, and a directory's manifest only after all of its entries, so a manifest present
 * in the cache implies its files are too.
 */
import { constants, existsSync, lstatSync, readdirSync, readFileSync, statSync, type Stats } from 'node:fs';
import { readdir, readlink, realpath, stat } from 'node:fs/promises';
import { isAbsolute, posix, relative, sep } from 'node:path';
import { isUtf8 } from 'node:buffer';
import { MvError, errnoCode, fsError } from '../errors.js';
import { hashBuffer, hashFile } from '../cache/hash.js';
import { ingestMany, POOL_THRESHOLD } from '../cache/file-pool.js';
import { SMALL_FILE, type LocalCache } from '../cache/local-cache.js';
import { adopt, adoptSmallSync, type LinkMode } from '../cache/adopt.js';
import { modeOf, serializeManifest, type ManifestEntry } from '../cache/manifest.js';
import type { Oid } from '../cache/oid.js';
import type { StatCache } from '../cache/stat-cache.js';
import { absolutePath, relativePathProblem, reservedFolderNamed } from '../paths.js';
import { displayPath, escapeBytes, shellQuote } from '../display-text.js';
import { isTempName } from '../atomic-file.js';
import { lstatData, statData, type StatData } from '../stat-data.js';

const { S_IFMT, S_IFREG, S_IFDIR, S_IFLNK, S_IFIFO, S_IFSOCK, S_IFBLK, S_IFCHR } = constants;

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

/** Milliseconds on a monotonic clock (`performance.now()` would load `node:perf_hooks`, 1 ms of a start). */
function nowMs(): number {
  const [seconds, nanoseconds] = process.hrtime();
  return seconds * 1000 + nanoseconds / 1e6;
}
let lastYield = nowMs();

/** Whether the current synchronous stretch has run long enough to yield (checked per file: no await). */
const yieldDue = () => nowMs() - lastYield >= YIELD_AFTER_MS;

/** Gives the event loop a turn, then honours an abort. */
async function breathe(signal: AbortSignal | undefined): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
  lastYield = nowMs();
  signal?.throwIfAborted();
}

export async function snapshotPath(repoPath: string, ctx: SnapshotContext): Promise<Snapshot> {
  const abs = absolutePath(ctx.root, repoPath);
  let link: Stats;
  try {
    link = lstatSync(abs);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') throw pathMissing(repoPath);
    throw fsError(error, 'reading', repoPath);
  }
  const linked = link.isSymbolicLink();
  if (linked) await checkLinkTarget(ctx, abs, repoPath.replace(/\/$/, ''));
  let info = link;
  if (linked) {
    try {
      info = statSync(abs);
    } catch (error) {
      throw fsError(error, 'reading', repoPath);
    }
  }
  if (info.isDirectory()) {
    if (linked) {
      throw new MvError('UNSUPPORTED_FILE', `${displayPath(repoPath)} is a symbolic link to a folder.`, {
        hint: 'Give the real folder instead; links to folders are not versioned (git would not ignore the link either).',
      });
    }
    return snapshotDir(repoPath.endsWith('/') ? repoPath : `${repoPath}/`, ctx);
  }
  if (!info.isFile()) throw unsupportedKind(repoPath, info.mode);
  const file = repoPath.replace(/\/$/, '');
  const { oid, size } = await snapshotFile(file, abs, info, linked ? { ...ctx, link: undefined } : ctx);
  return { kind: 'file', repoPath: file, oid, size, mode: modeOf(info.mode) };
}

/**
 * For small files read whole (params, metrics, signature): a symbolic link is read only when it leads to
 * a file inside the work tree, as for artifact files.
 */
export async function checkReadableLink(ctx: Pick<SnapshotContext, 'root' | 'cache'>, repoPath: string): Promise<void> {
  const abs = absolutePath(ctx.root, repoPath);
  const info = lstatSync(abs, { throwIfNoEntry: false });
  if (info?.isSymbolicLink()) await checkLinkTarget(ctx, abs, repoPath);
}

const NOT_UTF8_HINT = 'mv versions files whose names are UTF-8; rename it (e.g. with `convmv` or a file manager) and run the command again.';

/**
 * A path given to version that is not there (a name that is not UTF-8 arrives with U+FFFD in it, and is
 * not found), named as it was typed when that was in a subfolder.
 */
export function pathMissing(repoPath: string, typed = repoPath): MvError {
  const bare = (path: string) => posix.normalize(path).replace(/\/+$/, '');
  const where = bare(typed) === bare(repoPath) ? '' : ` (${displayPath(repoPath)} from the top of the repository)`;
  return new MvError('PATH_MISSING', `${displayPath(typed)} does not exist${where}.`, {
    hint: repoPath.includes('\ufffd') ? NOT_UTF8_HINT : 'Check the path; it is relative to the current directory.',
    details: { path: repoPath },
  });
}

/** A file that is neither a regular file nor a folder, refused by name and kind. */
function unsupportedKind(repoPath: string, mode: number): MvError {
  const type = mode & S_IFMT;
  const kind = type === S_IFIFO ? 'a named pipe (FIFO)' : type === S_IFSOCK ? 'a socket' : type === S_IFBLK || type === S_IFCHR ? 'a device' : 'not a regular file or folder';
  return new MvError('UNSUPPORTED_FILE', `${displayPath(repoPath)} is ${kind}; only regular files and folders can be versioned.`, {
    hint: 'Remove it from the folder (or move it elsewhere), then run the command again.',
    details: { path: repoPath },
  });
}

const realPaths = new Map<string, Promise<string | undefined>>();

function realOnce(path: string): Promise<string | undefined> {
  let real = realPaths.get(path);
  if (!real) {
    real = realpath(path).catch(() => undefined);
    realPaths.set(path, real);
  }
  return real;
}

/**
 * A symbolic link is versioned as the file it leads to only when that file is inside the work tree and
 * outside `.git/` and `.mv/`: mv never reads, caches or uploads a file from outside the repository through
 * a link, whoever committed the link.
 */
async function checkLinkTarget(ctx: Pick<SnapshotContext, 'root' | 'cache'>, abs: string, repoPath: string): Promise<void> {
  const realRoot = realOnce(ctx.root);
  const written = await readlink(abs).catch(() => '?');
  const target = await realpath(abs).catch(() => undefined);
  if (target === undefined) {
    throw new MvError('UNSUPPORTED_FILE', `${displayPath(repoPath)} is a symbolic link to ${displayPath(written)}, which does not exist.`, {
      hint: 'Replace it with the file it should contain, or remove it.',
      details: { path: repoPath, target: written },
    });
  }
  // With cache.type symlink, work-tree files are links to cache objects: mv's own, wherever the cache is.
  const objects = await realOnce(ctx.cache.objectsDir);
  if (objects && target.startsWith(`${objects}${sep}`)) return;
  const rel = relative((await realRoot) ?? ctx.root, target);
  const parts = rel.split(sep);
  const outside = rel === '' || parts[0] === '..' || isAbsolute(rel);
  const reserved = outside ? undefined : parts.map(reservedFolderNamed).find(Boolean);
  if (outside || reserved) {
    throw new MvError('LINK_OUTSIDE', `${displayPath(repoPath)} is a symbolic link to ${displayPath(target)}, ${outside ? 'outside the repository' : `inside ${reserved}/`}; mv does not read files there through links.`, {
      hint: `If that file belongs to the version, copy it in place of the link (\`cp --remove-destination ${shellQuote(target)} ${shellQuote(repoPath)}\`); otherwise remove the link.`,
      details: { path: repoPath, target },
    });
  }
}

/**
 * The oid of one file: from the stat cache when its stat data is unchanged (and, when storing, the object
 * is present), else by reading it. Small files are handled with synchronous calls, large ones streamed.
 */
async function snapshotFile(key: string, abs: string, info: StatData, ctx: SnapshotContext): Promise<{ oid: Oid; size: number }> {
  ctx.signal?.throwIfAborted();
  const size = info.size;
  const known = ctx.stats.lookup(key, info);
  if (known && (!ctx.store || ctx.cache.hasSync(known, size))) {
    ctx.onProgress?.({ bytes: size, files: 1, read: false });
    return { oid: known, size };
  }
  let hashed: { oid: Oid; size: number };
  try {
    if (ctx.store && ctx.link) hashed = size <= SMALL_FILE ? adoptSmallSync(ctx.cache, abs, ctx.link) : await adopt(ctx.cache, abs, ctx.link);
    else if (size <= SMALL_FILE) hashed = ctx.store ? ctx.cache.ingestSmallSync(abs) : { oid: hashBuffer(readFileSync(abs)), size };
    else hashed = ctx.store ? await ctx.cache.ingest(abs, undefined, { direct: true, solo: true, ...(ctx.signal ? { signal: ctx.signal } : {}) }) : await hashFile(abs, ctx.signal);
  } catch (error) {
    throw fsError(error, 'reading', key);
  }
  // Linking changed the file's inode data (mode, link count): remember what it is now.
  ctx.stats.record(key, ctx.store && ctx.link ? statData(abs) : info, hashed.oid);
  ctx.onProgress?.({ bytes: hashed.size, files: 1, read: true });
  return hashed;
}

async function snapshotDir(repoPath: string, ctx: SnapshotContext): Promise<DirSnapshot> {
  const absDir = absolutePath(ctx.root, repoPath);
  const { files, stats, links } = await listFiles(absDir, repoPath, ctx);
  const entries = new Array<ManifestEntry>(files.length);
  let allKnown = true;
  /** How many of the files the stat cache has an entry for (to tell whether it holds entries of files gone). */
  let remembered = 0;
  // First pass: ask the stat cache about every file (the listing took its stat data); nothing is read
  // yet. This loop runs once per file of every folder artifact in every status: it is kept to the calls
  // it needs.
  for (let i = 0; i < files.length; i++) {
    if ((i & 63) === 63 && yieldDue()) await breathe(ctx.signal);
    const rel = files[i]!;
    const key = repoPath + rel;
    const info = stats[i]!;
    const known = ctx.stats.lookup(key, info);
    if (known) remembered++;
    else {
      allKnown = false;
      if (ctx.stats.has(key)) remembered++;
    }
    entries[i] = { path: rel, oid: known ?? ('' as Oid), size: info.size, mode: modeOf(info.mode) };
  }
  // Entries below the folder for files no longer listed (hashing the rest below only adds listed ones).
  const gone = ctx.stats.countBelow(repoPath) - remembered;
  // Every file known, and the cache holding entries for exactly these files: the manifest is the one the
  // stat cache remembers for the folder, if it does (see StatCache.folderManifest), else it is made now.
  // With that manifest in the cache, the folder is unchanged and fully stored.
  const remembers = allKnown && gone === 0 ? ctx.stats.folderManifest(repoPath, entries.length) : undefined;
  const knownManifest = allKnown && remembers === undefined ? serializeManifest(entries) : undefined;
  const manifestOid = remembers ?? (knownManifest === undefined ? undefined : hashBuffer(knownManifest));
  const complete = manifestOid !== undefined && (!ctx.store || ctx.cache.hasSync(manifestOid));
  if (complete) {
    const bytes = entries.reduce((sum, e) => sum + e.size, 0);
    ctx.onProgress?.({ bytes, files: entries.length, read: false });
  } else {
    const pending = await storeManyInWorkers(repoPath, absDir, entries, stats, ctx, links);
    for (const [i, entry] of entries.entries()) {
      if (pending.has(i)) continue;
      if (yieldDue()) await breathe(ctx.signal);
      if (entry.oid && (!ctx.store || ctx.cache.hasSync(entry.oid, entry.size))) {
        ctx.onProgress?.({ bytes: entry.size, files: 1, read: false });
        continue;
      }
      const abs = `${absDir}/${entry.path}`;
      // A link is read, never adopted: linking would move or share the link, not the file it leads to.
      const fileCtx = links.has(entry.path) ? { ...ctx, link: undefined } : ctx;
      const hashed = await snapshotFile(repoPath + entry.path, abs, stats[i]!, fileCtx);
      entry.oid = hashed.oid;
      entry.size = hashed.size;
    }
  }
  if (gone > 0) ctx.stats.prune(repoPath, new Set(files.map((rel) => repoPath + rel)));
  let oid: Oid;
  if (complete) oid = manifestOid;
  else {
    const manifest = serializeManifest(entries);
    oid = ctx.store ? (await ctx.cache.putBuffer(manifest)).oid : hashBuffer(manifest);
  }
  ctx.stats.recordFolder(repoPath, entries.length, oid);
  const size = entries.reduce((sum, e) => sum + e.size, 0);
  return { kind: 'dir', repoPath, oid, size, nfiles: entries.length, entries };
}

/**
 * When storing thousands of new small files, hands them to worker threads; returns the indexes it handled
 * (their entries are filled in and recorded in the stat cache).
 */
async function storeManyInWorkers(repoPath: string, absDir: string, entries: ManifestEntry[], stats: StatData[], ctx: SnapshotContext, links: Set<string>): Promise<Set<number>> {
  if (!ctx.store) return new Set();
  const todo: number[] = [];
  for (const [i, entry] of entries.entries()) {
    if (entry.size > SMALL_FILE || (ctx.link && links.has(entry.path))) continue;
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
    ctx.stats.record(key, ctx.link ? statData(`${absDir}/${entries[index]!.path}`) : stats[index]!, result.oid);
  });
  const handled = new Set(todo);
  // Small files whose oid was known and whose object is cached are done too.
  for (const [i, entry] of entries.entries()) {
    if (handled.has(i) || entry.size > SMALL_FILE || !entry.oid || (ctx.link && links.has(entry.path))) continue;
    handled.add(i);
    ctx.onProgress?.({ bytes: entry.size, files: 1, read: false });
  }
  return handled;
}

/**
 * Regular files below `absDir`, as POSIX paths relative to it in string order, with their stat data, and
 * which of them are symbolic links. A link is followed only to a file inside the work tree
 * (`checkLinkTarget`); links to folders, pipes, sockets, devices and names that are not UTF-8 are refused
 * by name rather than silently skipped.
 */
async function listFiles(absDir: string, repoPath: string, ctx: SnapshotContext): Promise<{ files: string[]; stats: StatData[]; links: Set<string> }> {
  // Each folder's names, then one lstat of each: it tells files, folders and links apart, and it is the
  // stat data of every file that is no link. Node's recursive listing with file types built an object per
  // file and cost more than the names and those calls (docs/decisions.md). Nested `.git` folders, temp
  // files and staging folders of a checkout killed midway are not the artifact's.
  const files: string[] = [];
  const stats: StatData[] = [];
  const links = new Set<string>();
  const folders = [''];
  let seen = 0;
  for (let prefix = folders.pop(); prefix !== undefined; prefix = folders.pop()) {
    let names: string[];
    try {
      names = readdirSync(prefix ? `${absDir}/${prefix}` : absDir);
    } catch (error) {
      throw fsError(error, 'listing', repoPath + prefix);
    }
    for (const name of names) {
      if ((++seen & 63) === 0 && yieldDue()) await breathe(ctx.signal);
      if (name === '.git' || isTempName(name)) continue;
      const path = prefix + name;
      const abs = `${absDir}/${path}`;
      // A name that is not UTF-8 no longer opens once decoded: refused by name before it is looked at.
      if (name.includes('\ufffd')) await refuseIfNotUtf8(absDir, repoPath, path);
      const info = lstatOf(abs, repoPath + path);
      const kind = info.mode & S_IFMT;
      if (kind === S_IFDIR) {
        folders.push(`${path}/`);
        continue;
      }
      const problem = relativePathProblem(path);
      if (problem) {
        throw new MvError('UNSUPPORTED_FILE_NAME', `${displayPath(repoPath + path)} cannot be versioned: its path ${problem}.`, {
          hint: 'Rename the file (versioned paths are portable POSIX paths without control characters or backslashes).',
        });
      }
      if (kind === S_IFREG) {
        files.push(path);
        stats.push(info);
      } else if (kind === S_IFLNK) {
        await checkLinkTarget(ctx, abs, repoPath + path);
        const target = await stat(abs);
        if (target.isFile()) {
          files.push(path);
          stats.push(target);
          links.add(path);
        } else if (target.isDirectory()) {
          throw new MvError('UNSUPPORTED_FILE', `${displayPath(repoPath + path)} is a symbolic link to a folder.`, {
            hint: 'Replace it with the files it should contain, or remove it; links to folders are not versioned.',
          });
        } else throw unsupportedKind(repoPath + path, target.mode);
      } else throw unsupportedKind(repoPath + path, info.mode);
    }
  }
  // In string order, which is the manifest's order for names in ASCII: serializing then sorts nothing.
  const order = files.map((_, i) => i).sort((a, b) => (files[a]! < files[b]! ? -1 : 1));
  return { files: order.map((i) => files[i]!), stats: order.map((i) => stats[i]!), links };
}

function lstatOf(abs: string, key: string): StatData {
  try {
    return lstatData(abs);
  } catch (error) {
    throw fsError(error, 'reading', key);
  }
}

/**
 * A listing decodes names as UTF-8, replacing bytes that are not; such a name no longer opens. Refuses
 * it, showing its bytes.
 */
async function refuseIfNotUtf8(absDir: string, repoPath: string, rel: string): Promise<void> {
  if (existsSync(`${absDir}/${rel}`)) return;
  const slash = rel.lastIndexOf('/');
  const parent = slash < 0 ? '' : rel.slice(0, slash);
  let shown = rel;
  try {
    const names = await readdir(`${absDir}/${parent}`, { encoding: 'buffer' });
    const raw = names.find((name) => !isUtf8(name) && name.toString('utf8') === rel.slice(slash + 1));
    if (raw) shown = `${parent ? `${parent}/` : ''}${escapeBytes(raw)}`;
  } catch {
    // The folder's own name is not UTF-8 either; the decoded name is the best there is.
  }
  throw new MvError('UNSUPPORTED_FILE_NAME', `${displayPath(repoPath)}${shown} cannot be versioned: its name is not valid UTF-8.`, {
    hint: NOT_UTF8_HINT,
    details: { path: `${repoPath}${shown}` },
  });
}

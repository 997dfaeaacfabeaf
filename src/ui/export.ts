/**
 * `mv ui --export DIR`: the dashboard as plain HTML files with relative links, for CI to publish (GitHub
 * Pages, any static host, or a folder opened from disk). Pages are written to a staging folder inside DIR
 * and moved into place at the end, so a failed export leaves the previous one intact. DIR must be empty
 * or hold a previous export (recognised by its `mv-ui.json`), unless `force` is set.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { errnoCode, fsError, MvError } from '../errors.js';
import { renderSite } from './render-site.js';

export const EXPORT_MARKER = 'mv-ui.json';
const STAGING_PREFIX = '.mv-ui-staging-';
/** Files written at once. */
const WRITE_BATCH = 32;

export interface ExportSiteOptions {
  cwd?: string;
  /** The folder to write (relative to `cwd`). */
  dir: string;
  /** Write into a folder that holds other files (they are left alone; same-named ones are replaced). */
  force?: boolean;
}

export interface ExportSiteResult {
  dir: string;
  /** Files written, relative to `dir`. */
  files: string[];
  bytes: number;
  artifacts: number;
  versions: number;
  /** Whether the folder held a previous export, which was replaced. */
  replaced: boolean;
}

export async function exportSite(options: ExportSiteOptions): Promise<ExportSiteResult> {
  const cwd = options.cwd ?? process.cwd();
  const dir = resolve(cwd, options.dir);
  const existing = await listFolder(dir);
  const replaced = existing.includes(EXPORT_MARKER) && (await isExportMarker(join(dir, EXPORT_MARKER)));
  const others = existing.filter((name) => !name.startsWith(STAGING_PREFIX));
  if (others.length > 0 && !replaced && !options.force) {
    throw new MvError('EXPORT_DIR_NOT_EMPTY', `${options.dir} is not empty and does not hold a previous export of \`mvr ui\` (no ${EXPORT_MARKER}).`, {
      hint: `Export into a new or empty folder, or pass --force to write the pages among the files already there.`,
      details: { dir },
    });
  }
  const site = await renderSite({ cwd });
  const files = [...site.pages.keys(), EXPORT_MARKER];
  const marker = `${JSON.stringify({ generator: 'mv ui', generated: new Date().toISOString(), artifacts: site.artifacts, versions: site.versions, pages: site.pages.size }, null, 2)}\n`;
  const staging = join(dir, `${STAGING_PREFIX}${randomBytes(6).toString('hex')}`);
  let bytes = 0;
  try {
    await mkdir(staging, { recursive: true });
    const entries = [...site.pages, [EXPORT_MARKER, marker] as const];
    const folders = new Set(entries.map(([path]) => dirname(join(staging, path))));
    for (const folder of folders) await mkdir(folder, { recursive: true });
    for (let i = 0; i < entries.length; i += WRITE_BATCH) {
      await Promise.all(
        entries.slice(i, i + WRITE_BATCH).map(async ([path, body]) => {
          const target = join(staging, path);
          if (relative(staging, target).startsWith('..')) throw new Error(`page path escapes the export folder: ${path}`);
          const content = Buffer.from(body, 'utf8');
          bytes += content.length;
          await writeFile(target, content);
        }),
      );
    }
    // Move the new tree into place: the previous export's entries (and, with --force, same-named ones) go first.
    for (const entry of await readdir(staging)) {
      await rm(join(dir, entry), { recursive: true, force: true });
      await rename(join(staging, entry), join(dir, entry));
    }
  } catch (error) {
    throw fsError(error, 'writing the export to', dir);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return { dir, files, bytes, artifacts: site.artifacts, versions: site.versions, replaced };
}

async function listFolder(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return [];
    if (errnoCode(error) === 'ENOTDIR') throw new MvError('EXPORT_NOT_A_FOLDER', `${dir} is a file, not a folder.`, { hint: 'Pass a folder path to --export.' });
    throw fsError(error, 'reading', dir);
  }
}

async function isExportMarker(file: string): Promise<boolean> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as { generator?: unknown };
    return parsed.generator === 'mv ui';
  } catch {
    return false;
  }
}

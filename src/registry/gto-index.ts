/**
 * GTO's index: `artifacts.yaml` at the repository's top (or the file `.gto`'s `INDEX` names), mapping
 * artifact names to annotations (type, path, description, labels). GTO reads the one committed at HEAD:
 * each artifact listed there gets a version at HEAD's commit (unless one of its version tags is already
 * there), dated by that commit — so an artifact listed without any tag shows in `gto show`, and a
 * deprecated one is active again once HEAD's commit is newer than the deprecation (gto-rules.ts).
 *
 * mv reads the committed files, never the work tree, through one `git cat-file --batch`: HEAD's commit,
 * then `.gto` and `artifacts.yaml`, then the file `.gto` names instead, if it names another. That process
 * is spared when the work tree has neither `.gto` nor `artifacts.yaml` at its top (checked on the file
 * system; a repository without a work tree, or one git is pointed at through GIT_DIR, is always read). Both are
 * attacker-controlled: read only up to the size and nesting any small YAML file mv reads may have. GTO
 * refuses the whole registry when the index is malformed or lists an invalid name; mv notes the problem
 * and leaves out what it cannot read.
 */
import { lstat } from 'node:fs/promises';
import { dirname, join, posix, resolve } from 'node:path';
import { z } from 'zod';
import { formatBytes } from '../byte-size.js';
import { MvError } from '../errors.js';
import type { BatchObject, Git } from '../git.js';
import { repoPathProblem } from '../paths.js';
import { MAX_STRUCTURED_FILE, parseStructured } from '../structured-file.js';
import { isGtoName } from './fullname.js';

const GTO_CONFIG_FILE = '.gto';
export const DEFAULT_INDEX_FILE = 'artifacts.yaml';

/** An artifact's annotation, with GTO's defaults for what the index leaves out. */
export interface IndexAnnotation {
  type: string | null;
  path: string | null;
  description: string;
  labels: string[];
  /** GTO: the path need not exist in the repository. */
  virtual: boolean;
  custom: unknown;
}

/** The index committed at HEAD. */
export interface GtoIndex {
  /** The index file, from the repository's top. */
  file: string;
  /** HEAD's commit, where each listed artifact has a version as GTO reads it. */
  commit: string;
  /** That commit's committer date, Unix seconds: the date of those versions' event. */
  commitTime: number;
  artifacts: Map<string, IndexAnnotation>;
  /** Entries left out, each with why. */
  leftOut: Array<{ name: string; note: string }>;
}

export interface IndexRead {
  /** Undefined when HEAD has no index (or no commit). */
  index?: GtoIndex;
  /** Why the index, or `.gto`'s setting, was not read (entries left out are in the index's `leftOut`). */
  notes: string[];
}

// GTO's `Artifact` model; keys it does not know are ignored, as GTO ignores them.
const annotationSchema = z.object({
  type: z.string().nullable().optional(),
  path: z.string().nullable().optional(),
  virtual: z.boolean().optional(),
  labels: z.array(z.string()).optional(),
  description: z.string().optional(),
  custom: z.unknown().optional(),
});

const GTO_REFUSES = 'GTO refuses the whole registry while it is so';

/** Reads HEAD's index (one git process, none when the work tree shows there is no index to read). */
export async function readGtoIndex(git: Git): Promise<IndexRead> {
  const notes: string[] = [];
  if (!(await mayHaveIndex(git.cwd))) return { notes };
  const found: { head?: { commit: string; time: number }; file?: string } = {};
  const answers = await git.readObjectRounds((got) => {
    if (got.length === 0) return ['HEAD'];
    if (got.length === 1) {
      found.head = headCommit(got[0]);
      return found.head ? [`${found.head.commit}:${GTO_CONFIG_FILE}`, `${found.head.commit}:${DEFAULT_INDEX_FILE}`] : [];
    }
    if (got.length === 3) {
      found.file = indexFile(got[1], notes);
      return found.file === undefined || found.file === DEFAULT_INDEX_FILE ? [] : [`${found.head!.commit}:${found.file}`];
    }
    return [];
  }, MAX_STRUCTURED_FILE);
  const { head, file } = found;
  if (!head || file === undefined) return { notes };
  const text = blobText(file === DEFAULT_INDEX_FILE ? answers[2] : answers[3], file, notes);
  if (text === undefined) return { notes };
  const leftOut: GtoIndex['leftOut'] = [];
  return { index: { file, commit: head.commit, commitTime: head.time, artifacts: indexEntries(text, file, notes, leftOut), leftOut }, notes };
}

/**
 * False when the work tree containing `cwd` has neither `.gto` nor `artifacts.yaml` at its top, so that
 * commands reading the registry pay no git process for an index there is none of. An index `.gto` names
 * elsewhere needs `.gto`; one committed but deleted from the work tree is not read.
 */
async function mayHaveIndex(cwd: string): Promise<boolean> {
  if (process.env.GIT_DIR !== undefined || process.env.GIT_WORK_TREE !== undefined) return true;
  const exists = (path: string) => lstat(path).then(() => true, () => false);
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    if (await exists(join(dir, '.git'))) return (await exists(join(dir, GTO_CONFIG_FILE))) || (await exists(join(dir, DEFAULT_INDEX_FILE)));
    if (dirname(dir) === dir) return true;
  }
}

function headCommit(object: BatchObject | undefined): { commit: string; time: number } | undefined {
  if (object?.type !== 'commit' || !object.content) return undefined;
  const header = object.content.toString('utf8').split('\n\n', 1)[0]!;
  const committer = /^committer .* (\d+) [+-]\d{4}$/m.exec(header);
  return { commit: object.oid, time: committer ? Number(committer[1]) : 0 };
}

/** A committed file's text; undefined (with a note when it exists) when there is none to read. */
function blobText(object: BatchObject | undefined, file: string, notes: string[]): string | undefined {
  if (!object) return undefined;
  if (object.type !== 'blob') {
    notes.push(`${file} at HEAD is not a file; GTO's index was not read.`);
    return undefined;
  }
  if (!object.content) {
    notes.push(`${file} at HEAD is ${formatBytes(object.size)}; mv reads at most ${formatBytes(MAX_STRUCTURED_FILE)} of it, so it was not read.`);
    return undefined;
  }
  return object.content.toString('utf8');
}

/** The index file `.gto` names (GTO's `INDEX`), `artifacts.yaml` by default; undefined when the setting cannot be used. */
function indexFile(config: BatchObject | undefined, notes: string[]): string | undefined {
  const text = blobText(config, GTO_CONFIG_FILE, notes);
  if (text === undefined) return DEFAULT_INDEX_FILE;
  let value: unknown;
  try {
    value = parseStructured(text, `${GTO_CONFIG_FILE} at HEAD`);
  } catch (error) {
    if (!(error instanceof MvError)) throw error;
    notes.push(`${sentence(error.message)} GTO's index was not read.`);
    return undefined;
  }
  const setting = value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>).INDEX : undefined;
  if (setting === undefined) return DEFAULT_INDEX_FILE;
  const path = typeof setting === 'string' ? posix.normalize(setting) : undefined;
  const problem = path === undefined ? 'is not text' : path.endsWith('/') ? 'names a folder' : repoPathProblem(path);
  if (problem || path === undefined) {
    notes.push(`INDEX in ${GTO_CONFIG_FILE} at HEAD (${quoted(typeof setting === 'string' ? setting : (JSON.stringify(setting) ?? ''))}) ${problem ?? 'is not usable'}; GTO's index was not read.`);
    return undefined;
  }
  return path;
}

/** The artifacts the index lists; entries that cannot be read are noted and left out. */
function indexEntries(text: string, file: string, notes: string[], leftOut: GtoIndex['leftOut']): Map<string, IndexAnnotation> {
  const artifacts = new Map<string, IndexAnnotation>();
  let value: unknown;
  try {
    value = parseStructured(text, `${file} at HEAD`);
  } catch (error) {
    if (!(error instanceof MvError)) throw error;
    notes.push(`${sentence(error.message)} Its artifacts are not listed (${GTO_REFUSES}).`);
    return artifacts;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    notes.push(`${file} at HEAD is not a mapping of artifact names to annotations, so its artifacts are not listed (${GTO_REFUSES}).`);
    return artifacts;
  }
  for (const [name, entry] of Object.entries(value as Record<string, unknown>)) {
    if (!isGtoName(name)) {
      leftOut.push({ name, note: `${file} at HEAD lists ${quoted(name)}, which is not a valid artifact name (letters, digits, "_", "-" and "/", starting and ending with a letter or digit); it was left out (${GTO_REFUSES}).` });
      continue;
    }
    const parsed = annotationSchema.safeParse(entry);
    if (!parsed.success) {
      const field = parsed.error.issues[0]?.path.join('.');
      leftOut.push({ name, note: `${file} at HEAD: the annotation of ${name} is not one GTO reads${field ? ` (${quoted(field)})` : ' (not a mapping)'}; it was left out (${GTO_REFUSES}).` });
      continue;
    }
    const a = parsed.data;
    artifacts.set(name, { type: a.type ?? null, path: a.path ?? null, description: a.description ?? '', labels: a.labels ?? [], virtual: a.virtual ?? true, custom: a.custom ?? null });
  }
  return artifacts;
}

/** Untrusted text quoted for a note, cut short. */
function quoted(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}

function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

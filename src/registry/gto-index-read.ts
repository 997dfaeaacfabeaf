/**
 * Reading the committed text of GTO's index and `.gto` (gto-index.ts), loaded only when the work tree shows
 * there may be an index: the YAML parser and the schema library are a megabyte of code that the registry
 * reads of every other repository (`mvr resolve` in a deploy, `mvr ls`) need not compile.
 */
import { posix } from 'node:path';
import * as z from '../schema.js';
import { formatBytes } from '../byte-size.js';
import { MvError } from '../errors.js';
import type { BatchObject } from '../git.js';
import { repoPathProblem } from '../paths.js';
import { MAX_STRUCTURED_FILE, parseStructured } from '../structured-file.js';
import { isGtoName } from './fullname.js';
import { DEFAULT_INDEX_FILE, GTO_CONFIG_FILE } from './gto-index-files.js';

export { MAX_STRUCTURED_FILE };

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

// GTO's `Artifact` model; keys it does not know are ignored, as GTO ignores them.
const annotationSchema = z.object({
  type: z.optional(z.nullable(z.string())),
  path: z.optional(z.nullable(z.string())),
  virtual: z.optional(z.boolean()),
  labels: z.optional(z.array(z.string())),
  description: z.optional(z.string()),
  custom: z.optional(z.unknown()),
});

const GTO_REFUSES = 'GTO refuses the whole registry while it is so';

/** A committed file's text; undefined (with a note when it exists) when there is none to read. */
export function blobText(object: BatchObject | undefined, file: string, notes: string[]): string | undefined {
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
export function indexFile(config: BatchObject | undefined, notes: string[]): string | undefined {
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
    // A string is quoted; any other value is shown as YAML wrote it (5, true, a list), never as if it were text.
    const shown = typeof setting === 'string' ? quoted(setting) : (JSON.stringify(setting) ?? '').slice(0, 80);
    notes.push(`INDEX in ${GTO_CONFIG_FILE} at HEAD (${shown}) ${problem ?? 'is not usable'}; GTO's index was not read.`);
    return undefined;
  }
  return path;
}

/** The artifacts the index lists; entries that cannot be read are noted and left out. */
export function indexEntries(text: string, file: string, notes: string[], leftOut: GtoIndex['leftOut']): Map<string, IndexAnnotation> {
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
    const parsed = z.safeParse(annotationSchema, entry, z.PARSE);
    if (!parsed.success) {
      const field = parsed.error.issues[0] && z.fieldName(parsed.error.issues[0].path);
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

/**
 * The pointer file `<name>.mv.yaml` (schema 1): the committed record of one artifact version. Writing is
 * canonical (fixed key order, fixed styles), so a version has exactly one encoding and its oid is stable.
 * Reading is strict: a pointer with a bad oid, a path outside the repository, an unknown schema major or
 * an inconsistent entry is rejected with the file and field named. Keys mv does not know are preserved.
 */
import { Document, isMap, isSeq, visit } from 'yaml';
import * as z from '../schema.js';
import { displayPath, shellQuote } from '../display-text.js';
import { MvError } from '../errors.js';
import { isOid, type Oid } from '../cache/oid.js';
import { atOrUnder, joinRepoPath, relativePathProblem, repoPathProblem } from '../paths.js';
import { MAX_STRUCTURED_FILE, parseStructured } from '../structured-file.js';
import { ARTIFACT_TYPES, nameProblem } from '../names.js';
import { isSemver } from '../semver.js';

export const POINTER_SUFFIX = '.mv.yaml';
export const POINTER_SCHEMA = 1;

const oid = z.custom<Oid>(isOid, 'is not an object id ("sha256:" and 64 lowercase hex digits)');
const size = z.number().check(z.lte(Number.MAX_SAFE_INTEGER, 'is absurdly large'), z.int('must be a whole number'), z.nonnegative('must not be negative'));
const text = z.string().check(z.maxLength(4096));
const record = z.record(z.string(), z.unknown());
/** A file recorded by path and content (the params file, lockfiles). */
const fileRef = z.looseObject({ path: text, oid });

const pathEntry = z.looseObject({
  path: text,
  oid,
  size,
  /** Present for a directory (whose `path` ends with `/`): the number of files in its manifest. */
  nfiles: z.optional(z.number().check(z.int(), z.positive(), z.lte(1e9))),
});
const uriEntry = z.looseObject({ uri: text, etag: z.optional(text), version: z.optional(text) });
const artifactEntry = z.looseObject({ artifact: text });
const codeInfo = z.looseObject({ commit: z.string().check(z.regex(/^([0-9a-f]{40}|[0-9a-f]{64})$/, 'is not a git commit id')), branch: z.optional(text), dirty: z.boolean() });

const lineageSchema = z.looseObject({
  code: z.optional(codeInfo),
  data: z.optional(z.array(z.union([pathEntry, uriEntry, artifactEntry], 'must be a file or folder (path, oid, size), a URI (uri) or an artifact version (artifact)'))),
  pipeline: z.optional(z.array(pathEntry)),
  params: z.optional(record),
  params_file: z.optional(fileRef),
  parent: z.optional(text),
});

const environmentSchema = z.looseObject({
  os: z.optional(z.string()),
  arch: z.optional(z.string()),
  cpu: z.optional(z.string()),
  cpus: z.optional(z.number()),
  memory: z.optional(z.number()),
  gpus: z.optional(z.array(record)),
  python: z.optional(z.string()),
  node: z.optional(z.string()),
  lockfiles: z.optional(z.array(fileRef)),
});

const pointerSchema = z.looseObject({
  mv: z.number().check(z.int()),
  name: z.string(),
  type: z.enum(ARTIFACT_TYPES),
  version: z.string(),
  description: z.optional(z.string().check(z.maxLength(65536))),
  files: z.array(pathEntry).check(z.minLength(1, 'must list at least one file')),
  lineage: z._default(lineageSchema, {}),
  signature: z.optional(z.unknown()),
  /** Where the signature was read from (relative to the pointer's folder), for the next add to read again. */
  signature_file: z.optional(text),
  metrics: z.optional(record),
  /** Where the metrics were read from, for the next add to read again. */
  metrics_file: z.optional(text),
  environment: z.optional(environmentSchema),
  created: z.string().check(z.regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/, 'is not a UTC timestamp like 2026-11-27T20:30:00Z')),
});

export type PathEntry = z.infer<typeof pathEntry>;
export type UriEntry = z.infer<typeof uriEntry>;
export type ArtifactEntry = z.infer<typeof artifactEntry>;
export type DataEntry = PathEntry | UriEntry | ArtifactEntry;
export type CodeInfo = z.infer<typeof codeInfo>;
export type Lineage = z.infer<typeof lineageSchema>;
export type Environment = z.infer<typeof environmentSchema>;
export type FileRef = z.infer<typeof fileRef>;
export type Pointer = z.infer<typeof pointerSchema>;

/**
 * Parses and validates a pointer. `file` is the pointer's repository-relative path: it names the file in
 * errors and anchors the relative paths inside it, which must stay within the repository.
 */
export function parsePointer(content: string, file: string): Pointer {
  if (content.length > MAX_STRUCTURED_FILE) {
    throw invalid(file, undefined, `is ${content.length} bytes; a pointer is at most ${MAX_STRUCTURED_FILE}`);
  }
  const raw = parseStructured(content, displayPath(file));
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw invalid(file, undefined, 'is not a mapping of fields');
  const schema = (raw as Record<string, unknown>).mv;
  if (schema === undefined) throw invalid(file, 'mv', 'is missing: this is not an mv pointer file');
  if (typeof schema === 'number' && Number.isInteger(schema) && schema > POINTER_SCHEMA) {
    throw new MvError('UNSUPPORTED_SCHEMA', `${displayPath(file)}: field mv: schema ${schema} is newer than this mv understands (${POINTER_SCHEMA}).`, {
      hint: 'Upgrade mv (`npm install -g mv-registry@latest`) to read this pointer.',
    });
  }
  if (schema !== POINTER_SCHEMA) throw invalid(file, 'mv', `must be ${POINTER_SCHEMA}, found ${JSON.stringify(schema)}`);
  const result = z.safeParse(pointerSchema, raw, z.PARSE);
  if (!result.success) {
    const issue = dataEntryIssue(result.error.issues[0]!, raw);
    throw invalid(file, z.fieldName(issue.path), issue.message);
  }
  const pointer = result.data;
  checkPointerSemantics(pointer, file);
  return pointer;
}

/** The forms of a `lineage.data` entry, in the union's order, each known by the key it has. */
const DATA_FORMS = ['path', 'uri', 'artifact'];

/**
 * A `lineage.data` entry fits none of the forms: when it has one form's key, what that form found wrong
 * (`field lineage.data[0].size must be a whole number`), not the union's list of forms.
 */
function dataEntryIssue(issue: z.core.$ZodIssue, raw: unknown): { path: PropertyKey[]; message: string } {
  if (issue.code !== 'invalid_union') return issue;
  const entry = issue.path.reduce<unknown>((value, key) => (value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined), raw);
  const form = entry !== null && typeof entry === 'object' ? DATA_FORMS.findIndex((key) => Object.hasOwn(entry, key)) : -1;
  const specific = issue.errors[form]?.[0];
  return specific ? { path: [...issue.path, ...specific.path], message: specific.message } : issue;
}

function checkPointerSemantics(pointer: Pointer, file: string): void {
  const nameIssue = nameProblem(pointer.name);
  if (nameIssue) throw invalid(file, 'name', nameIssue);
  if (!isSemver(pointer.version)) throw invalid(file, 'version', `${JSON.stringify(pointer.version)} is not a semantic version X.Y.Z`);
  const folder = pointerFolder(file);
  const seen = new Map<string, string>();
  pointer.files.forEach((entry, i) => {
    checkPathEntry(entry, `files[${i}]`, folder, file);
    const repoPath = joinRepoPath(folder, entry.path).replace(/\/$/, '');
    const key = repoPath.toLowerCase();
    const clash = seen.get(key);
    if (clash !== undefined) {
      throw invalid(file, `files[${i}].path`, clash === repoPath ? `lists ${entry.path} twice` : `${entry.path} collides with ${clash} on case-insensitive file systems`);
    }
    for (const [otherKey, other] of seen) {
      if (atOrUnder(key, otherKey) || atOrUnder(otherKey, key)) throw invalid(file, `files[${i}].path`, `${entry.path} overlaps ${other}`);
    }
    seen.set(key, repoPath);
  });
  const lineage = pointer.lineage;
  lineage.data?.forEach((entry, i) => {
    // Each form is a loose object: one with another form's key too would pass as the first that fits.
    const forms = DATA_FORMS.filter((key) => Object.hasOwn(entry, key));
    if (forms.length > 1) throw invalid(file, `lineage.data[${i}]`, `has both ${forms.join(' and ')}; an entry is a file or folder (path), a URI (uri) or an artifact version (artifact)`);
    if ('path' in entry) checkPathEntry(entry as PathEntry, `lineage.data[${i}]`, folder, file);
    else if ('artifact' in entry) {
      const ref = String(entry.artifact);
      if (!/^[^@#\s]+@v?\d/.test(ref)) throw invalid(file, `lineage.data[${i}].artifact`, `${JSON.stringify(ref)} is not a pinned version (name@vX.Y.Z)`);
    }
  });
  lineage.pipeline?.forEach((entry, i) => checkPathEntry(entry, `lineage.pipeline[${i}]`, folder, file));
  if (lineage.params_file) checkRelPath(lineage.params_file.path, 'lineage.params_file.path', folder, file, false);
  if (pointer.metrics_file !== undefined) checkRelPath(pointer.metrics_file, 'metrics_file', folder, file, false);
  if (pointer.signature_file !== undefined) checkRelPath(pointer.signature_file, 'signature_file', folder, file, false);
  pointer.environment?.lockfiles?.forEach((entry, i) => checkRelPath(entry.path, `environment.lockfiles[${i}].path`, folder, file, false));
}

function checkPathEntry(entry: PathEntry, field: string, folder: string, file: string): void {
  const isDir = entry.path.endsWith('/');
  checkRelPath(entry.path, `${field}.path`, folder, file, true);
  if (isDir && entry.nfiles === undefined) throw invalid(file, `${field}.nfiles`, `is missing for the directory ${entry.path}`);
  if (!isDir && entry.nfiles !== undefined) throw invalid(file, `${field}.nfiles`, `is only allowed for directories (paths ending in "/"), not ${entry.path}`);
}

function checkRelPath(path: string, field: string, folder: string, file: string, allowDir: boolean): void {
  const problem = relativePathProblem(path) ?? repoPathProblem(joinRepoPath(folder, path));
  if (problem) throw invalid(file, field, `${JSON.stringify(path)} ${problem}`);
  if (!allowDir && path.endsWith('/')) throw invalid(file, field, `${JSON.stringify(path)} must name a file`);
}

/** The repository-relative folder holding a pointer file ('' for the top level). */
export function pointerFolder(file: string): string {
  const slash = file.lastIndexOf('/');
  return slash < 0 ? '' : file.slice(0, slash);
}

/** `file` is a path from git, which may hold any character but NUL: it is shown escaped. */
function invalid(file: string, field: string | undefined, problem: string): MvError {
  return new MvError('INVALID_POINTER', `${displayPath(file)}: ${field ? `field ${field} ` : ''}${problem}.`, {
    hint: `Restore the committed pointer (\`git checkout HEAD -- ${shellQuote(file)}\`), or if the committed one is broken too, remove it (\`git rm ${shellQuote(file)}\`) and add the artifact again with \`mvr add\`; pointers are written by mv.`,
    details: { file, ...(field ? { field } : {}) },
  });
}

// --- canonical writing -------------------------------------------------------------------------------

const KEY_ORDER: Record<string, string[]> = {
  top: ['mv', 'name', 'type', 'version', 'description', 'files', 'lineage', 'signature', 'signature_file', 'metrics', 'metrics_file', 'environment', 'created'],
  entry: ['path', 'uri', 'artifact', 'oid', 'etag', 'version', 'size', 'nfiles'],
  lineage: ['code', 'data', 'pipeline', 'params', 'params_file', 'parent'],
  code: ['commit', 'branch', 'dirty'],
  environment: ['os', 'arch', 'cpu', 'cpus', 'memory', 'gpus', 'python', 'node', 'lockfiles'],
};

/** Known keys in their fixed order, then unknown keys in their original order; undefined values dropped. */
function ordered(value: Record<string, unknown>, order: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of order) if (value[key] !== undefined) out[key] = value[key];
  for (const [key, v] of Object.entries(value)) if (!(key in out) && v !== undefined && !order.includes(key)) out[key] = v;
  return out;
}

function orderedPointer(pointer: Pointer): Record<string, unknown> {
  const lineage = pointer.lineage;
  const entries = (list: Array<Record<string, unknown>> | undefined) => list?.map((e) => ordered(e, KEY_ORDER.entry!));
  return ordered(
    {
      ...pointer,
      files: entries(pointer.files),
      lineage: ordered(
        {
          ...lineage,
          code: lineage.code && ordered(lineage.code, KEY_ORDER.code!),
          data: entries(lineage.data),
          pipeline: entries(lineage.pipeline),
          params_file: lineage.params_file && ordered(lineage.params_file, KEY_ORDER.entry!),
        },
        KEY_ORDER.lineage!,
      ),

      environment: pointer.environment && ordered({ ...pointer.environment, lockfiles: entries(pointer.environment.lockfiles) }, KEY_ORDER.environment!),
    },
    KEY_ORDER.top!,
  );
}

/** Collections written in flow style (`{…}` on one line): short records, not user data. */
const FLOW_PATHS = new Set(['lineage.code', 'lineage.data.*', 'lineage.pipeline.*', 'lineage.params_file', 'environment.gpus.*', 'environment.lockfiles.*']);

export function serializePointer(pointer: Pointer): string {
  const doc = new Document(orderedPointer(pointer), { version: '1.2', schema: 'core' });
  visit(doc, {
    Collection(_key, node, path) {
      const keys: string[] = [];
      for (const ancestor of path) {
        if (isMap(ancestor) || isSeq(ancestor)) continue;
        if (ancestor && typeof ancestor === 'object' && 'key' in ancestor) {
          const key = (ancestor.key as { value?: unknown } | null)?.value;
          keys.push(typeof key === 'string' ? key : '');
        }
      }
      const parent = path[path.length - 1];
      const dotted = keys.join('.') + (isSeq(parent) ? '.*' : '');
      if (FLOW_PATHS.has(dotted)) node.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0, minContentWidth: 0, indentSeq: true, flowCollectionPadding: false });
}

/**
 * Reading the small YAML/JSON files users hand to mv (params, metrics, signature, config, pointers):
 * YAML 1.2 core schema (so `yes`, dates and octal-looking strings stay strings, and YAML 1.1's explicit
 * tags such as `!!set` and `!!timestamp` give the plain value under them), alias expansion capped,
 * duplicate keys rejected, and every problem reported with the file, line and column.
 */
import { readFile, stat } from 'node:fs/promises';
import { parseDocument, YAMLError } from 'yaml';
import { MvError, errnoCode } from './errors.js';
import { formatBytes } from './byte-size.js';

export const MAX_STRUCTURED_FILE = 1024 * 1024;
const MAX_DEPTH = 64;

/**
 * How YAML is read, in files and in `-p` values alike: YAML 1.2's core schema, and YAML 1.1's explicit tags
 * (!!set, !!omap, !!binary, !!timestamp) give the plain node under them, as other unknown tags do: a set
 * is no mapping of settings, and would pass for an empty one. The parser's warnings (a key that is a
 * list or mapping, taken as its text) are not printed: they would reach the terminal as a raw Node
 * process warning.
 */
export const YAML_READING = { version: '1.2', schema: 'core', resolveKnownTags: false, logLevel: 'error' } as const;

/** Parses YAML (or JSON, a subset) text; `where` names the file in errors. */
export function parseStructured(text: string, where: string): unknown {
  let value: unknown;
  try {
    const doc = parseDocument(text, { ...YAML_READING, uniqueKeys: true, prettyErrors: true, strict: true });
    const problem = doc.errors[0];
    if (problem) throw problem;
    value = doc.toJS({ maxAliasCount: 20 });
  } catch (error) {
    if (error instanceof Error && /call stack/i.test(error.message)) {
      throw new MvError('PARSE_ERROR', `${where}: nested too deeply (at most ${MAX_DEPTH} levels).`, { hint: 'Flatten the structure.' });
    }
    if (error instanceof YAMLError) {
      const pos = error.linePos?.[0];
      const at = pos ? `:${pos.line}:${pos.col}` : '';
      const reason = error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? error.message;
      throw new MvError('PARSE_ERROR', `${where}${at}: ${reason}`, { hint: `Fix the syntax of ${where} (YAML or JSON).` });
    }
    if (error instanceof RangeError || (error instanceof Error && /alias/i.test(error.message))) {
      throw new MvError('PARSE_ERROR', `${where}: ${error.message}`, {
        hint: 'The file expands beyond the allowed size (YAML aliases or nesting); write it out plainly.',
      });
    }
    throw error;
  }
  const depth = nestingDepth(value, 0);
  if (depth > MAX_DEPTH) {
    throw new MvError('PARSE_ERROR', `${where}: nested ${depth} levels deep (at most ${MAX_DEPTH}).`, { hint: 'Flatten the structure.' });
  }
  return value;
}

/** Reads and parses a YAML/JSON file; `what` says what the file is for ("params file"). */
export async function readStructuredFile(path: string, what: string, displayPath = path): Promise<unknown> {
  let text: string;
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw new MvError('PARSE_ERROR', `The ${what} ${displayPath} is a directory.`, { hint: `Give the path of a YAML or JSON file.` });
    if (info.size > MAX_STRUCTURED_FILE) {
      throw new MvError('PARSE_ERROR', `The ${what} ${displayPath} is ${formatBytes(info.size)}; at most ${formatBytes(MAX_STRUCTURED_FILE)} are accepted.`, {
        hint: 'Keep only the values worth recording (a model\'s metrics or hyperparameters), not raw data.',
      });
    }
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof MvError) throw error;
    const code = errnoCode(error);
    if (code === 'ENOENT') throw new MvError('PATH_MISSING', `The ${what} ${displayPath} does not exist.`, { hint: 'Check the path (it is relative to the current directory).' });
    if (code === 'EACCES' || code === 'EPERM') throw new MvError('PERMISSION_DENIED', `The ${what} ${displayPath} cannot be read: permission denied.`, { hint: 'Check its permissions.' });
    throw error;
  }
  return parseStructured(text, displayPath);
}

/** Requires a mapping at the top level (params, metrics). */
export function expectMapping(value: unknown, where: string): Record<string, unknown> {
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new MvError('PARSE_ERROR', `${where}: expected a mapping of keys to values at the top level, found ${Array.isArray(value) ? 'a list' : typeof value}.`, {
      hint: 'Write it as `key: value` lines (YAML) or a JSON object.',
    });
  }
  return value as Record<string, unknown>;
}

function nestingDepth(value: unknown, depth: number): number {
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return depth;
  let max = depth;
  for (const child of Object.values(value as Record<string, unknown>)) {
    max = Math.max(max, nestingDepth(child, depth + 1));
    if (max > MAX_DEPTH) break;
  }
  return max;
}

/**
 * What every schema of mv is made and parsed with: zod's functional API (`zod/mini`), whose schemas cost a
 * fraction of the method-laden classic ones to build at start-up (docs/decisions.md), and the options of
 * every parse (`PARSE`): no compiled parsers (built with `new Function` on first use, outside V8's code
 * cache: a command parses a few files, never enough to earn them back), and messages that read after a
 * field's name, in the words of a YAML file ("field files[0].size must be a number, not a string";
 * "stages: must list at least 1 item"). Checks with a message of their own keep it; what is not phrased
 * here gets zod's English message. Nothing is set in zod's global configuration, which every copy of zod
 * in a process shares: a program that imports mv keeps its own messages, and cannot change mv's.
 */
import type { core } from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { displayText } from './display-text.js';

/** What a value of each expected type is called. */
const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping',
  record: 'a mapping',
  array: 'a list',
};

/** What a parsed YAML or JSON value is. */
function described(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value) as unknown;
    return proto === Object.prototype || proto === null ? 'a mapping' : 'a value of another kind';
  }
  if (typeof value === 'number') return Number.isFinite(value) ? 'a number' : String(value);
  if (typeof value === 'boolean') return String(value);
  return `a ${typeof value}`;
}

function oneOf(values: readonly unknown[]): string {
  const shown = values.map((value) => JSON.stringify(value));
  return shown.length < 2 ? shown.join('') : `one of ${shown.slice(0, -1).join(', ')} or ${shown.at(-1)}`;
}

function bound(issue: core.$ZodRawIssue<core.$ZodIssueTooBig | core.$ZodIssueTooSmall>, limit: number | bigint, big: boolean): string | undefined {
  const count = (unit: string) => `${limit} ${unit}${limit === 1 ? '' : 's'}`;
  if (issue.origin === 'string') return !big && limit === 1 ? 'must not be empty' : `must be at ${big ? 'most' : 'least'} ${count('character')} long`;
  if (issue.origin === 'array') return `must list at ${big ? 'most' : 'least'} ${count('item')}`;
  if (issue.origin === 'number' || issue.origin === 'int') return `must be ${issue.inclusive ? `at ${big ? 'most' : 'least'}` : big ? 'less than' : 'more than'} ${limit}`;
  return undefined;
}

function phrased(issue: core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is missing';
      // A number that is not whole, or beyond 2^53, for a whole number.
      if (issue.expected === 'int' && typeof issue.input === 'number' && Number.isFinite(issue.input)) return 'must be a whole number';
      return `must be ${EXPECTED[issue.expected] ?? issue.expected}, not ${described(issue.input)}`;
    case 'invalid_value':
      return `must be ${oneOf(issue.values)}`;
    case 'too_big':
      return bound(issue, issue.maximum, true);
    case 'too_small':
      return bound(issue, issue.minimum, false);
    default:
      return undefined;
  }
}

const english = en().localeError;

/** The options of every parse: `z.safeParse(schema, value, PARSE)`. */
export const PARSE: core.ParseContext<core.$ZodIssue> = { error: (issue) => phrased(issue) ?? english(issue), jitless: true };

// Imported as a namespace (`import * as z`), which lets the bundler keep only what is used.
export * from 'zod/mini';

/**
 * A field's name as a YAML file's reader would write it: `files[0].size`, `remotes.origin.url`. Keys are
 * the file's, written by whoever could commit it: each is shown escaped (`displayText`).
 */
export function fieldName(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${displayText(String(key))}` : displayText(String(key))), '');
}

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MvError } from '../../src/errors.js';
import { parsePointer, serializePointer } from '../../src/pointer/pointer.js';

const FIXTURE = readFileSync(new URL('../../fixtures/pointers/valid.mv.yaml', import.meta.url), 'utf8');
const OID = `sha256:${'a'.repeat(64)}`;

function minimal(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    mv: 1,
    name: 'churn',
    type: 'model',
    version: '1.0.0',
    files: [{ path: 'model.pt', oid: OID, size: 10 }],
    lineage: {},
    created: '2026-11-27T20:30:00Z',
    ...overrides,
  };
}

/** Serializes a raw object as YAML the way a hand-edited or hostile file might look. */
function text(value: Record<string, unknown>): string {
  return JSON.stringify(value);
}

function rejection(content: string, file = 'models/churn.mv.yaml'): MvError {
  try {
    parsePointer(content, file);
  } catch (error) {
    expect(error).toBeInstanceOf(MvError);
    return error as MvError;
  }
  throw new Error('pointer was accepted');
}

describe('pointer format', () => {
  it('reads every field of the documented example and writes it back byte for byte', () => {
    const pointer = parsePointer(FIXTURE, 'models/churn.mv.yaml');
    expect(pointer.files[1]).toEqual({ path: 'churn/tokenizer/', oid: OID, size: 2345678, nfiles: 12 });
    expect(pointer.lineage.data).toHaveLength(3);
    expect(pointer.lineage.code).toEqual({ commit: '0123456789abcdef0123456789abcdef01234567', branch: 'main', dirty: false });
    expect(pointer.metrics).toEqual({ accuracy: 0.912, f1: 0.88 });
    expect(serializePointer(pointer)).toBe(FIXTURE);
  });

  it('keeps unknown keys, in their place after the known ones, when rewriting', () => {
    const pointer = parsePointer(FIXTURE, 'models/churn.mv.yaml');
    const rewritten = serializePointer({ ...pointer, version: '2.4.2' });
    expect(rewritten.trimEnd().split('\n').at(-1)).toBe('reviewed_by: data-science-lead');
    expect(rewritten).toContain('version: 2.4.2');
  });

  it('writes one canonical encoding whatever the key order of the input', () => {
    const shuffled = parsePointer(text({ created: '2026-11-27T20:30:00Z', lineage: {}, files: [{ size: 10, oid: OID, path: 'model.pt' }], version: '1.0.0', type: 'model', name: 'churn', mv: 1 }), 'churn.mv.yaml');
    const ordered = parsePointer(text(minimal()), 'churn.mv.yaml');
    expect(serializePointer(shuffled)).toBe(serializePointer(ordered));
    expect(serializePointer(ordered).split('\n').slice(0, 4)).toEqual(['mv: 1', 'name: churn', 'type: model', 'version: 1.0.0']);
  });

  it('quotes strings that would otherwise read back as numbers or booleans', () => {
    const pointer = parsePointer(text(minimal({ lineage: { code: { commit: '1'.repeat(40), dirty: false }, params: { flag: 'true', n: '007' } } })), 'm.mv.yaml');
    const again = parsePointer(serializePointer(pointer), 'm.mv.yaml');
    expect(again.lineage.code?.commit).toBe('1'.repeat(40));
    expect(again.lineage.params).toEqual({ flag: 'true', n: '007' });
  });
});

describe('pointer parser rejects what it cannot trust, naming the file and field', () => {
  it.each([
    ['a bad oid', minimal({ files: [{ path: 'model.pt', oid: 'sha256:XYZ', size: 1 }] }), 'files[0].oid'],
    ['an oid of the wrong length', minimal({ files: [{ path: 'model.pt', oid: `sha256:${'a'.repeat(63)}`, size: 1 }] }), 'files[0].oid'],
    ['an absolute path', minimal({ files: [{ path: '/etc/passwd', oid: OID, size: 1 }] }), 'absolute'],
    ['a path escaping the repository', minimal({ files: [{ path: '../../../etc/passwd', oid: OID, size: 1 }] }), 'outside the repository'],
    ['a path inside .git', minimal({ files: [{ path: '.git/hooks/pre-commit', oid: OID, size: 1 }] }), '.git'],
    ['a path inside .mv', minimal({ files: [{ path: '../.mv/config.yaml', oid: OID, size: 1 }] }), '.mv/'],
    ['a NUL in a path', minimal({ files: [{ path: 'model\u0000.pt', oid: OID, size: 1 }] }), 'control character'],
    ['a newline in a path', minimal({ files: [{ path: 'model\n.pt', oid: OID, size: 1 }] }), 'control character'],
    ['a non-normalized path', minimal({ files: [{ path: 'a/./model.pt', oid: OID, size: 1 }] }), 'not normalized'],
    ['paths that collide by case', minimal({ files: [{ path: 'Model.pt', oid: OID, size: 1 }, { path: 'model.pt', oid: OID, size: 1 }] }), 'case-insensitive'],
    ['the same path twice', minimal({ files: [{ path: 'model.pt', oid: OID, size: 1 }, { path: 'model.pt', oid: OID, size: 1 }] }), 'twice'],
    ['overlapping paths', minimal({ files: [{ path: 'm/', oid: OID, size: 1, nfiles: 1 }, { path: 'm/x.pt', oid: OID, size: 1 }] }), 'overlaps'],
    ['a negative size', minimal({ files: [{ path: 'model.pt', oid: OID, size: -1 }] }), 'files[0].size'],
    ['an absurd size', minimal({ files: [{ path: 'model.pt', oid: OID, size: 1e300 }] }), 'files[0].size'],
    ['a directory without nfiles', minimal({ files: [{ path: 'tok/', oid: OID, size: 1 }] }), 'nfiles'],
    ['no files', minimal({ files: [] }), 'files'],
    ['an invalid name', minimal({ name: '-rf' }), 'field name'],
    ['an invalid version', minimal({ version: '1.2' }), 'field version'],
    ['an unknown type', minimal({ type: 'weights' }), 'field type'],
    ['a bad commit id', minimal({ lineage: { code: { commit: 'HEAD', dirty: false } } }), 'lineage.code.commit'],
    ['a data path outside the repository', minimal({ lineage: { data: [{ path: '../../x/', oid: OID, size: 1, nfiles: 1 }] } }), 'lineage.data[0].path'],
    ['an unpinned artifact ref', minimal({ lineage: { data: [{ artifact: 'imagenet#production' }] } }), 'pinned'],
    ['a bad timestamp', minimal({ created: 'yesterday' }), 'field created'],
  ])('%s', (_what, value, expected) => {
    const error = rejection(text(value));
    expect(error.code).toBe('INVALID_POINTER');
    expect(error.message).toContain('models/churn.mv.yaml');
    expect(error.message).toContain(expected);
    expect(error.hint).toContain('git checkout');
  });

  it.each([
    ['a missing field', (({ name: _name, ...rest }) => rest)(minimal()), 'field name is missing'],
    ['a string for a number', minimal({ files: [{ path: 'model.pt', oid: OID, size: '10' }] }), 'field files[0].size must be a number, not a string'],
    ['a list for a mapping', minimal({ lineage: [] }), 'field lineage must be a mapping, not a list'],
    ['a string for true or false', minimal({ lineage: { code: { commit: 'a'.repeat(40), dirty: 'no' } } }), 'field lineage.code.dirty must be true or false, not a string'],
    ['an unknown type', minimal({ type: 'weights' }), 'field type must be one of "model", "dataset" or "other"'],
    ['a path too long', minimal({ files: [{ path: 'm'.repeat(5000), oid: OID, size: 10 }] }), 'field files[0].path must be at most 4096 characters long'],
    ['a folder of no files', minimal({ files: [{ path: 'tok/', oid: OID, size: 10, nfiles: 0 }] }), 'field files[0].nfiles must be more than 0'],
    ['a data entry of no known form', minimal({ lineage: { data: [{ name: 'x' }] } }), 'field lineage.data[0] must be a file or folder (path, oid, size), a URI (uri) or an artifact version (artifact)'],
    ['a data file entry with a bad size', minimal({ lineage: { data: [{ path: 'data/', oid: OID, size: 1.5, nfiles: 1 }] } }), 'field lineage.data[0].size must be a whole number'],
    ['a data entry of two forms', minimal({ lineage: { data: [{ uri: 's3://bucket/key', path: 5 }] } }), 'field lineage.data[0] has both path and uri; an entry is a file or folder (path), a URI (uri) or an artifact version (artifact)'],
    ['a data URI that is not a string', minimal({ lineage: { data: [{ uri: 5 }] } }), 'field lineage.data[0].uri must be a string, not a number'],
    ['a count that is not whole', minimal({ files: [{ path: 'tok/', oid: OID, size: 10, nfiles: 1.5 }] }), 'field files[0].nfiles must be a whole number'],
    ['a size beyond 2^53', minimal({ files: [{ path: 'model.pt', oid: OID, size: 2 ** 53 }] }), 'field files[0].size is absurdly large'],
  ])('names what is wrong in words of the file: %s', (_what, value, expected) => {
    expect(rejection(text(value)).message).toBe(`models/churn.mv.yaml: ${expected}.`);
  });

  it('reads YAML 1.1 tags (!!set, !!omap, !!timestamp) as the plain node under them', () => {
    const base = ['mv: 1', 'name: churn', 'type: model', 'version: 1.0.0', `files: [{path: model.pt, oid: "${OID}", size: 10}]`, 'created: 2026-11-27T20:30:00Z'].join('\n');
    // A set is no mapping of lineage fields: it would pass for an empty one.
    expect(rejection(`${base}\nlineage: !!set {code}\n`).message).toBe('models/churn.mv.yaml: field lineage.code must be a mapping, not null.');
    expect(rejection(`${base}\nmetrics: !!omap [{auc: 0.9}]\n`).message).toBe('models/churn.mv.yaml: field metrics must be a mapping, not a list.');
    expect(parsePointer(`${base}\ndescription: !!timestamp 2020-01-01\n`, 'models/churn.mv.yaml').description).toBe('2020-01-01');
  });

  it('a pointer file whose path holds a line break is named escaped, in the message and in the commands of the hint', () => {
    for (const [content, code] of [['mv: 1\n', 'INVALID_POINTER'], ['mv: 2\n', 'UNSUPPORTED_SCHEMA'], ['a: [\n', 'PARSE_ERROR']] as const) {
      const error = rejection(content, 'models/x\nhint: run this/churn.mv.yaml');
      expect(error.code).toBe(code);
      expect(`${error.message}\n${error.hint ?? ''}`).not.toContain('\nhint: run this');
      expect(error.message).toContain('models/x\\nhint: run this/churn.mv.yaml');
      if (code === 'INVALID_POINTER') expect(error.hint).toContain("git checkout HEAD -- 'models/x\\nhint: run this/churn.mv.yaml'");
    }
  });

  it('an unknown schema major asks for a newer mv', () => {
    const error = rejection(text(minimal({ mv: 2 })));
    expect(error.code).toBe('UNSUPPORTED_SCHEMA');
    expect(error.hint).toContain('Upgrade');
  });

  it('a file that is not a pointer', () => {
    expect(rejection('just: text\n').message).toContain('not an mv pointer');
    expect(rejection('- a\n- b\n').message).toContain('not a mapping');
  });

  it('a YAML alias bomb', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]', 'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]', 'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]'].join('\n');
    expect(rejection(bomb).code).toBe('PARSE_ERROR');
  });

  it('deep nesting', () => {
    const deep = `mv: 1\nparams: ${'['.repeat(200)}${']'.repeat(200)}\n`;
    expect(rejection(deep).code).toBe('PARSE_ERROR');
  });

  it('an oversized file', () => {
    const huge = `${text(minimal())}\n#${'x'.repeat(2 * 1024 * 1024)}`;
    expect(rejection(huge).message).toContain('at most');
  });

  it('duplicate keys', () => {
    expect(rejection('mv: 1\nname: a\nname: b\n').message).toMatch(/models\/churn\.mv\.yaml:\d+:\d+/);
  });
});

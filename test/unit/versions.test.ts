import { describe, expect, it } from 'vitest';
import { classifyChange } from '../../src/version/change.js';
import { bumpedVersion, checkRequestedVersion, parseVersionArgument } from '../../src/version/version-policy.js';
import type { Pointer } from '../../src/pointer/pointer.js';
import { parseTagName } from '../../src/registry/tag-name.js';
import { parseRef } from '../../src/registry/ref.js';
import { parseParamPairs } from '../../src/workspace/lineage-inputs.js';
import { defaultPointerFile } from '../../src/commands/add.js';

const OID = (c: string) => `sha256:${c.repeat(64)}` as const;

function pointer(overrides: Partial<Pointer> = {}): Pointer {
  return {
    mv: 1,
    name: 'churn',
    type: 'model',
    version: '1.0.0',
    files: [{ path: 'model.pt', oid: OID('a'), size: 1 }],
    lineage: { data: [{ path: 'data/', oid: OID('b'), size: 1, nfiles: 1 }], params: { lr: 0.1 }, pipeline: [{ path: 'p.py', oid: OID('c'), size: 1 }] },
    created: '2026-11-27T00:00:00Z',
    ...overrides,
  };
}

describe('version numbers', () => {
  it('accepts v-prefixed and prerelease versions, rejects partial ones', () => {
    expect(parseVersionArgument('v1.2.3')).toBe('1.2.3');
    expect(parseVersionArgument('2.0.0-rc.1')).toBe('2.0.0-rc.1');
    expect(() => parseVersionArgument('1.2')).toThrow('not a semantic version');
    expect(() => parseVersionArgument('01.2.3')).toThrow('not a semantic version');
  });

  it('bumps from the highest version, and starts at 0.1.0', () => {
    expect(bumpedVersion('minor', [], 'x').version).toBe('0.1.0');
    expect(bumpedVersion('major', [], 'x').version).toBe('1.0.0');
    expect(bumpedVersion('patch', ['1.4.1', '2.0.0', '0.9.0'], 'x').version).toBe('2.0.1');
    expect(bumpedVersion('minor', ['1.4.1', '2.0.0'], 'x').version).toBe('2.1.0');
    expect(bumpedVersion('major', ['2.0.0-rc.1'], 'x').version).toBe('2.0.0');
  });

  it('refuses an existing version and allows lower ones only as the newest of an existing major line', () => {
    const existing = ['1.4.1', '2.0.0'];
    expect(() => checkRequestedVersion('2.0.0', existing, 'churn')).toThrow('already exists');
    expect(checkRequestedVersion('2.0.1', existing, 'churn').reason).toBe('as requested');
    expect(checkRequestedVersion('1.4.2', existing, 'churn').reason).toContain('maintenance');
    expect(checkRequestedVersion('1.5.0', existing, 'churn').reason).toContain('maintenance');
    expect(() => checkRequestedVersion('1.4.0', existing, 'churn')).toThrow('newest of the 1.x line');
    expect(() => checkRequestedVersion('0.9.0', existing, 'churn')).toThrow('no 0.x version');
    expect(() => checkRequestedVersion('2.0.0-rc.1', existing, 'churn')).toThrow('newest of the 2.x line');
  });
});

describe('auto bump', () => {
  it('signature → major, data/params/pipeline → minor, weights → patch, nothing → none', () => {
    expect(classifyChange(pointer(), pointer({ signature: { inputs: 'x' } })).level).toBe('major');
    expect(classifyChange(pointer(), pointer({ lineage: { ...pointer().lineage, params: { lr: 0.2 } } }))).toEqual({ level: 'minor', reasons: ['params changed'] });
    expect(classifyChange(pointer(), pointer({ lineage: { ...pointer().lineage, data: [{ path: 'data/', oid: OID('d'), size: 1, nfiles: 1 }] } })).reasons).toEqual(['training data changed']);
    expect(classifyChange(pointer(), pointer({ lineage: { ...pointer().lineage, pipeline: [] } })).reasons).toEqual(['pipeline changed']);
    expect(classifyChange(pointer(), pointer({ files: [{ path: 'model.pt', oid: OID('e'), size: 1 }] }))).toEqual({ level: 'patch', reasons: ['files changed'] });
    expect(classifyChange(pointer(), pointer({ created: '2027-01-01T00:00:00Z', version: '9.9.9' }))).toEqual({ level: 'none', reasons: [] });
  });

  it('does not count a moved data path with the same content as a change', () => {
    const moved = pointer({ lineage: { ...pointer().lineage, data: [{ path: '../data/', oid: OID('b'), size: 1, nfiles: 1 }] } });
    expect(classifyChange(pointer(), moved).level).toBe('none');
  });
});

describe('names, refs and params', () => {
  it('parses every GTO tag form and ignores unrelated tags', () => {
    expect(parseTagName('churn@v1.2.3')).toEqual({ kind: 'register', artifact: 'churn', version: '1.2.3' });
    expect(parseTagName('churn@v1.2.3!')).toMatchObject({ kind: 'deregister', version: '1.2.3' });
    expect(parseTagName('nlp/bert#production#17')).toEqual({ kind: 'assign', artifact: 'nlp/bert', stage: 'production', counter: 17 });
    expect(parseTagName('churn#production!#18')).toMatchObject({ kind: 'unassign', stage: 'production', counter: 18 });
    expect(parseTagName('churn@deprecated')).toEqual({ kind: 'deprecate', artifact: 'churn' });
    for (const unrelated of ['v1.0', 'release-3', 'churn@v1.2', 'churn@vx', '-x@v1.0.0', 'a@b@v1.0.0']) expect(parseTagName(unrelated)).toBeUndefined();
  });

  it('parses refs and explains bad ones', () => {
    expect(parseRef('churn@1.2.3')).toMatchObject({ kind: 'version', version: '1.2.3' });
    expect(parseRef('churn@latest')).toMatchObject({ kind: 'latest' });
    expect(parseRef('churn#production')).toMatchObject({ kind: 'stage', stage: 'production' });
    expect(() => parseRef('churn@1.2')).toThrow('no valid version');
    expect(() => parseRef('../x')).toThrow(expect.objectContaining({ code: 'INVALID_REF', hint: expect.stringContaining('Refs look like') }));
  });

  it('reads -p values as YAML scalars with dotted keys nesting', () => {
    expect(parseParamPairs(['lr=0.01', 'model.layers=12', 'model.act=relu', 'flag=true', 'name=007'])).toEqual({
      lr: 0.01,
      model: { layers: 12, act: 'relu' },
      flag: true,
      name: 7,
    });
    expect(() => parseParamPairs(['oops'])).toThrow('key=value');
    // YAML 1.1 tags give the plain value under them, as in a params file.
    expect(parseParamPairs(['d=!!timestamp 2024-01-01', 'b=!!binary aGk=', 's=!!set {q}'])).toEqual({ d: '2024-01-01', b: 'aGk=', s: { q: null } });
  });

  it('puts the pointer in the deepest folder holding all the artifact paths', () => {
    expect(defaultPointerFile('churn', ['models/churn/'])).toBe('models/churn.mv.yaml');
    expect(defaultPointerFile('churn', ['models/churn/model.pt', 'models/churn/tokenizer/'])).toBe('models/churn/churn.mv.yaml');
    expect(defaultPointerFile('churn', ['model.pt'])).toBe('churn.mv.yaml');
    expect(defaultPointerFile('nlp/bert', ['a/x.bin', 'b/y.bin'])).toBe('nlp/bert.mv.yaml');
  });
});

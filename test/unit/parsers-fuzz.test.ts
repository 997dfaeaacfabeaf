import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MvError } from '../../src/errors.js';
import { parseManifest, serializeManifest } from '../../src/cache/manifest.js';
import { parsePointer, serializePointer, type Pointer } from '../../src/pointer/pointer.js';

const hex64 = fc.stringMatching(/^[0-9a-f]{64}$/);
const oid = hex64.map((h) => `sha256:${h}` as const);
const segment = fc.stringMatching(/^[a-zA-Z0-9_][a-zA-Z0-9_.-]{0,11}$/).filter((s) => s !== '.git' && s !== '..' && s !== '.');
const relPath = fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('/'));
const scalar = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.string({ maxLength: 20 }), fc.constant(null));

const validPointer: fc.Arbitrary<Pointer> = fc
  .record({
    name: fc.stringMatching(/^[a-z0-9]([a-z0-9_-]{0,10}[a-z0-9])?$/),
    version: fc.tuple(fc.nat(20), fc.nat(20), fc.nat(20)).map(([a, b, c]) => `${a}.${b}.${c}`),
    files: fc.uniqueArray(fc.record({ path: relPath, oid, size: fc.nat() }), { minLength: 1, maxLength: 5, selector: (f) => f.path.toLowerCase().split('/')[0]! }),
    params: fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/), scalar, { maxKeys: 5 }),
    metrics: fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/), fc.double({ noNaN: true, noDefaultInfinity: true }), { maxKeys: 5 }),
  })
  .map(({ name, version, files, params, metrics }) => ({
    mv: 1,
    name,
    type: 'model' as const,
    version,
    files,
    lineage: { code: { commit: 'a'.repeat(40), dirty: false }, params },
    metrics,
    created: '2026-11-27T20:30:00Z',
  }));

/** A parser either accepts or says what is wrong with a user-facing error; it never crashes. */
function parsesOrExplains(parse: () => unknown): void {
  try {
    parse();
  } catch (error) {
    expect(error).toBeInstanceOf(MvError);
  }
}

describe('pointer parser, property-based', () => {
  it('round-trips every valid pointer to the same canonical bytes', () => {
    fc.assert(
      fc.property(validPointer, (pointer) => {
        const text = serializePointer(pointer);
        const parsed = parsePointer(text, 'models/x.mv.yaml');
        expect(serializePointer(parsed)).toBe(text);
        expect(parsed.files).toEqual(pointer.files);
      }),
      { numRuns: 300 },
    );
  });

  it('never crashes on mutated pointer text', () => {
    fc.assert(
      fc.property(validPointer, fc.nat(), fc.string({ maxLength: 8 }), (pointer, at, insert) => {
        const text = serializePointer(pointer);
        const position = at % (text.length + 1);
        parsesOrExplains(() => parsePointer(text.slice(0, position) + insert + text.slice(position + insert.length), 'models/x.mv.yaml'));
      }),
      { numRuns: 1000 },
    );
  });

  it('never crashes on arbitrary input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.json({ maxDepth: 6 })), (text) => parsesOrExplains(() => parsePointer(text, 'x.mv.yaml'))),
      { numRuns: 1000 },
    );
  });
});

describe('manifest parser, property-based', () => {
  const entries = fc.uniqueArray(fc.record({ path: relPath, oid, size: fc.nat(), mode: fc.constantFrom(0o644, 0o755) }), {
    maxLength: 20,
    selector: (e) => e.path.split('/')[0]!,
  });

  it('round-trips and is independent of input order', () => {
    fc.assert(
      fc.property(entries, (list) => {
        const text = serializeManifest(list);
        expect(serializeManifest(parseManifest(text, 'm'))).toBe(text);
        expect(serializeManifest([...list].reverse())).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  it('never crashes on mutated manifests', () => {
    fc.assert(
      fc.property(entries, fc.nat(), fc.string({ maxLength: 6 }), (list, at, insert) => {
        const text = serializeManifest(list);
        const position = at % (text.length + 1);
        try {
          parseManifest(text.slice(0, position) + insert + text.slice(position), 'm');
        } catch (error) {
          expect(error).toBeInstanceOf(MvError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

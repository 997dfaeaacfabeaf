/**
 * Where a recipe's chunks live on a remote: in a pack (`chunks/packs/…`, by its id) or inside a whole-file
 * object (`objects/…`, by its oid) — a file pushed whole before any other version of it shared chunks
 * stays where it is, and later versions refer to its bytes by offset. Written as `pack:<hex>` or
 * `object:<hex>`, so a source is one string that can key maps and sets.
 */
import { oidFromHex, oidHex, type Oid } from '../cache/oid.js';
import { HEX_HASH } from './format-errors.js';

export type SourceKey = `pack:${string}` | `object:${string}`;

export type ChunkSource = { kind: 'pack'; id: string } | { kind: 'object'; id: string; oid: Oid };

export function packSource(id: string): SourceKey {
  if (!HEX_HASH.test(id)) throw new Error(`not a pack id: ${id}`);
  return `pack:${id}`;
}

export function objectSource(oid: Oid): SourceKey {
  return `object:${oidHex(oid)}`;
}

export function parseSource(key: SourceKey): ChunkSource {
  const id = key.slice(key.indexOf(':') + 1);
  if (!HEX_HASH.test(id)) throw new Error(`not a chunk source: ${key}`);
  return key.startsWith('pack:') ? { kind: 'pack', id } : { kind: 'object', id, oid: oidFromHex(id) };
}

/** Short text for messages: `pack 1a2b3c4d5e6f…` or `object sha256:1a2b3c4d…`. */
export function describeSource(key: SourceKey): string {
  const source = parseSource(key);
  return source.kind === 'pack' ? `pack ${source.id.slice(0, 12)}…` : `object sha256:${source.id.slice(0, 12)}…`;
}

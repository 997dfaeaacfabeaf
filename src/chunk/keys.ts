/**
 * Where chunked storage lives on a remote, beside `objects/`: packs under their id and recipes under the
 * oid of the file they rebuild, with the same 2-hex fan-out as objects.
 *
 *   <prefix>/chunks/packs/ab/cdef…     a pack (its id: SHA-256 of its index)
 *   <prefix>/chunks/recipes/ab/cdef…   the recipe of the file whose oid is sha256:abcdef…
 */
import { oidFromHex, oidHex, type Oid } from '../cache/oid.js';
import { HEX_HASH } from './format-errors.js';

export const PACKS_DIR = 'chunks/packs';
export const RECIPES_DIR = 'chunks/recipes';

function fanout(hex: string): string {
  return `${hex.slice(0, 2)}/${hex.slice(2)}`;
}

export function packKey(id: string): string {
  if (!HEX_HASH.test(id)) throw new Error(`not a pack id: ${id}`);
  return `${PACKS_DIR}/${fanout(id)}`;
}

export function recipeKey(oid: Oid): string {
  return `${RECIPES_DIR}/${fanout(oidHex(oid))}`;
}

/** Inverse of `packKey` for listings (the part after `chunks/packs/`); undefined for other names. */
export function packIdFromKey(key: string): string | undefined {
  const match = /^([0-9a-f]{2})\/([0-9a-f]{62})$/.exec(key);
  return match ? match[1]! + match[2]! : undefined;
}

/** Inverse of `recipeKey` for listings (the part after `chunks/recipes/`); undefined for other names. */
export function recipeOidFromKey(key: string): Oid | undefined {
  const id = packIdFromKey(key);
  return id === undefined ? undefined : oidFromHex(id);
}

/** Object ids: `sha256:<64 lowercase hex>` of an object's bytes (of its manifest, for a directory). */
import { MvError } from '../errors.js';

export type Oid = `sha256:${string}`;

const OID_PATTERN = /^sha256:[0-9a-f]{64}$/;

export function isOid(value: unknown): value is Oid {
  return typeof value === 'string' && OID_PATTERN.test(value);
}

/** Validates an oid read from a file or a remote; `where` names the source for the error message. */
export function parseOid(value: unknown, where: string): Oid {
  if (isOid(value)) return value;
  throw new MvError('INVALID_OID', `${where}: ${JSON.stringify(value)} is not an object id.`, {
    hint: 'An oid is "sha256:" followed by 64 lowercase hex digits; restore the file from git (`git checkout -- <file>`).',
  });
}

export function oidFromHex(hex: string): Oid {
  return `sha256:${hex}`;
}

export function oidHex(oid: Oid): string {
  return oid.slice('sha256:'.length);
}

/** `ab/cdef…`: the 2-hex fan-out path of an object below `objects/`, shared by the cache and every remote. */
export function objectKey(oid: Oid): string {
  const hex = oidHex(oid);
  return `${hex.slice(0, 2)}/${hex.slice(2)}`;
}

/** Inverse of `objectKey`, for listings; undefined for names that are not objects. */
export function oidFromKey(key: string): Oid | undefined {
  const match = /^([0-9a-f]{2})\/([0-9a-f]{62})$/.exec(key);
  return match ? oidFromHex(match[1]! + match[2]!) : undefined;
}

/** A short form for people: `sha256:0123abcd…`. */
export function shortOid(oid: Oid): string {
  return `${oid.slice(0, 'sha256:'.length + 12)}`;
}

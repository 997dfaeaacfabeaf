/**
 * Corrupt cache objects are moved aside into `<cache>/quarantine/`, outside `objects/`, so no command
 * ever uses them again and nothing is deleted silently: the bytes stay there for inspection until the
 * user removes them. A later fetch stores a good copy under the object's name.
 */
import { mkdir, readdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { LocalCache } from '../cache/local-cache.js';
import { oidFromHex, oidHex, type Oid } from '../cache/oid.js';
import { errnoCode, fsError } from '../errors.js';

export function quarantineDir(cache: LocalCache): string {
  return join(cache.location, 'quarantine');
}

/** Moves the object aside; returns where it went (undefined when it was already gone). */
export async function quarantineObject(cache: LocalCache, oid: Oid, now: Date = new Date()): Promise<string | undefined> {
  const dir = quarantineDir(cache);
  const target = join(dir, `${oidHex(oid)}.${now.toISOString().replace(/[:.]/g, '-')}`);
  try {
    // Not recursive: the cache folder exists, and a recursive mkdir reports a read-only file system as ENOENT.
    await mkdir(dir).catch((error: unknown) => {
      if (errnoCode(error) !== 'EEXIST') throw error;
    });
    await rename(cache.path(oid), target);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw fsError(error, 'moving a corrupt object aside to', target);
  }
  return target;
}

/** The newest quarantined copy of an object, if any (a damaged manifest still says which files it listed). */
export async function readQuarantined(cache: LocalCache, oid: Oid): Promise<Buffer | undefined> {
  const dir = quarantineDir(cache);
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.startsWith(`${oidHex(oid)}.`)).sort();
  const newest = names.at(-1);
  return newest === undefined ? undefined : readFile(join(dir, newest));
}

/** Every object in the quarantine (newest copy of each), with where its bytes lie. */
export async function quarantinedObjects(cache: LocalCache): Promise<Map<Oid, string>> {
  const dir = quarantineDir(cache);
  const found = new Map<Oid, string>();
  for (const name of (await readdir(dir).catch(() => [] as string[])).sort()) {
    const hex = /^([0-9a-f]{64})\./.exec(name)?.[1];
    if (hex) found.set(oidFromHex(hex), join(dir, name));
  }
  return found;
}

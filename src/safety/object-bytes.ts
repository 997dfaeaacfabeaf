/** Reading small objects (manifests) whole from any store, and telling manifests from other objects. */
import { open } from 'node:fs/promises';
import { LocalCache } from '../cache/local-cache.js';
import type { ObjectStore } from '../cache/object-store.js';
import type { Oid } from '../cache/oid.js';
import { MvError, errnoCode } from '../errors.js';

const MANIFEST_START = Buffer.from('{"manifest":');

/** The object's bytes, or undefined when the store does not have it. */
export async function readObjectBytes(store: ObjectStore, oid: Oid): Promise<Buffer | undefined> {
  try {
    if (store.readBuffer) return await store.readBuffer(oid);
    const chunks: Buffer[] = [];
    for await (const chunk of await store.read(oid)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  } catch (error) {
    if (error instanceof MvError && error.code === 'OBJECT_MISSING') return undefined;
    throw error;
  }
}

/** Whether the object starts like a directory manifest; reads only its first bytes. */
export async function looksLikeManifest(store: ObjectStore, oid: Oid): Promise<boolean> {
  const local = store.localPath?.(oid) ?? (store instanceof LocalCache ? store.path(oid) : undefined);
  if (local !== undefined) {
    const head = Buffer.alloc(MANIFEST_START.length);
    try {
      const handle = await open(local, 'r');
      try {
        await handle.read(head, 0, head.length, 0);
      } finally {
        await handle.close();
      }
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return false;
      throw error;
    }
    return head.equals(MANIFEST_START);
  }
  let stream;
  try {
    stream = await store.read(oid);
  } catch (error) {
    if (error instanceof MvError && error.code === 'OBJECT_MISSING') return false;
    throw error;
  }
  try {
    let head = Buffer.alloc(0);
    for await (const chunk of stream) {
      head = Buffer.concat([head, chunk as Buffer]);
      if (head.length >= MANIFEST_START.length) break;
    }
    return head.subarray(0, MANIFEST_START.length).equals(MANIFEST_START);
  } finally {
    stream.destroy();
  }
}

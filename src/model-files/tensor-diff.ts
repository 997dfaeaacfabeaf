/**
 * Which tensors changed between two versions of a model file: by name, shape, dtype and bytes. The bytes
 * of each tensor are compared by their SHA-256, read from the two cached files (tensor by tensor, in
 * constant memory); the share of bytes the versions share is the new file's bytes in tensors whose bytes
 * did not change.
 */
import { createHash } from 'node:crypto';
import { fsError, openForReading } from '../errors.js';
import type { TensorInfo, TensorLayout } from './tensor-layout.js';

export interface TensorSide {
  shape: number[];
  dtype: string;
  bytes: number;
}

export interface TensorChange {
  name: string;
  change: 'added' | 'removed' | 'changed';
  from?: TensorSide;
  to?: TensorSide;
}

export interface ModelFileDiff {
  /** Repository path (of the newer version's file). */
  path: string;
  from: { oid: string; size: number; tensors: number };
  to: { oid: string; size: number; tensors: number };
  /** Tensors added, removed, or whose shape, dtype or bytes differ, in the newer file's order. */
  changed: TensorChange[];
  /** Bytes of the newer file in tensors whose bytes did not change. */
  sharedBytes: number;
  /** Whether any tensor present in both changed its shape or its dtype. */
  shapesChanged: boolean;
  dtypesChanged: boolean;
}

const BLOCK = 8 * 1024 * 1024;

/** The SHA-256 of each tensor's bytes, in layout order. */
export async function tensorHashes(path: string, layout: TensorLayout): Promise<string[]> {
  const handle = await openForReading(path);
  try {
    const buffer = Buffer.allocUnsafe(BLOCK);
    const out: string[] = [];
    for (const tensor of layout.tensors) {
      const hash = createHash('sha256');
      for (let at = tensor.start; at < tensor.end; ) {
        const { bytesRead } = await handle.read(buffer, 0, Math.min(BLOCK, tensor.end - at), at);
        if (bytesRead === 0) break;
        hash.update(buffer.subarray(0, bytesRead));
        at += bytesRead;
      }
      out.push(hash.digest('hex'));
    }
    return out;
  } catch (error) {
    throw fsError(error, 'reading', path);
  } finally {
    await handle.close();
  }
}

/** Compares two layouts whose tensors have the given hashes (pure). */
export function diffTensors(from: { layout: TensorLayout; hashes: readonly string[] }, to: { layout: TensorLayout; hashes: readonly string[] }): Pick<ModelFileDiff, 'changed' | 'sharedBytes' | 'shapesChanged' | 'dtypesChanged'> {
  const side = (t: TensorInfo): TensorSide => ({ shape: t.shape, dtype: t.dtype, bytes: t.end - t.start });
  const before = new Map(from.layout.tensors.map((t, i) => [t.name, { tensor: t, hash: from.hashes[i] }]));
  const changed: TensorChange[] = [];
  let sharedBytes = 0;
  let shapesChanged = false;
  let dtypesChanged = false;
  to.layout.tensors.forEach((tensor, i) => {
    const old = before.get(tensor.name);
    if (!old) {
      changed.push({ name: tensor.name, change: 'added', to: side(tensor) });
      return;
    }
    before.delete(tensor.name);
    const sameShape = old.tensor.shape.length === tensor.shape.length && old.tensor.shape.every((d, k) => d === tensor.shape[k]);
    const sameDtype = old.tensor.dtype === tensor.dtype;
    shapesChanged ||= !sameShape;
    dtypesChanged ||= !sameDtype;
    if (sameShape && sameDtype && old.hash === to.hashes[i]) sharedBytes += tensor.end - tensor.start;
    else changed.push({ name: tensor.name, change: 'changed', from: side(old.tensor), to: side(tensor) });
  });
  for (const { tensor } of before.values()) changed.push({ name: tensor.name, change: 'removed', from: side(tensor) });
  return { changed, sharedBytes, shapesChanged, dtypesChanged };
}

/**
 * Recognises a model file by its content (not its name) and reads its tensor layout: GGUF by its magic,
 * safetensors by a plausible header length followed by `{`. Damaged or hostile headers give undefined,
 * never an exception or a large allocation; only a failure to read the file itself is thrown.
 */
import { fsError, openForReading } from '../errors.js';
import { readGgufLayout } from './gguf.js';
import { parseSafetensorsHeader, safetensorsHeaderLength } from './safetensors.js';
import { summarizeLayout, tensorBoundaries, type ModelSummary, type TensorLayout } from './tensor-layout.js';

export async function readTensorLayout(path: string): Promise<TensorLayout | undefined> {
  const handle = await openForReading(path);
  try {
    const size = (await handle.stat()).size;
    const first = Buffer.alloc(9);
    const { bytesRead } = await handle.read(first, 0, 9, 0);
    if (bytesRead >= 4 && first.toString('latin1', 0, 4) === 'GGUF') return await readGgufLayout(handle, size);
    if (bytesRead < 9 || first[8] !== 0x7b /* { */) return undefined;
    const length = safetensorsHeaderLength(first, size);
    if (length === undefined) return undefined;
    const header = Buffer.alloc(length);
    const read = await handle.read(header, 0, length, 8);
    if (read.bytesRead !== length) return undefined;
    return parseSafetensorsHeader(header, size);
  } catch (error) {
    throw fsError(error, 'reading', path);
  } finally {
    await handle.close();
  }
}

/** Chunk boundaries for a file: its tensor boundaries when it is a model file, else none. */
export async function modelBoundaries(path: string): Promise<number[]> {
  const layout = await readTensorLayout(path);
  return layout ? tensorBoundaries(layout) : [];
}

/** What `mv show` says about a model file, or undefined when it is not one. */
export async function modelSummary(path: string): Promise<(ModelSummary & { layout: TensorLayout }) | undefined> {
  const layout = await readTensorLayout(path);
  return layout ? { ...summarizeLayout(layout), layout } : undefined;
}

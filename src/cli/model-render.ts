/** The model-file lines of `mv show` and the tensor lines of `mv diff`. Tensor names and dtypes come from files: shown neutralised. */
import { formatBytes } from '../byte-size.js';
import { displayText } from '../display-text.js';
import type { ModelFile } from '../pointer/version-models.js';
import type { ModelFileDiff, TensorChange, TensorSide } from '../model-files/tensor-diff.js';
import { c, print } from './output.js';

/** How many changed tensors `mv diff` names per file (the rest are counted; --json has them all). */
const SHOWN_TENSORS = 10;

/** `3.1 B` parameters, `124 M`, `5.2 K`. */
function formatCount(n: number): string {
  for (const [unit, size] of [['T', 1e12], ['B', 1e9], ['M', 1e6], ['K', 1e3]] as const) if (n >= size) return `${(n / size).toFixed(n / size >= 100 ? 0 : 1)} ${unit}`;
  return String(n);
}

/** `model.safetensors: 211 tensors, 3.1 B parameters, bf16` (dtypes with their share when there are several). */
export function modelLine(model: ModelFile): string {
  const dtypes = model.dtypes.map((d) => displayText(d.dtype.toLowerCase()) + (model.dtypes.length > 1 && model.parameterCount > 0 ? ` ${((100 * d.parameters) / model.parameterCount).toFixed(1)}%` : '')).join(', ');
  return `${displayText(model.path)}: ${model.tensorCount} tensors, ${formatCount(model.parameterCount)} parameters${dtypes ? `, ${dtypes}` : ''}`;
}

/** `mv show`'s section of model files, one line each. */
export function printModelLines(models: readonly ModelFile[] | undefined): void {
  if (!models?.length) return;
  print(c.bold('  models'));
  for (const model of models) print(`    ${modelLine(model)}`);
}

/** `model.safetensors: 41 of 211 tensors changed (1.2 GiB of 6.1 GiB; 80% of the bytes shared); shapes and dtypes unchanged` */
export function tensorSummaryLine(diff: ModelFileDiff): string {
  const changedBytes = diff.changed.reduce((sum, t) => sum + (t.to?.bytes ?? 0), 0);
  const shared = diff.to.size > 0 ? Math.round((100 * diff.sharedBytes) / diff.to.size) : 0;
  const kept = diff.shapesChanged || diff.dtypesChanged ? [diff.shapesChanged ? 'shapes changed' : 'shapes unchanged', diff.dtypesChanged ? 'dtypes changed' : 'dtypes unchanged'].join(', ') : 'shapes and dtypes unchanged';
  return `${displayText(diff.path)}: ${diff.changed.length} of ${diff.to.tensors} tensors changed (${formatBytes(changedBytes)} of ${formatBytes(diff.to.size)}; ${shared}% of the bytes shared); ${kept}`;
}

function side(t: TensorSide): string {
  return `[${t.shape.join(', ')}] ${displayText(t.dtype.toLowerCase())} ${formatBytes(t.bytes)}`;
}

function tensorLine(t: TensorChange): string {
  const mark = t.change === 'added' ? '+' : t.change === 'removed' ? '-' : '~';
  const sides = t.change === 'changed' && (side(t.from!) !== side(t.to!)) ? `${side(t.from!)} → ${side(t.to!)}` : side((t.to ?? t.from)!);
  return `${mark} ${displayText(t.name)} ${sides}`;
}

export function printTensorLines(models: readonly ModelFileDiff[] | undefined): void {
  for (const model of models ?? []) {
    print(`${c.bold('tensors')}\n  ${tensorSummaryLine(model)}`);
    for (const t of model.changed.slice(0, SHOWN_TENSORS)) print(`    ${tensorLine(t)}`);
    if (model.changed.length > SHOWN_TENSORS) print(`    … and ${model.changed.length - SHOWN_TENSORS} more (--json lists them all)`);
  }
}

/**
 * Which version's files `mv checkout name@vX` last put in the work tree, per artifact, so that `mv status`
 * can say "checked out v1.2.0" instead of "modified" when the work tree deliberately differs from the pointer.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../atomic-file.js';
import { errnoCode } from '../errors.js';

export interface CheckedOutVersion {
  version: string;
  /** repository path → oid written. */
  files: Record<string, string>;
  /** The version's data, pipeline and params file, when `--lineage` wrote them too (repository path → oid). */
  lineage?: Record<string, string>;
}

export type CheckoutState = Record<string, CheckedOutVersion>;

export async function readCheckoutState(file: string): Promise<CheckoutState> {
  try {
    const value = JSON.parse(await readFile(file, 'utf8')) as unknown;
    return typeof value === 'object' && value !== null ? (value as CheckoutState) : {};
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' || error instanceof SyntaxError) return {};
    throw error;
  }
}

export async function recordCheckout(file: string, artifact: string, entry: CheckedOutVersion | undefined): Promise<void> {
  const state = await readCheckoutState(file);
  if (entry) state[artifact] = entry;
  else delete state[artifact];
  await mkdir(dirname(file), { recursive: true });
  await writeFileAtomic(file, `${JSON.stringify(state, null, 2)}\n`);
}

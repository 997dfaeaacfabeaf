/** Errors shared by the chunk formats: damaged data, and data written by a newer mv. */
import { MvError } from '../errors.js';

export const HEX_HASH = /^[0-9a-f]{64}$/;

export function invalidPack(where: string, problem: string): MvError {
  return new MvError('INVALID_PACK', `Pack ${where} ${problem}.`, {
    hint: 'The remote holds a damaged pack: run `mvr verify -r <remote>`, then push the versions that need it again from a clone that has them.',
  });
}

export function invalidRecipe(where: string, problem: string): MvError {
  return new MvError('INVALID_RECIPE', `Recipe ${where} ${problem}.`, {
    hint: 'The remote holds a damaged recipe: run `mvr verify -r <remote>`, then push the version again from a clone that has it.',
  });
}

/** A format version above the one this mv writes: never guessed at, since wrong bytes would follow. */
export function newerFormat(kind: 'pack' | 'recipe', where: string, version: number, supported: number): MvError {
  return new MvError('UPGRADE_REQUIRED', `The ${kind} ${where} has format version ${version}; this mv reads version ${supported} only.`, {
    hint: 'A newer mv wrote it: upgrade mv, then run the command again.',
    details: { kind, version, supported },
  });
}

/** A u64 field as a number, or undefined when it exceeds 2^53 - 1. */
export function readSafeU64(bytes: Buffer, offset: number): number | undefined {
  const value = bytes.readBigUInt64LE(offset);
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : undefined;
}

export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

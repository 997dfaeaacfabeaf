/**
 * Small file systems for fault injection: a tmpfs of a given size (full disk), remounted read-only on
 * request. Mounting needs root (or CAP_SYS_ADMIN); without it, `mountTmpfs` returns why, and the test
 * skips with that reason instead of passing silently.
 */
import { execa } from 'execa';
import { afterEach } from 'vitest';
import { tempDir } from './git-repo.js';

export interface Tmpfs {
  dir: string;
  remountReadOnly(): Promise<void>;
}

const mounted: string[] = [];

afterEach(async () => {
  while (mounted.length) await execa('umount', ['-l', mounted.pop()!], { reject: false });
});

/** A tmpfs of `size` (e.g. `2m`), or the reason it could not be mounted. */
export async function mountTmpfs(size: string): Promise<Tmpfs | string> {
  const dir = await tempDir('mv-tmpfs-');
  if (process.platform !== 'linux') return `tmpfs mounts need Linux (this is ${process.platform})`;
  const result = await execa('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0777`, 'tmpfs', dir], { reject: false });
  if (result.exitCode !== 0) return `cannot mount a tmpfs here (${(result.stderr || result.stdout).trim() || `exit ${result.exitCode}`}); run the suite as root to include this test`;
  mounted.push(dir);
  return {
    dir,
    remountReadOnly: async () => {
      await execa('mount', ['-o', 'remount,ro', dir]);
    },
  };
}

/** A deterministic pseudo-random sequence (mulberry32), so a failing kill schedule can be replayed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

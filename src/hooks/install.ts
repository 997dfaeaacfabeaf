/**
 * Installing and removing mv's git hooks. An existing hook (a script, husky's, the pre-commit framework's,
 * git-lfs's) is kept as `<hook>.pre-mv` and chained to; uninstall puts it back exactly (same bytes and
 * mode). The hooks folder is git's own answer (`core.hooksPath` honoured).
 */
import { chmod, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { errnoCode } from '../errors.js';
import type { Git } from '../git.js';
import { CHAINED_SUFFIX, HOOK_MARKER, HOOK_NAMES, hookScript, type HookName } from './hook-script.js';

export interface HookChange {
  hook: HookName;
  path: string;
  /** install: an existing hook was kept and is chained to. uninstall: it was restored. */
  chained: boolean;
  /** Already in the wanted state: nothing was written. */
  unchanged: boolean;
}

export async function hooksDirectory(git: Git): Promise<string> {
  const dir = (await git.run(['rev-parse', '--git-path', 'hooks'])).trim();
  return isAbsolute(dir) ? dir : resolve(git.cwd, dir);
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw error;
  }
}

export function isMvHook(content: string | undefined): boolean {
  return content !== undefined && content.split('\n', 3).some((line) => line.startsWith(HOOK_MARKER));
}

export async function installHooks(git: Git, mvBin: string): Promise<{ dir: string; hooks: HookChange[] }> {
  const dir = await hooksDirectory(git);
  await mkdir(dir, { recursive: true });
  const hooks: HookChange[] = [];
  for (const hook of HOOK_NAMES) {
    const path = join(dir, hook);
    const chainedPath = `${path}${CHAINED_SUFFIX}`;
    const current = await readIfExists(path);
    const script = hookScript(hook, mvBin);
    const chained = (await readIfExists(chainedPath)) !== undefined;
    if (isMvHook(current)) {
      if (current !== script) {
        await writeFile(path, script, { mode: 0o755 });
        await chmod(path, 0o755);
      }
      hooks.push({ hook, path, chained, unchanged: current === script });
      continue;
    }
    if (current !== undefined) {
      // Keep the user's hook untouched (bytes and mode) under the chained name.
      await rename(path, chainedPath);
    }
    await writeFile(path, script, { mode: 0o755 });
    await chmod(path, 0o755);
    hooks.push({ hook, path, chained: current !== undefined, unchanged: false });
  }
  return { dir, hooks };
}

export async function uninstallHooks(git: Git): Promise<{ dir: string; hooks: HookChange[] }> {
  const dir = await hooksDirectory(git);
  const hooks: HookChange[] = [];
  for (const hook of HOOK_NAMES) {
    const path = join(dir, hook);
    const chainedPath = `${path}${CHAINED_SUFFIX}`;
    const current = await readIfExists(path);
    if (!isMvHook(current)) {
      hooks.push({ hook, path, chained: false, unchanged: true });
      continue;
    }
    const hasChained = await stat(chainedPath).then(
      () => true,
      () => false,
    );
    if (hasChained) await rename(chainedPath, path);
    else await rm(path, { force: true });
    hooks.push({ hook, path, chained: hasChained, unchanged: false });
  }
  return { dir, hooks };
}

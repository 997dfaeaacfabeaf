/**
 * Installing and removing mv's git hooks. An existing hook (a script, husky's, the pre-commit framework's,
 * git-lfs's) is kept as `<hook>.pre-mv` and chained to; uninstall puts it back exactly (same bytes and
 * mode). The hooks folder is git's own answer (`core.hooksPath` honoured). A hook script is replaced
 * whole (written beside it, then renamed), so git never runs half a script.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode } from '../errors.js';
import type { Git } from '../git.js';
import { CHAINED_SUFFIX, HOOK_NAMES, hookScript, isLegacyHook, isMvHook, outdatedHook, type HookName } from './hook-script.js';

export { isMvHook };

export interface HookChange {
  hook: HookName;
  path: string;
  /** install: an existing hook was kept and is chained to. uninstall: it was restored. */
  chained: boolean;
  /** Already in the wanted state: nothing was written. */
  unchanged: boolean;
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw error;
  }
}

/** Writes an executable hook script in one step: a temp file in the same folder, renamed over the hook. */
async function writeHook(path: string, script: string): Promise<void> {
  const temp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temp, script, { mode: 0o755, flag: 'wx' });
    await chmod(temp, 0o755);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

export async function installHooks(git: Git, mvBin: string): Promise<{ dir: string; hooks: HookChange[] }> {
  const dir = await git.hooksFolder();
  await mkdir(dir, { recursive: true });
  const hooks: HookChange[] = [];
  for (const hook of HOOK_NAMES) {
    const path = join(dir, hook);
    const chainedPath = `${path}${CHAINED_SUFFIX}`;
    const current = await readIfExists(path);
    const script = hookScript(hook, mvBin);
    const chained = (await readIfExists(chainedPath)) !== undefined;
    if (isMvHook(current)) {
      if (current !== script) await writeHook(path, script);
      hooks.push({ hook, path, chained, unchanged: current === script });
      continue;
    }
    if (current !== undefined) {
      // Keep the user's hook untouched (bytes and mode) under the chained name.
      await rename(path, chainedPath);
    }
    await writeHook(path, script);
    hooks.push({ hook, path, chained: current !== undefined, unchanged: false });
  }
  return { dir, hooks };
}

/**
 * Rewrites the hooks that an earlier version of mv installed: `legacy` ones look for a program named `mv`
 * and would stop every commit of a pointer and every push (they now call `mvrBin`); `outdated` ones, of an
 * earlier mvr format, could run an mvr the clone holds (they keep the mvr they were installed from). Other
 * hooks, and mvr's current ones of any install path, are left alone. The previous hook chained beside a
 * rewritten one stays as it is. `dir` is the repository's hooks folder (`RepoLocation.hooksDir`).
 */
export async function upgradeLegacyHooks(dir: string, mvrBin: string): Promise<{ legacy: HookName[]; outdated: HookName[] }> {
  const legacy: HookName[] = [];
  const outdated: HookName[] = [];
  for (const hook of HOOK_NAMES) {
    const path = join(dir, hook);
    const content = await readIfExists(path);
    const old = outdatedHook(content);
    if (isLegacyHook(content)) {
      await writeHook(path, hookScript(hook, mvrBin));
      legacy.push(hook);
    } else if (old) {
      await writeHook(path, hookScript(hook, old.installed));
      outdated.push(hook);
    }
  }
  return { legacy, outdated };
}

export async function uninstallHooks(git: Git): Promise<{ dir: string; hooks: HookChange[] }> {
  const dir = await git.hooksFolder();
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

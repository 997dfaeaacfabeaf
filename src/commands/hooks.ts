/** `mvr hooks install | uninstall` and the internal `mvr hooks run <hook>` the hook scripts call. */
import { locateRepo, Git } from '../git.js';
import { installHooks, uninstallHooks, type HookChange } from '../hooks/install.js';
import { runHook, type HookOutcome } from '../hooks/run-hook.js';
import { HOOK_NAMES, type HookName } from '../hooks/hook-script.js';
import { UsageError } from '../errors.js';
import { PACKAGE_BIN } from '../package-bin.js';

export { PACKAGE_BIN };

export interface HooksResult {
  dir: string;
  hooks: HookChange[];
}

export async function hooksInstall(options: { cwd?: string; mvBin?: string } = {}): Promise<HooksResult> {
  const { root } = await locateRepo(options.cwd ?? process.cwd());
  return installHooks(new Git(root), options.mvBin ?? PACKAGE_BIN);
}

export async function hooksUninstall(options: { cwd?: string } = {}): Promise<HooksResult> {
  const { root } = await locateRepo(options.cwd ?? process.cwd());
  return uninstallHooks(new Git(root));
}

export async function hooksRun(options: { cwd?: string; hook: string; args: string[]; input: string }): Promise<HookOutcome> {
  if (!(HOOK_NAMES as readonly string[]).includes(options.hook)) {
    throw new UsageError(`${JSON.stringify(options.hook)} is not a hook mv handles.`, `Hooks: ${HOOK_NAMES.join(', ')}.`);
  }
  return runHook({ cwd: options.cwd ?? process.cwd(), hook: options.hook as HookName, args: options.args, input: options.input });
}

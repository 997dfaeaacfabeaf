/** `mvr hooks install | uninstall` and the internal `mvr hooks run <hook>` the hook scripts call. */
import { locateRepo, Git } from '../git.js';
import { installHooks, uninstallHooks, type HookChange } from '../hooks/install.js';
import { preCommit, syncWorkspace } from '../hooks/run-hook.js';
import { prePush } from '../hooks/pre-push.js';
import { HOOK_NAMES, type HookName, type HookOutcome } from '../hooks/hook-script.js';
import { UsageError } from '../errors.js';
import { PACKAGE_BIN } from '../package-bin.js';
import { openRepo } from '../repo.js';

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
  const hook = options.hook as HookName;
  const repo = await openRepo(options.cwd ?? process.cwd());
  switch (hook) {
    case 'pre-commit':
      return preCommit(repo);
    case 'post-checkout':
    case 'post-merge': {
      const { checkout } = await import('./checkout.js');
      return syncWorkspace(repo, hook, () => checkout({ cwd: repo.root }));
    }
    case 'pre-push': {
      const { push } = await import('./push.js');
      return prePush(repo, options.args, options.input, async (pointers) => {
        const result = await push({ cwd: repo.root, pointers });
        return { uploaded: result.uploaded, versions: result.versions, remote: result.remote };
      });
    }
  }
}

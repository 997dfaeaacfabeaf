/**
 * `mv init`: set mv up in a git repository. Writes `.mv/config.yaml` and `.mv/.gitignore` and commits
 * exactly those two files (so that later versions are not recorded as trained from dirty code). In a
 * repository whose registry tags already use stages (one made with GTO), the config adopts those stages
 * in an order it can justify (see registry/stage-adoption.ts) and, like GTO, requires no promotion order.
 */
import { access, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { MvError, fsError } from '../errors.js';
import { CONFIG_FILE, MV_DIR } from '../config.js';
import { locateRepo, Git } from '../git.js';
import { FileEdits } from '../workspace/file-edits.js';
import { normalizeRemoteUrl } from '../remote/url.js';
import { requireFolderExists } from './remote.js';
import { gtoConfigStages } from '../registry/gto-tooling.js';
import { readRegistry } from '../registry/registry-state.js';
import { adoptStages, usedStages, type AdoptedStages } from '../registry/stage-adoption.js';

export interface InitOptions {
  cwd?: string;
  cacheDir?: string;
  remote?: string;
}

export interface InitResult {
  root: string;
  /** False when mv was already set up (nothing was changed). */
  initialized: boolean;
  files: string[];
  commit?: string;
  /** The stages taken from the registry's tags (or GTO's config), in the order written, and why that order. */
  adoptedStages?: AdoptedStages;
}

export const MV_GITIGNORE = `# Local state of mv: never committed.
/cache/
/tmp/
/state/
/config.local.yaml
`;

export function defaultConfigText(options: { cacheDir?: string; remote?: string; adopted?: AdoptedStages }): string {
  const cache = options.cacheDir ? stringify(options.cacheDir).trim() : '.mv/cache';
  const remotes = options.remote ? `remote: origin\nremotes:\n  origin:\n    url: ${stringify(options.remote).trim()}\n` : 'remotes: {}\n';
  const stages = options.adopted
    ? `stages: [${options.adopted.stages.map((stage) => (/^[a-z][a-z0-9_-]*$/.test(stage) ? stage : JSON.stringify(stage))).join(', ')}]   # adopted from this registry's tags: ${options.adopted.reason}; "archived" always exists and is terminal`
    : 'stages: [candidate, staging, production]   # promotion order; "archived" always exists and is terminal';
  const order = options.adopted ? 'require_order: false    # GTO requires no order; set true to require the previous stage first' : 'require_order: true     # a version must hold the previous stage before the next one';
  return `# mv settings, committed with the project. Personal settings and secrets go in .mv/config.local.yaml.
# Every setting is described in docs/config.md.
cache:
  dir: ${cache}   # relative to the repository, or absolute to share one cache between clones
  type: copy        # checkout writes: copy (reflink where possible) | hardlink | symlink
${stages}
add:
  require_lineage: warn   # a version added without --data/--pipeline: warn | error | off
promote:
  ${order}
  gates: {}               # e.g. production: {metric: accuracy, direction: max, tolerance: 0}
${remotes}`;
}

export async function init(options: InitOptions = {}): Promise<InitResult> {
  const { root } = await locateRepo(options.cwd ?? process.cwd());
  const configPath = `${MV_DIR}/${CONFIG_FILE}`;
  try {
    await access(join(root, configPath));
    if (options.cacheDir || options.remote) {
      throw new MvError('ALREADY_INITIALIZED', `mv is already set up in ${root}; --cache-dir and --remote only apply to a new setup.`, {
        hint: 'Edit cache.dir in .mv/config.yaml, or add a remote with `mvr remote add <name> <url> --default`.',
      });
    }
    return { root, initialized: false, files: [] };
  } catch (error) {
    if (error instanceof MvError) throw error;
  }
  const remote = options.remote === undefined ? undefined : normalizeRemoteUrl(options.remote, options.cwd ?? process.cwd());
  if (remote) await requireFolderExists(remote, options.cwd ?? process.cwd());
  const git = new Git(root);
  const head = await git.headCommit();
  // A shared cache named on the command line is the user's choice: it is created now (later commands only
  // use one that exists, since the committed config is anyone's who can push).
  if (options.cacheDir) {
    await mkdir(resolve(root, options.cacheDir), { recursive: true }).catch((error: unknown) => {
      throw fsError(error, 'creating the cache folder', options.cacheDir!);
    });
  }
  const adopted = adoptStages(usedStages(await readRegistry(git)), await gtoConfigStages(root));
  const edits = new FileEdits(root);
  try {
    await edits.write(configPath, defaultConfigText({ ...options, ...(remote === undefined ? {} : { remote }), ...(adopted ? { adopted } : {}) }));
    await edits.write(`${MV_DIR}/.gitignore`, MV_GITIGNORE);
    const commit = await git.commitToHead({ head, paths: edits.paths, message: 'Set up mv\n', reason: 'mv init' });
    await edits.finish();
    return { root, initialized: true, files: edits.paths, commit, ...(adopted ? { adoptedStages: adopted } : {}) };
  } catch (error) {
    await edits.undo();
    throw error;
  }
}

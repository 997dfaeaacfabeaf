/**
 * Signs that a repository is also driven by GTO: its config file `.gto`, or a GitHub workflow that runs
 * GTO (`gto` commands, `pip install gto`, `iterative/gto-action`). Such deploys read stages the way
 * GTO does, which cannot express traffic weights.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode } from '../errors.js';
import { isPlainObject } from '../plain-object.js';
import { parseStructured } from '../structured-file.js';
import { isGtoName } from './fullname.js';

const GTO_CONFIG = '.gto';
const WORKFLOWS = '.github/workflows';
const MENTIONS_GTO = /(^|[^\w.-])gto([^\w.-]|$)|gto-action/im;
/** Workflow files larger than this are not read (a workflow is a few kilobytes). */
const MAX_WORKFLOW = 256 * 1024;

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return undefined;
    throw error;
  }
}

/** The file that shows GTO is in use (`.gto`, or a workflow that runs it), relative to `root`; undefined when none does. */
export async function gtoToolingEvidence(root: string): Promise<string | undefined> {
  if ((await readText(join(root, GTO_CONFIG))) !== undefined) return GTO_CONFIG;
  let entries: string[];
  try {
    entries = (await readdir(join(root, WORKFLOWS))).filter((name) => /\.ya?ml$/i.test(name)).sort();
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return undefined;
    throw error;
  }
  for (const name of entries) {
    const text = await readText(join(root, WORKFLOWS, name));
    if (text !== undefined && text.length <= MAX_WORKFLOW && MENTIONS_GTO.test(text)) return `${WORKFLOWS}/${name}`;
  }
  return undefined;
}

/** The `stages` GTO's config (`.gto`) allows, in its order; undefined when it lists none. */
export async function gtoConfigStages(root: string): Promise<string[] | undefined> {
  const text = await readText(join(root, GTO_CONFIG));
  if (text === undefined) return undefined;
  const value = parseStructured(text, GTO_CONFIG);
  const stages = isPlainObject(value) ? value.stages : undefined;
  if (!Array.isArray(stages)) return undefined;
  const names = stages.filter((s): s is string => typeof s === 'string' && isGtoName(s));
  return names.length ? [...new Set(names)] : undefined;
}

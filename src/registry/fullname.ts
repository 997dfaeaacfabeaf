/**
 * Artifact names as GTO defines them. A name is `[a-zA-Z0-9]([a-zA-Z0-9_/-]*[a-zA-Z0-9])?`; an artifact
 * kept in a folder of a monorepo has the fullname `path:name` (DVCLive registers `dvclive:model`), which
 * tags spell `path=name` because git ref names cannot contain `:`.
 */
import { MvError } from '../errors.js';

/** GTO's name rule (artifact names after the folder, and stage names). */
export const GTO_NAME = '[a-zA-Z0-9](?:[a-zA-Z0-9_/-]*[a-zA-Z0-9])?';
/** GTO's folder part of a fullname. */
const GTO_DIRNAME = '[a-zA-Z0-9_./-]+';

const FULLNAME = new RegExp(`^(?:${GTO_DIRNAME}:)?${GTO_NAME}$`);
const NAME_ONLY = new RegExp(`^${GTO_NAME}$`);

/** The artifact part of a tag name: `path=name` or `name`. */
export const TAG_FULLNAME = `(?:${GTO_DIRNAME}=)?${GTO_NAME}`;

/** Why `name` is not a GTO fullname (`name` or `path:name`), or undefined when it is one. */
export function fullnameProblem(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name.length > 255) return 'is longer than 255 characters';
  if (!FULLNAME.test(name)) {
    return `${JSON.stringify(name)} is not a valid artifact name (letters, digits, "_", "-" and "/", starting and ending with a letter or digit; an artifact in a folder is written path:name)`;
  }
  return undefined;
}

export function checkFullname(name: string): string {
  const problem = fullnameProblem(name);
  if (problem) throw new MvError('INVALID_NAME', `Artifact name ${problem}.`, { hint: 'Use a name like `churn`, `nlp/bert-base` or, for an artifact in a folder, `models/nlp:bert`.' });
  return name;
}

/** Whether `name` follows GTO's name rule: what a stage tag can carry, and an artifact name in GTO's index. */
export function isGtoName(name: string): boolean {
  return name.length <= 255 && NAME_ONLY.test(name);
}

/** `path:name` → `path=name`, as written in tags. */
export function tagForm(artifact: string): string {
  return artifact.replaceAll(':', '=');
}

/** `path=name` (from a tag) → `path:name`. */
export function fromTagForm(text: string): string {
  return text.replaceAll('=', ':');
}

/** Names users give to things: artifacts (GTO's rule), stages and remotes. */
import { editDistance, nearest } from './edit-distance.js';
import { MvError } from './errors.js';

export const ARTIFACT_TYPES = ['model', 'dataset', 'other'] as const;

/** Stage names every registry knows, in promotion order (the default `stages` of .mv/config.yaml). */
export const DEFAULT_STAGES = ['candidate', 'staging', 'production'] as const;

/** The terminal stage: archiving a version removes it from every other stage. */
export const ARCHIVED_STAGE = 'archived';
export type ArtifactType = (typeof ARTIFACT_TYPES)[number];

/** GTO's artifact name rule. */
const ARTIFACT_NAME = /^[a-zA-Z0-9]([a-zA-Z0-9_/-]*[a-zA-Z0-9])?$/;
/** Remote names: letters, digits, `_`, `-` and single dots (no `..`, which reads like a path or a git range), starting with a letter or digit. */
export const REMOTE_NAME = /^(?!.*\.\.)[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Why `name` is not a valid artifact name, or undefined when it is. */
export function nameProblem(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name.length > 200) return 'is longer than 200 characters';
  if (!ARTIFACT_NAME.test(name)) {
    return `${JSON.stringify(name)} is not a valid artifact name (letters, digits, "_", "-" and "/", starting and ending with a letter or digit)`;
  }
  if (name.includes('//')) return `${JSON.stringify(name)} contains "//"`;
  return undefined;
}

export function checkArtifactName(name: string): string {
  const problem = nameProblem(name);
  if (problem) {
    throw new MvError('INVALID_NAME', `Artifact name ${problem}.`, { hint: 'Use a name like `churn`, `nlp/bert-base` or `imagenet-subset`.' });
  }
  return name;
}

/**
 * The stages `stage` is likely a slip for, closest first: the same name in another case, the start of one
 * (`prod` for `production`), or one within two edits (and fewer edits than it has letters).
 */
export function nearStages(stage: string, stages: readonly string[]): string[] {
  if (stages.includes(stage)) return [];
  return nearest(stage.toLowerCase(), stages, (word, known) => {
    const name = known.toLowerCase();
    return word === name ? 0 : word.length >= 3 && name.startsWith(word) ? 1 : editDistance(word, name);
  });
}

export function checkRemoteName(name: string): string {
  if (!REMOTE_NAME.test(name)) {
    throw new MvError('INVALID_REMOTE_NAME', `${JSON.stringify(name)} is not a valid remote name.`, {
      hint: 'Remote names are letters, digits, "_", "-" and single dots, starting with a letter or digit (e.g. `origin`, `team-s3`).',
    });
  }
  return name;
}

export function checkArtifactType(type: string): ArtifactType {
  if ((ARTIFACT_TYPES as readonly string[]).includes(type)) return type as ArtifactType;
  throw new MvError('INVALID_TYPE', `${JSON.stringify(type)} is not an artifact type.`, { hint: `Use one of: ${ARTIFACT_TYPES.join(', ')}.` });
}

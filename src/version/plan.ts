/**
 * Deciding what `mv add` will register, as a pure function of what it read: whether anything changed
 * since the newest version, what the new version would leave out that the current one has (refused unless
 * asked for), and its number and why. `mv add --dry-run` prints this plan; `mv add` carries it out.
 */
import { pinnedId } from '../registry/ref.js';
import type { Pointer } from '../pointer/pointer.js';
import { classifyChange, type ChangeSummary } from './change.js';
import { checkDrops, checkDropsNamed, droppedInputs, type Drop, type Dropped } from './dropped.js';
import { bumpedVersion, checkRequestedVersion, type BumpRequest } from './version-policy.js';

export interface PlanInput {
  name: string;
  /** The pointer to write, with any version number (it is decided here). */
  draft: Pointer;
  pointerFile: string;
  /** The artifact's committed pointer in the work tree: what a new version must not silently lose. */
  current: { pointer: Pointer; file: string } | undefined;
  /** The highest registered version, and its pointer (and where its commit has it) when that commit has one. */
  previous: { version: string; pointer: Pointer | undefined; file?: string | undefined } | undefined;
  /** Every version number taken (registered or deregistered). */
  taken: string[];
  requested: { version?: string | undefined; bump?: BumpRequest | undefined };
  drops: Drop[];
  /** How the user names a repository path on the command line (from the current folder), for hints. */
  typed?: (repoPath: string) => string;
}

export type VersionPlan =
  | { created: false; version: string; id: string; reason: string; change: ChangeSummary }
  | { created: true; version: string; id: string; reason: string; change: ChangeSummary | undefined; dropped: Dropped[] };

export function planVersion(input: PlanInput): VersionPlan {
  const { name, draft, previous } = input;
  // What the new version must not silently lose: the work tree's committed pointer; with none there (a
  // branch from before the artifact, a pointer removed), the highest registered version, whose number the
  // new one follows. `--drop` may name only what it records.
  const base = input.current ?? (previous?.pointer && previous.file !== undefined ? { pointer: previous.pointer, file: previous.file } : undefined);
  checkDropsNamed(input.drops, base, { name, ...(input.typed ? { typed: input.typed } : {}) });
  const change = previous?.pointer ? classifyChange(previous.pointer, draft) : undefined;
  if (change?.level === 'none' && input.requested.version === undefined && (input.requested.bump ?? 'auto') === 'auto') {
    return { created: false, version: previous!.version, id: pinnedId(name, previous!.version), reason: 'nothing changed since the previous version', change };
  }
  const dropped = base
    ? checkDrops(droppedInputs(base, { pointer: draft, file: input.pointerFile }), input.drops, {
        name,
        current: pinnedId(name, base.pointer.version),
        carried: input.current !== undefined,
        ...(input.typed ? { typed: input.typed } : {}),
      })
    : [];
  const number =
    input.requested.version !== undefined
      ? checkRequestedVersion(input.requested.version, input.taken, name)
      : input.requested.bump && input.requested.bump !== 'auto'
        ? bumpedVersion(input.requested.bump, input.taken, 'as requested')
        : !previous
          ? bumpedVersion('minor', input.taken, 'first version')
          : !change
            ? bumpedVersion('minor', input.taken, 'previous version has no pointer')
            : bumpedVersion(change.level === 'none' ? 'patch' : change.level, input.taken, change.reasons.join(', ') || 'as requested');
  return { created: true, version: number.version, id: pinnedId(name, number.version), reason: number.reason, change, dropped };
}

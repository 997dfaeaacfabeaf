/** Which versions a push or fetch is about: named refs, every registered version, or HEAD's pointers. */
import { MvError } from '../errors.js';
import type { Git } from '../git.js';
import { parsePointer } from '../pointer/pointer.js';
import { pointerFilesAmong, type LocatedPointer } from '../pointer/locate.js';
import { pinnedId } from '../registry/ref.js';
import { readTagAndPurgeRecords, type LeftOut } from '../safety/purge-record.js';
import { pointerOfRecord, resolvePointer } from '../registry/version-pointer.js';
import { versionsFromRecords } from '../registry/versions.js';

export interface VersionSource extends LocatedPointer {
  /** The pinned id (`name@vX.Y.Z`) of the version. */
  id: string;
}

function source(located: LocatedPointer): VersionSource {
  return { ...located, id: pinnedId(located.pointer.name, located.pointer.version) };
}

export async function versionsOfRefs(git: Git, root: string, refs: string[]): Promise<VersionSource[]> {
  const out: VersionSource[] = [];
  for (const ref of refs) out.push(source(await resolvePointer(git, root, ref)));
  return out;
}

/**
 * Every registered version that has a pointer (versions registered by other tools have no objects), and
 * apart the purged ones, whose files no push or fetch moves: the tags and purge records from one read.
 */
export async function allVersions(git: Git): Promise<{ kept: VersionSource[]; purged: LeftOut[] }> {
  const { records, purges } = await readTagAndPurgeRecords(git);
  const purgedIds = new Set(purges.map((p) => p.id));
  const out: VersionSource[] = [];
  const purged: LeftOut[] = [];
  for (const versions of versionsFromRecords(records).values()) {
    for (const record of versions.values()) {
      const id = pinnedId(record.artifact, record.version);
      if (purgedIds.has(id)) {
        purged.push({ id, artifact: record.artifact, version: record.version });
        continue;
      }
      try {
        out.push(source(await pointerOfRecord(git, record)));
      } catch (error) {
        if (error instanceof MvError && error.code === 'NO_POINTER') continue;
        throw error;
      }
    }
  }
  return { kept: out, purged };
}

/** The pointers committed at HEAD (not the work tree's, which may hold uncommitted edits). */
export async function headVersions(git: Git): Promise<VersionSource[]> {
  const head = await git.headCommit();
  if (!head) return [];
  const out: VersionSource[] = [];
  for (const file of pointerFilesAmong(await git.filesInCommit(head))) {
    const content = await git.showFile(head, file);
    if (content !== undefined) out.push(source({ file, pointer: parsePointer(content, file), content }));
  }
  return out;
}

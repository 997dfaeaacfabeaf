/**
 * Everything in a clone that may still need cache objects: every pointer file in any commit reachable
 * from any ref (local and remote-tracking branches, tags — so every version tag, registered, archived,
 * deprecated or deregistered — and `refs/stash`), in any reflog entry (stashes dropped but not expired,
 * commits a reset left behind), staged in the index, and in the work tree, committed or not.
 */
import { readFile } from 'node:fs/promises';
import { displayPath } from '../display-text.js';
import { errnoCode } from '../errors.js';
import { absolutePath } from '../paths.js';
import type { Oid } from '../cache/oid.js';
import { pointerObjects } from '../pointer/objects.js';
import { parsePointer, POINTER_SUFFIX, type Pointer } from '../pointer/pointer.js';
import { pinnedId } from '../registry/ref.js';
import type { Repo } from '../repo.js';

export interface FoundPointer {
  /** Where it was found, for messages: `history` or `work tree`. */
  where: 'history' | 'work tree';
  /** Repository-relative path of the pointer file. */
  file: string;
  /** Undefined when the file could not be parsed; `oids` then holds every oid-looking string in it. */
  pointer?: Pointer;
  oids?: Oid[];
}

/** A top-level object some pointer needs; `directory` when it is a folder's manifest. */
export interface ReferencedObject {
  oid: Oid;
  directory: boolean;
  /** Found in a pointer mv could not parse: it is a folder's manifest only if its bytes say so. */
  guessed?: boolean;
  /** The first version that needs it, and its path there (`churn@v0.1.0 models/churn/tokenizer/`), for messages. */
  neededBy?: string;
}

export async function findPointers(repo: Repo): Promise<{ pointers: FoundPointer[]; notes: string[] }> {
  const notes: string[] = [];
  const pointers: FoundPointer[] = [];
  const blobs = [...(await repo.git.reachableBlobs(POINTER_SUFFIX))];
  const contents = await repo.git.readBlobs(blobs.map(([id]) => id));
  blobs.forEach(([, file], i) => {
    const content = contents[i];
    if (content !== undefined) pointers.push(readFound('history', file, content, notes));
  });
  const files = new Set([...(await repo.git.trackedFilesMatching(`**/*${POINTER_SUFFIX}`)), ...(await repo.git.untrackedFilesMatching(`**/*${POINTER_SUFFIX}`))]);
  for (const file of files) {
    let content: string;
    try {
      content = await readFile(absolutePath(repo.root, file), 'utf8');
    } catch (error) {
      if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'EISDIR') continue;
      throw error;
    }
    pointers.push(readFound('work tree', file, content, notes));
  }
  return { pointers, notes };
}

function readFound(where: FoundPointer['where'], file: string, content: string, notes: string[]): FoundPointer {
  try {
    return { where, file, pointer: parsePointer(content, file) };
  } catch (error) {
    // A pointer mv cannot read still protects every object id it mentions.
    const oids = [...new Set(content.match(/sha256:[0-9a-f]{64}/g) ?? [])] as Oid[];
    notes.push(`${displayPath(file)} (${where}) is not a valid pointer (${error instanceof Error ? error.message : String(error)}); the ${oids.length} object id(s) it mentions are kept.`);
    return { where, file, oids };
  }
}

/**
 * The top-level objects the pointers need, leaving out purged versions (`purged` holds pinned ids) and
 * the versions in `except`. A pointer in the work tree keeps its objects even when its version was
 * purged (`mv purge` refuses that version; a purge record arriving by git does not take it away).
 * Directory entries are added by `expandDirectories`.
 */
export function referencedObjects(pointers: FoundPointer[], options: { purged: Set<string>; except?: Set<string> }): Map<Oid, ReferencedObject> {
  const out = new Map<Oid, ReferencedObject>();
  for (const found of pointers) {
    if (found.oids) {
      for (const oid of found.oids) if (!out.has(oid)) out.set(oid, { oid, directory: true, guessed: true });
      continue;
    }
    const pointer = found.pointer!;
    const id = pinnedId(pointer.name, pointer.version);
    if ((options.purged.has(id) && found.where !== 'work tree') || options.except?.has(id)) continue;
    for (const object of pointerObjects(pointer, found.file)) {
      const known = out.get(object.oid);
      if (!known || known.guessed || (object.directory && !known.directory)) out.set(object.oid, { oid: object.oid, directory: object.directory, neededBy: `${id} ${object.path}` });
    }
  }
  return out;
}

/** Pointers of one version found in the work tree (a version that is in use there). */
export function workTreePointersOf(pointers: FoundPointer[], id: string): FoundPointer[] {
  return pointers.filter((p) => p.where === 'work tree' && p.pointer && pinnedId(p.pointer.name, p.pointer.version) === id);
}

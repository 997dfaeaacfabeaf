/**
 * Carrying out an add's plan: write the pointer and `.gitignore` entries, commit only those files on a
 * temporary index, create the version tag (refusing to overwrite), move HEAD with a compare-and-swap, and
 * record the files in the index. Each step is undone if a later one fails, and a journal lets the next
 * run roll back a process killed midway. Cache objects stored before stay (content-addressed, harmless,
 * reclaimed by `mv gc`).
 */
import { hashBuffer } from '../cache/hash.js';
import { MvError } from '../errors.js';
import { joinRepoPath } from '../paths.js';
import { pointerFolder, serializePointer, type PathEntry, type Pointer } from '../pointer/pointer.js';
import { formatTagMessage, PAYLOAD_SCHEMA } from '../registry/tag-message.js';
import { registerTag } from '../registry/tag-name.js';
import type { PreparedIndex } from '../git.js';
import type { Repo } from '../repo.js';
import { requireStored, untracked, type PathArg } from '../workspace/add-checks.js';
import { FileEdits } from '../workspace/file-edits.js';
import { ignorePaths } from '../workspace/gitignore.js';

export interface ApplyInput {
  /** The pointer to write, its version decided. */
  pointer: Pointer;
  pointerFile: string;
  /** The commit to build on: HEAD, read under the repository lock; HEAD must still be there at the end. */
  head: string;
  /** The data paths given, for `.gitignore` entries of those git does not track. */
  dataPaths: PathArg[];
  message: string | undefined;
  signal?: AbortSignal | undefined;
  /** The parent's tree, read ahead into a temporary index (used when its parent is `head`). */
  index?: PreparedIndex | undefined;
}

export interface Applied {
  tag: string;
  commit: string;
  pointer: { path: string; oid: string };
}

/** What `.gitignore` entries keep out of git: the artifact's files, and its data paths git does not track. */
export async function ignoreTargets(repo: Repo, pointer: Pointer, pointerFile: string, dataPaths: PathArg[]): Promise<string[]> {
  const folder = pointerFolder(pointerFile);
  const untrackedData = new Set((await untracked(repo, dataPaths)).map((p) => p.repoPath.replace(/\/$/, '')));
  const dataEntries = (pointer.lineage.data ?? []).filter((d): d is PathEntry => 'path' in d && 'oid' in d);
  return [
    ...pointer.files.map((f) => joinRepoPath(folder, f.path)),
    ...dataEntries.map((d) => joinRepoPath(folder, d.path)).filter((path) => untrackedData.has(path.replace(/\/$/, ''))),
  ];
}

export async function applyVersion(repo: Repo, input: ApplyInput): Promise<Applied> {
  const { pointer, pointerFile, head } = input;
  // Read while the commit is written; awaited before the tag is made.
  const tagger = repo.git.committerIdent();
  tagger.catch(() => undefined);
  await requireStored(repo, pointer);
  const content = serializePointer(pointer);
  const pointerOid = hashBuffer(content);
  const id = `${pointer.name}@v${pointer.version}`;
  input.signal?.throwIfAborted();

  const edits = new FileEdits(repo.root, { stateDir: repo.stateDir });
  const tagName = registerTag(pointer.name, pointer.version);
  let tagObject: string | undefined;
  try {
    await edits.write(pointerFile, content);
    await ignorePaths(edits, await ignoreTargets(repo, pointer, pointerFile, input.dataPaths));
    const summary = `Register ${id}${input.message ? `: ${input.message}` : ''}`;
    const commit = await repo.git.commitPaths({ parent: head, paths: edits.paths, message: `${summary}\n`, index: input.index });
    await edits.record({ head, commit, tag: tagName });
    const tag = {
      name: tagName,
      target: commit,
      message: formatTagMessage(summary, {
        mv: PAYLOAD_SCHEMA,
        event: 'register',
        artifact: pointer.name,
        version: pointer.version,
        pointer: { path: pointerFile, oid: pointerOid },
        ...(input.message ? { reason: input.message } : {}),
      }),
    };
    try {
      // The tag and the branch move together: both or neither.
      [tagObject] = await repo.git.createAnnotatedTags([tag], { tagger: await tagger, moveHead: { from: head, to: commit, reason: `mv add ${id}` } });
    } catch (error) {
      if (error instanceof MvError || (await repo.git.headCommit()) === head) throw error;
      throw new MvError('HEAD_MOVED', `The branch moved while ${id} was being added (another commit landed first).`, {
        hint: 'Nothing was changed; run the same `mvr add` again.',
        cause: error,
      });
    }
    try {
      await repo.git.stage(edits.paths);
    } catch (error) {
      // The index could not take the new pointer (a full disk): the version is undone as a whole.
      await repo.git.updateRef('HEAD', head, commit, `mvr add ${id}: undone`);
      throw error;
    }
    await edits.finish();
    return { tag: tagName, commit, pointer: { path: pointerFile, oid: pointerOid } };
  } catch (error) {
    if (tagObject) await repo.git.deleteRef(`refs/tags/${tagName}`, tagObject).catch(() => undefined);
    await edits.undo();
    throw error;
  }
}

/**
 * pre-push: before git sends refs, upload to the default remote the objects of every pointer reachable in
 * the pushed commits and tags that the remote lacks. Git's ref lines arrive on stdin:
 * `<local ref> <local oid> <remote ref> <remote oid>`. Nothing is sent (and no network is touched) when the
 * push carries no pointer.
 */
import { MvError } from '../errors.js';
import { ZERO_OID } from '../git.js';
import { parsePointer, POINTER_SUFFIX } from '../pointer/pointer.js';
import { readTagRecords } from '../registry/tag-records.js';
import { readCommittedPointer, type LocatedPointer } from '../pointer/locate.js';
import type { Repo } from '../repo.js';
import type { HookOutcome } from './hook-script.js';

export interface PushedRef {
  localRef: string;
  localOid: string;
  remoteRef: string;
  remoteOid: string;
}

export function parsePushLines(input: string): PushedRef[] {
  return input
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((parts) => parts.length === 4)
    .map(([localRef, localOid, remoteRef, remoteOid]) => ({ localRef: localRef!, localOid: localOid!, remoteRef: remoteRef!, remoteOid: remoteOid! }));
}

/** Pointers introduced or changed by the commits the push sends, plus those of pushed version tags. */
export async function pointersToPush(repo: Repo, remoteName: string, refs: PushedRef[]): Promise<Map<string, LocatedPointer>> {
  const pointers = new Map<string, LocatedPointer>();
  const tips = refs.filter((r) => r.localOid !== ZERO_OID).map((r) => r.localOid);
  if (tips.length === 0) return pointers;
  const remoteTracking = (await repo.git.refRecords(['%(objectname)'], [`refs/remotes/${remoteName}/`])).map(([oid]) => oid!);
  const exclude = [...remoteTracking, ...refs.map((r) => r.remoteOid).filter((o) => o !== ZERO_OID && /^[0-9a-f]+$/.test(o))];
  const known = await Promise.all(exclude.map(async (o) => ((await repo.git.resolveRef(`${o}^{commit}`)) ? o : undefined)));
  const commits = await repo.git.commitsAddingFiles({ tips, known: known.filter((o): o is string => o !== undefined), pathGlob: `**/*${POINTER_SUFFIX}` });
  for (const { commit, files } of commits) {
    for (const file of files) {
      const content = await repo.git.showFile(commit, file);
      if (content === undefined) continue;
      const pointer = parsePointer(content, file);
      pointers.set(`${pointer.name}@${pointer.version}:${commit}`, { file, pointer, content });
    }
  }
  // Version tags being pushed: their pointer may live in a commit the remote already has.
  const tagRefs = refs.filter((r) => r.localRef.startsWith('refs/tags/') && r.localOid !== ZERO_OID).map((r) => r.localRef);
  if (tagRefs.length) {
    const records = await readTagRecords(repo.git, tagRefs);
    for (const record of records) {
      if (record.kind !== 'register' || !record.annotated) continue;
      const located = await readCommittedPointer(repo.git, record.commit, record.artifact, record.payload?.pointer?.path, record.version).catch((error: unknown) => {
        // A tag that does not match its commit's pointer names no files to upload.
        if (error instanceof MvError && error.code === 'POINTER_MISMATCH') return undefined;
        throw error;
      });
      if (located) pointers.set(`${record.artifact}@${record.version}:${record.commit}`, located);
    }
  }
  return pointers;
}

/** What an upload of the pushed pointers' objects reports, as far as the hook tells it. */
export interface PointerUpload {
  uploaded: number;
  versions: string[];
  remote: string;
}

/** pre-push: uploads (with `upload`) the objects of every pointer the push carries; refuses the push if that fails. */
export async function prePush(repo: Repo, args: string[], input: string, upload: (pointers: LocatedPointer[]) => Promise<PointerUpload>): Promise<HookOutcome> {
  const [remoteName = 'origin'] = args;
  const pointers = await pointersToPush(repo, remoteName, parsePushLines(input));
  if (pointers.size === 0) return { hook: 'pre-push', exitCode: 0, messages: [] };
  try {
    const result = await upload([...pointers.values()]);
    const sent = result.uploaded;
    return { hook: 'pre-push', exitCode: 0, messages: sent ? [`mv: uploaded ${sent} object(s) of ${result.versions.join(', ')} to ${result.remote}`] : [] };
  } catch (error) {
    if (!(error instanceof MvError)) throw error;
    return {
      hook: 'pre-push',
      exitCode: 1,
      messages: [
        `mv: push refused: the artifacts of ${[...pointers.values()].map((p) => `${p.pointer.name}@v${p.pointer.version}`).join(', ')} could not be uploaded.`,
        `mv: ${error.message}`,
        ...(error.hint ? [`mv: ${error.hint}`] : []),
        'mv: fix that and push again, or skip the upload with MV_SKIP_PUSH=1 git push … (others will not be able to fetch these versions).',
      ],
    };
  }
}

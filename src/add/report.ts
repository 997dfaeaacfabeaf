/**
 * What an add would record, compared with the artifact's committed pointer, for `mv add --dry-run`:
 * each file, folder and lineage input new, changed or unchanged (with what changed inside a folder when
 * the recorded folder's manifest is cached), and the commit it would make. Reads only.
 */
import { diffEntries, parseManifest, type DirChanges } from '../cache/manifest.js';
import type { Oid } from '../cache/oid.js';
import { joinRepoPath } from '../paths.js';
import { pointerFolder, type PathEntry } from '../pointer/pointer.js';
import type { Repo } from '../repo.js';
import type { HashedInputs } from './inputs.js';
import type { AddRequest } from './request.js';

export interface PlannedEntry {
  /** Repository-relative; a folder ends with "/". */
  path: string;
  role: 'file' | 'data' | 'pipeline' | 'params';
  status: 'new' | 'changed' | 'unchanged';
  size: number;
  nfiles?: number;
  /** For a changed folder whose recorded manifest is cached: the files added, removed and changed in it. */
  inside?: DirChanges;
}

export interface AddPlanReport {
  entries: PlannedEntry[];
  /** The commit that would record the version: on top of `parent`, changing only `paths`. */
  commit: { parent: string; branch: string | undefined; paths: string[] };
}

export async function describePlan(repo: Repo, input: { request: AddRequest; inputs: HashedInputs; commitPaths: string[] }): Promise<AddPlanReport> {
  const { request, inputs } = input;
  const folder = request.folder;
  const before = request.current;
  const recorded = new Map<string, Oid>();
  if (before) {
    const bf = pointerFolder(before.file);
    const note = (entries: Array<{ path: string; oid: Oid }> | undefined) => entries?.forEach((e) => recorded.set(joinRepoPath(bf, e.path), e.oid));
    note(before.pointer.files);
    note((before.pointer.lineage.data ?? []).filter((d): d is PathEntry => 'path' in d && 'oid' in d));
    note(before.pointer.lineage.pipeline);
    if (before.pointer.lineage.params_file) note([before.pointer.lineage.params_file]);
  }
  const entries: PlannedEntry[] = [];
  const describe = async (entry: { path: string; oid: Oid; size?: number; nfiles?: number }, role: PlannedEntry['role']) => {
    const path = joinRepoPath(folder, entry.path);
    const was = recorded.get(path);
    const status = was === undefined ? 'new' : was === entry.oid ? 'unchanged' : 'changed';
    const planned: PlannedEntry = { path, role, status, size: entry.size ?? inputs.snapshots.get(path)?.size ?? 0, ...(entry.nfiles !== undefined ? { nfiles: entry.nfiles } : {}) };
    const now = inputs.snapshots.get(path);
    if (status === 'changed' && path.endsWith('/') && now?.kind === 'dir' && was) {
      const old = await repo.cache.readVerified(was).catch(() => undefined);
      if (old) planned.inside = diffEntries(parseManifest(old.toString('utf8'), was), now.entries);
    }
    entries.push(planned);
  };
  for (const f of inputs.files) await describe(f, 'file');
  for (const d of inputs.data) if ('path' in d && 'oid' in d) await describe(d as PathEntry, 'data');
  for (const p of inputs.pipeline) await describe(p, 'pipeline');
  if (inputs.paramsFile) await describe(inputs.paramsFile, 'params');
  return { entries, commit: { parent: request.head, branch: request.branch, paths: input.commitPaths } };
}

/**
 * Tamper evidence: each version tag records the sha256 of its pointer file's bytes (`pointer.oid` in the
 * payload). A version whose pointer in the tagged commit, or in the commit HEAD points at, no longer hashes
 * to that value was changed after it was registered (or its tag was moved).
 */
import { hashBuffer } from '../cache/hash.js';
import type { Git } from '../git.js';
import { POINTER_SUFFIX, parsePointer } from '../pointer/pointer.js';
import { pinnedId } from '../registry/ref.js';
import type { VersionRecord } from '../registry/versions.js';

export interface TamperFinding {
  id: string;
  tag: string;
  path: string;
  /** Where the differing pointer is: the commit the version tag points at, or HEAD's commit. */
  where: 'tag' | 'HEAD';
  commit: string;
  recorded: string;
  /** The pointer's current oid; null when the file is gone from that commit. */
  actual: string | null;
}

export interface TamperReport {
  findings: TamperFinding[];
  /** Versions checked (those with a recorded pointer oid). */
  checked: number;
  /** Versions registered without a pointer oid (by other tools), which cannot be checked. */
  unprotected: string[];
}

/** HEAD's commit and the pointer files in it (every path ending in `.mv.yaml`, whatever it holds), with their bytes. */
export interface HeadPointers {
  commit: string;
  files: Array<{ file: string; content: string }>;
}

/** A registered version to check, with its pointer when the caller has read it already. */
export interface TaggedVersion {
  record: VersionRecord;
  /** The pointer file as read from the commit the registration tag points at (`record.register.commit`). */
  pointer?: { file: string; content: string };
}

/** The pointer files in HEAD's commit; undefined in a repository with no commits. */
export async function readHeadPointers(git: Git): Promise<HeadPointers | undefined> {
  const commit = await git.headCommit();
  if (!commit) return undefined;
  const files = (await git.filesInCommit(commit)).filter((f) => f.endsWith(POINTER_SUFFIX) && !/[\n\r]/.test(f));
  const contents = await git.readBlobs(files.map((f) => `${commit}:${f}`));
  const read: HeadPointers['files'] = [];
  files.forEach((file, i) => {
    const content = contents[i];
    if (content !== undefined) read.push({ file, content });
  });
  return { commit, files: read };
}

/**
 * Compares each version's pointer, in its tagged commit and in HEAD's, with the oid its tag recorded.
 * `head`: HEAD's pointers, when the caller started reading them earlier (`readHeadPointers`).
 */
export async function checkPointers(git: Git, versions: TaggedVersion[], options: { head?: Promise<HeadPointers | undefined> } = {}): Promise<TamperReport> {
  // HEAD's pointers are read while the tagged ones are compared.
  const atHead = options.head ?? readHeadPointers(git);
  atHead.catch(() => undefined);
  const report: TamperReport = { findings: [], checked: 0, unprotected: [] };
  const protectedVersions: Array<{ id: string; record: VersionRecord; path: string; oid: string; spec: string; content?: string }> = [];
  for (const { record, pointer } of versions) {
    const id = pinnedId(record.artifact, record.version);
    const recorded = record.register.payload?.pointer;
    if (typeof recorded?.oid !== 'string' || typeof recorded.path !== 'string' || /[\n\r]/.test(recorded.path)) {
      report.unprotected.push(id);
      continue;
    }
    // The pointer the caller read is the blob asked for when it was read from the same path.
    const known = pointer?.file === recorded.path ? { content: pointer.content } : {};
    protectedVersions.push({ id, record, path: recorded.path, oid: recorded.oid, spec: `${record.register.commit}:${recorded.path}`, ...known });
  }
  report.checked = protectedVersions.length;
  const byId = new Map(protectedVersions.map((v) => [v.id, v]));
  // Every other tagged pointer in one `git cat-file --batch`.
  const unread = [...new Set(protectedVersions.filter((v) => v.content === undefined).map((v) => v.spec))];
  const contents = await git.readBlobs(unread);
  const read = new Map(unread.map((spec, i) => [spec, contents[i]]));
  for (const v of protectedVersions) {
    const content = v.content ?? read.get(v.spec);
    const actual = content === undefined ? null : hashBuffer(content);
    if (actual !== v.oid) report.findings.push({ id: v.id, tag: v.record.register.tag, path: v.path, where: 'tag', commit: v.record.register.commit, recorded: v.oid, actual });
  }
  const head = await atHead;
  if (!head) return report;
  for (const { file, content } of head.files) {
    const id = claimedVersion(content, file);
    if (id === undefined) continue;
    const expected = byId.get(id);
    const actual = hashBuffer(content);
    if (expected && actual !== expected.oid) {
      report.findings.push({ id, tag: expected.record.register.tag, path: file, where: 'HEAD', commit: head.commit, recorded: expected.oid, actual });
    }
  }
  return report;
}

/** The version a pointer claims to be; read line by line when the file no longer parses. */
function claimedVersion(content: string, file: string): string | undefined {
  try {
    const pointer = parsePointer(content, file);
    return pinnedId(pointer.name, pointer.version);
  } catch {
    const name = /^name: *['"]?([^'"\s]+)/m.exec(content)?.[1];
    const version = /^version: *['"]?([^'"\s]+)/m.exec(content)?.[1];
    return name && version ? pinnedId(name, version) : undefined;
  }
}

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

export async function checkPointers(git: Git, versions: VersionRecord[]): Promise<TamperReport> {
  const report: TamperReport = { findings: [], checked: 0, unprotected: [] };
  const byId = new Map<string, { record: VersionRecord; path: string; oid: string }>();
  const protectedVersions: Array<{ id: string; record: VersionRecord; path: string; oid: string }> = [];
  for (const record of versions) {
    const id = pinnedId(record.artifact, record.version);
    const recorded = record.register.payload?.pointer;
    if (typeof recorded?.oid !== 'string' || typeof recorded.path !== 'string' || /[\n\r]/.test(recorded.path)) {
      report.unprotected.push(id);
      continue;
    }
    protectedVersions.push({ id, record, path: recorded.path, oid: recorded.oid });
    byId.set(id, { record, path: recorded.path, oid: recorded.oid });
  }
  report.checked = protectedVersions.length;
  // Every tagged pointer in one `git cat-file --batch`.
  const tagged = await git.readBlobs(protectedVersions.map((v) => `${v.record.register.commit}:${v.path}`));
  protectedVersions.forEach((v, i) => {
    const content = tagged[i];
    const actual = content === undefined ? null : hashBuffer(content);
    if (actual !== v.oid) report.findings.push({ id: v.id, tag: v.record.register.tag, path: v.path, where: 'tag', commit: v.record.register.commit, recorded: v.oid, actual });
  });
  const head = await git.headCommit();
  if (!head) return report;
  const files = (await git.filesInCommit(head)).filter((f) => f.endsWith(POINTER_SUFFIX) && !/[\n\r]/.test(f));
  const atHead = await git.readBlobs(files.map((f) => `${head}:${f}`));
  files.forEach((file, i) => {
    const content = atHead[i];
    if (content === undefined) return;
    const id = claimedVersion(content, file);
    if (id === undefined) return;
    const expected = byId.get(id);
    const actual = hashBuffer(content);
    if (expected && actual !== expected.oid) {
      report.findings.push({ id, tag: expected.record.register.tag, path: file, where: 'HEAD', commit: head, recorded: expected.oid, actual });
    }
  });
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

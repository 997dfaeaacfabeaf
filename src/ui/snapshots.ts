/**
 * The registry as the server sees it: read again only when the tags change. A fingerprint of the tag refs
 * (names and object ids, one cheap `git for-each-ref`) decides whether the last snapshot still holds; tag
 * contents and commits are immutable, so equal refs mean an equal registry.
 */
import { createHash } from 'node:crypto';
import type { Git } from '../git.js';
import { PointerCache } from './pointer-cache.js';
import { takeSnapshot, type Snapshot } from './site-data.js';

export class SnapshotSource {
  private readonly git: Git;
  private readonly pointers: PointerCache;
  private last: { fingerprint: string; snapshot: Promise<Snapshot> } | undefined;

  constructor(git: Git) {
    this.git = git;
    this.pointers = new PointerCache(git);
  }

  async current(): Promise<Snapshot> {
    const fingerprint = await this.fingerprint();
    if (this.last?.fingerprint !== fingerprint) {
      const snapshot = takeSnapshot(this.git, this.pointers);
      this.last = { fingerprint, snapshot };
      snapshot.catch(() => {
        if (this.last?.snapshot === snapshot) this.last = undefined;
      });
    }
    return this.last.snapshot;
  }

  /** The last snapshot taken, if any (for pages that only list artifacts, such as a 404). */
  async latest(): Promise<Snapshot | undefined> {
    return this.last?.snapshot.catch(() => undefined);
  }

  private async fingerprint(): Promise<string> {
    const refs = await this.git.refRecords(['%(objectname)', '%(refname)'], ['refs/tags/']);
    return createHash('sha256').update(JSON.stringify(refs)).digest('hex');
  }
}

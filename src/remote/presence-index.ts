/**
 * Per remote, the oids known to be there: uploaded, downloaded or seen there by this clone. It lets a
 * push that has nothing new finish without asking the remote about every object. It is append-only
 * (one hex oid per line; a torn last line is ignored) and is only ever a shortcut: losing it costs one
 * round of checks on the next push. Objects are never deleted from a remote by other means than
 * `mv gc`, which rewrites it.
 */
import { appendFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { writeFileAtomic } from '../atomic-file.js';
import { join } from 'node:path';
import { errnoCode } from '../errors.js';
import { oidFromHex, oidHex, type Oid } from '../cache/oid.js';

const FILE = 'present';

/** Every object some remote of this clone is known to hold (`stateDir` is the repository's `.git/mv`). */
export async function objectsOnRemotes(stateDir: string): Promise<Set<Oid>> {
  const held = new Set<Oid>();
  let ids: string[];
  try {
    ids = await readdir(join(stateDir, 'remotes'));
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return held;
    throw error;
  }
  for (const id of ids) for (const oid of (await PresenceIndex.load(join(stateDir, 'remotes', id))).known) held.add(oid);
  return held;
}

export class PresenceIndex {
  readonly known: Set<Oid>;
  private pending: Oid[] = [];

  private constructor(
    private readonly dir: string | undefined,
    known: Set<Oid>,
  ) {
    this.known = known;
  }

  /** The index in `dir`, or an in-memory one when there is no repository to keep it in. */
  static async load(dir: string | undefined, options: { ignore?: boolean } = {}): Promise<PresenceIndex> {
    const known = new Set<Oid>();
    if (dir && !options.ignore) {
      try {
        for (const line of (await readFile(join(dir, FILE), 'utf8')).split('\n')) {
          if (/^[0-9a-f]{64}$/.test(line)) known.add(oidFromHex(line));
        }
      } catch (error) {
        if (errnoCode(error) !== 'ENOENT') throw error;
      }
    }
    return new PresenceIndex(dir, known);
  }

  get size(): number {
    return this.known.size;
  }

  has(oid: Oid): boolean {
    return this.known.has(oid);
  }

  add(oid: Oid): void {
    if (this.known.has(oid)) return;
    this.known.add(oid);
    this.pending.push(oid);
  }

  async save(location: string): Promise<void> {
    if (!this.dir || this.pending.length === 0) return;
    const lines = this.pending.map((oid) => `${oidHex(oid)}\n`).join('');
    this.pending = [];
    await mkdir(this.dir, { recursive: true });
    await writeFile(join(this.dir, 'remote.txt'), `${location}\n`);
    await appendFile(join(this.dir, FILE), lines);
  }

  /** Forgets objects deleted from the remote, rewriting the file whole (never a torn list). */
  async forget(oids: Iterable<Oid>): Promise<void> {
    let changed = false;
    for (const oid of oids) changed = this.known.delete(oid) || changed;
    if (!changed) return;
    this.pending = this.pending.filter((oid) => this.known.has(oid));
    if (!this.dir) return;
    await mkdir(this.dir, { recursive: true });
    await writeFileAtomic(join(this.dir, FILE), [...this.known].map((oid) => `${oidHex(oid)}\n`).join(''));
    this.pending = [];
  }

  /** Forgets everything (after objects were deleted from the remote). */
  async clear(): Promise<void> {
    this.known.clear();
    this.pending = [];
    if (this.dir) await rm(join(this.dir, FILE), { force: true });
  }
}

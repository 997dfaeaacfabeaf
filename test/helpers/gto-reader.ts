/**
 * GTO's reading of a registry, ported line for line from iterative/gto (`gto/base.py`, `gto/tag.py`,
 * `gto/registry.py`, `gto/api.py`) for the questions the parity tests ask: is the artifact active, what is
 * its latest version, which version does `gto show` name for each stage, and which versions does
 * `gto show --vs -1` list. It reads tags with plain git, independently of mv's reader, and keeps GTO's
 * structure (lists sorted stably by date, then reversed) so that ties fall as they do in GTO. Python's
 * `sorted` is stable and so is `Array.prototype.sort`.
 *
 * GTO's index (`artifacts.yaml`, or the file `.gto`'s INDEX names) is read as GTO reads it: `.gto` from
 * the work tree, the index from HEAD's commit (`gto/index.py`: `EnrichmentManager.update_state`,
 * `GTOEnrichment.discover`, `Index.read_state`); a malformed index or an invalid name in it fails the
 * whole read, as in GTO.
 *
 * Not ported: `name@created` tags, `--all-branches`/`--all-commits`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { parse as parseYaml } from 'yaml';
import compareSemver from 'semver/functions/compare.js';
import parseSemver from 'semver/functions/parse.js';

/** What GTO answers for one artifact (versions as GTO spells them: `v1.2.3`, or a commit id). */
export interface GtoAnswer {
  active: boolean;
  latest: string | null;
  /** `gto show`: per stage, the version it names. */
  stages: Record<string, string>;
  /** `gto show --vs -1`: per stage, every version in it, in GTO's order. */
  all_in_stage: Record<string, string[]>;
  /** Active versions (`gto show NAME`), sorted by name. */
  versions: string[];
}

export type GtoAnswers = Record<string, GtoAnswer> | { error: string };

type Kind = 'deprecation' | 'registration' | 'deregistration' | 'assignment' | 'unassignment' | 'commit';
const ADDITION: Record<Kind, boolean> = { commit: true, deprecation: false, registration: true, deregistration: false, assignment: true, unassignment: false };

interface Ev {
  kind: Kind;
  createdAt: number;
  version?: string;
  stage?: string;
  commit: string;
}

// gto/constants.py
const NAME = '[a-zA-Z0-9]([a-zA-Z0-9-/_]*[a-zA-Z0-9])?';
const DIRNAME = '[a-zA-Z0-9\\-_./]+';
const SEMVER =
  '(?<major>0|[1-9]\\d*)\\.(?<minor>0|[1-9]\\d*)\\.(?<patch>0|[1-9]\\d*)(?:-(?<prerelease>(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\\.(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\\+(?<buildmetadata>[0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*))?';
const TAG_RE = new RegExp(
  `^(?<artifact>(?<dirname>${DIRNAME}=)?(?<name>${NAME}))(((#(?<stage>${NAME})|@(?<version>v${SEMVER}))(?<cancel>!?))|@((?<deprecated>deprecated)|(?<created>created)))(#(?<counter>[0-9]+))?$`,
);

function parseName(tag: string): { name: string; action?: Kind; version?: string; stage?: string } | undefined {
  const g = TAG_RE.exec(tag)?.groups;
  if (!g) return undefined;
  const parsed: { name: string; action?: Kind; version?: string; stage?: string } = { name: g.artifact!.replaceAll('=', ':') };
  if (g.deprecated) parsed.action = 'deprecation';
  if (g.version) {
    parsed.version = g.version;
    parsed.action = g.cancel === '!' ? 'deregistration' : 'registration';
  }
  if (g.stage) {
    parsed.stage = g.stage;
    parsed.action = g.cancel === '!' ? 'unassignment' : 'assignment';
  }
  return parsed;
}

/** Python's `sorted(items, key=...)[::-1]` when `descending`. */
function sortedBy<T>(items: T[], key: (item: T) => number, descending = false): T[] {
  const sorted = [...items].sort((a, b) => key(a) - key(b));
  return descending ? sorted.reverse() : sorted;
}

class VStage {
  assignments: Ev[] = [];
  unassignments: Ev[] = [];
  constructor(
    readonly version: string,
    readonly stage: string,
  ) {}
  add(event: Ev): void {
    if (event.kind === 'assignment') this.assignments = sortedBy([...this.assignments, event], (e) => e.createdAt);
    else this.unassignments = sortedBy([...this.unassignments, event], (e) => e.createdAt);
  }
  events(ascending = false): Ev[] {
    return sortedBy([...this.assignments, ...this.unassignments], (e) => e.createdAt, !ascending);
  }
  get isActive(): boolean {
    return this.events()[0]!.kind === 'assignment';
  }
  get activatedAt(): number {
    return this.events()[0]!.createdAt;
  }
  get createdAt(): number {
    return (this.events().find((e) => ADDITION[e.kind]) ?? this.events()[0]!).createdAt;
  }
}

class Version {
  enrichments: Ev[] = [];
  registrations: Ev[] = [];
  deregistrations: Ev[] = [];
  stages = new Map<string, VStage>();
  constructor(
    readonly version: string,
    readonly commit: string,
  ) {}
  add(event: Ev): void {
    if (event.kind === 'registration') this.registrations = sortedBy([...this.registrations, event], (e) => e.createdAt);
    else if (event.kind === 'deregistration') this.deregistrations = sortedBy([...this.deregistrations, event], (e) => e.createdAt);
    else if (event.kind === 'commit') this.enrichments = sortedBy([...this.enrichments, event], (e) => e.createdAt);
    else {
      if (!this.stages.has(event.stage!)) this.stages.set(event.stage!, new VStage(this.version, event.stage!));
      this.stages.get(event.stage!)!.add(event);
    }
  }
  events(direct = true, indirect = true, ascending = false): Ev[] {
    const all = [...(direct ? [...this.registrations, ...this.deregistrations] : []), ...(indirect ? [...this.enrichments, ...[...this.stages.values()].flatMap((s) => s.events())] : [])];
    return sortedBy(all, (e) => e.createdAt, !ascending);
  }
  get isActive(): boolean {
    const direct = this.events(true, false);
    if (direct.length) return direct[0]!.kind === 'registration';
    return this.events(false, true).length > 0;
  }
  get isRegistered(): boolean {
    return this.registrations.length > 0;
  }
  get discovered(): boolean {
    return this.events(true, false).length === 0;
  }
  get createdAt(): number {
    const additions = this.events(true, false).filter((e) => ADDITION[e.kind]);
    if (additions.length) return additions[0]!.createdAt;
    return this.events(false, true)[0]!.createdAt;
  }
  vstages(activeOnly = true, ascending = false): VStage[] {
    return sortedBy([...this.stages.values()].filter((s) => !activeOnly || s.isActive), (s) => s.activatedAt, !ascending);
  }
}

function isSemVer(version: string): boolean {
  return version.startsWith('v') && parseSemver(version.slice(1)) !== null;
}

function sortVersions(versions: Version[], sort: 'semver' | 'timestamp'): Version[] {
  if (sort === 'timestamp') return sortedBy(versions, (v) => v.createdAt, true);
  const semver = versions.filter((v) => isSemVer(v.version)).sort((a, b) => compareSemver(a.version.slice(1), b.version.slice(1))).reverse();
  const other = versions.filter((v) => !isSemVer(v.version)).sort((a, b) => (a.version < b.version ? -1 : a.version > b.version ? 1 : 0)).reverse();
  return [...semver, ...other];
}

class Artifact {
  versions: Version[] = [];
  deprecations: Ev[] = [];
  constructor(readonly name: string) {}
  findVersion(name: string | undefined, commit: string | undefined, createNew: boolean): Version | undefined {
    let found = this.versions.filter((v) => (name ? v.version === name : true) && (commit ? v.commit === commit : true) && !v.discovered);
    if (createNew && found.length === 0) {
      const v = new Version(name ?? commit!, commit!);
      this.versions.push(v);
      found = [v];
    }
    if (found.length > 1) throw new Error(`ManyVersions: Multiple versions are not allowed on the same Git commit. Violation detected for artifact '${this.name}', versions '[${found.map((v) => `'${v.version}'`).join(', ')}]'.`);
    return found[0];
  }
  add(event: Ev): void {
    if (event.kind === 'deprecation') this.deprecations = sortedBy([...this.deprecations, event], (e) => e.createdAt);
    else this.findVersion(event.version, event.commit, true)!.add(event);
  }
  events(): Ev[] {
    return sortedBy([...this.deprecations, ...this.versions.flatMap((v) => v.events())], (e) => e.createdAt, true);
  }
  get isActive(): boolean {
    const events = this.events();
    return events.length > 0 && events[0]!.kind !== 'deprecation';
  }
  getVersions(includeNonExplicit: boolean, sort: 'semver' | 'timestamp' = 'semver'): Version[] {
    return sortVersions(
      this.versions.filter((v) => v.isActive && ((v.isRegistered && !v.discovered) || (includeNonExplicit && !v.isRegistered))),
      sort,
    );
  }
  vstages(versionsPerStage: number): Map<string, VStage[]> {
    const versions = this.getVersions(true, 'timestamp');
    const assignments = sortedBy(versions.flatMap((v) => v.vstages(true, true)), (a) => a.createdAt, true);
    const stages = new Map<string, VStage[]>();
    for (const a of assignments) {
      const list = stages.get(a.stage) ?? [];
      stages.set(a.stage, list);
      if (versionsPerStage > -1 && list.length >= versionsPerStage) continue;
      if (!list.some((i) => i.version === a.version)) list.push(a);
    }
    return stages;
  }
}

interface RawTag {
  name: string;
  annotated: boolean;
  target: string;
  time: number;
}

async function readTags(dir: string): Promise<RawTag[]> {
  const out = (await execa('git', ['for-each-ref', '--format=%(refname)%00%(objecttype)%00%(*objectname)%00%(taggerdate:raw)', 'refs/tags/'], { cwd: dir })).stdout;
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [ref, type, peeled, date] = line.split('\0');
      return { name: ref!.slice('refs/tags/'.length), annotated: type === 'tag', target: peeled!, time: Number(date!.split(' ')[0]) };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** GTO's answers for the repository at `dir` (or the error GTO fails with). */
export async function readAsGto(dir: string): Promise<GtoAnswers> {
  const tags = await readTags(dir);
  const artifacts = new Map<string, Artifact>();
  const artifact = (name: string) => {
    if (!artifacts.has(name)) artifacts.set(name, new Artifact(name));
    return artifacts.get(name)!;
  };
  // TagArtifactManager, TagVersionManager, TagStageManager: each indexes its tags sorted by tag time.
  const groups: Kind[][] = [['deprecation'], ['registration', 'deregistration'], ['assignment', 'unassignment']];
  try {
    for (const actions of groups) {
      const found = sortedBy(
        tags.filter((t) => t.annotated && actions.includes(parseName(t.name)?.action as Kind)),
        (t) => t.time,
      );
      for (const tag of found) {
        const parsed = parseName(tag.name)!;
        const art = artifact(parsed.name);
        const version = parsed.stage !== undefined ? art.findVersion(undefined, tag.target, true)!.version : parsed.version;
        art.add({ kind: parsed.action!, createdAt: tag.time, ...(version !== undefined ? { version } : {}), ...(parsed.stage !== undefined ? { stage: parsed.stage } : {}), commit: tag.target });
      }
    }
  } catch (error) {
    return { error: (error as Error).message };
  }
  // EnrichmentManager: every version gets an event dated by its commit.
  for (const art of artifacts.values()) {
    for (const v of art.versions) {
      const time = Number((await execa('git', ['show', '-s', '--format=%ct', v.commit], { cwd: dir })).stdout);
      v.add({ kind: 'commit', createdAt: time, version: v.version, commit: v.commit });
    }
  }
  // Then every artifact HEAD's index lists gets a version at HEAD (found among versions with version tags, else new).
  try {
    const head = await headIndex(dir);
    for (const name of head ? Object.keys(head.index) : []) {
      const v = artifact(name).findVersion(undefined, head!.commit, true)!;
      v.add({ kind: 'commit', createdAt: head!.time, version: v.version, commit: head!.commit });
    }
  } catch (error) {
    return { error: (error as Error).message };
  }
  const answers: Record<string, GtoAnswer> = {};
  for (const [name, art] of [...artifacts].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const one = art.vstages(1);
    const every = art.vstages(-1);
    answers[name] = {
      active: art.isActive,
      latest: art.getVersions(false)[0]?.version ?? null,
      stages: Object.fromEntries([...one].filter(([, v]) => v.length).map(([s, v]) => [s, v[0]!.version]).sort(([a], [b]) => (a! < b! ? -1 : 1))),
      all_in_stage: Object.fromEntries([...every].filter(([, v]) => v.length).map(([s, v]) => [s, v.map((x) => x.version)] as const).sort(([a], [b]) => (a < b ? -1 : 1))),
      versions: [...new Set(art.getVersions(true).map((v) => v.version))].sort(),
    };
  }
  return answers;
}

const NAME_RE = new RegExp(`^${NAME}$`);

/** HEAD's commit, its date and the index committed there (`.gto`'s INDEX read from the work tree); undefined without one. */
async function headIndex(dir: string): Promise<{ commit: string; time: number; index: Record<string, unknown> } | undefined> {
  const head = await execa('git', ['show', '-s', '--format=%H %ct', 'HEAD'], { cwd: dir, reject: false });
  if (head.exitCode !== 0) return undefined;
  const [commit, time] = head.stdout.split(' ');
  let file = 'artifacts.yaml';
  const config = await readFile(join(dir, '.gto'), 'utf8').catch(() => undefined);
  if (config !== undefined) file = String((parseYaml(config) as { INDEX?: string } | null)?.INDEX ?? file);
  const blob = await execa('git', ['cat-file', 'blob', `HEAD:${file}`], { cwd: dir, reject: false });
  if (blob.exitCode !== 0) return undefined;
  const wrong = new Error("WrongArtifactsYaml: artifacts.yaml file doesn't conform to GTO format");
  let index: unknown;
  try {
    index = parseYaml(blob.stdout);
  } catch {
    throw wrong;
  }
  // pydantic: a mapping of names to Artifact models (mappings).
  if (index === null || typeof index !== 'object' || Array.isArray(index)) throw wrong;
  for (const entry of Object.values(index)) if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) throw wrong;
  for (const name of Object.keys(index)) {
    if (!NAME_RE.test(name)) throw new Error(`ValidationError: Invalid value '${name}'. Only letters, numbers, '_', '-', '/' are allowed. Value must be of len >= 2 and must start and end with a letter or a number.`);
  }
  return { commit: commit!, time: Number(time), index: index as Record<string, unknown> };
}

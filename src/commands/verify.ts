/**
 * `mv verify [ref…] [-r REMOTE] [--rehash-remote] [--signatures]`: re-hashes cache objects (all of them,
 * or those of the given versions) and moves corrupt ones into `<cache>/quarantine/`; checks that a remote
 * holds the versions' objects (re-hashing them there with --rehash-remote); reports versions whose
 * committed pointer no longer matches the oid their tag recorded; with --signatures, who signed each
 * registry event. `ok` is false (exit code 1) when anything is corrupt, missing, tampered or badly signed.
 */
import pLimit from 'p-limit';
import type { Oid } from '../cache/oid.js';
import { checkRecipeContent } from '../chunk/check-recipe.js';
import type { ChunkStore } from '../chunk/chunk-store.js';
import { MAX_RECIPE_BYTES, parseRecipe } from '../chunk/recipe.js';
import { resolveJobs, transferPools } from '../remote/concurrency.js';
import { MvError } from '../errors.js';
import type { Git } from '../git.js';
import { withRepoLock } from '../lock.js';
import { pinnedId } from '../registry/ref.js';
import { resolvePointer, type KnownVersions, type VersionPointer } from '../registry/version-pointer.js';
import { readCommittedPointers } from '../pointer/locate.js';
import { artifactVersions, conflictOf, versionsFromRecords, type VersionRecord } from '../registry/versions.js';
import { openRemoteSession, type RemoteSession } from '../remote/remote-session.js';
import { remoteStatus } from '../remote/remote-status.js';
import { openRepo, requireInitialized } from '../repo.js';
import { readObjectBytes } from '../safety/object-bytes.js';
import { purgesById, readTagAndPurgeRecords, type PurgeRecord } from '../safety/purge-record.js';
import { quarantinedObjects, quarantineObject, readQuarantined } from '../safety/quarantine.js';
import { rehashCache, rehashRemote } from '../safety/rehash.js';
import { MAX_MANIFEST_BYTES } from '../remote/download.js';
import { checkSignatures, type SignatureCheck } from '../registry/signatures.js';
import { checkPointers, readHeadPointers, type TamperFinding } from '../safety/tamper.js';
import { versionObjects, type OwnedObject } from '../safety/version-objects.js';

export interface VerifyOptions {
  cwd?: string;
  /** Versions to verify; all cache objects and every version when empty. */
  refs?: string[];
  remote?: string;
  rehashRemote?: boolean;
  signatures?: boolean;
  /** Objects re-hashed (and remote checks made) at once: -j. */
  jobs?: number;
  env?: NodeJS.ProcessEnv;
  onProgress?: (done: number, total: number) => void;
}

export type MissingObject = Pick<OwnedObject, 'oid' | 'path' | 'role' | 'id'> & {
  /** For a file the remote holds as chunks: what is wrong with its recipe or chunks. */
  reason?: string;
};

export interface CorruptObject {
  oid: Oid;
  /** Where versions in scope use it: `name@vX.Y.Z: path`. */
  paths: string[];
  /** The versions in scope that use it. */
  ids: string[];
  /** Where the bytes were moved; null when they were already gone. */
  quarantined: string | null;
}

export interface VersionVerdict {
  id: string;
  status: 'ok' | 'incomplete' | 'corrupt' | 'tampered' | 'purged';
  purged?: { tag: string; by: { name: string; email: string }; at: string; reason?: string };
}

export interface VerifyResult {
  ok: boolean;
  cache: { location: string; checked: number; corrupt: CorruptObject[]; missing: MissingObject[] };
  /**
   * With --rehash-remote, a whole object whose bytes do not hash to its name is removed from the remote
   * (`removed`), so that a push of its version from a clone that holds it sends it again.
   */
  remote: { remote: string; name?: string; checked: number; rehashed: boolean; missing: MissingObject[]; corrupt: Array<MissingObject & { removed?: boolean }>; chunked: number } | null;
  versions: VersionVerdict[];
  tampered: TamperFinding[];
  /**
   * Version tags on a commit whose pointer records another version, and tags that register a version at a
   * second commit: never used as that version.
   */
  mismatched: MismatchedTag[];
  /** Versions registered without a pointer oid (by other tools): nothing to compare against. */
  unprotected: string[];
  signatures: SignatureCheck[] | null;
  /** One line per failure, for people. */
  problems: string[];
  notes: string[];
}

export interface MismatchedTag {
  id: string;
  tag: string;
  commit: string;
  message: string;
}

interface Target {
  id: string;
  version: VersionPointer;
}

export async function verify(options: VerifyOptions = {}): Promise<VerifyResult> {
  const repo = await openRepo(options.cwd ?? process.cwd());
  await requireInitialized(repo);
  const refs = options.refs ?? [];
  // The cache's listing, the tags and HEAD's pointers are read at once.
  const listing = refs.length ? undefined : settled(listAll(repo.cache));
  const atHead = settled(readHeadPointers(repo.git));
  const { records, purges: purgeRecords } = await readTagAndPurgeRecords(repo.git);
  const byArtifact = versionsFromRecords(records);
  const registered = [...byArtifact.values()].flatMap((m) => [...m.values()]);
  const purges = purgesById(purgeRecords);
  // A version registered at two commits is never read as either (VERSION_CONFLICT): each stray tag is reported.
  const mismatched: MismatchedTag[] = registered.flatMap((record) =>
    (record.conflicts ?? []).map((stray) => ({ id: pinnedId(record.artifact, record.version), tag: stray.tag, commit: stray.commit, message: conflictOf(record)!.message })),
  );
  const targets = refs.length ? await namedTargets(repo.git, repo.root, refs, (artifact) => artifactVersions(byArtifact, artifact)) : await allTargets(repo.git, registered, mismatched);
  // The committed pointers are compared with their tags while the cache is re-hashed; each target's
  // pointer was read from its version tag's commit already.
  const tagged = targets.flatMap((t) => (t.version.record ? [{ record: t.version.record, pointer: t.version }] : []));
  const tampering = settled(checkPointers(repo.git, tagged, { head: atHead }));
  const localPools = transferPools(resolveJobs(options.jobs, undefined, 'local'));
  const session: RemoteSession | undefined = options.remote !== undefined ? await openRemoteSession(repo, { remote: options.remote, env: options.env, cwd: options.cwd, jobs: options.jobs }) : undefined;
  try {
    const readManifest = async (oid: Oid) => (await readObjectBytes(repo.cache, oid)) ?? (await readQuarantined(repo.cache, oid)) ?? (session ? await readObjectBytes(session.store, oid) : undefined);
    const owned: OwnedObject[] = [];
    const notes: string[] = [];
    for (const target of targets) {
      const { objects, unlisted } = await versionObjects({ id: target.id, pointer: target.version.pointer, file: target.version.file }, readManifest);
      owned.push(...objects);
      if (unlisted.length && !purges.has(target.id)) notes.push(`No manifest found for ${unlisted.join(', ')}; the files of that folder were not checked.`);
    }
    const result: VerifyResult = {
      ok: true,
      cache: { location: repo.cache.location, checked: 0, corrupt: [], missing: [] },
      remote: null,
      versions: [],
      tampered: [],
      mismatched,
      unprotected: [],
      signatures: null,
      problems: [],
      notes,
    };

    // The cache: every object, or the named versions' objects.
    const inScope = listing ? await listing : [...new Set(owned.map((o) => o.oid))];
    const outcomes = await rehashCache(repo.cache, inScope, { jobs: localPools.localFiles, onObject: progress(options, inScope.length) });
    result.cache.checked = [...outcomes.values()].filter((o) => o !== 'missing').length;
    const corrupt = [...outcomes].filter(([, o]) => o === 'corrupt').map(([oid]) => oid);
    if (corrupt.length) {
      await withRepoLock(repo, 'moving corrupt objects aside', async () => {
        for (const oid of corrupt) {
          const users = owned.filter((o) => o.oid === oid);
          result.cache.corrupt.push({ oid, paths: users.map((o) => `${o.id}: ${o.path}`), ids: [...new Set(users.map((o) => o.id))], quarantined: (await quarantineObject(repo.cache, oid)) ?? null });
        }
      });
    }
    if (refs.length) result.cache.missing = owned.filter((o) => outcomes.get(o.oid) === 'missing' && !purges.has(o.id)).map(missingOf);
    else {
      // An object a version needs, found corrupt before (by this command), stays a problem until a good copy is back.
      const present = new Set(inScope);
      const needed = new Set(owned.filter((o) => !purges.has(o.id)).map((o) => o.oid));
      for (const [oid, file] of await quarantinedObjects(repo.cache)) {
        if (needed.has(oid) && !present.has(oid) && !result.cache.corrupt.some((c) => c.oid === oid)) result.problems.push(`quarantined: ${oid} was found corrupt (its bytes are in ${file}) and the cache has no good copy; \`mvr fetch\` brings one from a remote`);
      }
    }

    if (session) result.remote = await checkRemote(session, owned.filter((o) => !purges.has(o.id)), { rehash: Boolean(options.rehashRemote), spoolDir: repo.cache.tempDir });

    const tamper = await tampering;
    result.tampered = tamper.findings;
    result.unprotected = tamper.unprotected;
    if (options.signatures) {
      const artifacts = new Set(targets.map((t) => t.version.artifact));
      result.signatures = await checkSignatures(repo.git, records.filter((r) => !refs.length || artifacts.has(r.artifact)));
    }
    judge(result, targets, purges, { remote: Boolean(session), named: refs.length > 0 });
    return result;
  } finally {
    session?.store.close?.();
  }
}

async function namedTargets(git: Git, root: string, refs: string[], known: KnownVersions): Promise<Target[]> {
  const targets: Target[] = [];
  for (const ref of refs) {
    const version = await resolvePointer(git, root, ref, known);
    targets.push({ id: pinnedId(version.artifact, version.version), version });
  }
  return targets;
}

/**
 * Every registered version that has a pointer (versions registered by other tools have no objects), and
 * the version tags whose commit holds another version's pointer. The pointers are read in one `git
 * cat-file --batch`, not one process per version or per artifact.
 */
async function allTargets(git: Git, registered: VersionRecord[], mismatched: MismatchedTag[]): Promise<Target[]> {
  const reads = await readCommittedPointers(git, registered.map((r) => ({ name: r.artifact, commit: r.register.commit, hint: r.register.payload?.pointer?.path, version: r.version })));
  const targets: Target[] = [];
  registered.forEach((record, i) => {
    const read = reads[i]!;
    const id = pinnedId(record.artifact, record.version);
    if ('located' in read) targets.push({ id, version: { ...read.located, artifact: record.artifact, version: record.version, record } });
    else if ('error' in read) {
      if (read.error.code !== 'POINTER_MISMATCH') throw read.error;
      mismatched.push({ id, tag: record.register.tag, commit: record.register.commit, message: read.error.message });
    }
  });
  return targets;
}

/** A promise started ahead of its use: a rejection is handled where it is awaited, never reported as unhandled. */
function settled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

async function listAll(cache: { list(): AsyncIterable<Oid> }): Promise<Oid[]> {
  const oids: Oid[] = [];
  for await (const oid of cache.list()) oids.push(oid);
  return oids;
}

/**
 * Whether the remote holds each object, whole or as chunks (a recipe); with `rehash`, every whole object
 * is downloaded and hashed, and every recipe read, its sources checked, and its chunks read and hashed as
 * the file they make.
 */
async function checkRemote(session: RemoteSession, owned: OwnedObject[], options: { rehash: boolean; spoolDir: string }): Promise<NonNullable<VerifyResult['remote']>> {
  const { store, pools } = session;
  const oids = [...new Set(owned.map((o) => o.oid))];
  const sizes = new Map(owned.flatMap((o) => (o.size === undefined ? [] : [[o.oid, o.size] as const])));
  const status = await remoteStatus(store, oids, { jobs: pools.checks, policy: session.policy });
  const missing = new Map<Oid, string | undefined>(status.missing.map((oid) => [oid, undefined]));
  const corrupt = new Map<Oid, string | undefined>();
  const chunks = store.chunks?.({ spoolDir: options.spoolDir });
  const withRecipe = new Set<Oid>();
  const checks = pLimit(pools.checks);
  if (chunks) {
    const ask = options.rehash ? oids : status.missing;
    await Promise.all(ask.map((oid) => checks(async () => {
      if (!(await chunks.hasRecipe(oid))) return;
      withRecipe.add(oid);
      missing.delete(oid);
    })));
  }
  const removed = new Set<Oid>();
  if (options.rehash) {
    const limit = pLimit(pools.requests);
    await Promise.all([...status.present].map((oid) => limit(async () => {
      const outcome = await rehashRemote(store, oid, sizes.get(oid) ?? MAX_MANIFEST_BYTES);
      if (outcome === 'corrupt') {
        corrupt.set(oid, undefined);
        // Useless to every reader, and in the way of a good copy: a push sends only what the remote lacks.
        if (await store.delete(oid).then(() => true, () => false)) removed.add(oid);
      }
      if (outcome === 'missing' && !withRecipe.has(oid)) missing.set(oid, undefined);
    })));
    // Recipes one at a time: each is read through the command's request slots already.
    if (chunks) for (const oid of withRecipe) await checkChunked(chunks, oid, { missing, corrupt });
  }
  const pick = (map: Map<Oid, string | undefined>) => owned.filter((o) => map.has(o.oid)).map((o) => ({ ...missingOf(o), ...(map.get(o.oid) ? { reason: map.get(o.oid)! } : {}) }));
  const corrupted = pick(corrupt).map((o) => (removed.has(o.oid) ? { ...o, removed: true } : o));
  return { remote: session.remote.display, ...(session.remote.name ? { name: session.remote.name } : {}), checked: oids.length, rehashed: options.rehash, missing: pick(missing), corrupt: corrupted, chunked: withRecipe.size };
}

async function checkChunked(chunks: ChunkStore, oid: Oid, found: { missing: Map<Oid, string | undefined>; corrupt: Map<Oid, string | undefined> }): Promise<void> {
  let recipe;
  try {
    const bytes = await chunks.getRecipe(oid, MAX_RECIPE_BYTES);
    if (!bytes) return;
    recipe = parseRecipe(bytes, oid, `${oid} on ${chunks.location}`);
  } catch (error) {
    if (error instanceof MvError && error.code === 'INVALID_RECIPE') {
      found.corrupt.set(oid, `its recipe is damaged: ${error.message}`);
      return;
    }
    throw error;
  }
  const check = await checkRecipeContent(chunks, recipe);
  if (check.outcome === 'missing') found.missing.set(oid, `its recipe names ${check.sources.length} pack(s) or object(s) that are gone`);
  if (check.outcome === 'corrupt') found.corrupt.set(oid, check.reason);
}

function missingOf(o: OwnedObject): MissingObject {
  return { oid: o.oid, path: o.path, role: o.role, id: o.id };
}

function judge(result: VerifyResult, targets: Target[], purges: Map<string, PurgeRecord[]>, scope: { remote: boolean; named: boolean }): void {
  const bad = (id: string, status: VersionVerdict['status'], verdicts: Map<string, VersionVerdict['status']>) => {
    if (verdicts.get(id) === 'ok') verdicts.set(id, status);
  };
  const verdicts = new Map<string, VersionVerdict['status']>(targets.map((t) => [t.id, 'ok']));
  for (const c of result.cache.corrupt) {
    result.problems.push(`corrupt: ${c.oid}${c.paths.length ? ` (${c.paths.join(', ')})` : ''}, moved to ${c.quarantined ?? '(already gone)'}`);
    for (const id of c.ids) bad(id, 'corrupt', verdicts);
  }
  // Missing from the cache fails a named version only for its own files, and only when no remote is checked:
  // lineage objects are fetched on request, and with -r the remote is what is being verified.
  const missingFiles = scope.named && !scope.remote ? result.cache.missing.filter((m) => m.role === 'file') : [];
  for (const m of missingFiles) {
    result.problems.push(`missing from the cache: ${m.id} ${m.path} (${m.oid})`);
    bad(m.id, 'incomplete', verdicts);
  }
  const lineageMissing = result.cache.missing.length - missingFiles.length;
  if (scope.named && lineageMissing > 0) result.notes.push(`${lineageMissing} object(s) are not in the cache (${scope.remote ? 'checked on the remote instead' : 'lineage: data, pipeline, params; `mvr fetch --lineage` brings them'}).`);
  for (const m of result.remote?.missing ?? []) {
    result.problems.push(`missing on ${result.remote!.remote}: ${m.id} ${m.path} (${m.oid})${m.reason ? `: ${m.reason}` : ''}`);
    bad(m.id, 'incomplete', verdicts);
  }
  for (const m of result.remote?.corrupt ?? []) {
    result.problems.push(`corrupt on ${result.remote!.remote}: ${m.id} ${m.path} (${m.oid})${m.reason ? `: ${m.reason}` : ''}${m.removed ? ', removed from it' : ''}`);
    bad(m.id, 'corrupt', verdicts);
  }
  const repair = [...new Set([...(result.remote?.missing ?? []), ...(result.remote?.corrupt ?? [])].map((m) => m.id))];
  if (repair.length) result.notes.push(`To repair the remote, push from a clone whose cache holds good copies (\`mvr verify\` there re-hashes them): mvr push ${repair.join(' ')} -r ${result.remote!.name ?? '<remote>'} --recheck`);
  for (const t of result.tampered) {
    result.problems.push(`tampered: ${t.path} ${t.where === 'tag' ? `in ${t.tag}'s commit` : 'at HEAD'} ${t.actual ? `hashes to ${t.actual}` : 'is gone'}, but ${t.tag} recorded ${t.recorded}`);
    verdicts.set(t.id, 'tampered');
  }
  const atHead = [...new Set(result.tampered.filter((t) => t.where === 'HEAD').map((t) => t.tag))];
  if (atHead.length) result.notes.push(`A pointer at HEAD that its tag here did not register was edited by hand, or comes from another clone that registered the same version first (then \`git fetch --tags\` says "would clobber existing tag" for ${atHead.join(', ')}): this clone's tag lost the race and was never published; docs/registry.md, "Two clones, one version number", says how to take the team's and add the work again.`);
  for (const m of result.mismatched) {
    result.problems.push(`mismatched: ${m.message}`);
    if (verdicts.has(m.id)) verdicts.set(m.id, 'tampered');
  }
  for (const s of result.signatures ?? []) if (s.status === 'bad') result.problems.push(`bad signature: ${s.tag} (${s.detail ?? 'does not match'})`);
  for (const [id, status] of verdicts) {
    const purge = purges.get(id)?.at(-1);
    if (purge && status === 'ok') {
      result.versions.push({ id, status: 'purged', purged: { tag: purge.tag, by: purge.by, at: purge.at, ...(purge.reason ? { reason: purge.reason } : {}) } });
    } else result.versions.push({ id, status });
  }
  result.ok = result.problems.length === 0;
}

function progress(options: VerifyOptions, total: number): (() => void) | undefined {
  if (!options.onProgress) return undefined;
  let done = 0;
  return () => options.onProgress!(++done, total);
}

/**
 * `mv add`: the end-of-training step. Hash and cache the artifact (and its data and pipeline), write the
 * pointer, commit only the pointer and .gitignore changes, and tag the version.
 *
 * Atomicity: the commit is built with plumbing on a temporary index, then the version tag is created
 * (refusing to overwrite), then HEAD is moved with a compare-and-swap. If any step fails, the steps
 * before it are undone and the pointer and .gitignore files are restored; cache objects that were
 * stored stay (they are content-addressed, harmless, and reclaimed by `mv gc`).
 */
import { posix, resolve as resolvePath } from 'node:path';
import { MvError, UsageError } from '../errors.js';
import { hashBuffer } from '../cache/hash.js';
import { StatCache } from '../cache/stat-cache.js';
import { checkArtifactName, checkArtifactType, type ArtifactType } from '../names.js';
import { absolutePath, checkNoLinkedFolders, joinRepoPath, relativeFromFolder, toRepoPath } from '../paths.js';
import { POINTER_SUFFIX, pointerFolder, serializePointer, type DataEntry, type PathEntry, type Pointer } from '../pointer/pointer.js';
import { findWorkspacePointer, readCommittedPointer, trackedPointerFiles } from '../pointer/locate.js';
import { formatTagMessage, PAYLOAD_SCHEMA } from '../registry/tag-message.js';
import { registerTag } from '../registry/tag-name.js';
import { pinnedId } from '../registry/ref.js';
import { versionTags } from '../registry/versions.js';
import { openRepo, requireHeadCommit, requireInitialized, type Repo } from '../repo.js';
import { withRepoLock } from '../lock.js';
import { classifyChange, type ChangeSummary } from '../version/change.js';
import { bumpedVersion, checkRequestedVersion, parseVersionArgument, type BumpRequest, type VersionPlan } from '../version/version-policy.js';
import { captureEnvironment } from '../workspace/environment.js';
import { FileEdits, recoverInterruptedEdits } from '../workspace/file-edits.js';
import { ignorePaths } from '../workspace/gitignore.js';
import { checkNoOverlap, checkNotTracked, checkNotVersionedElsewhere, checkPointerWritable, existsInRepo, requireStored, untracked, type PathArg } from '../workspace/add-checks.js';
import { isUri, parseParamPairs, pinArtifactRef, readMapping, readSignature } from '../workspace/lineage-inputs.js';
import { checkReadableLink, snapshotPath, type Progress, type Snapshot } from '../workspace/snapshot.js';
import { statCacheFile } from '../workspace/state-files.js';

export interface AddOptions {
  cwd?: string;
  name: string;
  paths: string[];
  type?: string;
  data?: string[];
  pipeline?: string[];
  paramsFile?: string;
  params?: string[];
  metricsFile?: string;
  signatureFile?: string;
  parent?: string;
  version?: string;
  bump?: BumpRequest;
  message?: string;
  allowDirty?: boolean;
  /** The Python interpreter the training ran with (its version is recorded); default `add.python`, else found. */
  python?: string;
  onProgress?: Progress;
  signal?: AbortSignal;
  /** Clock for the `created` field (tests). */
  now?: () => Date;
}

export interface AddResult {
  artifact: string;
  version: string;
  /** The pinned id, `name@vX.Y.Z`. */
  id: string;
  /** False when nothing changed since the previous version, so no version was created. */
  created: boolean;
  tag: string;
  commit: string;
  pointer: { path: string; oid: string };
  versionReason: string;
  change?: ChangeSummary;
  previous?: string;
  files: PathEntry[];
  warnings: string[];
}

export async function add(options: AddOptions): Promise<AddResult> {
  const cwd = options.cwd ?? process.cwd();
  const repo = await openRepo(cwd);
  await requireInitialized(repo);
  const recovered = await withRepoLock(repo, 'recovering an interrupted mv add', () => recoverInterruptedEdits(repo.root, repo.stateDir, repo.git));
  const head = await requireHeadCommit(repo);
  const name = checkArtifactName(options.name);
  const type: ArtifactType = checkArtifactType(options.type ?? 'model');
  if (options.version !== undefined && options.bump !== undefined) throw new UsageError('Give either --version or --bump, not both.');
  const requestedVersion = options.version === undefined ? undefined : parseVersionArgument(options.version);
  if (options.paths.length === 0) throw new UsageError('Name at least one file or folder to add.', `Example: mv add ${name} models/${name}/model.pt`);

  const warnings: string[] = [];
  if (recovered.length) warnings.push(`an earlier mv add was interrupted; rolled back ${recovered.join(', ')}.`);
  const artifactPaths = options.paths.map((input) => ({ input, repoPath: toRepoPath(repo.root, cwd, input) }));
  const dataArgs = options.data ?? [];
  const dataPaths: PathArg[] = [];
  const otherData: DataEntry[] = [];
  for (const input of dataArgs) {
    if (isUri(input)) otherData.push({ uri: input });
    else if (await existsInRepo(cwd, input)) dataPaths.push({ input, repoPath: toRepoPath(repo.root, cwd, input) });
    else if (input.includes('@')) otherData.push({ artifact: await pinArtifactRef(repo.git, input, '--data') });
    else throw new MvError('PATH_MISSING', `--data ${input}: no such file or folder.`, { hint: 'Give a path, a URI (s3://…, https://…) or a pinned artifact (name@vX.Y.Z).' });
  }
  const pipelinePaths = (options.pipeline ?? []).map((input) => ({ input, repoPath: toRepoPath(repo.root, cwd, input) }));
  checkNoOverlap([...artifactPaths, ...dataPaths]);
  for (const p of [...artifactPaths, ...dataPaths, ...pipelinePaths]) await checkNoLinkedFolders(repo.root, p.repoPath, p.input);

  // Independent git questions, asked at once.
  const [pointerFiles, changedFiles] = await Promise.all([trackedPointerFiles(repo.git), repo.git.changedTrackedFiles(), checkNotTracked(repo, artifactPaths)]);
  await checkNotVersionedElsewhere(repo, name, artifactPaths, pointerFiles);
  // Files whose content the version itself records (hashed and cached, or copied into the pointer) stay
  // reproducible when uncommitted; any other uncommitted change to tracked code does not.
  const recorded = [...dataPaths, ...pipelinePaths].map((p) => p.repoPath.replace(/\/$/, ''));
  for (const file of [options.paramsFile, options.metricsFile, options.signatureFile]) if (file) recorded.push(toRepoPath(repo.root, cwd, file));
  const dirtyFiles = changedFiles.filter((f) => !recorded.some((r) => f === r || f.startsWith(`${r}/`)));
  if (dirtyFiles.length > 0 && !options.allowDirty) {
    const shown = dirtyFiles.slice(0, 5).join(', ') + (dirtyFiles.length > 5 ? `, and ${dirtyFiles.length - 5} more` : '');
    throw new MvError('DIRTY_WORKTREE', `Tracked files have uncommitted changes (${shown}), so this version's code could not be reproduced.`, {
      hint: 'Commit (or stash) them first, or pass --allow-dirty to record the version as trained from dirty code.',
      details: { files: dirtyFiles },
    });
  }

  if (dataArgs.length === 0 && pipelinePaths.length === 0) {
    const policy = repo.config.add.require_lineage;
    const problem = `${name} is added without --data or --pipeline: the version will not record what it was trained on, so it cannot be reproduced`;
    if (policy === 'error') {
      throw new MvError('LINEAGE_REQUIRED', `${problem}.`, {
        hint: 'Pass --data <dataset path, URI or artifact ref> and --pipeline <preprocessing code> (add.require_lineage is "error" in .mv/config.yaml).',
      });
    }
    if (policy === 'warn') warnings.push(`${problem} (pass --data and --pipeline).`);
  }

  // Small inputs, read before any hashing so a typo fails fast; never through a link leading outside.
  const smallInput = async (input: string) => {
    const repoPath = toRepoPath(repo.root, cwd, input);
    await checkNoLinkedFolders(repo.root, repoPath, input);
    await checkReadableLink(repo, repoPath);
    return absolutePath(repo.root, repoPath);
  };
  const fileParams = options.paramsFile ? await readMapping(await smallInput(options.paramsFile), 'params file', options.paramsFile) : {};
  const params = { ...fileParams, ...parseParamPairs(options.params ?? []) };
  const metrics = options.metricsFile ? await readMapping(await smallInput(options.metricsFile), 'metrics file', options.metricsFile) : undefined;
  const signature = options.signatureFile ? await readSignature(await smallInput(options.signatureFile), options.signatureFile) : undefined;
  const parent = options.parent ? await pinArtifactRef(repo.git, options.parent, '--parent') : undefined;

  const existingPointer = await findWorkspacePointer(repo.git, repo.root, name, pointerFiles);
  const pointerFile = existingPointer?.file ?? defaultPointerFile(name, artifactPaths.map((p) => p.repoPath));
  const folder = pointerFolder(pointerFile);
  for (const p of [...artifactPaths, ...dataPaths]) {
    const dir = p.repoPath.replace(/\/$/, '');
    if (pointerFile.startsWith(`${dir}/`)) {
      throw new MvError('INVALID_PATH', `${p.input} contains the pointer file ${pointerFile}.`, { hint: 'Move the pointer out of the artifact folder, or add the files inside it.' });
    }
  }

  // The environment is probed (python, GPUs, lockfiles) while the files are hashed.
  // --python is relative to the current directory, add.python to the repository; a bare name is looked up on PATH.
  const interpreter = (value: string | undefined, base: string) => (value === undefined || !value.includes('/') ? value : resolvePath(base, value));
  const python = options.python !== undefined ? interpreter(options.python, cwd) : interpreter(repo.config.add.python, repo.root);
  const environment = captureEnvironment(repo.root, folder, { python });
  environment.catch(() => undefined);
  // Hash and store everything: the artifact, its data, pipeline and params file.
  const stats = await StatCache.load(statCacheFile(repo));
  const ctx = { root: repo.root, cache: repo.cache, stats, store: true, ...(options.onProgress ? { onProgress: options.onProgress } : {}), ...(options.signal ? { signal: options.signal } : {}) };
  let files: PathEntry[];
  let data: DataEntry[];
  let pipeline: PathEntry[];
  let paramsFileEntry: Pointer['lineage']['params_file'];
  try {
    // With a linking cache type, the artifact's own files become the cache objects (data and code are copied).
    // …except for root: the read-only bit does not stop root from writing into a linked file, which would
    // change the only copy of the version's bytes. Root's files are copied; `mv checkout` links them once a
    // remote holds them.
    let linkType = repo.config.cache.type;
    if (linkType !== 'copy' && process.getuid?.() === 0) {
      warnings.push(`cache.type is ${linkType}, but mv runs as root, which file permissions do not stop: the files were copied into the cache rather than linked, so an edit in place cannot change the version. \`mv checkout\` links them once a remote holds them.`);
      linkType = 'copy';
    }
    files = await snapshotAll(artifactPaths, linkType === 'copy' ? ctx : { ...ctx, link: linkType }, folder);
    data = [...(await snapshotAll(dataPaths, ctx, folder)), ...otherData];
    pipeline = await snapshotAll(pipelinePaths, ctx, folder);
    if (options.paramsFile) {
      const [entry] = await snapshotAll([{ input: options.paramsFile, repoPath: toRepoPath(repo.root, cwd, options.paramsFile) }], ctx, folder);
      paramsFileEntry = { path: entry!.path, oid: entry!.oid };
    }
  } finally {
    await stats.save();
  }
  options.signal?.throwIfAborted();

  const branch = await repo.git.currentBranch();
  if (!branch) warnings.push('HEAD is detached: the commit recording this version will be reachable only through its tag (create a branch with `git switch -c <name>` to keep it on one).');
  const draft: Pointer = {
    mv: 1,
    name,
    type,
    version: '0.0.0',
    ...(options.message ? { description: options.message } : {}),
    files,
    lineage: {
      code: { commit: head, ...(branch ? { branch } : {}), dirty: dirtyFiles.length > 0 },
      ...(data.length ? { data } : {}),
      ...(pipeline.length ? { pipeline } : {}),
      ...(Object.keys(params).length ? { params } : {}),
      ...(paramsFileEntry ? { params_file: paramsFileEntry } : {}),
      ...(parent ? { parent } : {}),
    },
    ...(signature !== undefined ? { signature } : {}),
    ...(metrics ? { metrics } : {}),
    created: (options.now?.() ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
  checkPointerWritable(draft, pointerFile);
  // Keys a user or newer tool added to the pointer survive the rewrite.
  if (existingPointer) {
    for (const [key, value] of Object.entries(existingPointer.pointer)) if (!(key in draft) && !KNOWN_TOP_KEYS.has(key)) draft[key] = value;
  }

  // Deciding the number and writing, committing and tagging happen under the repository lock, so two
  // concurrent adds are serialized here (hashing above runs in parallel).
  return withRepoLock(repo, `adding ${name}`, () => registerVersion({ repo, name, draft, folder, pointerFile, files, data, dataPaths, requestedVersion, options, warnings, environment }));
}

interface RegisterInput {
  repo: Repo;
  name: string;
  draft: Pointer;
  folder: string;
  pointerFile: string;
  files: PathEntry[];
  data: DataEntry[];
  dataPaths: PathArg[];
  requestedVersion: string | undefined;
  options: AddOptions;
  warnings: string[];
  environment: Promise<Pointer['environment']>;
}

async function registerVersion(input: RegisterInput): Promise<AddResult> {
  const { repo, name, draft, folder, pointerFile, files, data, dataPaths, requestedVersion, options, warnings } = input;
  const head = await requireHeadCommit(repo);
  const { taken, registered, deprecated } = await versionTags(repo.git, name);
  if (deprecated) warnings.push(`${name} is deprecated (tag ${name}@deprecated); the new version is registered all the same.`);
  const previousRecord = registered[0];
  const previous = previousRecord
    ? await readCommittedPointer(repo.git, previousRecord.register.commit, name, previousRecord.register.payload?.pointer?.path, previousRecord.version).catch((error: unknown) => {
        // A tag on another version's pointer says nothing about what changed since.
        if (!(error instanceof MvError && error.code === 'POINTER_MISMATCH')) throw error;
        warnings.push(error.message);
        return undefined;
      })
    : undefined;
  let change: ChangeSummary | undefined;
  let plan: VersionPlan;
  if (requestedVersion !== undefined) plan = checkRequestedVersion(requestedVersion, taken, name);
  else if (options.bump && options.bump !== 'auto') plan = bumpedVersion(options.bump, taken, 'as requested');
  else if (!previous) plan = bumpedVersion('minor', taken, previousRecord ? 'previous version has no pointer' : 'first version');
  else {
    // An omitted --signature means "not given this time", not "the signature went away".
    const inheritsSignature = draft.signature === undefined && previous.pointer.signature !== undefined;
    if (inheritsSignature) warnings.push(`no --signature given; ${pinnedId(name, previousRecord!.version)} recorded one, this version records none.`);
    change = classifyChange(previous.pointer, inheritsSignature ? { ...draft, signature: previous.pointer.signature } : draft);
    if (change.level === 'none') {
      return {
        artifact: name,
        version: previousRecord!.version,
        id: pinnedId(name, previousRecord!.version),
        created: false,
        tag: previousRecord!.register.tag,
        commit: previousRecord!.register.commit,
        pointer: { path: previous.file, oid: hashBuffer(previous.content) },
        versionReason: 'nothing changed since the previous version',
        change,
        previous: pinnedId(name, previousRecord!.version),
        files,
        warnings,
      };
    }
    plan = bumpedVersion(change.level, taken, change.reasons.join(', '));
  }
  const pointer: Pointer = { ...draft, version: plan.version, environment: await input.environment };
  await requireStored(repo, pointer);
  const content = serializePointer(pointer);
  const pointerOid = hashBuffer(content);
  const id = pinnedId(name, plan.version);
  options.signal?.throwIfAborted();

  // From here on: write, commit, tag, move HEAD; undo on any failure.
  const edits = new FileEdits(repo.root, { stateDir: repo.stateDir });
  const tagName = registerTag(name, plan.version);
  let tagObject: string | undefined;
  try {
    await edits.write(pointerFile, content);
    const untrackedData = new Set((await untracked(repo, dataPaths)).map((p) => p.repoPath));
    const ignoreTargets = [
      ...files.map((f) => joinRepoPath(folder, f.path)),
      ...dataPaths.map((p, i) => ({ p, entry: data[i] as PathEntry })).filter(({ p }) => untrackedData.has(p.repoPath)).map(({ entry }) => joinRepoPath(folder, entry.path)),
    ];
    await ignorePaths(repo.git, edits, ignoreTargets);
    const summary = `Register ${id}${options.message ? `: ${options.message}` : ''}`;
    const commit = await repo.git.commitPaths({ parent: head, paths: edits.paths, message: `${summary}\n` });
    await edits.record({ head, commit, tag: tagName });
    tagObject = await repo.git.createAnnotatedTag({
      name: tagName,
      target: commit,
      message: formatTagMessage(summary, {
        mv: PAYLOAD_SCHEMA,
        event: 'register',
        artifact: name,
        version: plan.version,
        pointer: { path: pointerFile, oid: pointerOid },
        ...(options.message ? { reason: options.message } : {}),
      }),
    });
    try {
      await repo.git.updateRef('HEAD', commit, head, `mv add ${id}`);
    } catch (error) {
      throw new MvError('HEAD_MOVED', `The branch moved while ${id} was being added (another commit landed first).`, {
        hint: 'Nothing was changed; run the same `mv add` again.',
        cause: error,
      });
    }
    try {
      await repo.git.stage(edits.paths);
    } catch (error) {
      // The index could not take the new pointer (a full disk): the version is undone as a whole.
      await repo.git.updateRef('HEAD', head, commit, `mv add ${id}: undone`);
      throw error;
    }
    await edits.finish();
    return {
      artifact: name,
      version: plan.version,
      id,
      created: true,
      tag: tagName,
      commit,
      pointer: { path: pointerFile, oid: pointerOid },
      versionReason: plan.reason,
      ...(change ? { change } : {}),
      ...(previousRecord ? { previous: pinnedId(name, previousRecord.version) } : {}),
      files,
      warnings,
    };
  } catch (error) {
    if (tagObject) await repo.git.deleteRef(`refs/tags/${tagName}`, tagObject).catch(() => undefined);
    await edits.undo();
    throw error;
  }
}




const KNOWN_TOP_KEYS = new Set(['mv', 'name', 'type', 'version', 'description', 'files', 'lineage', 'signature', 'metrics', 'environment', 'created']);


/** The pointer goes in the deepest folder holding all the artifact's paths: `models/churn.mv.yaml` for `models/churn/`. */
export function defaultPointerFile(name: string, repoPaths: string[]): string {
  const parents = repoPaths.map((p) => posix.dirname(p.replace(/\/$/, '')).split('/').filter((s) => s !== '.'));
  let common = parents[0] ?? [];
  for (const parts of parents.slice(1)) {
    let i = 0;
    while (i < common.length && i < parts.length && common[i] === parts[i]) i++;
    common = common.slice(0, i);
  }
  return [...common, `${name}${POINTER_SUFFIX}`].join('/');
}




async function snapshotAll(paths: PathArg[], ctx: Parameters<typeof snapshotPath>[1], folder: string): Promise<PathEntry[]> {
  const entries: PathEntry[] = [];
  for (const p of paths) entries.push(entryFor(await snapshotPath(p.repoPath, ctx), folder));
  return entries;
}

function entryFor(snapshot: Snapshot, folder: string): PathEntry {
  if (snapshot.kind === 'dir' && snapshot.nfiles === 0) {
    throw new MvError('EMPTY_FOLDER', `${snapshot.repoPath} has no files; empty folders are not versioned.`, { hint: 'Add the folder once it holds the files, or leave it out.' });
  }
  const path = relativeFromFolder(folder, snapshot.repoPath);
  if (joinRepoPath(folder, path) !== snapshot.repoPath) throw new Error(`path round trip failed for ${snapshot.repoPath}`);
  return snapshot.kind === 'dir'
    ? { path, oid: snapshot.oid, size: snapshot.size, nfiles: snapshot.nfiles }
    : { path, oid: snapshot.oid, size: snapshot.size };
}

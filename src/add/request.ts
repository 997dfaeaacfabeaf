/**
 * What `mv add` is asked to record: read from the command line and, for everything the command line does
 * not say, from the artifact's committed pointer. `mv add churn` with no paths versions the same files,
 * data, pipeline, params, metrics and signature as before; each flag replaces its part alone. Paths and
 * names are checked, the work tree's state is read (uncommitted code), and the small inputs (params,
 * metrics, signature) are read before anything is hashed, so a typo fails fast. Nothing is written here.
 */
import { posix } from 'node:path';
import { MvError, UsageError } from '../errors.js';
import { checkArtifactName, checkArtifactType, type ArtifactType } from '../names.js';
import { absolutePath, atOrUnder, checkNoLinkedFolders, joinRepoPath, toRepoPath, typedPath } from '../paths.js';
import { displayPath, shellQuote } from '../display-text.js';
import { findWorkspacePointer, pointerFilesAmong, type LocatedPointer } from '../pointer/locate.js';
import { POINTER_SUFFIX, pointerFolder, type DataEntry, type Pointer } from '../pointer/pointer.js';
import type { Repo } from '../repo.js';
import { parseStructured } from '../structured-file.js';
import { parseVersionArgument, type BumpRequest } from '../version/version-policy.js';
import { namedParts } from '../workspace/named-parts.js';
import { checkNoOverlap, checkNotTracked, checkNotVersionedElsewhere, checkPathsExist, existsInRepo, filesAt, type PathArg } from '../workspace/add-checks.js';
import { isUri, parseParamPairs, pinArtifactRef, readMapping, readSignature } from '../workspace/lineage-inputs.js';
import { checkReadableLink } from '../workspace/snapshot.js';
import { checkDropsNamed, dropsData, dropsPart, dropsPath, parseDrop, PARTS, type Drop, type Part } from '../version/dropped.js';

export interface AddFlags {
  name: string;
  /** Files and folders of the artifact; none: those of the committed pointer. */
  paths: string[];
  type?: string | undefined;
  data?: string[] | undefined;
  pipeline?: string[] | undefined;
  paramsFile?: string | undefined;
  params?: string[] | undefined;
  metricsFile?: string | undefined;
  signatureFile?: string | undefined;
  parent?: string | undefined;
  version?: string | undefined;
  bump?: BumpRequest | undefined;
  message?: string | undefined;
  allowDirty?: boolean | undefined;
  /** Files, data, pipeline entries (or `metrics`, `signature`, `params`) the previous version had and this one leaves out on purpose. */
  drop?: string[] | undefined;
}

export interface AddRequest {
  name: string;
  type: ArtifactType;
  message: string | undefined;
  head: string;
  /** The checked-out branch; undefined when HEAD is detached. */
  branch: string | undefined;
  /** Tracked files with uncommitted changes that the version does not record itself. */
  dirtyFiles: string[];
  pointerFile: string;
  /** The pointer file's folder, which the pointer's paths are relative to. */
  folder: string;
  /** The artifact's committed pointer in the work tree, whose paths and lineage are the defaults. */
  current: LocatedPointer | undefined;
  /** `git status` found the work tree's pointer file as committed at `head` (no staged or unstaged change). */
  currentAsCommitted: boolean;
  artifactPaths: PathArg[];
  dataPaths: PathArg[];
  /** Data recorded without hashing: URIs and pinned artifact refs. */
  otherData: DataEntry[];
  pipelinePaths: PathArg[];
  params: Record<string, unknown>;
  paramsFile: PathArg | undefined;
  metrics: Record<string, unknown> | undefined;
  metricsFile: PathArg | undefined;
  signature: unknown;
  signatureFile: PathArg | undefined;
  parent: string | undefined;
  version: string | undefined;
  bump: BumpRequest | undefined;
  drops: Drop[];
  /** What was taken from the committed pointer because the command line did not say. */
  inherited: string[];
  /** Keys of the committed pointer this mv does not know, kept on rewrite. */
  extraKeys: Record<string, unknown>;
  warnings: string[];
}

/** Keys the pointer format defines; any other top-level key of an existing pointer is carried over. */
const POINTER_KEYS = new Set<string>(['mv', 'name', 'type', 'version', 'description', 'files', 'lineage', 'signature', 'signature_file', 'metrics', 'metrics_file', 'environment', 'created']);

/** The paths, or undefined when one of them is refused (the caller reports that where it checks paths). */
function repoPathsOrUndefined(convert: () => PathArg[]): PathArg[] | undefined {
  try {
    return convert();
  } catch {
    return undefined;
  }
}

export async function readAddRequest(repo: Repo, cwd: string, flags: AddFlags): Promise<AddRequest> {
  const name = checkArtifactName(flags.name);
  if (flags.version !== undefined && flags.bump !== undefined) throw new UsageError('Give either --version or --bump, not both.');
  const version = flags.version === undefined ? undefined : parseVersionArgument(flags.version);
  const arg = (input: string): PathArg => ({ input, repoPath: toRepoPath(repo.root, cwd, input) });
  // Paths from the committed pointer are shown as they are written there, relative to the repository.
  const recorded = (folder: string, path: string): PathArg => ({ input: joinRepoPath(folder, path), repoPath: joinRepoPath(folder, path), recorded: true });

  // Whether git tracks the artifact paths given is asked in the same listing as the pointer files, while
  // the work tree is read.
  const given = flags.paths.length ? repoPathsOrUndefined(() => flags.paths.map(arg)) : undefined;
  const listed = repo.git.trackedFilesMatching(`**/*${POINTER_SUFFIX}`, given?.map((p) => p.repoPath.replace(/\/$/, '')));
  const givenTracked = given ? listed.then((files) => filesAt(files, given)) : undefined;
  givenTracked?.catch(() => undefined);
  const [pointerFiles, { changed: changedFiles, head, branch }] = await Promise.all([listed.then(pointerFilesAmong), repo.git.workTreeState()]);
  if (!head) {
    throw new MvError('NO_COMMITS', `The repository ${repo.root} has no commits yet.`, {
      hint: 'Commit your training code first (`git add … && git commit -m "…"`): each version records the commit it was trained from.',
    });
  }
  const current = await findWorkspacePointer(repo.git, repo.root, name, pointerFiles);
  const before = current?.pointer;
  const beforeFolder = current ? pointerFolder(current.file) : '';
  const inherited: string[] = [];
  const inherit = <T>(given: T | undefined, fallback: T | undefined, what: string): T | undefined => {
    if (given !== undefined || fallback === undefined) return given;
    inherited.push(what);
    return fallback;
  };

  if (flags.paths.length === 0 && !before) {
    throw new UsageError(`Name the files and folders of ${name}: it has no committed pointer to take them from.`, `Example: mvr add ${name} models/${name}/model.pt models/${name}/tokenizer/ --data data/train --pipeline src/preprocess.py`);
  }
  // What `--drop` names is not carried over from the committed pointer. The file the current version read
  // its params, metrics or signature from, named by its path, drops that part with it.
  const partFile = { params: before?.lineage.params_file?.path, metrics: before?.metrics_file, signature: before?.signature_file };
  /** The repository path of the file each part was read from, if it was. */
  const partPath = (part: Part) => (partFile[part] === undefined ? undefined : joinRepoPath(beforeFolder, partFile[part]));
  const named = (flags.drop ?? []).map((text) => parseDrop(text, (path) => toRepoPath(repo.root, cwd, path)));
  // Checked again when the version is planned; here too, so that a mistyped --drop fails before any hashing.
  if (current) checkDropsNamed(named, current, { name, typed: (path) => typedPath(repo.root, cwd, path) });
  const partsByPath = PARTS.filter((part) => {
    const path = partPath(part);
    return path !== undefined && dropsPath(named, path) && !dropsPart(named, part);
  });
  const drops: Drop[] = [...named, ...partsByPath.map((part) => ({ kind: 'part' as const, part }))];
  const kept = (entries: Array<{ path: string }> | undefined) => entries?.map((e) => recorded(beforeFolder, e.path)).filter((p) => !dropsPath(drops, p.repoPath));
  // Paths refused earlier (given undefined) are converted again here, where their error is reported in its turn.
  const artifactPaths = flags.paths.length ? (given ?? flags.paths.map(arg)) : kept(before!.files)!;
  if (artifactPaths.length === 0) {
    throw new UsageError(`Every file of ${name} would be left out: a version has at least one file.`, `Name the files of the new version (\`mvr add ${name} <path>…\`), or drop fewer.`);
  }
  if (!flags.paths.length) inherited.push('files');

  const dataPaths: PathArg[] = [];
  const otherData: DataEntry[] = [];
  if (flags.data?.length) {
    for (const input of flags.data) {
      if (isUri(input)) otherData.push({ uri: input });
      else if (await existsInRepo(cwd, input)) dataPaths.push(arg(input));
      else if (input.includes('@')) otherData.push({ artifact: await pinArtifactRef(repo.git, input, '--data') });
      else throw new MvError('PATH_MISSING', `--data ${input}: no such file or folder.`, { hint: 'Give a path, a URI (s3://…, https://…) or a pinned artifact (name@vX.Y.Z).' });
    }
  } else {
    for (const entry of before?.lineage.data ?? []) {
      if (dropsData(drops, entry, beforeFolder)) continue;
      if ('path' in entry && typeof entry.path === 'string') dataPaths.push(recorded(beforeFolder, entry.path));
      else otherData.push(entry);
    }
    if (dataPaths.length || otherData.length) inherited.push('data');
  }
  const keptPipeline = kept(before?.lineage.pipeline);
  const pipelinePaths = flags.pipeline?.length ? flags.pipeline.map(arg) : (inherit(undefined, keptPipeline?.length ? keptPipeline : undefined, 'pipeline') ?? []);
  await checkPathsExist(repo.root, cwd, name, [...artifactPaths, ...dataPaths, ...pipelinePaths]);
  checkNoOverlap([...artifactPaths, ...dataPaths]);
  for (const p of [...artifactPaths, ...dataPaths, ...pipelinePaths]) await checkNoLinkedFolders(repo.root, p.repoPath, p.input);
  await checkNotTracked(repo, artifactPaths, givenTracked, { name, pointerFile: current?.file });
  await checkNotVersionedElsewhere(repo, name, artifactPaths, pointerFiles);

  // A file the current version read its params, metrics or signature from is read again, unless `--drop`
  // names it or the part read from it.
  const inheritRead = (path: string | undefined, what: string, part: 'params' | 'metrics' | 'signature') => {
    const file = path === undefined ? undefined : recorded(beforeFolder, path);
    if (!file || dropsPart(drops, part)) return undefined;
    inherited.push(what);
    return file;
  };
  const paramsFile = flags.paramsFile !== undefined ? arg(flags.paramsFile) : inheritRead(before?.lineage.params_file?.path, 'params file', 'params');
  const metricsFile = flags.metricsFile !== undefined ? arg(flags.metricsFile) : inheritRead(before?.metrics_file, 'metrics file', 'metrics');
  const signatureFile = flags.signatureFile !== undefined ? arg(flags.signatureFile) : inheritRead(before?.signature_file, 'signature file', 'signature');

  // Uncommitted changes to tracked code make the version irreproducible, except in files the version
  // records itself (hashed and cached, or read into the pointer).
  // So are the files `--drop` leaves out of the current version: removing them is what this version records.
  const dropped = drops.flatMap((d) => (d.kind === 'path' ? d.repoPath : d.kind === 'part' ? (partPath(d.part) ?? []) : []));
  const own = [...dataPaths, ...pipelinePaths, ...[paramsFile, metricsFile, signatureFile].filter((f): f is PathArg => f !== undefined)].map((p) => p.repoPath.replace(/\/$/, '')).concat(dropped);
  const dirtyFiles = changedFiles.filter((f) => !own.some((r) => atOrUnder(f, r)));
  if (dirtyFiles.length > 0 && !flags.allowDirty) {
    const shown = dirtyFiles.slice(0, 5).map(displayPath).join(', ') + (dirtyFiles.length > 5 ? `, and ${dirtyFiles.length - 5} more` : '');
    throw new MvError('DIRTY_WORKTREE', `Tracked files have uncommitted changes (${shown}), so this version's code could not be reproduced.`, {
      hint: 'Commit (or stash) them first, or pass --allow-dirty to record the version as trained from dirty code.',
      details: { files: dirtyFiles },
    });
  }

  const warnings: string[] = [];
  if (dataPaths.length === 0 && otherData.length === 0 && pipelinePaths.length === 0) {
    const policy = repo.config.add.require_lineage;
    const problem = `${name} is added without --data or --pipeline: the version will not record what it was trained on, so it cannot be reproduced`;
    if (policy === 'error') {
      throw new MvError('LINEAGE_REQUIRED', `${problem}.`, {
        hint: 'Pass --data <dataset path, URI or artifact ref> and --pipeline <preprocessing code> (add.require_lineage is "error" in .mv/config.yaml).',
      });
    }
    if (policy === 'warn') warnings.push(`${problem} (pass --data and --pipeline).`);
  }
  // A pipeline file git tracks, changed since the commit: the version records its bytes as they are now, and
  // its code commit holds others (a `checkout --lineage` of an older version rewrites such files).
  const changedPipeline = changedFiles.filter((f) => pipelinePaths.some((p) => atOrUnder(f, p.repoPath.replace(/\/$/, ''))));
  if (changedPipeline.length) warnings.push(`${changedPipeline.map(displayPath).join(', ')} ${changedPipeline.length > 1 ? 'differ' : 'differs'} from the commit the version records: its pipeline is recorded as it is in the work tree (\`git diff HEAD\` shows how it differs; commit it first to keep the two together).`);
  if (!branch) warnings.push('HEAD is detached: the commit recording this version will be reachable only through its tag (create a branch with `git switch -c <name>` to keep it on one).');

  // What a params, metrics or signature file holds is written into the pointer, so into a commit. One taken
  // over from the committed pointer, not named now, must not be a file git ignores (a secret the pointer
  // was edited to name). Asked of git only when a file is taken over.
  const carriedFiles = [paramsFile, metricsFile, signatureFile].filter((f): f is PathArg => f?.recorded === true);
  // A file the user named for this artifact in this clone before (a metrics file in an ignored output
  // folder) is theirs, and taken over as before.
  const carriedIgnored = carriedFiles.length
    ? Promise.all([repo.git.ignoredFiles(carriedFiles.map((f) => f.repoPath)), namedParts(repo, name)]).then(([files, named]) => new Set(files.filter((f) => !named.has(f))))
    : undefined;
  carriedIgnored?.catch(() => undefined);
  // The small inputs, read now; never through a link leading outside the work tree.
  const read = async (file: PathArg, part: 'params' | 'metrics' | 'signature') => {
    if (file.recorded && !(await existsInRepo(repo.root, file.repoPath))) {
      // Not named on the command line: the current version read it, and the work tree lost it.
      throw new MvError('PATH_MISSING', `${displayPath(file.repoPath)} does not exist. The current version of ${name} read its ${part} from it.`, {
        hint: `Put it back, give another (\`--${part} <file>\`), or leave the ${part} out of this version on purpose (\`mvr add ${name} --drop ${part}\`).`,
        details: { path: file.repoPath },
      });
    }
    if (file.recorded && (await carriedIgnored!).has(file.repoPath)) {
      throw new MvError('IGNORED_INPUT', `${displayPath(file.repoPath)}, which the current version of ${name} read its ${part} from, is a file git ignores; its content would be written into the new version's pointer and committed.`, {
        hint: `If it should be recorded, name it yourself (\`mvr add ${name} --${part} ${shellQuote(typedPath(repo.root, cwd, file.repoPath))}\`); otherwise leave the ${part} out (\`--drop ${part}\`) and check the committed pointer: its ${part} file may have been changed by someone else.`,
        details: { path: file.repoPath },
      });
    }
    await checkNoLinkedFolders(repo.root, file.repoPath, file.input);
    await checkReadableLink(repo, file.repoPath);
    return absolutePath(repo.root, file.repoPath);
  };
  const fileParams = paramsFile ? await readMapping(await read(paramsFile, 'params'), 'params file', paramsFile.input) : {};
  const pairs = flags.params?.length ? parseParamPairs(flags.params) : dropsPart(drops, 'params') ? {} : await inheritedPairs(repo, before, fileParams, inherited, warnings);
  const metrics = metricsFile ? await readMapping(await read(metricsFile, 'metrics'), 'metrics file', metricsFile.input) : undefined;
  const signature = signatureFile ? await readSignature(await read(signatureFile, 'signature'), signatureFile.input) : inherit(undefined, before?.signature_file === undefined ? before?.signature : undefined, 'signature');
  const parent = flags.parent ? await pinArtifactRef(repo.git, flags.parent, '--parent') : inherit(undefined, before?.lineage.parent, 'parent');
  const type = checkArtifactType(flags.type ?? before?.type ?? 'model');

  const pointerFile = current?.file ?? defaultPointerFile(name, artifactPaths.map((p) => p.repoPath));
  for (const p of [...artifactPaths, ...dataPaths]) {
    const dir = p.repoPath.replace(/\/$/, '');
    if (pointerFile.startsWith(`${dir}/`)) {
      throw new MvError('INVALID_PATH', `${p.input} contains the pointer file ${pointerFile}.`, { hint: 'Move the pointer out of the artifact folder, or add the files inside it.' });
    }
  }
  const extraKeys: Record<string, unknown> = {};
  if (before) for (const [key, value] of Object.entries(before)) if (!POINTER_KEYS.has(key)) extraKeys[key] = value;

  return {
    name,
    type,
    message: flags.message,
    head,
    branch,
    dirtyFiles,
    pointerFile,
    folder: pointerFolder(pointerFile),
    current,
    currentAsCommitted: current !== undefined && !changedFiles.includes(current.file),
    artifactPaths,
    dataPaths,
    otherData,
    pipelinePaths,
    params: { ...fileParams, ...pairs },
    paramsFile,
    metrics,
    metricsFile,
    signature,
    signatureFile,
    parent,
    version,
    bump: flags.bump,
    drops,
    inherited,
    extraKeys,
    warnings,
  };
}

/**
 * The `-p key=value` values of the previous version, which a re-add without `-p` keeps: those of its
 * params that its params file (as recorded, from the cache) did not give. When that file is not in the
 * cache, an unchanged file means every recorded param is still right.
 */
async function inheritedPairs(repo: Repo, before: Pointer | undefined, fileParams: Record<string, unknown>, inherited: string[], warnings: string[]): Promise<Record<string, unknown>> {
  const params = before?.lineage.params;
  if (!params || Object.keys(params).length === 0) return {};
  const recordedFile = before.lineage.params_file;
  let fromFile: Record<string, unknown> = {};
  if (recordedFile) {
    const bytes = await repo.cache.readVerified(recordedFile.oid).catch(() => undefined);
    if (!bytes) {
      warnings.push(`the params file of the previous version is not in the cache, so its -p values cannot be told apart from the file's; give them again with -p if it had any.`);
      return {};
    }
    const parsed = parseStructured(bytes.toString('utf8'), recordedFile.path);
    fromFile = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  }
  const pairs: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) {
    if (JSON.stringify(fromFile[key]) !== JSON.stringify(value)) pairs[key] = value;
  }
  if (Object.keys(pairs).length) {
    inherited.push('params given with -p');
    // A key the new params file now sets differently is the file's to decide only if -p never set it.
    for (const key of Object.keys(pairs)) if (key in fileParams && JSON.stringify(fileParams[key]) === JSON.stringify(pairs[key])) delete pairs[key];
  }
  return pairs;
}

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

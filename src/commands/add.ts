/**
 * `mv add`: the end-of-training step, in four parts. Read the request (the command line, and the
 * committed pointer for whatever it does not say); hash and store the inputs; plan the version (a pure
 * decision: anything changed? anything left out? which number?); apply the plan under the repository
 * lock — pointer and `.gitignore` written, committed alone, tagged, HEAD moved, all or nothing. With
 * `dryRun`, the plan is returned and nothing is written: no object, no state file, no lock.
 */
import { hashBuffer } from '../cache/hash.js';
import { MvError } from '../errors.js';
import { displayPath } from '../display-text.js';
import type { PreparedIndex } from '../git.js';
import { relativeFromFolder, typedPath } from '../paths.js';
import { readCommittedPointer, versionMismatch, type LocatedPointer } from '../pointer/locate.js';
import { serializePointer, type PathEntry, type Pointer } from '../pointer/pointer.js';
import { registerTag } from '../registry/tag-name.js';
import { pinnedId } from '../registry/ref.js';
import { versionTags } from '../registry/versions.js';
import { openRepo, requireInitialized, type Repo } from '../repo.js';
import { withRepoLock } from '../lock.js';
import type { ChangeSummary } from '../version/change.js';
import { planVersion, type VersionPlan } from '../version/plan.js';
import type { BumpRequest } from '../version/version-policy.js';
import { captureEnvironment } from '../workspace/environment.js';
import { checkPointerWritable } from '../workspace/add-checks.js';
import { FileEdits, recoverInterruptedEdits } from '../workspace/file-edits.js';
import { plannedIgnores } from '../workspace/gitignore.js';
import type { Progress } from '../workspace/snapshot.js';
import { applyVersion, ignoreTargets } from '../add/apply.js';
import { hashInputs, type HashedInputs } from '../add/inputs.js';
import { describePlan, type AddPlanReport } from '../add/report.js';
import { readAddRequest, type AddRequest } from '../add/request.js';
import { pointerObjects } from '../pointer/objects.js';
import { readCheckoutState } from '../workspace/checkout-state.js';
import { checkoutStateFile } from '../workspace/state-files.js';
import { rememberNamedParts } from '../workspace/named-parts.js';
import { resolve as resolvePath } from 'node:path';

export { defaultPointerFile } from '../add/request.js';

export interface AddOptions {
  cwd?: string;
  name: string;
  /** The artifact's files and folders; none: those of its committed pointer. */
  paths?: string[];
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
  /** What the current version has and this one leaves out on purpose: paths, URIs, artifact refs, or `metrics`, `signature`, `params`. */
  drop?: string[];
  /** The Python interpreter the training ran with (its version is recorded); default `add.python`, else found. */
  python?: string;
  /** Work out the version and report it; write nothing. */
  dryRun?: boolean;
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
  /** False when nothing changed since the previous version (no version was created), or for a dry run. */
  created: boolean;
  /** True for `--dry-run`: the version was planned, nothing was written. */
  dryRun: boolean;
  tag: string;
  /** The commit recording the version; for a dry run, the commit it would be made on. */
  commit: string;
  pointer: { path: string; oid: string };
  versionReason: string;
  change?: ChangeSummary;
  previous?: string;
  files: PathEntry[];
  /** What was taken from the committed pointer because the command line did not say it. */
  inherited: string[];
  /** What the previous version had that this one leaves out, as asked with --drop. */
  dropped: string[];
  /** For a dry run: every entry new, changed or unchanged, and what would be committed. */
  plan?: AddPlanReport;
  warnings: string[];
}

export async function add(options: AddOptions): Promise<AddResult> {
  const cwd = options.cwd ?? process.cwd();
  const repo = await openRepo(cwd);
  await requireInitialized(repo);
  const dryRun = options.dryRun ?? false;
  const recovered = dryRun ? [] : await withRepoLock(repo, 'recovering an interrupted `mvr add`', () => recoverInterruptedEdits(repo.root, repo.stateDir, repo.git));
  const request = await readAddRequest(repo, cwd, { ...options, paths: options.paths ?? [] });
  const warnings = [...(recovered.length ? [`an earlier \`mvr add\` was interrupted; rolled back ${recovered.join(', ')}.`] : []), ...repo.ignoredSettings, ...request.warnings];

  // The environment is probed (python, GPUs, lockfiles) while the files are hashed.
  const environment = captureEnvironment(repo.root, request.folder, { python: interpreter(options, cwd, repo) });
  environment.catch(() => undefined);
  const inputs = await hashInputs(repo, request, { store: !dryRun, onProgress: options.onProgress, signal: options.signal });
  warnings.push(...inputs.warnings);
  const draft = draftPointer(request, inputs, options.now?.() ?? new Date());
  checkPointerWritable(draft, request.pointerFile);
  const stale = await checkedOutAgain(repo, request, draft);
  if (stale) warnings.push(stale);

  // Deciding the number and writing happen under the repository lock, so two concurrent adds are
  // serialized here (hashing above runs in parallel). A dry run reads the registry without the lock.
  const decide = async () => {
    // The commit will most likely go on the HEAD the request saw: its tree is read into a temporary
    // index while the version is decided (and read again if HEAD has moved).
    const index = dryRun ? undefined : repo.git.prepareIndex(request.head);
    try {
      return await decideWith(index);
    } finally {
      if (index) await repo.git.discardIndex(index);
    }
  };
  const decideWith = async (index: PreparedIndex | undefined) => {
    // HEAD is read under the lock: another add may have committed on top of the one the request saw.
    const [{ taken, registered, deprecated }, head] = await Promise.all([versionTags(repo.git, request.name), repo.git.headCommit()]);
    if (deprecated) warnings.push(`${request.name} is deprecated (tag ${request.name}@deprecated); the new version is registered all the same.`);
    const claimed = unregisteredClaim(request.current, request.currentAsCommitted, taken);
    if (claimed) warnings.push(`${displayPath(request.current!.file)} names ${claimed}, which no tag registers in this clone: another clone may have registered it without its tag reaching the team (a rebase leaves a version's tag on the commit from before it; \`git push origin ${claimed}\` there publishes it). Its number is not given again.`);
    const newest = registered[0];
    const previous = newest ? await pointerOf(repo, request, head, newest.register.commit, newest.register.payload?.pointer?.path, newest.version, warnings) : undefined;
    const plan = planVersion({
      name: request.name,
      draft,
      pointerFile: request.pointerFile,
      current: request.current,
      previous: newest ? { version: newest.version, pointer: previous?.pointer, file: previous?.file } : undefined,
      taken: claimed ? [...taken, request.current!.pointer.version] : taken,
      requested: { version: request.version, bump: request.bump },
      drops: request.drops,
      typed: (repoPath) => typedPath(repo.root, cwd, repoPath),
    });
    const base = { request, inputs, warnings, dryRun, previous: newest ? pinnedId(request.name, newest.version) : undefined };
    if (!plan.created) return unchanged(base, plan, newest!.register, previous);
    const pointer: Pointer = { ...draft, version: plan.version, environment: await environment };
    if (dryRun) return planned(repo, base, plan, pointer);
    const applied = await applyVersion(repo, { pointer, pointerFile: request.pointerFile, head: head ?? request.head, dataPaths: request.dataPaths, message: request.message, signal: options.signal, index });
    await rememberNamedParts(repo, request.name, [request.paramsFile, request.metricsFile, request.signatureFile].flatMap((f) => (f && !f.recorded ? [f.repoPath] : [])));
    return result(base, plan, { ...applied, created: true });
  };
  return dryRun ? decide() : withRepoLock(repo, `adding ${request.name}`, decide);
}

/**
 * A warning when the files to register are exactly those `mv checkout name@vX` put in the work tree for an
 * older version: most often a look at an old version that was never switched back, about to become the
 * newest version.
 */
async function checkedOutAgain(repo: Repo, request: AddRequest, draft: Pointer): Promise<string | undefined> {
  const checkedOut = (await readCheckoutState(checkoutStateFile(repo)))[request.name];
  if (!checkedOut || checkedOut.version === request.current?.pointer.version) return undefined;
  const now = pointerObjects(draft, request.pointerFile, ['file']);
  if (now.length !== Object.keys(checkedOut.files).length || !now.every((o) => checkedOut.files[o.path] === o.oid)) return undefined;
  const id = pinnedId(request.name, checkedOut.version);
  return `the files are those of ${id}, which \`mvr checkout ${id}\` put in the work tree; this version registers them again. To go back to the committed version instead: \`mvr checkout ${request.name}\`.`;
}

/** --python is relative to the current directory, add.python to the repository; a bare name is looked up on PATH. */
function interpreter(options: AddOptions, cwd: string, repo: Repo): string | undefined {
  const pick = (value: string | undefined, base: string) => (value === undefined || !value.includes('/') ? value : resolvePath(base, value));
  return options.python !== undefined ? pick(options.python, cwd) : pick(repo.config.add.python, repo.root);
}

function draftPointer(request: AddRequest, inputs: HashedInputs, now: Date): Pointer {
  const metricsFile = request.metricsFile && relativeFromFolder(request.folder, request.metricsFile.repoPath);
  const signatureFile = request.signatureFile && relativeFromFolder(request.folder, request.signatureFile.repoPath);
  return {
    ...request.extraKeys,
    mv: 1,
    name: request.name,
    type: request.type,
    version: '0.0.0',
    ...(request.message ? { description: request.message } : {}),
    files: inputs.files,
    lineage: {
      code: { commit: request.head, ...(request.branch ? { branch: request.branch } : {}), dirty: request.dirtyFiles.length > 0 },
      ...(inputs.data.length ? { data: inputs.data } : {}),
      ...(inputs.pipeline.length ? { pipeline: inputs.pipeline } : {}),
      ...(Object.keys(request.params).length ? { params: request.params } : {}),
      ...(inputs.paramsFile ? { params_file: inputs.paramsFile } : {}),
      ...(request.parent ? { parent: request.parent } : {}),
    },
    ...(request.signature !== undefined ? { signature: request.signature } : {}),
    ...(signatureFile !== undefined ? { signature_file: signatureFile } : {}),
    ...(request.metrics ? { metrics: request.metrics } : {}),
    ...(metricsFile !== undefined ? { metrics_file: metricsFile } : {}),
    created: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
}

/**
 * The pointer of the newest version, committed at `commit` (at `hint` when its tag says where); none, with a
 * warning, when the tag is on another version's pointer, which says nothing about what changed since. When
 * that commit is HEAD, the one `git status` compared the work tree with, and status found the work tree's
 * pointer file unchanged, its bytes are the committed ones: they are read from the work tree (the checks
 * are the same), with no git process.
 */
async function pointerOf(repo: Repo, request: AddRequest, head: string | undefined, commit: string, hint: string | undefined, version: string, warnings: string[]): Promise<LocatedPointer | undefined> {
  const current = request.current;
  const asCommitted = current !== undefined && request.currentAsCommitted && commit === head && commit === request.head && hint === current.file;
  const read = asCommitted
    ? Promise.resolve().then(() => {
        if (current.pointer.version !== version) throw versionMismatch(request.name, version, commit, current.file, current.pointer.version);
        return current;
      })
    : readCommittedPointer(repo.git, commit, request.name, hint, version);
  return read.catch((error: unknown) => {
    if (!(error instanceof MvError && error.code === 'POINTER_MISMATCH')) throw error;
    warnings.push(error.message);
    return undefined;
  });
}

interface ResultBase {
  dryRun: boolean;
  request: AddRequest;
  inputs: HashedInputs;
  warnings: string[];
  previous: string | undefined;
}

function result(base: ResultBase, plan: VersionPlan, made: { tag: string; commit: string; pointer: { path: string; oid: string }; created: boolean; report?: AddPlanReport }): AddResult {
  return {
    artifact: base.request.name,
    version: plan.version,
    id: plan.id,
    created: made.created,
    dryRun: base.dryRun,
    tag: made.tag,
    commit: made.commit,
    pointer: made.pointer,
    versionReason: plan.reason,
    ...(plan.change ? { change: plan.change } : {}),
    ...(base.previous ? { previous: base.previous } : {}),
    files: base.inputs.files,
    inherited: base.request.inherited,
    dropped: plan.created ? plan.dropped.map((d) => d.what) : [],
    ...(made.report ? { plan: made.report } : {}),
    warnings: base.warnings,
  };
}

function unchanged(base: ResultBase, plan: VersionPlan, register: { tag: string; commit: string }, previous: LocatedPointer | undefined): AddResult {
  return result(base, plan, {
    tag: register.tag,
    commit: register.commit,
    pointer: previous ? { path: previous.file, oid: hashBuffer(previous.content) } : { path: base.request.pointerFile, oid: '' },
    created: false,
  });
}

async function planned(repo: Repo, base: ResultBase, plan: VersionPlan, pointer: Pointer): Promise<AddResult> {
  const edits = new FileEdits(repo.root);
  const ignores = await plannedIgnores((file) => edits.read(file), await ignoreTargets(repo, pointer, base.request.pointerFile, base.request.dataPaths));
  const report = await describePlan(repo, { request: base.request, inputs: base.inputs, commitPaths: [base.request.pointerFile, ...ignores.map((i) => i.file)] });
  const oid = hashBuffer(serializePointer(pointer));
  return result(base, plan, { tag: registerTag(pointer.name, pointer.version), commit: base.request.head, pointer: { path: base.request.pointerFile, oid }, created: false, report });
}

/**
 * The pinned id of the work tree's committed pointer when no tag registers its version here: a version
 * whose tag never arrived (left behind by a rebase, or not pushed yet). Numbering must not give it again.
 */
function unregisteredClaim(current: LocatedPointer | undefined, asCommitted: boolean, taken: string[]): string | undefined {
  if (!current || !asCommitted || taken.includes(current.pointer.version)) return undefined;
  return pinnedId(current.pointer.name, current.pointer.version);
}

/**
 * mv's library API: the same operations as the CLI, for serving code and scripts that should not shell
 * out. Every function takes an options object with `cwd` and returns plain data.
 */
export { MvError, UsageError, isMvError } from './errors.js';
export { openRepo, type Repo } from './repo.js';
export { init, type InitOptions, type InitResult } from './commands/init.js';
export { add, type AddOptions, type AddResult } from './commands/add.js';
export { status, type StatusOptions, type StatusResult, type ArtifactStatus, type EntryStatus } from './commands/status.js';
export { checkout, type CheckoutOptions, type CheckoutResult } from './commands/checkout.js';
export { parsePointer, serializePointer, type Pointer, type PathEntry, type DataEntry } from './pointer/pointer.js';
export { parseRef, pinnedId, type Ref } from './registry/ref.js';
export type { Oid } from './cache/oid.js';
export { promote, type PromoteOptions, type PromoteResult } from './commands/promote.js';
export { rollback, type RollbackOptions, type RollbackResult } from './commands/rollback.js';
export { archive, type ArchiveOptions, type ArchiveResult } from './commands/archive.js';
export { deprecate, type DeprecateOptions, type DeprecateResult } from './commands/deprecate.js';
export type { RegistryWriteOptions, RegistryWriteResult, StageTransitionInfo } from './commands/registry-write.js';
export { ls, type LsOptions, type LsResult, type ArtifactSummary } from './commands/ls.js';
export { show, type ShowOptions, type ShowResult, type VersionSummary } from './commands/show.js';
export { history, type HistoryOptions, type HistoryResult } from './commands/history.js';
export { diff, type DiffOptions, type DiffResult } from './commands/diff.js';
export { resolve, type ResolveOptions, type ResolveResult, type ResolvedVersion } from './commands/resolve.js';
export { route, type RouteOptions, type RouteResult } from './commands/route.js';
export { audit, type AuditOptions, type AuditResult, type StageAtTime } from './commands/audit.js';
export { checkRef, type CheckRefOptions, type CheckRefResult } from './commands/check-ref.js';
export { routeKey, routingBucket } from './registry/routing.js';
export { readRegistry, type Registry } from './registry/registry-state.js';
export type { EventInfo } from './registry/event-info.js';
export type { HolderInfo } from './registry/holders.js';
export { remoteAdd, remoteList, remoteRemove, type RemoteAddOptions, type RemoteAddResult, type RemoteInfo, type RemoteListResult } from './commands/remote.js';
export { push, type PushOptions, type PushResult } from './commands/push.js';
export { fetch, pull, type FetchOptions, type FetchResult, type PullOptions, type PullResult } from './commands/fetch.js';
export { get, type GetOptions, type GetResult, type GetLock } from './commands/get.js';
export { pointerObjects, expandObjects, directoryEntries, type VersionObject, type DirectoryEntryObject, type ObjectRole } from './pointer/objects.js';
export type { ObjectStore } from './cache/object-store.js';
export type { TransferProgress, TransferFailure } from './remote/transfer-run.js';
export { startUi, exportSite, renderSite, DEFAULT_UI_HOST, DEFAULT_UI_PORT, type StartUiOptions, type UiServer, type ExportSiteOptions, type ExportSiteResult, type RenderSiteOptions, type RenderedSite } from './commands/ui.js';
export { gc, DEFAULT_GRACE, type GcOptions, type GcResult } from './commands/gc.js';
export { purge, type PurgeOptions, type PurgeResult } from './commands/purge.js';
export { verify, type VerifyOptions, type VerifyResult, type VersionVerdict, type CorruptObject, type MissingObject } from './commands/verify.js';
export { planGc, type GcPlan, type GcPlanInput, type GcDeletion } from './safety/gc-plan.js';
export { readPurgeRecords, purgedVersionError, type PurgeRecord } from './safety/purge-record.js';
export type { SignatureCheck, SignatureStatus } from './registry/signatures.js';
export type { TamperFinding } from './safety/tamper.js';

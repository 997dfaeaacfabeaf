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

/**
 * Chunked transfers for one command: the remote's chunk store and the related files (earlier versions
 * of the same artifacts) that a push learns shared chunks from and a fetch copies them from.
 */
import type { LocalCache } from '../cache/local-cache.js';
import type { ObjectStore } from '../cache/object-store.js';
import type { Oid } from '../cache/oid.js';
import { MvError } from '../errors.js';
import type { Git } from '../git.js';
import type { Pointer } from '../pointer/pointer.js';
import { readObjectBytes } from '../safety/object-bytes.js';
import { ChunkedFetcher } from './chunked-fetch.js';
import { ChunkedPush } from './chunked-push.js';
import { relatedFiles, type ManifestReader, type RelatedFiles } from './related-files.js';
import type { RemoteSession } from './remote-session.js';
import { onDemand } from '../on-demand.js';

/** A manifest from the cache (verified), else from the remote; undefined when neither has it. */
export function manifestReader(cache: LocalCache, store: ObjectStore): (oid: Oid) => Promise<Buffer | undefined> {
  return async (oid) => {
    try {
      return await cache.readVerified(oid);
    } catch (error) {
      if (!(error instanceof MvError)) throw error;
    }
    return readObjectBytes(store, oid).catch(() => undefined);
  };
}

/**
 * The related files of `versions`, looked up on first use (the registry read, earlier versions' pointers
 * and manifests; versions whose pointer or manifest cannot be read offer nothing) and kept for the
 * command. A lookup that failed is not kept: the next file asks again.
 */
function relatedOnDemand(git: Git, versions: Array<{ pointer: Pointer; file: string }>, readManifest: ManifestReader): () => Promise<RelatedFiles> {
  return onDemand(() => relatedFiles(git, versions, readManifest));
}

/**
 * The chunked side of a push, or undefined when the remote keeps whole objects only (`chunks: false`).
 * Related files are looked up only when a large file is sent.
 */
export function chunkedPush(session: RemoteSession, context: { git: Git; cache: LocalCache; versions: Array<{ pointer: Pointer; file: string }>; recheck: boolean }): ChunkedPush | undefined {
  if (session.remote.settings.chunks === false) return undefined;
  const chunks = session.store.chunks?.({ spoolDir: context.cache.tempDir });
  if (!chunks) return undefined;
  const related = relatedOnDemand(context.git, context.versions, manifestReader(context.cache, session.store));
  return new ChunkedPush({ store: session.store, chunks, cache: context.cache, related, pools: session.pools, recheck: context.recheck });
}

/**
 * The chunked side of a fetch: related files are used where this cache holds them, looked up only when a
 * file the remote holds as chunks is fetched.
 */
export function chunkedFetch(session: RemoteSession, context: { git: Git; cache: LocalCache; versions: Array<{ pointer: Pointer; file: string }> }): ChunkedFetcher | undefined {
  const chunks = session.store.chunks?.({ spoolDir: context.cache.tempDir });
  if (!chunks) return undefined;
  const { cache } = context;
  const related = relatedOnDemand(context.git, context.versions, manifestReader(cache, session.store));
  return new ChunkedFetcher({
    store: session.store,
    chunks,
    pools: session.pools,
    localFiles: async (item) => (await related()).of(item.oid, item.path).filter((file) => cache.hasSync(file.oid, file.size)).map((file) => ({ ...file, local: cache.path(file.oid) })),
  });
}

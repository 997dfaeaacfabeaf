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
import { relatedFiles, type RelatedFiles } from './related-files.js';
import { FATAL_CODES } from './s3-errors.js';
import type { RemoteSession } from './remote-session.js';

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

/** The chunked side of a push, or undefined when the remote keeps whole objects only (`chunks: false`). */
export async function chunkedPush(session: RemoteSession, context: { git: Git; cache: LocalCache; versions: Array<{ pointer: Pointer; file: string }>; recheck: boolean }): Promise<ChunkedPush | undefined> {
  if (session.remote.settings.chunks === false) return undefined;
  const chunks = session.store.chunks?.({ spoolDir: context.cache.tempDir });
  if (!chunks) return undefined;
  const related = await relatedFiles(context.git, context.versions, manifestReader(context.cache, session.store));
  return new ChunkedPush({ store: session.store, chunks, cache: context.cache, related, pools: session.pools, recheck: context.recheck });
}

/**
 * The chunked side of a fetch: related files are used where this cache holds them. They are looked up
 * (the registry read, earlier versions' pointers) only when a file the remote holds as chunks is fetched.
 * They only save bytes: when they cannot be read, files are rebuilt from the remote alone (with a note), as
 * a push does; a failure of the remote or of this machine stops the fetch, and is asked again by a retry.
 */
export function chunkedFetch(session: RemoteSession, context: { git: Git; cache: LocalCache; versions: Array<{ pointer: Pointer; file: string }> }): ChunkedFetcher | undefined {
  const chunks = session.store.chunks?.({ spoolDir: context.cache.tempDir });
  if (!chunks) return undefined;
  const { cache } = context;
  let related: Promise<RelatedFiles> | undefined;
  const lookUp = (): Promise<RelatedFiles> =>
    relatedFiles(context.git, context.versions, manifestReader(cache, session.store)).catch((error: unknown) => {
      if (!(error instanceof MvError) || FATAL_CODES.has(error.code)) {
        related = undefined;
        throw error;
      }
      fetcher.notes.push(`Earlier versions could not be read to reuse their chunks (${error.message}); files were rebuilt from the remote alone.`);
      return { of: () => [] };
    });
  const fetcher = new ChunkedFetcher({
    store: session.store,
    chunks,
    pools: session.pools,
    localFiles: async (item) => {
      related ??= lookUp();
      return (await related).of(item.oid, item.path).filter((file) => cache.hasSync(file.oid, file.size)).map((file) => ({ ...file, local: cache.path(file.oid) }));
    },
  });
  return fetcher;
}

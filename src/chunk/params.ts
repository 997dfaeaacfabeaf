/**
 * The fixed parameters of chunked storage. They are part of the format (docs/formats.md, "Chunked
 * storage"): a writer that changed them would still produce valid recipes, but its chunks would no longer
 * match those of earlier versions, and nothing would deduplicate.
 */

/** No content-defined cut makes a chunk shorter than this (a segment's last chunk can be shorter). */
export const CHUNK_MIN = 16 * 1024;
/** Up to this length a cut needs the strict mask, beyond it the loose one (normalized chunking). */
export const CHUNK_NORMAL = 56 * 1024;
/** No chunk is longer than this. */
export const CHUNK_MAX = 256 * 1024;
/** The rolling hash covers this many bytes: a cut after byte q depends only on bytes q-31…q. */
export const GEAR_WINDOW = 32;
/** The top 18 bits of the rolling hash must be zero for a cut at a length up to `CHUNK_NORMAL`. */
export const MASK_STRICT = 0xffffc000 | 0;
/** The top 14 bits must be zero for a cut beyond `CHUNK_NORMAL`. */
export const MASK_LOOSE = 0xfffc0000 | 0;

/**
 * A pack, index and trailer included, is at most this large: one request each way on S3 (below the
 * 64 MiB multipart threshold), 16 requests for a new 1 GiB file.
 */
export const PACK_MAX_BYTES = 64 * 1024 * 1024;

/** Files at least this large are stored as chunks on a remote; smaller ones stay whole objects. */
export const CHUNKED_MIN_FILE = 8 * 1024 * 1024;

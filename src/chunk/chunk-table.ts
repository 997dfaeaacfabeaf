/**
 * The chunks of one file held flat: a large file has 16,000 chunks a GiB, and an object and a hex string
 * per chunk cost several times the chunk's data. Here each chunk is a row: its SHA-256 is 32 bytes of one
 * buffer, its length, offset and source number are typed-array columns, 48 bytes a row in all. What the
 * offset and source number mean is the holder's: the chunker's table has the chunk's offset in the file
 * (source 0); a recipe's has the chunk's place in one of the recipe's sources.
 */
import { HEX_HASH } from './format-errors.js';
import { HashIndex } from './hash-index.js';

/** One chunk of a file: where it is and the SHA-256 of its bytes (64 lowercase hex digits). */
export interface ChunkRecord {
  offset: number;
  length: number;
  hash: string;
}

const HASH = 32;

export class ChunkTable {
  private hashes: Buffer;
  private lengths: Uint32Array;
  private offsets: Float64Array;
  private sources: Uint32Array;
  private rows = 0;

  constructor(capacity = 256) {
    this.hashes = Buffer.alloc(HASH * capacity);
    this.lengths = new Uint32Array(capacity);
    this.offsets = new Float64Array(capacity);
    this.sources = new Uint32Array(capacity);
  }

  /** A table of the given chunks, in order (tests and small inputs). */
  static fromRecords(records: readonly ChunkRecord[]): ChunkTable {
    const table = new ChunkTable(Math.max(1, records.length));
    for (const record of records) {
      if (!HEX_HASH.test(record.hash)) throw new Error(`chunk at ${record.offset} has an invalid hash`);
      table.setHash(table.append(record.offset, record.length), Buffer.from(record.hash, 'hex'));
    }
    return table;
  }

  get count(): number {
    return this.rows;
  }

  /** Adds a row and returns its number; its hash is zero until set. */
  append(offset: number, length: number, source = 0): number {
    if (this.rows === this.lengths.length) this.resize(Math.ceil(1.5 * this.rows) + 256);
    const row = this.rows++;
    this.offsets[row] = offset;
    this.lengths[row] = length;
    this.sources[row] = source;
    return row;
  }

  offset(row: number): number {
    return this.offsets[row]!;
  }

  length(row: number): number {
    return this.lengths[row]!;
  }

  source(row: number): number {
    return this.sources[row]!;
  }

  /** The row's hash: a view into the table, valid until the next `append` or `trim`. */
  hash(row: number): Buffer {
    return this.hashes.subarray(HASH * row, HASH * row + HASH);
  }

  hashHex(row: number): string {
    return this.hashes.toString('hex', HASH * row, HASH * row + HASH);
  }

  hashEquals(row: number, hash: Uint8Array, at = 0): boolean {
    return this.hashes.compare(hash, at, at + HASH, HASH * row, HASH * row + HASH) === 0;
  }

  /** An empty index of this table's rows by hash, sized for `expected` rows (callers add the rows they keep). */
  rowsByHash(expected = this.rows): HashIndex {
    return new HashIndex((row, hash, at) => this.hashEquals(row, hash, at), expected);
  }

  /** Sets the row's hash from `hash[at, at + 32)`. */
  setHash(row: number, hash: Uint8Array, at = 0): void {
    this.hashes.set(hash.subarray(at, at + HASH), HASH * row);
  }

  /** Sets the hashes of rows `first…` from consecutive 32-byte digests. */
  setHashes(first: number, digests: Uint8Array): void {
    this.hashes.set(digests, HASH * first);
  }

  setLocation(row: number, source: number, offset: number): void {
    this.sources[row] = source;
    this.offsets[row] = offset;
  }

  /** Releases the room kept for rows not added (a table held after it is complete). */
  trim(): void {
    if (this.rows < this.lengths.length) this.resize(this.rows);
  }

  /** The rows as objects (tests and small tables: this is the memory the table saves). */
  records(): ChunkRecord[] {
    return Array.from({ length: this.rows }, (_, row) => ({ offset: this.offset(row), length: this.length(row), hash: this.hashHex(row) }));
  }

  private resize(capacity: number): void {
    const rows = this.rows;
    const hashes = Buffer.alloc(HASH * capacity);
    this.hashes.copy(hashes, 0, 0, HASH * rows);
    this.hashes = hashes;
    const lengths = new Uint32Array(capacity);
    lengths.set(this.lengths.subarray(0, rows));
    this.lengths = lengths;
    const offsets = new Float64Array(capacity);
    offsets.set(this.offsets.subarray(0, rows));
    this.offsets = offsets;
    const sources = new Uint32Array(capacity);
    sources.set(this.sources.subarray(0, rows));
    this.sources = sources;
  }
}

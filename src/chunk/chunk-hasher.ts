/**
 * SHA-256 of chunks, beside the cutting: large inputs are hashed by one worker thread that reads the
 * chunker's shared buffers in place (no copies), so cutting (about 1.4 GB/s on the main thread) and
 * hashing (about 1.7 GB/s) run on two cores at once. Small inputs are hashed inline: starting the
 * worker costs more than it saves. The worker is started once per process and only keeps the process
 * alive while a chunking uses it.
 */
import { createHash, type Hash } from 'node:crypto';
import { Worker } from 'node:worker_threads';

/** The chunks of one block: `cuts` holds [start, length] pairs within the buffer. */
export interface HashJob {
  buffer: number;
  cuts: Int32Array;
  /** Range of the buffer that extends the whole-input hash (the bytes just cut). */
  from: number;
  to: number;
}

export interface ChunkHasher {
  /** The 32-byte digests of `job.cuts`, concatenated in order. */
  hash(job: HashJob): Promise<Uint8Array>;
  /** The whole-input SHA-256 (hex) when it was asked for; the hasher is not used afterwards. */
  close(): Promise<string | undefined>;
  /** Releases the hasher after a failure. */
  abandon(): void;
}

export class InlineHasher implements ChunkHasher {
  private readonly whole: Hash | undefined;

  constructor(
    private readonly buffers: Uint8Array[],
    whole: boolean,
  ) {
    this.whole = whole ? createHash('sha256') : undefined;
  }

  hash(job: HashJob): Promise<Uint8Array> {
    return Promise.resolve(hashCuts(this.buffers[job.buffer]!, job, this.whole));
  }

  close(): Promise<string | undefined> {
    return Promise.resolve(this.whole?.digest('hex'));
  }

  abandon(): void {}
}

function hashCuts(view: Uint8Array, job: HashJob, whole: Hash | undefined): Uint8Array {
  const out = new Uint8Array(16 * job.cuts.length);
  for (let i = 0; i < job.cuts.length; i += 2) {
    const start = job.cuts[i]!;
    out.set(createHash('sha256').update(view.subarray(start, start + job.cuts[i + 1]!)).digest(), 16 * i);
  }
  if (whole && job.to > job.from) whole.update(view.subarray(job.from, job.to));
  return out;
}

// The worker's code is a string evaluated by the worker, so it runs the same from the TypeScript sources
// (tests), the compiled library and the CLI bundle, none of which need to locate a separate file.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const sessions = new Map();
parentPort.on('message', (m) => {
  if (m.type === 'open') {
    sessions.set(m.session, { views: m.buffers.map((b) => new Uint8Array(b)), whole: m.whole ? createHash('sha256') : undefined });
    return;
  }
  const s = sessions.get(m.session);
  if (m.type === 'close') {
    sessions.delete(m.session);
    parentPort.postMessage({ session: m.session, whole: s && s.whole ? s.whole.digest('hex') : undefined });
    return;
  }
  const view = s.views[m.buffer];
  const cuts = m.cuts;
  const out = new Uint8Array(16 * cuts.length);
  for (let i = 0; i < cuts.length; i += 2) out.set(createHash('sha256').update(view.subarray(cuts[i], cuts[i] + cuts[i + 1])).digest(), 16 * i);
  if (s.whole && m.to > m.from) s.whole.update(view.subarray(m.from, m.to));
  parentPort.postMessage({ session: m.session, hashes: out }, [out.buffer]);
});
`;

interface WorkerReply {
  session: number;
  hashes?: Uint8Array;
  whole?: string;
}

interface Waiter {
  resolve: (reply: WorkerReply) => void;
  reject: (error: unknown) => void;
}

/** The process's hashing worker: sessions (one per chunking) share it; replies come back in order. */
class HashWorker {
  private static current: HashWorker | undefined;
  private readonly worker: Worker;
  private readonly waiting = new Map<number, Waiter[]>();
  private sessions = 0;
  private nextSession = 1;
  private failed: Error | undefined;

  private constructor() {
    this.worker = new Worker(WORKER_SOURCE, { eval: true });
    this.worker.unref();
    this.worker.on('message', (reply: WorkerReply) => this.waiting.get(reply.session)?.shift()?.resolve(reply));
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(new Error(`the chunk hashing worker exited (${code})`)));
  }

  static get(): HashWorker {
    if (!HashWorker.current || HashWorker.current.failed !== undefined) HashWorker.current = new HashWorker();
    return HashWorker.current;
  }

  open(buffers: SharedArrayBuffer[], whole: boolean): number {
    const session = this.nextSession++;
    this.waiting.set(session, []);
    if (this.sessions++ === 0) this.worker.ref();
    this.worker.postMessage({ type: 'open', session, buffers, whole });
    return session;
  }

  request(session: number, message: Record<string, unknown>): Promise<WorkerReply> {
    if (this.failed !== undefined) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      this.waiting.get(session)!.push({ resolve, reject });
      this.worker.postMessage({ ...message, session });
    });
  }

  release(session: number): void {
    if (!this.waiting.delete(session)) return;
    if (--this.sessions === 0) this.worker.unref();
  }

  private fail(error: Error): void {
    this.failed ??= error;
    for (const waiters of this.waiting.values()) for (const waiter of waiters.splice(0)) waiter.reject(error);
  }
}

export class WorkerHasher implements ChunkHasher {
  private readonly worker = HashWorker.get();
  private readonly session: number;

  constructor(buffers: Uint8Array[], whole: boolean) {
    this.session = this.worker.open(
      buffers.map((b) => b.buffer as SharedArrayBuffer),
      whole,
    );
  }

  async hash(job: HashJob): Promise<Uint8Array> {
    const reply = await this.worker.request(this.session, { type: 'hash', buffer: job.buffer, cuts: job.cuts, from: job.from, to: job.to });
    return reply.hashes!;
  }

  async close(): Promise<string | undefined> {
    try {
      return (await this.worker.request(this.session, { type: 'close' })).whole;
    } finally {
      this.worker.release(this.session);
    }
  }

  abandon(): void {
    // Outstanding replies still arrive in order; the session's state in the worker is dropped with it.
    void this.worker.request(this.session, { type: 'close' }).catch(() => undefined).finally(() => this.worker.release(this.session));
  }
}

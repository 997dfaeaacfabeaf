/**
 * Verified copies of small objects between local file systems (cache ↔ folder remote). Each copy is
 * read whole, hashed, written to a temp file beside its target (same folder, so the rename is cheap)
 * and renamed into place only if the bytes hash to the oid. The work runs synchronously on a few worker
 * threads: for files of a few KiB, handing each of the eight system calls to libuv's thread pool costs
 * far more than the calls themselves, while worker threads still overlap the waits of a network share.
 */
import { Worker } from 'node:worker_threads';
import { MvError } from '../errors.js';
import type { Oid } from '../cache/oid.js';

export interface LocalCopy {
  source: string;
  target: string;
  oid: Oid;
  size: number;
}

interface Reply {
  id: number;
  error?: { code: string; message: string };
}

// Plain JavaScript run by `new Worker(…, { eval: true })`, so it works from sources and from dist alike.
const WORKER_SOURCE = `
const { parentPort, threadId } = require('node:worker_threads');
const { readFileSync, writeFileSync, renameSync, mkdirSync, rmSync } = require('node:fs');
const { createHash } = require('node:crypto');
const { dirname, join } = require('node:path');
const made = new Set();
let counter = 0;
parentPort.on('message', (tasks) => {
  const replies = [];
  for (const task of tasks) {
    let temp;
    try {
      const data = readFileSync(task.source);
      const oid = 'sha256:' + createHash('sha256').update(data).digest('hex');
      if (oid !== task.oid || data.length !== task.size) {
        replies.push({ id: task.id, error: { code: 'MISMATCH', message: 'hashes to ' + oid.slice(0, 19) + ' (' + data.length + ' bytes)' } });
        continue;
      }
      const dir = dirname(task.target);
      if (!made.has(dir)) { mkdirSync(dir, { recursive: true }); made.add(dir); }
      temp = join(dir, '.mv-tmp-' + process.pid + '-' + threadId + '-' + (counter++));
      writeFileSync(temp, data, { flag: 'wx', mode: 0o444 });
      renameSync(temp, task.target);
      replies.push({ id: task.id });
    } catch (error) {
      if (temp) { try { rmSync(temp, { force: true }); } catch {} }
      replies.push({ id: task.id, error: { code: error.code || 'ERROR', message: error.message } });
    }
  }
  parentPort.postMessage(replies);
});
`;

export class LocalCopier {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, { resolve: () => void; reject: (error: unknown) => void; copy: LocalCopy }>();
  private readonly queue: Array<LocalCopy & { id: number }> = [];
  private readonly busy = new Set<Worker>();
  private nextId = 0;

  constructor(private threads: number) {}

  /** From now on at most `threads` threads copy (threads started beyond that stay idle). */
  limit(threads: number): this {
    this.threads = Math.max(1, threads);
    return this;
  }

  copy(copy: LocalCopy): Promise<void> {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve, reject, copy });
      this.queue.push({ ...copy, id });
      this.dispatch();
    });
  }

  /** Stops the worker threads (they are also unref'd, so an idle pool never keeps the process alive). */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }

  private dispatch(): void {
    if (this.workers.length < this.threads && this.workers.length <= this.busy.size) this.spawn();
    for (const worker of this.workers.slice(0, this.threads)) {
      if (this.queue.length === 0) return;
      if (this.busy.has(worker)) continue;
      // Everything queued now, shared out: fewer messages when many copies wait.
      const share = Math.max(1, Math.ceil(this.queue.length / Math.min(this.workers.length, this.threads)));
      this.busy.add(worker);
      worker.ref();
      worker.postMessage(this.queue.splice(0, share));
    }
  }

  private spawn(): void {
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.unref();
    worker.on('message', (replies: Reply[]) => {
      this.busy.delete(worker);
      worker.unref();
      for (const reply of replies) {
        const entry = this.pending.get(reply.id);
        if (!entry) continue;
        this.pending.delete(reply.id);
        if (reply.error) entry.reject(copyError(entry.copy, reply.error));
        else entry.resolve();
      }
      this.dispatch();
    });
    worker.on('error', (error) => {
      for (const entry of this.pending.values()) entry.reject(error);
      this.pending.clear();
    });
    this.workers.push(worker);
  }
}

function copyError(copy: LocalCopy, error: { code: string; message: string }): unknown {
  if (error.code === 'MISMATCH') return new MvError('CORRUPT_COPY', `${copy.source} does not hold ${copy.oid} (it ${error.message}); it was not copied.`, { details: { oid: copy.oid } });
  return Object.assign(new Error(error.message), { code: error.code });
}

let shared: LocalCopier | undefined;

/** The process-wide copier, copying on at most `threads` threads (`TransferPools.copierThreads`). */
export function localCopier(threads: number): LocalCopier {
  shared ??= new LocalCopier(threads);
  return shared.limit(threads);
}

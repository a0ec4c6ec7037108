// The main thread's side of the grep worker (grep-worker.ts): one worker thread per running
// search, kept warm between searches, fed batches of paths, killed when the search's time
// limit passes while it is still matching (a pattern that backtracks without end cannot be
// interrupted any other way) or when the search is cancelled. The main thread never runs a
// model-supplied pattern.
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { CONTROL, fileRefName } from './grep-worker-protocol.ts';
import type { FileReply, GrepFileRef, QueryMessage, WorkerReply, WorkerRequest } from './grep-worker-protocol.ts';

/** Why a batch did not finish; `partial` holds what the worker had reported of it by then. */
export class GrepStopError extends Error {
  partial: FileReply[] = [];
}

/** The worker was still matching when the search's time limit passed; it was killed. */
export class GrepTimeLimitError extends GrepStopError {
  /** The file it was on, and for how long, when that was long (a pattern that backtracks). */
  readonly stuck?: { file: string; ms: number };
  constructor(stuck?: { file: string; ms: number }) {
    super('the search reached its time limit');
    this.stuck = stuck;
  }
}

/** The search was cancelled while the worker was busy; it was killed. */
export class GrepCancelledError extends GrepStopError {}

/** The worker could not start or died (its script missing, out of memory). */
export class GrepWorkerError extends GrepStopError {}

/**
 * A file the worker has been on for longer than this (or half the time limit, if that is
 * shorter) when the limit hits is named as the slow one.
 */
const STUCK_MS = 1000;
/** Idle workers kept for the next search. */
const MAX_IDLE = 1;

let nextQueryId = 1; // ids only grow, across workers: the cancel slot compares with >=
const idle: GrepWorker[] = [];

/** The worker script: dist/grep-worker.js beside the extension bundle, or this folder's .ts under Node and vitest. */
export function grepWorkerScript(dir: string = import.meta.dirname): string {
  for (const name of ['grep-worker.js', 'grep-worker.ts']) {
    const p = path.join(dir, name);
    if (fs.existsSync(p)) return p;
  }
  throw new GrepWorkerError(`the grep worker script is missing from ${dir}`);
}

interface Queued {
  files: GrepFileRef[];
  results: FileReply[];
  resolve(r: FileReply[]): void;
  reject(e: GrepStopError): void;
}

export class GrepWorker {
  private readonly worker: Worker;
  private readonly control: Int32Array;
  private readonly queue: Queued[] = [];
  private queryId = 0;
  private queryStart = 0;
  private deadline = 0;
  private seq = 0;
  private failure?: GrepStopError;
  private timer?: NodeJS.Timeout;
  private draining = false;

  /** A warm worker when one is idle, else a new one. */
  static acquire(): GrepWorker {
    return idle.pop() ?? new GrepWorker();
  }

  /** Idle workers kept warm (tests, benchmarks). */
  static idleCount(): number {
    return idle.length;
  }

  /** Ends the idle workers (tests and benchmarks that measure a cold start). */
  static async shutdownIdle(): Promise<void> {
    await Promise.all(idle.splice(0).map((w) => w.worker.terminate()));
  }

  private constructor() {
    const control = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT * 3);
    this.control = new Int32Array(control);
    // A worker that runs out of memory dies alone: the limit keeps a huge file from taking the host with it.
    this.worker = new Worker(grepWorkerScript(), {
      workerData: { control },
      resourceLimits: { maxOldGenerationSizeMb: 512 },
    });
    this.worker.unref(); // an idle worker never keeps the process alive
    this.worker.on('message', (m: WorkerReply) => this.onReply(m));
    this.worker.on('error', (e: Error) => this.fail(new GrepWorkerError(`the search worker failed: ${e.message}`)));
    this.worker.on('exit', (code) => this.fail(new GrepWorkerError(`the search worker stopped (exit code ${code})`)));
  }

  /** Starts a search: the worker compiles the pattern; work still queued at `deadline` kills the worker. */
  begin(query: Omit<QueryMessage, 'type' | 'id' | 'startedAt'>, deadline: number): void {
    this.queryId = nextQueryId++;
    this.queryStart = Date.now();
    this.deadline = deadline;
    this.post({ type: 'query', id: this.queryId, startedAt: this.queryStart, ...query });
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.expire(), Math.max(0, deadline - Date.now()));
    this.timer.unref();
  }

  /** Searches these files; resolves with the files that matched or were skipped, in order. */
  search(files: GrepFileRef[], countOnly: boolean): Promise<FileReply[]> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<FileReply[]>((resolve, reject) => {
      this.queue.push({ files, results: [], resolve, reject });
      if (this.queue.length === 1) this.worker.ref(); // work in flight keeps the process alive
      this.post({ type: 'batch', id: this.queryId, seq: ++this.seq, files, countOnly });
    });
  }

  /** Kills the worker now (cancellation); queued batches reject with `reason`. */
  kill(reason: GrepStopError): void {
    this.fail(reason);
  }

  /**
   * The search is over. An idle worker goes back to the pool; a busy one skips the rest of its
   * batches and goes back once it has caught up (or is killed at the deadline).
   */
  release(): void {
    if (this.failure) return;
    Atomics.store(this.control, CONTROL.cancelledUpTo, this.queryId);
    if (this.queue.length) {
      this.draining = true;
      return;
    }
    clearTimeout(this.timer);
    this.draining = false;
    if (idle.length < MAX_IDLE) idle.push(this);
    else void this.worker.terminate();
  }

  private post(m: WorkerRequest): void {
    this.worker.postMessage(m);
  }

  private onReply(m: WorkerReply): void {
    if (m.type === 'error') {
      // Cannot happen for a pattern the main thread compiled; treat it as a failed worker.
      this.fail(new GrepWorkerError(m.message));
      return;
    }
    if (m.type === 'files') {
      this.queue[0]?.results.push(...m.results);
      return;
    }
    const head = this.queue.shift();
    head?.resolve(head.results);
    if (this.queue.length === 0) {
      this.worker.unref();
      if (this.draining) this.release();
    }
  }

  private expire(): void {
    if (this.queue.length === 0) return;
    const head = this.queue[0]!;
    const ref = head.files[Atomics.load(this.control, CONTROL.fileIndex)];
    const file = ref === undefined ? undefined : fileRefName(ref);
    const since = this.queryStart + Atomics.load(this.control, CONTROL.fileStartMs);
    const ms = Date.now() - since;
    const stuckAfter = Math.min(STUCK_MS, (this.deadline - this.queryStart) / 2);
    this.fail(new GrepTimeLimitError(file !== undefined && ms > stuckAfter ? { file, ms } : undefined));
  }

  private fail(reason: GrepStopError): void {
    if (this.failure) return;
    this.failure = reason;
    clearTimeout(this.timer);
    const i = idle.indexOf(this);
    if (i >= 0) idle.splice(i, 1);
    void this.worker.terminate();
    const [head, ...rest] = this.queue.splice(0);
    if (head) {
      reason.partial = head.results;
      head.reject(reason);
    }
    for (const q of rest) q.reject(Object.assign(Object.create(reason) as GrepStopError, { partial: [] }));
  }
}

// The messages between the main thread (grep-worker-pool.ts) and the grep worker (grep-worker.ts).
import type { GrepLine } from './grep-match.ts';

/** Slots of the shared control array. */
export const CONTROL = {
  /** Every query with an id up to this one is cancelled: the worker skips its remaining files. */
  cancelledUpTo: 0,
  /** The file index, within the batch being matched, that the worker is on. */
  fileIndex: 1,
  /** When the worker started on that file: milliseconds after the query's `startedAt`. */
  fileStartMs: 2,
} as const;

export interface QueryMessage {
  type: 'query';
  id: number;
  pattern: string;
  literal: boolean;
  ignoreCase: boolean;
  context: number;
  maxFileBytes: number;
  /** Epoch milliseconds the main thread started the query at (the base of CONTROL.fileStartMs). */
  startedAt: number;
}

export interface BatchMessage {
  type: 'batch';
  id: number;
  seq: number;
  files: GrepFileRef[];
  /** Only count matching lines (the budget is full). */
  countOnly: boolean;
}

export type WorkerRequest = QueryMessage | BatchMessage;

/**
 * A file to search: a local path the worker reads itself, or the bytes of a file the main thread
 * read through the host's file system (a virtual folder), under a name for messages.
 */
export type GrepFileRef = string | { name: string; bytes: Uint8Array };

export function fileRefName(ref: GrepFileRef): string {
  return typeof ref === 'string' ? ref : ref.name;
}

export type FileReply =
  | { i: number; kind: 'match'; lines: GrepLine[]; matches: number }
  | { i: number; kind: 'count'; matches: number }
  | { i: number; kind: 'big'; size: number }
  | { i: number; kind: 'binary'; matches: number }
  | { i: number; kind: 'unreadable' };

/**
 * The files that matched or were skipped: each as soon as it is done when lines are wanted (so
 * a worker killed on a later file has already reported it), all at the end of a counting batch;
 * then the end of the batch.
 */
export type WorkerReply =
  | { type: 'files'; id: number; seq: number; results: FileReply[] }
  | { type: 'done'; id: number; seq: number }
  | { type: 'error'; id: number; message: string };

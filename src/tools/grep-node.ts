// The pure-Node grep engine: always available. The main thread walks with the guard (so it
// hides exactly what the other tools hide) in slices of a few milliseconds; a worker thread
// (grep-worker.ts) reads the files and runs the pattern, so a pattern that backtracks without
// end is stopped by killing the worker at the time limit, and the extension host never freezes.
// Results come back batch by batch, in walk order, and stream on. Semantics follow the ripgrep
// invocation in grep-ripgrep.ts: CRLF is a line end, files over the size limit are skipped and
// reported, binary files (a NUL) are reported when they match but never shown, a UTF-8 BOM is
// dropped, UTF-16 files with a BOM are decoded. In a folder without a local path (a virtual
// workspace) the main thread reads each file through the host's file system and hands the worker
// its bytes; the pattern still runs only in the worker.
import type { WorkspaceGuard, WorkspaceRoot } from './guard.ts';
import { globFilter, newOutcome } from './grep-search.ts';
import type { FileMode, GrepEngine, GrepOutcome, GrepQuery, GrepTarget, OnFile } from './grep-search.ts';
import { GrepCancelledError, GrepStopError, GrepTimeLimitError, GrepWorker } from './grep-worker-pool.ts';
import type { FileReply, GrepFileRef } from './grep-worker-protocol.ts';
import { relativeUri, toUri } from './uri.ts';
import { newWalkStats, walk } from './walk.ts';

/** The first batch is small so the first matches stream soon; later ones grow to this. */
const FIRST_BATCH = 8;
const MAX_BATCH = 256;
/** Batches sent ahead while the worker matches: the walk keeps going without flooding it. */
const MAX_IN_FLIGHT = 3;

interface Candidate {
  root: WorkspaceRoot;
  rel: string;
  file: GrepFileRef;
}
interface Batch {
  files: Candidate[];
  reply: Promise<FileReply[]>;
}

export const nodeGrepEngine: GrepEngine = {
  name: 'node',
  async search(
    guard: WorkspaceGuard,
    targets: GrepTarget[],
    query: GrepQuery,
    signal: AbortSignal,
    onFile: OnFile,
  ): Promise<GrepOutcome> {
    const filter = globFilter(query.include, query.exclude);
    const outcome = newOutcome();
    const worker = GrepWorker.acquire();
    worker.begin(
      {
        pattern: query.pattern,
        literal: query.literal,
        ignoreCase: query.ignoreCase,
        context: query.context,
        maxFileBytes: query.maxFileBytes,
      },
      query.deadline,
    );
    const onAbort = () => worker.kill(new GrepCancelledError('cancelled'));
    signal.addEventListener('abort', onAbort, { once: true });

    const inFlight: Batch[] = [];
    let pending: Candidate[] = [];
    let batchSize = FIRST_BATCH;
    const state: { mode: FileMode } = { mode: 'full' };

    /** Hands the oldest batch's results on, in order. */
    const settle = async (): Promise<void> => {
      const batch = inFlight.shift()!;
      let replies: FileReply[];
      try {
        replies = await batch.reply;
      } catch (e) {
        // Stopped part-way (time limit, cancel): what the worker reported before still counts.
        if (e instanceof GrepStopError) take(batch, e.partial);
        throw e;
      }
      take(batch, replies);
    };
    const take = (batch: Batch, replies: FileReply[]): void => {
      for (const r of replies) {
        if (state.mode === 'stop') return;
        const { root, rel } = batch.files[r.i]!;
        if (r.kind === 'big') outcome.tooLarge.push({ root, rel, size: r.size });
        else if (r.kind === 'binary') outcome.binary.push({ root, rel, matches: r.matches });
        else if (r.kind === 'unreadable') outcome.unreadable.push({ root, rel });
        else state.mode = onFile({ root, rel, lines: r.kind === 'match' ? r.lines : [], matches: r.matches });
      }
    };
    const send = async (): Promise<void> => {
      if (pending.length === 0) return;
      inFlight.push({
        files: pending,
        reply: worker.search(
          pending.map((c) => c.file),
          state.mode === 'count',
        ),
      });
      pending = [];
      batchSize = Math.min(batchSize * 2, MAX_BATCH);
      while (inFlight.length >= MAX_IN_FLIGHT && state.mode !== 'stop') await settle();
    };
    const add = async (root: WorkspaceRoot, rel: string): Promise<void> => {
      const local = guard.localPathOf(root, rel);
      let file: GrepFileRef;
      if (local !== undefined) file = local;
      else {
        const uri = guard.uriOf(root, rel);
        const stat = await guard.host.fs.stat(uri).catch(() => undefined);
        if (!stat) {
          outcome.unreadable.push({ root, rel });
          return;
        }
        if (stat.size > query.maxFileBytes) {
          outcome.tooLarge.push({ root, rel, size: stat.size });
          return;
        }
        try {
          file = { name: uri, bytes: await guard.host.fs.readFile(uri) };
        } catch {
          outcome.unreadable.push({ root, rel });
          return;
        }
      }
      pending.push({ root, rel, file });
      if (pending.length >= batchSize) await send();
    };

    try {
      for (const target of targets) {
        if (target.isFile) {
          await add(target.root, target.rel);
          continue;
        }
        const stats = newWalkStats();
        const entries = walk(
          guard,
          target.root,
          target.rel,
          { signal, deadline: query.deadline, exclude: (rel, isDir) => filter.excluded(rel, isDir) },
          stats,
        );
        for await (const entry of entries) {
          if (entry.isDir || !filter.included(entry.rel)) continue;
          await add(target.root, entry.rel);
          if (state.mode === 'stop') break;
        }
        if (stats.stoppedBy === 'time') outcome.stoppedBy ??= 'time';
        if (stats.stoppedBy === 'cancelled') outcome.stoppedBy ??= 'cancelled';
        if (state.mode === 'stop' || outcome.stoppedBy) break;
      }
      if (state.mode !== 'stop' && !outcome.stoppedBy) await send();
      while (inFlight.length && state.mode !== 'stop') await settle();
    } catch (e) {
      if (e instanceof GrepTimeLimitError) {
        outcome.stoppedBy = 'time';
        if (e.stuck) outcome.slowFile = locate(targets, e.stuck.file);
      } else if (e instanceof GrepCancelledError) {
        outcome.stoppedBy = 'cancelled';
      } else {
        throw e;
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      for (const b of inFlight) b.reply.catch(() => {}); // abandoned batches: nobody awaits them
      worker.release();
    }
    if (state.mode === 'stop') outcome.stoppedBy ??= 'limit';
    if (signal.aborted) outcome.stoppedBy = 'cancelled';
    return outcome;
  },
};

/** The root and relative path of the file (a local path or a URI) the worker was on. */
function locate(targets: GrepTarget[], file: string): { root: WorkspaceRoot; rel: string } | undefined {
  const uri = toUri(file);
  for (const t of targets) {
    const rel = relativeUri(t.root.uri, uri);
    if (rel) return { root: t.root, rel };
  }
  return undefined;
}

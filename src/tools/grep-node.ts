// The pure-Node grep engine: always available. Walks with the guard (so it hides exactly what
// the other tools hide), reads files synchronously in short slices between event-loop turns,
// rejects most files with one whole-text test, and only splits the files that can match into
// lines. Semantics follow the
// ripgrep invocation in grep-ripgrep.ts: CRLF is a line end, binary files (a NUL) and files over
// the size limit are skipped, a UTF-8 BOM is dropped, UTF-16 files with a BOM are decoded.
import fs from 'node:fs';
import path from 'node:path';
import { decodeText } from './files.ts';
import type { WorkspaceGuard } from './guard.ts';
import { globFilter, lineMatcher, withContext } from './grep-search.ts';
import type { GrepEngine, GrepFileResult, GrepOutcome, GrepQuery, GrepTarget, LineMatcher, OnFile } from './grep-search.ts';
import type { WorkspaceRoot } from './guard.ts';
import { SLICE_MS, newWalkStats, walk } from './walk.ts';

export const nodeGrepEngine: GrepEngine = {
  name: 'node',
  async search(guard: WorkspaceGuard, targets: GrepTarget[], query: GrepQuery, signal: AbortSignal, onFile: OnFile): Promise<GrepOutcome> {
    const matcher = lineMatcher(query);
    const filter = globFilter(query.include, query.exclude);
    const outcome: GrepOutcome = { warnings: [] };
    const buffer = Buffer.allocUnsafe(64 * 1024);
    let slice = performance.now();
    // Reads are synchronous (an order of magnitude faster than fs.promises for many small
    // files) in slices of a few milliseconds, yielding to the event loop between slices.
    const visit = async (root: WorkspaceRoot, rel: string): Promise<boolean> => {
      if (performance.now() - slice > SLICE_MS) {
        await new Promise((r) => setImmediate(r));
        slice = performance.now();
      }
      if (signal.aborted) { outcome.stoppedBy = 'cancelled'; return false }
      if (Date.now() > query.deadline) { outcome.stoppedBy = 'time'; return false }
      let result: GrepFileResult | undefined;
      try { result = searchFile(root, rel, query, matcher, buffer) } catch { return true } // unreadable: skipped
      if (result && !onFile(result)) { outcome.stoppedBy = 'limit'; return false }
      return true;
    };

    for (const target of targets) {
      if (target.isFile) {
        if (!(await visit(target.root, target.rel))) break;
        continue;
      }
      const stats = newWalkStats();
      const entries = walk(guard, target.root, target.rel, { signal, deadline: query.deadline, exclude: (rel, isDir) => filter.excluded(rel, isDir) }, stats);
      let go = true;
      for await (const entry of entries) {
        if (entry.isDir || !filter.included(entry.rel)) continue;
        if (!(go = await visit(target.root, entry.rel))) break;
      }
      if (stats.stoppedBy === 'time') outcome.stoppedBy ??= 'time';
      if (stats.stoppedBy === 'cancelled') outcome.stoppedBy ??= 'cancelled';
      if (!go || outcome.stoppedBy) break;
    }
    if (signal.aborted) outcome.stoppedBy ??= 'cancelled';
    return outcome;
  },
};

function readSmallFile(abs: string, maxBytes: number, buffer: Buffer): Buffer | undefined {
  const fd = fs.openSync(abs, 'r');
  try {
    // Most source files fit the shared buffer: one read, no stat.
    const n = fs.readSync(fd, buffer, 0, buffer.length, 0);
    // (The shared buffer is decoded before the next read, so no copy is needed.)
    if (n < buffer.length) return n > maxBytes ? undefined : buffer.subarray(0, n);
    const size = fs.fstatSync(fd).size;
    if (size > maxBytes) return undefined;
    const all = Buffer.allocUnsafe(size);
    let read = 0;
    while (read < size) {
      const k = fs.readSync(fd, all, read, size - read, read);
      if (k === 0) break;
      read += k;
    }
    return all.subarray(0, read);
  } finally {
    fs.closeSync(fd);
  }
}

function searchFile(root: WorkspaceRoot, rel: string, query: GrepQuery, matcher: LineMatcher, buffer: Buffer): GrepFileResult | undefined {
  const abs = path.join(root.path, ...rel.split('/'));
  const buf = readSmallFile(abs, query.maxFileBytes, buffer);
  if (!buf) return undefined;
  const decoded = decodeText(buf);
  if (!decoded) return undefined; // binary
  let text = decoded.text;
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (!matcher.mayMatch(text)) return undefined;
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const matches: Array<{ index: number; column: number }> = [];
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    if (line.endsWith('\r')) { line = line.slice(0, -1); lines[i] = line }
    const column = matcher.firstMatch(line);
    if (column >= 0) matches.push({ index: i, column });
  }
  if (matches.length === 0) return undefined;
  return { root, rel, lines: withContext(lines, matches, query.context) };
}

// The grep worker: a worker thread that reads files and runs the model's pattern over them, so a
// pattern that backtracks without end (`(a+)+$` on a long line of a's) blocks this thread, never
// the extension host's. The main side (grep-worker-pool.ts) sends batches of paths and kills the
// thread when the search's time limit passes. Bundled on its own as dist/grep-worker.js
// (esbuild.js); under vitest and plain Node this file runs as it is.
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { decodeText } from './files.ts';
import { lineMatcher, matchText } from './grep-match.ts';
import type { GrepLine, LineMatcher } from './grep-match.ts';
import { CONTROL } from './grep-worker-protocol.ts';
import type { FileReply, GrepFileRef, WorkerReply, WorkerRequest } from './grep-worker-protocol.ts';

type FileOutcome =
  | { kind: 'match'; lines: GrepLine[]; matches: number }
  | { kind: 'count'; matches: number }
  | { kind: 'big'; size: number }
  | { kind: 'binary'; matches: number }
  | { kind: 'unreadable' };

const buffer = Buffer.allocUnsafe(64 * 1024);

/** Reads a file of at most `maxBytes`; the size when larger. */
function readFile(abs: string, maxBytes: number): Buffer | { size: number } {
  const fd = fs.openSync(abs, 'r');
  try {
    // Most source files fit the shared buffer: one read, no stat.
    const n = fs.readSync(fd, buffer, 0, buffer.length, 0);
    if (n < buffer.length) return n > maxBytes ? { size: n } : buffer.subarray(0, n);
    const size = fs.fstatSync(fd).size;
    if (size > maxBytes) return { size };
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

function searchFile(
  file: GrepFileRef,
  matcher: LineMatcher,
  context: number,
  maxBytes: number,
  countOnly: boolean,
): FileOutcome | undefined {
  let bytes: Buffer | { size: number };
  if (typeof file === 'string') {
    try {
      bytes = readFile(file, maxBytes);
    } catch {
      return { kind: 'unreadable' };
    }
  } else {
    bytes =
      file.bytes.length > maxBytes
        ? { size: file.bytes.length }
        : Buffer.from(file.bytes.buffer, file.bytes.byteOffset, file.bytes.byteLength);
  }
  if (!Buffer.isBuffer(bytes)) return { kind: 'big', size: bytes.size };
  const decoded = decodeText(bytes);
  if (!decoded) {
    // Binary: its lines are never shown, but a match in it is reported. NUL reads as a line
    // end, as in ripgrep's --binary mode.
    const matches = matchText(bytes.toString('utf8').replaceAll('\0', '\n'), matcher, 0, true);
    return matches ? { kind: 'binary', matches } : undefined;
  }
  let text = decoded.text;
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (countOnly) {
    const matches = matchText(text, matcher, context, true);
    return matches ? { kind: 'count', matches } : undefined;
  }
  const lines = matchText(text, matcher, context);
  if (!lines) return undefined;
  let matches = 0;
  for (const l of lines) if (l.match) matches++;
  return { kind: 'match', lines, matches };
}

function serve(): void {
  const port = parentPort;
  if (!port) throw new Error('grep-worker.ts runs as a worker thread only');
  const control = new Int32Array((workerData as { control: SharedArrayBuffer }).control);
  let query: { id: number; matcher: LineMatcher; context: number; maxFileBytes: number; startedAt: number } | undefined;
  port.on('message', (m: WorkerRequest) => {
    if (m.type === 'query') {
      try {
        query = {
          id: m.id,
          matcher: lineMatcher(m),
          context: m.context,
          maxFileBytes: m.maxFileBytes,
          startedAt: m.startedAt,
        };
      } catch (e) {
        query = undefined;
        port.postMessage({ type: 'error', id: m.id, message: (e as Error).message } satisfies WorkerReply);
      }
      return;
    }
    const counted: FileReply[] = [];
    if (query && query.id === m.id) {
      for (let i = 0; i < m.files.length; i++) {
        if (Atomics.load(control, CONTROL.cancelledUpTo) >= m.id) break;
        Atomics.store(control, CONTROL.fileStartMs, Date.now() - query.startedAt);
        Atomics.store(control, CONTROL.fileIndex, i);
        const r = searchFile(m.files[i]!, query.matcher, query.context, query.maxFileBytes, m.countOnly);
        if (!r) continue;
        if (m.countOnly) counted.push({ i, ...r });
        else port.postMessage({ type: 'files', id: m.id, seq: m.seq, results: [{ i, ...r }] } satisfies WorkerReply);
      }
      Atomics.store(control, CONTROL.fileIndex, -1); // between batches: on no file
    }
    if (counted.length)
      port.postMessage({ type: 'files', id: m.id, seq: m.seq, results: counted } satisfies WorkerReply);
    port.postMessage({ type: 'done', id: m.id, seq: m.seq } satisfies WorkerReply);
  });
}

serve();

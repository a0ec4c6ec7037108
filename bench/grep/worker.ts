// What the grep worker thread costs, and what it buys: the pure-Node engine (walk on the main
// thread, read and match in the worker) against the same work done entirely on the main thread
// (the same walk, read and matchText, as the engine did before the worker), side by side in one
// run, plus the cold start of a worker, and the longest stall of the main thread's event loop
// during each search (a 1 ms timer's worst gap).
//
//   node bench/grep/worker.ts [--files 20000] [--reps 5]
//
// Asserts no times; exits 1 if the two methods find different numbers of matching lines.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeText } from '../../src/tools/files.ts';
import { lineMatcher, matchText } from '../../src/tools/grep-match.ts';
import { nodeGrepEngine } from '../../src/tools/grep-node.ts';
import type { GrepQuery } from '../../src/tools/grep-search.ts';
import { GrepWorker } from '../../src/tools/grep-worker-pool.ts';
import { WorkspaceGuard } from '../../src/tools/guard.ts';
import { NodeHost } from '../../src/tools/node-host.ts';
import { DEFAULT_TOOL_SETTINGS } from '../../src/tools/settings.ts';
import { newWalkStats, walk } from '../../src/tools/walk.ts';

/** Longest stretch of matching on the main thread before yielding to the event loop. */
const SLICE_MS = 10;
import { RARE_MARKER, generateTree } from './tree.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const QUERIES = [
  { label: `rare literal "${RARE_MARKER}"`, pattern: RARE_MARKER, literal: true, ignoreCase: false },
  {
    label: 'frequent regex \\b(const|let)\\s+\\w+',
    pattern: '\\b(const|let)\\s+\\w+',
    literal: false,
    ignoreCase: false,
  },
  { label: 'case-insensitive "todo|fixme"', pattern: 'todo|fixme', literal: false, ignoreCase: true },
];

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

function median(xs: number[]): { median: number; min: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return { median: s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2, min: s[0]!, max: s[s.length - 1]! };
}

/** Runs `fn` while a 1 ms timer ticks: its result, wall time, and the worst gap between ticks beyond the 1 ms. */
async function measured<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number; lagMs: number }> {
  let last = performance.now();
  let lag = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    lag = Math.max(lag, now - last - 1);
    last = now;
  }, 1);
  const start = performance.now();
  try {
    const value = await fn();
    return { value, ms: performance.now() - start, lagMs: lag };
  } finally {
    clearInterval(timer);
  }
}

async function main(): Promise<void> {
  const files = Number(arg('files') ?? 20_000);
  const reps = Number(arg('reps') ?? 5);
  const tree = generateTree(path.join(REPO, '.tools', 'bench-grep', `tree-${files}`), { files });
  const host = new NodeHost({ roots: [tree.root] });
  const guard = new WorkspaceGuard(host, DEFAULT_TOOL_SETTINGS);
  const root = guard.roots()[0]!;
  const queryOf = (q: (typeof QUERIES)[number]): GrepQuery => ({
    ...q,
    context: 0,
    include: [],
    exclude: [],
    maxFileBytes: DEFAULT_TOOL_SETTINGS.maxReadBytes,
    deadline: Date.now() + 60_000,
  });

  // The engine through its worker: matching lines counted as they come back. Uncapped, every
  // matching line travels back; capped like the tool (200 lines, then counts only).
  const viaWorker = async (q: GrepQuery, cap = Infinity) => {
    let n = 0;
    await nodeGrepEngine.search(guard, [{ root, rel: '', isFile: false }], q, new AbortController().signal, (f) => {
      n += f.matches;
      return n >= cap ? 'count' : 'full';
    });
    return n;
  };
  // The same walk, reads and matching on the main thread, yielding between slices as the engine did.
  const inThread = async (q: GrepQuery) => {
    const matcher = lineMatcher(q);
    let n = 0;
    let slice = performance.now();
    for await (const e of walk(guard, root, '', { deadline: q.deadline }, newWalkStats())) {
      if (e.isDir) continue;
      if (performance.now() - slice > SLICE_MS) {
        await new Promise((r) => setImmediate(r));
        slice = performance.now();
      }
      const buf = fs.readFileSync(guard.localPathOf(root, e.rel)!);
      if (buf.length > q.maxFileBytes) continue;
      const decoded = decodeText(buf);
      if (!decoded) continue;
      n += matchText(decoded.text.replace(/^\uFEFF/, ''), matcher, 0, true);
    }
    return n;
  };

  const rows: string[][] = [];
  let mismatch = false;
  for (const q of QUERIES) {
    const query = queryOf(q);
    await GrepWorker.shutdownIdle();
    const cold = await measured(() => viaWorker(query));
    const results = {
      worker: [] as number[],
      capped: [] as number[],
      thread: [] as number[],
      workerLag: [] as number[],
      cappedLag: [] as number[],
      threadLag: [] as number[],
    };
    let counts = { worker: cold.value, capped: 0, thread: 0 };
    for (let rep = 0; rep < reps; rep++) {
      const w = await measured(() => viaWorker(query));
      const c = await measured(() => viaWorker(query, 200));
      const t = await measured(() => inThread(query));
      results.worker.push(w.ms);
      results.workerLag.push(w.lagMs);
      results.capped.push(c.ms);
      results.cappedLag.push(c.lagMs);
      results.thread.push(t.ms);
      results.threadLag.push(t.lagMs);
      counts = { worker: w.value, capped: c.value, thread: t.value };
    }
    if (counts.worker !== counts.thread || counts.capped !== counts.thread) mismatch = true;
    const c = median(results.capped);
    const t = median(results.thread);
    const w = median(results.worker);
    const f = (s: { median: number; min: number; max: number }) =>
      `${s.median.toFixed(0)} [${s.min.toFixed(0)}–${s.max.toFixed(0)}]`;
    rows.push([
      q.label,
      'main thread only (baseline)',
      f(t),
      '1.00×',
      `${median(results.threadLag).median.toFixed(0)}`,
      counts.thread.toLocaleString('en-US'),
    ]);
    rows.push([
      q.label,
      'worker, warm, every line sent back',
      f(w),
      `${(w.median / t.median).toFixed(2)}×`,
      `${median(results.workerLag).median.toFixed(0)}`,
      counts.worker.toLocaleString('en-US'),
    ]);
    rows.push([
      q.label,
      'worker, warm, 200 lines then counts',
      f(c),
      `${(c.median / t.median).toFixed(2)}×`,
      `${median(results.cappedLag).median.toFixed(0)}`,
      counts.capped.toLocaleString('en-US'),
    ]);
    rows.push([
      q.label,
      'worker, cold (first search)',
      `${cold.ms.toFixed(0)}`,
      `${(cold.ms / t.median).toFixed(2)}×`,
      `${cold.lagMs.toFixed(0)}`,
      cold.value.toLocaleString('en-US'),
    ]);
  }
  const headers = [
    'query',
    'method',
    'ms median [min–max]',
    'vs main thread',
    'worst event-loop stall, ms',
    'matching lines',
  ];
  const w = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i < 2 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join(' | ')} |`;
  const cpus = os.cpus();
  console.log(
    `grep worker benchmark, ${new Date().toISOString().slice(0, 10)}: ${tree.files.toLocaleString('en-US')} files (${(tree.bytes / 1e6).toFixed(1)} MB), ${reps} repetitions, warm page cache.`,
  );
  console.log(`Machine: ${cpus[0]?.model ?? 'unknown CPU'} x${cpus.length}; Node ${process.version}.\n`);
  console.log(
    [
      line(headers),
      `|${w.map((n, i) => (i < 2 ? `:${'-'.repeat(n + 1)}` : `${'-'.repeat(n + 1)}:`)).join('|')}|`,
      ...rows.map(line),
    ].join('\n'),
  );
  await GrepWorker.shutdownIdle();
  if (mismatch) {
    console.error('\nThe worker and the main thread found different numbers of matching lines.');
    process.exit(1);
  }
}

await main();

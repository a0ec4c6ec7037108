// Chat webview benchmark: `node bench/webview/run.ts [--reps N] [--quick] [--update-readme]`.
// Runs three variants side by side in one headless Chromium, alternating their order: a naive
// baseline bundle (bench/webview/naive-main.ts) fed one message per delta, the product bundle
// fed one message per delta, and the product bundle fed what the host's coalescer
// (src/ui/delta-coalescer.ts) posts for the same stream. Prints medians with min and max, the
// ratios that separate the two optimisations, and the goals. Method: bench/webview/README.md.
import fs from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';
import type { Page } from 'playwright-core';
import type { HostMessage } from '../../src/shared/messages.ts';
import { coalesceRecorded } from '../../test/unit/helpers/virtual-clock.ts';
import { buildWebview, repoRoot, webviewBuildOptions } from '../../test/webview/build.ts';
import { launchChromium, openView, startServer } from '../../test/webview/harness.ts';
import { longChat } from '../../test/webview/fixtures.ts';
import { codeFileTurn, streamedTurns } from './corpus.ts';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const repsArg = args.indexOf('--reps');
// Streaming runs of the baseline take a minute each, so they repeat fewer times than the load.
const REPS = repsArg >= 0 ? Number(args[repsArg + 1]) : quick ? 2 : 5;
const STREAM_REPS = quick ? 1 : 3;
const PACED_REPS = quick ? 1 : 3;
const FRAME_MS = 1000 / 60;
const BURST = { turns: 10, deltasPerTurn: 1000, perFrame: 25 };
const PACED = { turns: 1, deltasPerTurn: quick ? 500 : 1500, perMinute: 10_000 };
const LONG_CHAT = 500;
/** A chat streamed turn by turn to 500 messages: memory after 50 and after 500. */
const GROWN = { turns: LONG_CHAT / 2, deltasPerTurn: 100, checkpoint: 25 };
const GOAL_P95_MS = 8;
/** A turn that writes a whole file, 25 deltas a frame. Not run for the naive baseline: a whole-message render per delta of a 20 KB message takes minutes. */
const CODE_FILE = { lines: 300, perFrame: 25 };

const benchOut = path.join(repoRoot, '.test-artifacts', 'bench-webview');
await buildWebview();
await esbuild.build({
  ...webviewBuildOptions,
  entryPoints: { naive: 'bench/webview/naive-main.ts' },
  outdir: benchOut,
  sourcemap: false,
});
const server = await startServer({ '/bench/': benchOut });
const browser = await launchChromium();
const VARIANTS = [
  { key: 'naive', label: 'naive baseline, a message per delta', script: '/bench/naive.js', coalesce: false },
  { key: 'perDelta', label: 'product, a message per delta', script: undefined, coalesce: false },
  { key: 'coalesced', label: 'product, host coalescing', script: undefined, coalesce: true },
] as const;
type Variant = (typeof VARIANTS)[number];
type VariantKey = Variant['key'];

/**
 * A stream as the view receives it: each message with when it is dispatched, as a frame number
 * (`frames`: the burst, as fast as frames go) or in ms from the start (`time`: a real rate).
 */
interface Schedule {
  msgs: HostMessage[];
  slots: number[];
  mode: 'frames' | 'time';
}

/**
 * The host's side of a stream whose messages reach the controller at `arrivals` (ms): one
 * message each, or what the coalescer posts. A batched message is dispatched in the frame (or
 * at the time) it is posted.
 */
function schedule(msgs: HostMessage[], arrivals: number[], coalesce: boolean, mode: Schedule['mode']): Schedule {
  const posted = coalesce ? coalesceRecorded(msgs, arrivals) : msgs.map((m, i) => ({ m, at: arrivals[i] ?? 0 }));
  // A tiny margin so that a message posted exactly at a frame's start falls in that frame.
  const slot = (at: number): number => (mode === 'frames' ? Math.floor((at + 1e-6) / FRAME_MS) : at);
  return { msgs: posted.map((p) => p.m), slots: posted.map((p) => slot(p.at)), mode };
}

interface StreamResult {
  p95: number;
  mean: number;
  max: number;
  over16: number;
  frames: number;
  wallMs: number;
  loafs: number;
  messages: number;
}

/**
 * Replays messages as VS Code would deliver them (tasks between frames) and measures the main
 * thread's work per frame: the dispatch of that frame's messages (timed around the synchronous
 * dispatch) plus the frame itself, from the start of its first rAF callback (ours is registered
 * before the app's) to a MessageChannel task posted from it, which runs once the frame's
 * rAF callbacks, style, layout and paint are done.
 */
function driveInPage(a: Schedule): Promise<StreamResult> {
  return new Promise((resolve) => {
    const { msgs, slots, mode } = a;
    const work: number[] = [];
    let loafs = 0;
    const types = (PerformanceObserver as unknown as { supportedEntryTypes: string[] }).supportedEntryTypes;
    const obs = types.includes('long-animation-frame')
      ? new PerformanceObserver((l) => {
          loafs += l.getEntries().length;
        })
      : undefined;
    obs?.observe({ type: 'long-animation-frame' });
    const ch = new MessageChannel();
    let i = 0;
    let step = 0;
    let dispatchMs = 0;
    let frameStart = 0;
    let start = 0;
    let idleFrames = 0;
    const dispatch = (): void => {
      const now = performance.now();
      if (!start) start = now;
      if (i >= msgs.length && ++idleFrames > 3) {
        obs?.disconnect();
        // A port with a handler stays alive (and with it this closure and every message) until closed.
        ch.port1.close();
        const sorted = [...work].sort((x, y) => x - y);
        resolve({
          p95: sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)] ?? 0,
          mean: work.reduce((s, x) => s + x, 0) / Math.max(1, work.length),
          max: sorted.at(-1) ?? 0,
          over16: work.filter((x) => x > 16.7).length,
          frames: work.length,
          wallMs: now - start,
          loafs,
          messages: msgs.length,
        });
        return;
      }
      requestAnimationFrame(() => {
        frameStart = performance.now();
        ch.port2.postMessage(0);
      });
      const until = mode === 'frames' ? step++ : now - start;
      const d0 = performance.now();
      for (; i < msgs.length && (slots[i] ?? 0) <= until; i++)
        window.dispatchEvent(new MessageEvent('message', { data: msgs[i] }));
      dispatchMs = performance.now() - d0;
    };
    ch.port1.onmessage = () => {
      work.push(dispatchMs + (performance.now() - frameStart));
      dispatchMs = 0;
      dispatch();
    };
    dispatch();
  });
}

async function newPage(variant: Variant): Promise<{ page: Page; close(): Promise<void> }> {
  const view = await openView({ server, browser, scriptPath: variant.script, width: 420, height: 800 });
  await view.page.waitForTimeout(300); // let idle warm-up (grammar compilation) finish for both
  return { page: view.page, close: view.close };
}

/** The text the view shows for the last message, compared across variants: batching must not change it. */
const lastTexts = new Map<string, Map<VariantKey, string>>();

async function stream(variant: Variant, name: string, s: Schedule): Promise<StreamResult> {
  const { page, close } = await newPage(variant);
  const r = await page.evaluate(driveInPage, s);
  const text = await page.locator('article.assistant').last().innerText();
  if (!text.includes('Warmline')) throw new Error(`${variant.key}: the last message did not render`);
  const texts = lastTexts.get(name) ?? new Map<VariantKey, string>();
  lastTexts.set(name, texts);
  texts.set(variant.key, text);
  if (variant.key !== 'naive' && [...texts].some(([k, t]) => k !== 'naive' && t !== text))
    throw new Error(`${name}: the product shows different text with and without host coalescing`);
  await close();
  return r;
}

const burstMessages = streamedTurns(BURST.turns, BURST.deltasPerTurn);
const pacedMessages = streamedTurns(PACED.turns, PACED.deltasPerTurn);
const grownMessages = streamedTurns(GROWN.turns, GROWN.deltasPerTurn);
const fileMessages = codeFileTurn(CODE_FILE.lines);
/** 25 messages a frame, spread evenly over the frame; 10,000 a minute. */
const burstArrivals = burstMessages.map((_, i) => (i * FRAME_MS) / BURST.perFrame);
const pacedArrivals = pacedMessages.map((_, i) => (i * 60_000) / PACED.perMinute);
/** The grown chat goes a turn a frame (it measures memory, not time), each turn's messages spread over half a frame. */
const grownArrivals = ((): number[] => {
  let turn = 0;
  let k = 0;
  return grownMessages.map((m) => {
    const at = turn * FRAME_MS + (k++ * FRAME_MS) / (2 * (GROWN.deltasPerTurn + 3));
    if (m.type === 'assistant.end') {
      turn++;
      k = 0;
    }
    return at;
  });
})();
const fileArrivals = fileMessages.map((_, i) => (i * FRAME_MS) / CODE_FILE.perFrame);
const SCHEDULES = {
  burst: {
    naive: schedule(burstMessages, burstArrivals, false, 'frames'),
    coalesced: schedule(burstMessages, burstArrivals, true, 'frames'),
  },
  paced: {
    naive: schedule(pacedMessages, pacedArrivals, false, 'time'),
    coalesced: schedule(pacedMessages, pacedArrivals, true, 'time'),
  },
  grown: {
    naive: schedule(grownMessages, grownArrivals, false, 'frames'),
    coalesced: schedule(grownMessages, grownArrivals, true, 'frames'),
  },
  file: {
    naive: schedule(fileMessages, fileArrivals, false, 'frames'),
    coalesced: schedule(fileMessages, fileArrivals, true, 'frames'),
  },
};
const pick = (s: { naive: Schedule; coalesced: Schedule }, v: Variant): Schedule =>
  v.coalesce ? s.coalesced : s.naive;

interface LoadResult {
  openMs: number;
  heapMB: number;
  elements: number;
  nodes: number;
  builtEntries: number;
}

async function memory(page: Page): Promise<{ heapMB: number; nodes: number; elements: number; builtEntries: number }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('HeapProfiler.collectGarbage');
  const heap = await cdp.send('Runtime.getHeapUsage');
  const counters = await cdp.send('Memory.getDOMCounters');
  const dom = await page.evaluate(() => ({
    elements: document.getElementsByTagName('*').length,
    built: document.querySelectorAll('article.entry:not(.lazy)').length,
  }));
  await cdp.detach();
  return { heapMB: heap.usedSize / 2 ** 20, nodes: counters.nodes, elements: dom.elements, builtEntries: dom.built };
}

async function longChatLoad(variant: Variant): Promise<LoadResult> {
  const { page, close } = await newPage(variant);
  const entries = longChat(LONG_CHAT);
  const openMs = await page.evaluate(
    (data) =>
      new Promise<number>((resolve) => {
        const ch = new MessageChannel();
        const t0 = performance.now();
        requestAnimationFrame(() => ch.port2.postMessage(0));
        ch.port1.onmessage = () => resolve(performance.now() - t0);
        window.dispatchEvent(new MessageEvent('message', { data }));
      }),
    { type: 'chat.load', payload: { chatId: 'long', title: 'long', entries, busy: false } },
  );
  await page.waitForTimeout(500);
  const m = await memory(page);
  await close();
  return { openMs, ...m };
}

/** Streams a chat to 500 messages, a turn a frame; memory (after GC, idle) at 50 and at 500 messages. */
async function grownChat(
  variant: Variant,
): Promise<{ at50: { heapMB: number; nodes: number }; at500: { heapMB: number; nodes: number } }> {
  const { page, close } = await newPage(variant);
  const all = pick(SCHEDULES.grown, variant);
  // The checkpoint: just after the end of turn GROWN.checkpoint (50 messages).
  let ends = 0;
  const cut = all.msgs.findIndex((m) => m.type === 'assistant.end' && ++ends === GROWN.checkpoint) + 1;
  const part = (from: number, to: number): Schedule => ({
    msgs: all.msgs.slice(from, to),
    slots: all.slots.slice(from, to).map((s) => s - (all.slots[from] ?? 0)),
    mode: 'frames',
  });
  await page.evaluate(driveInPage, part(0, cut));
  await page.waitForTimeout(500);
  const at50 = await memory(page);
  await page.evaluate(driveInPage, part(cut, all.msgs.length));
  await page.waitForTimeout(500);
  const at500 = await memory(page);
  const articles = await page.locator('article.entry').count();
  if (articles !== LONG_CHAT)
    throw new Error(`${variant.key}: ${articles} entries after streaming ${LONG_CHAT} messages`);
  await close();
  return { at50, at500 };
}

type Samples = Record<VariantKey, number[]>;
const rows: { name: string; unit: string; samples: Samples; decimals: number }[] = [];
function row(name: string, unit: string, decimals = 1): Samples {
  const samples: Samples = { naive: [], perDelta: [], coalesced: [] };
  rows.push({ name, unit, samples, decimals });
  return samples;
}

const burstP95 = row(
  `burst: p95 main-thread work per frame (${BURST.turns * BURST.deltasPerTurn} deltas, ${BURST.perFrame}/frame)`,
  'ms',
  2,
);
const burstMean = row('burst: mean work per frame', 'ms', 2);
const burstOver = row('burst: frames over 16.7 ms', 'frames', 0);
const burstWall = row('burst: time to stream all deltas', 's', 2);
const burstMsgs = row('burst: messages the view received', 'messages', 0);
const fileP95 = row(
  `a ${CODE_FILE.lines}-line code block streamed (${CODE_FILE.perFrame}/frame): p95 work per frame`,
  'ms',
  2,
);
const fileMean = row(`a ${CODE_FILE.lines}-line code block streamed: mean work per frame`, 'ms', 2);
const pacedP95 = row(`paced 10,000/min: p95 work per frame (${PACED.deltasPerTurn} deltas)`, 'ms', 2);
const pacedMax = row('paced 10,000/min: worst frame', 'ms', 2);
const pacedMsgs = row('paced 10,000/min: messages the view received', 'messages', 0);
const loadOpen = row(`${LONG_CHAT}-message chat: open (chat.load to first frame done)`, 'ms', 0);
const loadHeap = row(`${LONG_CHAT}-message chat: JS heap after GC`, 'MB', 1);
const loadDom = row(`${LONG_CHAT}-message chat: DOM elements in the document`, 'elements', 0);
const loadNodes = row(`${LONG_CHAT}-message chat: live DOM nodes (Blink counter, incl. text)`, 'nodes', 0);
const loadBuilt = row(`${LONG_CHAT}-message chat: entries built`, 'entries', 0);
const grownHeap50 = row('chat streamed to 50 messages: JS heap after GC', 'MB', 1);
const grownHeap500 = row(`chat streamed to ${LONG_CHAT} messages: JS heap after GC`, 'MB', 1);
const grownNodes50 = row('chat streamed to 50 messages: live DOM nodes', 'nodes', 0);
const grownNodes500 = row(`chat streamed to ${LONG_CHAT} messages: live DOM nodes`, 'nodes', 0);

const t0 = performance.now();
for (let rep = 0; rep < REPS; rep++) {
  // Rotate the order so drift on a shared machine does not favour one variant.
  const order = VARIANTS.map((_, k) => VARIANTS[(k + rep) % VARIANTS.length] as Variant);
  for (const v of order) {
    let note = '';
    if (rep < STREAM_REPS) {
      const b = await stream(v, 'burst', pick(SCHEDULES.burst, v));
      burstP95[v.key].push(b.p95);
      burstMean[v.key].push(b.mean);
      burstOver[v.key].push(b.over16);
      burstWall[v.key].push(b.wallMs / 1000);
      burstMsgs[v.key].push(b.messages);
      note += ` burst p95 ${b.p95.toFixed(2)} ms`;
      const g = await grownChat(v);
      grownHeap50[v.key].push(g.at50.heapMB);
      grownHeap500[v.key].push(g.at500.heapMB);
      grownNodes50[v.key].push(g.at50.nodes);
      grownNodes500[v.key].push(g.at500.nodes);
      note += `, grown chat nodes ${g.at50.nodes} -> ${g.at500.nodes}`;
    }
    if (rep < STREAM_REPS && v.key !== 'naive') {
      const f = await stream(v, 'file', pick(SCHEDULES.file, v));
      fileP95[v.key].push(f.p95);
      fileMean[v.key].push(f.mean);
      note += `, code file p95 ${f.p95.toFixed(2)} ms`;
    }
    if (rep < PACED_REPS) {
      const p = await stream(v, 'paced', pick(SCHEDULES.paced, v));
      pacedP95[v.key].push(p.p95);
      pacedMax[v.key].push(p.max);
      pacedMsgs[v.key].push(p.messages);
      note += `, paced p95 ${p.p95.toFixed(2)} ms`;
    }
    const l = await longChatLoad(v);
    loadOpen[v.key].push(l.openMs);
    loadHeap[v.key].push(l.heapMB);
    loadDom[v.key].push(l.elements);
    loadNodes[v.key].push(l.nodes);
    loadBuilt[v.key].push(l.builtEntries);
    note += `, open ${l.openMs.toFixed(0)} ms, heap ${l.heapMB.toFixed(1)} MB`;
    process.stderr.write(`rep ${rep + 1}/${REPS} ${v.key}:${note}\n`);
  }
}
const chromiumVersion = browser.version();
await browser.close();
await server.close();

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const fmt = (x: number, d: number): string => x.toFixed(d);
const cell = (xs: number[], d: number): string =>
  xs.length ? `${fmt(median(xs), d)} (${fmt(Math.min(...xs), d)}–${fmt(Math.max(...xs), d)})` : 'n/a';
const ratio = (num: number[], den: number[]): string => {
  if (!num.length || !den.length) return '—';
  const n = median(num);
  const d = median(den);
  return d > 0 ? `${(n / d).toFixed(1)}×` : n > 0 ? '∞' : '—';
};
const lines = [
  `| metric | unit | ${VARIANTS.map((v) => `${v.label}: median (min–max)`).join(' | ')} | naive / product (rendering) | per delta / coalesced (host batching) |`,
  '|---|---|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.name} | ${r.unit} | ${VARIANTS.map((v) => cell(r.samples[v.key], r.decimals)).join(' | ')} | ${ratio(r.samples.naive, r.samples.perDelta)} | ${ratio(r.samples.perDelta, r.samples.coalesced)} |`,
  ),
];
const verdict = (value: number, goal: number): string =>
  `${value.toFixed(2)} ms, goal <= ${goal} ms: ${value <= goal ? 'met' : 'NOT met'}`;
const flat = (at500: number[], at50: number[]): string =>
  `${(median(at500) / median(at50)).toFixed(2)}× from 50 to ${LONG_CHAT} messages`;
const goals = [
  `- p95 frame work at ${BURST.perFrame} deltas per frame, product with host coalescing: ${verdict(median(burstP95.coalesced), GOAL_P95_MS)} (a message per delta: ${median(burstP95.perDelta).toFixed(2)} ms)`,
  `- p95 frame work at 10,000 deltas a minute, product with host coalescing: ${verdict(median(pacedP95.coalesced), GOAL_P95_MS)} (a message per delta: ${median(pacedP95.perDelta).toFixed(2)} ms)`,
  `- p95 frame work while a ${CODE_FILE.lines}-line code block streams, product with host coalescing: ${verdict(median(fileP95.coalesced), GOAL_P95_MS)} (not a goal of the issue; the open block's cost grows with its size)`,
  `- memory over a chat streamed to ${LONG_CHAT} messages, product: live DOM nodes ${flat(grownNodes500.coalesced, grownNodes50.coalesced)}, JS heap ${flat(grownHeap500.coalesced, grownHeap50.coalesced)} (naive baseline: DOM nodes ${flat(grownNodes500.naive, grownNodes50.naive)})`,
];
const header = `Chromium ${chromiumVersion} headless, repetitions: ${STREAM_REPS} burst and grown chat, ${PACED_REPS} paced, ${REPS} load; ${new Date().toISOString().slice(0, 10)}, ${((performance.now() - t0) / 1000).toFixed(0)} s`;
console.log(`\n${header}\n`);
console.log(lines.join('\n'));
console.log(`\nGoals:\n${goals.join('\n')}`);

if (args.includes('--update-readme')) {
  const readme = path.join(import.meta.dirname, 'README.md');
  const text = fs.readFileSync(readme, 'utf8');
  const block = `<!-- results:start -->\n${header}\n\n${lines.join('\n')}\n\nGoals:\n\n${goals.join('\n')}\n<!-- results:end -->`;
  fs.writeFileSync(readme, text.replace(/<!-- results:start -->[\s\S]*<!-- results:end -->/, block));
  console.log(`\nupdated ${path.relative(repoRoot, readme)}`);
}

// Chat webview benchmark: `node bench/webview/run.ts [--reps N] [--quick] [--update-readme]`.
// Runs the product bundle (incremental, lazy) and a naive baseline bundle (bench/webview/
// naive-main.ts) side by side in one headless Chromium, alternating runs, and prints medians
// with min and max and the ratio baseline / product. Method: bench/webview/README.md.
import fs from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';
import type { Page } from 'playwright-core';
import { buildWebview, repoRoot, webviewBuildOptions } from '../../test/webview/build.ts';
import { launchChromium, openView, startServer } from '../../test/webview/harness.ts';
import { longChat } from '../../test/webview/fixtures.ts';
import { streamedTurns } from './corpus.ts';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const repsArg = args.indexOf('--reps');
// Streaming runs of the baseline take a minute each, so they repeat fewer times than the load.
const REPS = repsArg >= 0 ? Number(args[repsArg + 1]) : quick ? 2 : 5;
const STREAM_REPS = quick ? 1 : 3;
const PACED_REPS = quick ? 1 : 3;
const BURST = { turns: 10, deltasPerTurn: 1000, perFrame: 25 };
const PACED = { turns: 1, deltasPerTurn: quick ? 500 : 1500, perMinute: 10_000 };
const LONG_CHAT = 500;

const benchOut = path.join(repoRoot, '.test-artifacts', 'bench-webview');
await buildWebview();
await esbuild.build({ ...webviewBuildOptions, entryPoints: { naive: 'bench/webview/naive-main.ts' }, outdir: benchOut, sourcemap: false });
const server = await startServer({ '/bench/': benchOut });
const browser = await launchChromium();
const VARIANTS = [
  { key: 'product', label: 'incremental + lazy', script: undefined },
  { key: 'baseline', label: 'naive baseline', script: '/bench/naive.js' },
] as const;
type VariantKey = (typeof VARIANTS)[number]['key'];

interface StreamResult { p95: number; mean: number; max: number; over16: number; frames: number; wallMs: number; loafs: number }

/**
 * Replays messages as VS Code would deliver them (tasks between frames) and measures the main
 * thread's work per frame: the dispatch of that frame's messages (timed around the synchronous
 * dispatch) plus the frame itself, from the start of its first rAF callback (ours is registered
 * before the app's) to a MessageChannel task posted from it, which runs once the frame's
 * rAF callbacks, style, layout and paint are done.
 */
function driveInPage(a: { msgs: unknown[]; perFrame: number; perSecond: number }): Promise<StreamResult> {
  return new Promise((resolve) => {
    const { msgs, perFrame, perSecond } = a;
    const work: number[] = [];
    let loafs = 0;
    const types = (PerformanceObserver as unknown as { supportedEntryTypes: string[] }).supportedEntryTypes;
    const obs = types.includes('long-animation-frame') ? new PerformanceObserver((l) => { loafs += l.getEntries().length; }) : undefined;
    obs?.observe({ type: 'long-animation-frame' });
    const ch = new MessageChannel();
    let i = 0;
    let dispatchMs = 0;
    let frameStart = 0;
    let start = 0;
    let idleFrames = 0;
    const dispatch = (): void => {
      const now = performance.now();
      if (!start) start = now;
      if (i >= msgs.length && ++idleFrames > 3) {
        obs?.disconnect();
        const sorted = [...work].sort((x, y) => x - y);
        resolve({
          p95: sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)] ?? 0,
          mean: work.reduce((s, x) => s + x, 0) / Math.max(1, work.length),
          max: sorted.at(-1) ?? 0,
          over16: work.filter((x) => x > 16.7).length,
          frames: work.length,
          wallMs: now - start,
          loafs,
        });
        return;
      }
      requestAnimationFrame(() => {
        frameStart = performance.now();
        ch.port2.postMessage(0);
      });
      const due = perSecond > 0 ? Math.min(msgs.length, Math.max(i + 1, Math.floor(((now - start) * perSecond) / 1000))) : Math.min(msgs.length, i + perFrame);
      const d0 = performance.now();
      for (; i < due; i++) window.dispatchEvent(new MessageEvent('message', { data: msgs[i] }));
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

async function newPage(variant: (typeof VARIANTS)[number]): Promise<{ page: Page; close(): Promise<void> }> {
  const view = await openView({ server, browser, scriptPath: variant.script, width: 420, height: 800 });
  await view.page.waitForTimeout(300); // let idle warm-up (grammar compilation) finish for both
  return { page: view.page, close: view.close };
}

async function stream(variant: (typeof VARIANTS)[number], cfg: { turns: number; deltasPerTurn: number; perFrame: number; perSecond: number }): Promise<StreamResult> {
  const { page, close } = await newPage(variant);
  const msgs = streamedTurns(cfg.turns, cfg.deltasPerTurn);
  const r = await page.evaluate(driveInPage, { msgs, perFrame: cfg.perFrame, perSecond: cfg.perSecond });
  const text = await page.locator('article.assistant').last().innerText();
  if (!text.includes('Warmline')) throw new Error(`${variant.key}: the last message did not render`);
  await close();
  return r;
}

interface LoadResult { openMs: number; heapMB: number; elements: number; nodes: number; builtEntries: number }

async function longChatLoad(variant: (typeof VARIANTS)[number]): Promise<LoadResult> {
  const { page, close } = await newPage(variant);
  const entries = longChat(LONG_CHAT);
  const openMs = await page.evaluate((data) => new Promise<number>((resolve) => {
    const ch = new MessageChannel();
    const t0 = performance.now();
    requestAnimationFrame(() => ch.port2.postMessage(0));
    ch.port1.onmessage = () => resolve(performance.now() - t0);
    window.dispatchEvent(new MessageEvent('message', { data }));
  }), { type: 'chat.load', payload: { chatId: 'long', title: 'long', entries, busy: false } });
  await page.waitForTimeout(500);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('HeapProfiler.collectGarbage');
  const heap = await cdp.send('Runtime.getHeapUsage');
  const counters = await cdp.send('Memory.getDOMCounters');
  const dom = await page.evaluate(() => ({ elements: document.getElementsByTagName('*').length, built: document.querySelectorAll('article.entry:not(.lazy)').length }));
  await cdp.detach();
  await close();
  return { openMs, heapMB: heap.usedSize / 2 ** 20, elements: dom.elements, nodes: counters.nodes, builtEntries: dom.built };
}

type Samples = Record<VariantKey, number[]>;
const rows: { name: string; unit: string; samples: Samples; decimals: number }[] = [];
function row(name: string, unit: string, decimals = 1): Samples {
  const samples: Samples = { product: [], baseline: [] };
  rows.push({ name, unit, samples, decimals });
  return samples;
}

const burstP95 = row(`burst: p95 main-thread work per frame (${BURST.turns * BURST.deltasPerTurn} deltas, ${BURST.perFrame}/frame)`, 'ms', 2);
const burstMean = row('burst: mean work per frame', 'ms', 2);
const burstOver = row('burst: frames over 16.7 ms', 'frames', 0);
const burstWall = row('burst: time to stream all deltas', 's', 2);
const pacedP95 = row(`paced 10,000/min: p95 work per frame (${PACED.deltasPerTurn} deltas)`, 'ms', 2);
const pacedMax = row('paced 10,000/min: worst frame', 'ms', 2);
const loadOpen = row(`${LONG_CHAT}-message chat: open (chat.load to first frame done)`, 'ms', 0);
const loadHeap = row(`${LONG_CHAT}-message chat: JS heap after GC`, 'MB', 1);
const loadDom = row(`${LONG_CHAT}-message chat: DOM elements in the document`, 'elements', 0);
const loadNodes = row(`${LONG_CHAT}-message chat: live DOM nodes (Blink counter, incl. text)`, 'nodes', 0);
const loadBuilt = row(`${LONG_CHAT}-message chat: entries built`, 'entries', 0);

const t0 = performance.now();
for (let rep = 0; rep < REPS; rep++) {
  // Alternate the order so drift on a shared machine does not favour one variant.
  const order = rep % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
  for (const v of order) {
    let note = '';
    if (rep < STREAM_REPS) {
      const b = await stream(v, { ...BURST, perSecond: 0 });
      burstP95[v.key].push(b.p95);
      burstMean[v.key].push(b.mean);
      burstOver[v.key].push(b.over16);
      burstWall[v.key].push(b.wallMs / 1000);
      note += ` burst p95 ${b.p95.toFixed(2)} ms`;
    }
    if (rep < PACED_REPS) {
      const p = await stream(v, { ...PACED, perFrame: 0, perSecond: PACED.perMinute / 60 });
      pacedP95[v.key].push(p.p95);
      pacedMax[v.key].push(p.max);
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
const cell = (xs: number[], d: number): string => (xs.length ? `${fmt(median(xs), d)} (${fmt(Math.min(...xs), d)}–${fmt(Math.max(...xs), d)})` : 'n/a');
const lines = [
  `| metric | unit | incremental + lazy: median (min–max) | naive baseline: median (min–max) | baseline / product |`,
  '|---|---|---|---|---|',
  ...rows.map((r) => {
    const p = median(r.samples.product);
    const b = median(r.samples.baseline);
    const ratio = p > 0 ? `${(b / p).toFixed(1)}×` : b > 0 ? '∞' : '—';
    return `| ${r.name} | ${r.unit} | ${cell(r.samples.product, r.decimals)} | ${cell(r.samples.baseline, r.decimals)} | ${ratio} |`;
  }),
];
const header = `Chromium ${chromiumVersion} headless, repetitions: ${STREAM_REPS} burst, ${PACED_REPS} paced, ${REPS} load; ${new Date().toISOString().slice(0, 10)}, ${((performance.now() - t0) / 1000).toFixed(0)} s`;
console.log(`\n${header}\n`);
console.log(lines.join('\n'));

if (args.includes('--update-readme')) {
  const readme = path.join(import.meta.dirname, 'README.md');
  const text = fs.readFileSync(readme, 'utf8');
  const block = `<!-- results:start -->\n${header}\n\n${lines.join('\n')}\n<!-- results:end -->`;
  fs.writeFileSync(readme, text.replace(/<!-- results:start -->[\s\S]*<!-- results:end -->/, block));
  console.log(`\nupdated ${path.relative(repoRoot, readme)}`);
}

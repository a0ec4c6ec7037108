// A pattern that backtracks without end must not freeze the host: the Node engine runs patterns
// in a worker thread that is killed at the time limit, and patterns ripgrep rejects (look-around)
// reach that engine too. The main thread's event loop keeps turning meanwhile.
import { afterAll, describe, expect, it } from 'vitest';
import { createGrepTool } from '../../../src/tools/grep.ts';
import type { GrepToolOptions } from '../../../src/tools/grep.ts';
import { GrepWorker } from '../../../src/tools/grep-worker-pool.ts';
import { NodeHost } from '../../../src/tools/node-host.ts';
import type { ToolResult } from '../../../src/tools/types.ts';
import { TEST_RG, cleanupFixtures, context, expectToolError, fixture, run } from './helpers.ts';

afterAll(cleanupFixtures);

const RG = TEST_RG;

/** A line on which `(a+)+$` backtracks for far longer than any test runs (2^48 steps). */
const EVIL_LINE = `${'a'.repeat(48)}!`;
const TIME_LIMIT_MS = 700;
/** The bound the issue asks for: back within the limit plus a generous margin on a noisy machine. */
const MARGIN_MS = 2000;

/** Runs `call` while a 10 ms timer ticks; returns the call's outcome and the longest gap between ticks. */
async function withLagProbe<T>(
  call: () => Promise<T>,
): Promise<{ value?: T; error?: unknown; ms: number; maxLagMs: number; ticks: number }> {
  let last = performance.now();
  let maxLagMs = 0;
  let ticks = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    maxLagMs = Math.max(maxLagMs, now - last);
    last = now;
    ticks++;
  }, 10);
  const started = performance.now();
  try {
    const value = await call();
    return { value, ms: performance.now() - started, maxLagMs, ticks };
  } catch (error) {
    return { error, ms: performance.now() - started, maxLagMs, ticks };
  } finally {
    clearInterval(timer);
  }
}

function grepTool(options: GrepToolOptions) {
  const engines: string[] = [];
  const tool = createGrepTool({ timeLimitMs: TIME_LIMIT_MS, ...options, onEngine: (e) => engines.push(e) });
  return { tool, engines };
}

describe('grep: a catastrophic pattern is stopped at the time limit', () => {
  it('on the Node engine: a clear time-limit error within the limit, and the event loop keeps turning', async () => {
    const ws = fixture({ 'evil.txt': `${EVIL_LINE}\n` });
    const { tool } = grepTool({ engine: 'node' });
    const r = await withLagProbe(() => run(tool, { pattern: '(a+)+$' }, context(ws.root)));
    const err = await expectToolError(
      Promise.reject(r.error),
      'timeout',
      /stopped at its 0.7 s time limit while matching the pattern in 'evil\.txt'/,
    );
    expect(err.message).toMatch(/backtrack catastrophically/);
    expect(r.ms).toBeLessThan(TIME_LIMIT_MS + MARGIN_MS);
    expect(r.ms).toBeGreaterThanOrEqual(TIME_LIMIT_MS - 50);
    expect(r.maxLagMs, 'the longest gap between 10 ms ticks').toBeLessThan(500);
    expect(r.ticks).toBeGreaterThan(20);
  });

  it('on the ripgrep path: look-around falls back to the Node engine, which is stopped the same way', async () => {
    expect(RG, 'the tests need a ripgrep: run .ci/vscode-tools or apt-get install ripgrep').toBeTruthy();
    const ws = fixture({ 'evil.txt': `${EVIL_LINE}\n` });
    const { tool, engines } = grepTool({ rgPath: RG });
    const r = await withLagProbe(() => run(tool, { pattern: '(?=a)(a+)+$' }, context(ws.root)));
    expect(engines).toEqual(['ripgrep', 'node']);
    await expectToolError(Promise.reject(r.error), 'timeout', /while matching the pattern in 'evil\.txt'.*backtrack/);
    expect(r.ms).toBeLessThan(TIME_LIMIT_MS + MARGIN_MS);
    expect(r.maxLagMs).toBeLessThan(500);
  });

  it('ripgrep itself runs the same pattern without look-around in linear time', async () => {
    const ws = fixture({ 'evil.txt': `${EVIL_LINE}\n`, 'ok.txt': 'aaaa\n' });
    const { tool, engines } = grepTool({ rgPath: RG });
    const r = await run(tool, { pattern: '(a+)+$' }, context(ws.root));
    expect(engines).toEqual(['ripgrep']);
    expect(r.output).toBe('1 matching line in 1 file for pattern "(a+)+$" in the workspace:\nok.txt:1:aaaa');
  });

  it('keeps what it found before the slow file and says where it stopped', async () => {
    const ws = fixture({ 'a.txt': 'aaa\n', 'b.txt': `${EVIL_LINE}\n`, 'c.txt': 'aaaa\n' });
    const { tool } = grepTool({ engine: 'node' });
    const r = await withLagProbe(() => run(tool, { pattern: '(a+)+$' }, context(ws.root)));
    const result = r.value as ToolResult;
    expect(result.output).toMatch(
      /^1 matching line in 1 file for pattern "\(a\+\)\+\$" in the workspace:\na\.txt:1:aaa\n/,
    );
    expect(result.output).toMatch(
      /\[The search stopped at its 0.7 s time limit while matching the pattern in 'b\.txt': the pattern may backtrack catastrophically.*Files after it were not searched\.\]/,
    );
    expect(result.summary).toBe('1+ match in 1 file');
    expect(r.ms).toBeLessThan(TIME_LIMIT_MS + MARGIN_MS);
  });

  it('is cancelled at once, even in the middle of a slow match', async () => {
    const ws = fixture({ 'evil.txt': `${EVIL_LINE}\n` });
    const { tool } = grepTool({ engine: 'node', timeLimitMs: 60_000 });
    const ctx = context(ws.root);
    setTimeout(() => ctx.controller.abort(), 300);
    const r = await withLagProbe(() => run(tool, { pattern: '(a+)+$' }, ctx));
    await expectToolError(Promise.reject(r.error), 'cancelled');
    expect(r.ms).toBeLessThan(300 + MARGIN_MS);
  });

  it('reuses one warm worker across searches, and replaces a killed one', async () => {
    const ws = fixture({ 'x.txt': 'needle\n', 'evil.txt': `${EVIL_LINE}\n` });
    const { tool } = grepTool({ engine: 'node', timeLimitMs: 500 });
    await GrepWorker.shutdownIdle();
    const cold = await withLagProbe(() => run(tool, { pattern: 'needle' }, context(ws.root)));
    expect(GrepWorker.idleCount()).toBe(1);
    const warm = await withLagProbe(() => run(tool, { pattern: 'needle' }, context(ws.root)));
    expect((warm.value as ToolResult).output).toContain('x.txt:1:needle');
    expect(GrepWorker.idleCount()).toBe(1);
    expect(cold.value).toEqual(warm.value);
    // The slow search kills its worker; the next one starts a fresh worker and works.
    await expectToolError(run(tool, { pattern: '(a+)+$', path: 'evil.txt' }, context(ws.root)), 'timeout');
    expect(GrepWorker.idleCount()).toBe(0);
    expect((await run(tool, { pattern: 'needle' }, context(ws.root))).output).toContain('x.txt:1:needle');
    expect(GrepWorker.idleCount()).toBe(1);
  });

  it('refuses a pattern too long to check quickly, on every path', async () => {
    const ws = fixture({ 'x.txt': 'a\n' });
    for (const options of [{ engine: 'node' as const }, { rgPath: RG }]) {
      await expectToolError(
        run(createGrepTool(options), { pattern: 'a'.repeat(5000) }, context(new NodeHost({ roots: [ws.root] }))),
        'invalid_regex',
        /at most 4,096/,
      );
    }
  });
});

import { describe, expect, it } from 'vitest';
import { PrewarmScheduler, contextCovers, inlineContext, inlineInstruction } from '../../src/agent/inline-context.ts';
import type { InlineContext, InlineDocument } from '../../src/agent/inline-context.ts';
import { userMessage } from '../../src/session/protocol.ts';
import type { InputItem } from '../../src/session/protocol.ts';
import { modelRequests, useSessions } from './session-helpers.ts';

function doc(lines: string[], version = 1): InlineDocument {
  return { path: 'src/a.ts', languageId: 'typescript', version, lineCount: lines.length, lineAt: (i) => lines[i]! };
}
const numbered = (n: number) => Array.from({ length: n }, (_, i) => `line ${i + 1}`);
/** The text of a user message. */
const messageText = (item: InputItem) => (item.content as Array<{ text: string }>).map((p) => p.text).join('');
const limits = { wholeFileLines: 100, aroundLines: 10, maxChars: 2_000 };

describe('the inline context', () => {
  it('is the whole file when short, the region around the cursor when long, nothing when too large', () => {
    const whole = inlineContext('u', doc(numbered(50)), 20, limits)!;
    expect([whole.start, whole.end]).toEqual([0, 50]);
    expect(messageText(whole.message)).toContain('the whole file, 50 lines');
    const region = inlineContext('u', doc(numbered(500)), 250, limits)!;
    expect([region.start, region.end]).toEqual([240, 261]);
    const text = messageText(region.message);
    expect(text).toContain('lines 241-261 of 500');
    expect(text).toContain('line 241\n');
    expect(text).not.toContain('line 240\n');
    expect(inlineContext('u', doc(numbered(80).map((l) => l.padEnd(100, '.'))), 0, limits)).toBeUndefined();
  });

  it('fences the file with more backticks than it holds, so its own fences cannot end the block', () => {
    const text = messageText(inlineContext('u', doc(['a', '````md', 'b', '````']), 0, limits)!.message);
    expect(text).toContain('`````typescript\na\n````md');
    expect(text.endsWith('\n`````')).toBe(true);
  });

  it('is used only for the same document, version and lines inside it', () => {
    const ctx = inlineContext('u', doc(numbered(500), 7), 250, limits);
    expect(contextCovers(ctx, 'u', 7, 245, 255)).toBe(true);
    expect(contextCovers(ctx, 'u', 8, 245, 255)).toBe(false);
    expect(contextCovers(ctx, 'other', 7, 245, 255)).toBe(false);
    expect(contextCovers(ctx, 'u', 7, 235, 255)).toBe(false);
    expect(contextCovers(ctx, 'u', 7, 245, 261)).toBe(false);
    expect(contextCovers(undefined, 'u', 7, 245, 255)).toBe(false);
  });

  it('the instruction names the lines and repeats them', () => {
    const text = messageText(inlineInstruction(doc(numbered(9)), 2, 4, 'rename'));
    expect(text).toContain('Rewrite lines 3-5 of src/a.ts');
    expect(text).toContain('Instruction: rename');
    expect(text).toContain('```\nline 3\nline 4\nline 5\n```');
  });
});

/** A scheduler on a hand-driven clock. */
function scheduler(stage: (ctx: InlineContext) => Promise<boolean>) {
  let now = 0;
  const timers: Array<{ at: number; fn: () => void } | undefined> = [];
  const s = new PrewarmScheduler(stage, {
    debounceMs: 100,
    minIntervalMs: 1_000,
    now: () => now,
    setTimer: (fn, ms) => timers.push({ at: now + ms, fn }) - 1,
    clearTimer: (h) => {
      if (typeof h === 'number') timers[h] = undefined;
    },
  });
  const advance = async (ms: number) => {
    const until = now + ms;
    for (;;) {
      const due = timers
        .map((t, i) => ({ t, i }))
        .filter((x) => x.t && x.t.at <= until)
        .sort((a, b) => a.t!.at - b.t!.at)[0];
      if (!due) break;
      now = due.t!.at;
      timers[due.i] = undefined;
      due.t!.fn();
      await new Promise((r) => setImmediate(r));
    }
    now = until;
  };
  return { s, advance };
}

describe('when to stage', () => {
  const ctx = (version: number, start = 0): InlineContext => ({
    uri: 'u',
    version,
    start,
    end: start + 10,
    message: userMessage(`v${version}`),
  });

  it('once the editor settles: a burst of moves stages once, after the quiet time', async () => {
    const staged: number[] = [];
    const { s, advance } = scheduler(async (c) => {
      staged.push(c.version);
      return true;
    });
    for (let i = 0; i < 5; i++) {
      s.notify(() => ctx(1));
      await advance(50);
    }
    expect(staged).toEqual([]);
    await advance(100);
    expect(staged).toEqual([1]);
    expect(s.staged()?.version).toBe(1);
  });

  it('never the same text and region twice; at most once per interval; again once a request used it', async () => {
    const staged: number[] = [];
    const { s, advance } = scheduler(async (c) => {
      staged.push(c.version);
      return true;
    });
    s.notify(() => ctx(1));
    await advance(200);
    s.notify(() => ctx(1));
    await advance(200);
    expect(staged).toEqual([1]);
    s.notify(() => ctx(2));
    await advance(200);
    expect(staged).toEqual([1]); // within the interval: waits
    await advance(1_000);
    expect(staged).toEqual([1, 2]);
    s.consumed();
    expect(s.staged()).toBeUndefined();
    await advance(1_000);
    s.notify(() => ctx(2));
    await advance(200);
    expect(staged).toEqual([1, 2, 2]);
  });

  it('a staging that did not happen (HTTP, a busy lane) is not remembered as staged', async () => {
    const { s, advance } = scheduler(async () => false);
    s.notify(() => ctx(1));
    await advance(200);
    expect(s.staged()).toBeUndefined();
  });
});

describe('SessionManager.stage', () => {
  const setup = useSessions();
  const scenario = { name: 'inline', turns: (n: number) => ({ text: `answer ${n}` }) };

  it('stages the context with generate:false; a request starting with it is a one-item delta on it', async () => {
    const { emu, s } = await setup({ scenario });
    await s.start(['inline']);
    const context = userMessage(`The file src/a.ts:\n${'const x = 1;\n'.repeat(500)}`);
    expect(await s.stage([context], { lane: 'inline' })).toBe(true);
    const warmups = emu.requests.filter((r) => r.generate === false);
    const staging = warmups.at(-1)!;
    expect(staging.inputItems).toBe(1);
    const r = await s.respond([context, userMessage('rewrite line 3')], { lane: 'inline' });
    expect(r.metrics.mode).toBe('delta');
    const [ask] = modelRequests(emu);
    expect(ask!.previousResponseId).toBe(staging.responseId);
    expect(ask!.inputItems).toBe(1);
    expect(ask!.bytes).toBeLessThan(staging.bytes / 3);
    expect(emu.violations).toEqual([]);
  });

  it('does nothing over HTTP, where it would cost a full request', async () => {
    const { emu, s } = await setup({ scenario }, { transport: 'http' });
    expect(await s.stage([userMessage('file')], { lane: 'inline' })).toBe(false);
    expect(emu.requests).toEqual([]);
  });

  it('never makes a turn wait: on a busy lane it does nothing', async () => {
    const { emu, s } = await setup({ scenario, chunkDelayMs: 20 });
    await s.start(['inline']);
    // Staged while the turn is under way: once its first event has come back.
    let turn!: ReturnType<typeof s.respond>;
    await new Promise<void>((underway) => {
      turn = s.respond([userMessage('a long answer')], { lane: 'inline', onEvent: () => underway() });
    });
    expect(await s.stage([userMessage('file')], { lane: 'inline' })).toBe(false);
    await turn;
    expect(emu.requests.filter((r) => r.generate === false)).toHaveLength(1);
  });
});

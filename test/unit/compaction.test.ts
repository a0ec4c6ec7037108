// A chain whose history crosses the model's window: compacted each of the three ways (server-side
// `context_management`, `/responses/compact`, a summary by the model), and the chain completes
// with the user's last message and the pending tool outputs intact.
import { describe, expect, it } from 'vitest';
import { chainScenario } from '../emulator/scenario.ts';
import { splitForCompaction } from '../../src/session/compaction.ts';
import { userMessage } from '../../src/session/protocol.ts';
import type { InputItem } from '../../src/session/protocol.ts';
import { modelRequests, runChain, useSessions } from './session-helpers.ts';

const setup = useSessions();

// 12 tool calls of 1.5 KB each: about 6,000 tokens in all, twice a 3,000-token window.
const WINDOW = 3000;
const CHAIN = 12;
const PROMPT = 'explore the repository and report';

/** A clean run of the same chain against a window big enough: what the compacted one must match. */
async function clean(reasoning: boolean, transport: 'websocket' | 'http') {
  const { s } = await setup({ scenario: chainScenario(CHAIN), reasoning }, { transport });
  return runChain(s, PROMPT);
}

function report(label: string, run: Awaited<ReturnType<typeof runChain>>): void {
  console.log(
    `[compaction] ${label}: ${run.compactions.map((c) => `${c.how}/${c.reason} ${c.tokensBefore}->${c.tokensAfter} tokens`).join(', ')}; ${run.metrics.length} turns, transcript ${run.transcript.length} items, context after the last turn ${run.metrics.at(-1)!.contextTokens}/${run.metrics.at(-1)!.contextWindow}`,
  );
}

function userTexts(items: InputItem[]): string[] {
  return items.filter((i) => i.type === 'message' && i.role === 'user').map((i) => JSON.stringify(i));
}

for (const reasoning of [false, true]) {
  for (const transport of ['websocket', 'http'] as const) {
    describe(`a chain that outgrows the window (${transport}, ${reasoning ? 'reasoning model' : 'plain model'})`, () => {
      it('server-side compaction: the server folds the history into one opaque item, the chain completes', async () => {
        const reference = await clean(reasoning, transport);
        const { emu, s } = await setup(
          { scenario: chainScenario(CHAIN), reasoning, contextWindow: WINDOW, serverCompaction: true },
          { transport, contextWindow: WINDOW },
        );
        await s.start();
        const run = await runChain(s, PROMPT);
        expect(run.metrics).toHaveLength(CHAIN + 1);
        expect(run.text).toBe(reference.text);
        expect(run.compactions.length).toBeGreaterThan(0);
        expect(run.compactions.every((c) => c.how === 'server')).toBe(true);
        report(`server ${transport} ${reasoning ? 'reasoning' : 'plain'}`, run);
        expect(s.capabilities.serverCompaction).toBe(true);
        // The transcript starts at the latest compaction item; nothing before it is kept or resent.
        expect(run.transcript[0]!.type).toBe('compaction');
        expect(run.transcript.length).toBeLessThan(reference.transcript.length);
        expect(emu.requests.some((r) => r.errorCode === 'context_length_exceeded')).toBe(false);
        expect(
          modelRequests(emu).every(
            (r) =>
              (r.body.context_management as Array<{ compact_threshold: number }>)[0]!.compact_threshold ===
              Math.floor(WINDOW * 0.85),
          ),
        ).toBe(true);
        expect(emu.violations).toEqual([]);
      });

      it('/responses/compact, where the server does not compact by itself: user messages and pending tool outputs kept verbatim', async () => {
        const reference = await clean(reasoning, transport);
        const { emu, s } = await setup(
          {
            scenario: chainScenario(CHAIN),
            reasoning,
            contextWindow: WINDOW,
            serverCompaction: false,
            compactEndpoint: true,
          },
          { transport, contextWindow: WINDOW },
        );
        await s.start();
        const run = await runChain(s, PROMPT);
        expect(run.metrics).toHaveLength(CHAIN + 1);
        expect(run.text).toBe(reference.text);
        expect(run.compactions.length).toBeGreaterThan(0);
        expect(run.compactions.every((c) => c.how === 'endpoint' && c.tokensAfter < c.tokensBefore)).toBe(true);
        report(`endpoint ${transport} ${reasoning ? 'reasoning' : 'plain'}`, run);
        expect(s.capabilities).toMatchObject({ serverCompaction: false, compactEndpoint: true });
        expect(emu.requests.filter((r) => r.endpoint === 'compact').length).toBe(run.compactions.length);
        expect(userTexts(run.transcript)).toEqual([JSON.stringify(userMessage(PROMPT))]);
        expect(run.transcript.some((i) => i.type === 'compaction')).toBe(true);
        expect(emu.requests.some((r) => r.errorCode === 'context_length_exceeded')).toBe(false);
        expect(emu.violations).toEqual([]);
      });

      it('a summary by the model, where the server has neither: the chain completes', async () => {
        const reference = await clean(reasoning, transport);
        const { emu, s } = await setup(
          { scenario: chainScenario(CHAIN), reasoning, contextWindow: WINDOW, serverCompaction: false },
          { transport, contextWindow: WINDOW },
        );
        await s.start();
        const run = await runChain(s, PROMPT);
        expect(run.metrics).toHaveLength(CHAIN + 1);
        expect(run.text).toBe(reference.text);
        expect(run.compactions.length).toBeGreaterThan(0);
        expect(run.compactions.every((c) => c.how === 'local')).toBe(true);
        report(`local ${transport} ${reasoning ? 'reasoning' : 'plain'}`, run);
        expect(s.capabilities).toMatchObject({ serverCompaction: false, compactEndpoint: false });
        const texts = userTexts(run.transcript);
        expect(texts).toHaveLength(2);
        expect(texts[0]).toContain('Summary of the earlier conversation');
        expect(texts[1]).toBe(JSON.stringify(userMessage(PROMPT)));
        expect(emu.requests.some((r) => r.errorCode === 'context_length_exceeded')).toBe(false);
        expect(emu.violations).toEqual([]);
      });
    });
  }
}

describe('a window Warmline did not know', () => {
  it('overflow on a server that ignores context_management: learned, compacted, retried once; no message lost', async () => {
    const { emu, s } = await setup({ scenario: chainScenario(CHAIN), contextWindow: WINDOW });
    await s.start();
    const run = await runChain(s, PROMPT);
    expect(run.metrics).toHaveLength(CHAIN + 1);
    expect(run.metrics.flatMap((m) => m.recovered)).toContain('context_length_exceeded');
    expect(run.compactions[0]!.reason).toBe('overflow');
    report('unknown window, server ignores context_management', run);
    expect(s.capabilities.serverCompaction).toBe(false);
    expect(s.capabilities.contextWindows!['test-model']).toBeLessThan(WINDOW);
    // Learned at the first overflow (asked once more with a lower threshold, then compacted here):
    // after that, compaction comes before the window fills.
    const overflows = emu.requests.filter((r) => r.errorCode === 'context_length_exceeded').length;
    expect(overflows).toBeGreaterThanOrEqual(1);
    expect(overflows).toBeLessThanOrEqual(2);
    expect(run.metrics.filter((m) => m.recovered.includes('context_length_exceeded'))).toHaveLength(1);
    expect(run.compactions.slice(1).every((c) => c.reason === 'auto')).toBe(true);
    expect(userTexts(run.transcript).at(-1)).toBe(JSON.stringify(userMessage(PROMPT)));
    expect(emu.violations).toEqual([]);
  });

  it('a server that compacts, with a threshold above its real window: the window is learned and the retry compacts', async () => {
    const { emu, s } = await setup({ scenario: chainScenario(CHAIN), contextWindow: WINDOW, serverCompaction: true });
    await s.start();
    const run = await runChain(s, PROMPT);
    expect(run.metrics).toHaveLength(CHAIN + 1);
    expect(emu.requests.filter((r) => r.errorCode === 'context_length_exceeded').length).toBeGreaterThanOrEqual(1);
    expect(run.compactions.some((c) => c.how === 'server')).toBe(true);
    expect(s.contextWindow()).toBeLessThan(WINDOW);
    expect(emu.violations).toEqual([]);
  });

  it('one step larger than the whole window: a clear error, not a loop', async () => {
    const { emu, s } = await setup({ scenario: 'hello', contextWindow: 200, serverCompaction: false });
    const err = await s.respond([userMessage('x'.repeat(4000))]).catch((e: unknown) => e);
    expect((err as { code: string }).code).toBe('compaction_failed');
    expect(emu.requests.filter((r) => r.errorCode === 'context_length_exceeded').length).toBeLessThanOrEqual(2);
  });
});

describe('compaction that cannot gain', () => {
  it('the summary request is bounded, so a model that writes on cannot make the conversation larger', async () => {
    const { emu, s } = await setup(
      { scenario: chainScenario(CHAIN), contextWindow: WINDOW, serverCompaction: false },
      { contextWindow: WINDOW },
    );
    await runChain(s, PROMPT);
    const summaries = emu.requests.filter((r) => !r.body.tools);
    expect(summaries.length).toBeGreaterThan(0);
    for (const r of summaries) expect(r.body.max_output_tokens).toBe(300);
  });

  it('near the window with little but the current step: no summary is asked for; the request goes as it is', async () => {
    const { emu, s } = await setup({ scenario: 'hello', serverCompaction: false }, { contextWindow: 1000 });
    await s.start();
    const history = [
      userMessage('a'),
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'b' }] } as InputItem,
    ];
    const turn = await s.respond([...history, userMessage('x'.repeat(3000))]);
    expect(turn.compaction).toBeUndefined();
    expect(emu.requests.filter((r) => !r.body.tools)).toHaveLength(0);
  });
});

describe('compacting on request', () => {
  it('compact() folds the conversation so far; the next turn is a full request on the compact form', async () => {
    const { emu, s } = await setup({ scenario: chainScenario(4), serverCompaction: false, compactEndpoint: true });
    const run = await runChain(s, PROMPT);
    const before = run.transcript.length;
    const c = await s.compact(run.transcript);
    expect(c.reason).toBe('manual');
    expect(c.how).toBe('endpoint');
    expect(c.replaced).toBe(before);
    expect(c.items.length).toBeLessThan(before);
    expect(emu.violations).toEqual([]);
  });
});

describe('what compaction keeps', () => {
  it('keeps the last user message and the pending calls with their outputs; every call in the head is answered there', () => {
    const call = (id: string) => ({ type: 'function_call' as const, call_id: id, name: 'grep', arguments: '{}' });
    const out = (id: string) => ({ type: 'function_call_output' as const, call_id: id, output: 'r' });
    const transcript: InputItem[] = [
      userMessage('first'),
      call('a'),
      out('a'),
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'done' }] },
      userMessage('second'),
      { type: 'reasoning', id: 'rs_1', encrypted_content: 'x' },
      call('b'),
      out('b'),
      call('c'),
      call('d'),
      out('c'),
      out('d'),
    ];
    const split = splitForCompaction(transcript);
    expect(split.lastUser).toEqual(userMessage('second'));
    expect(split.tail.map((i) => (i as { call_id?: string }).call_id ?? i.type)).toEqual(['c', 'd', 'c', 'd']);
    const headCalls = split.head
      .filter((i) => i.type === 'function_call')
      .map((i) => (i as { call_id: string }).call_id);
    const headOuts = split.head
      .filter((i) => i.type === 'function_call_output')
      .map((i) => (i as { call_id: string }).call_id);
    expect(headCalls).toEqual(headOuts);
  });
});

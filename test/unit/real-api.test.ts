// What the real Responses API does that a happy path leaves out, each against
// the emulator configured to do it: reasoning items under store:false, models and servers that
// refuse optional fields, the prompt cache, compression, a fallback that comes back.
import { describe, expect, it } from 'vitest';
import { chainScenario } from '../emulator/scenario.ts';
import { SessionError, errorFromStatus } from '../../src/session/errors.ts';
import type { SessionErrorCode } from '../../src/session/errors.ts';
import { errorView } from '../../src/ui/error-view.ts';
import { userMessage } from '../../src/session/protocol.ts';
import { modelRequests, runChain, useSessions } from './session-helpers.ts';

const setup = useSessions();

describe('a reasoning model under store: false', () => {
  it('asks for encrypted reasoning, and a cache loss resends each reasoning item byte-identical', async () => {
    const { emu, s } = await setup({ scenario: chainScenario(4), reasoning: true });
    const run = await runChain(s, 'explore', {
      between: (turn) => {
        if (turn === 2) emu.injectFault({ kind: 'evict_previous' });
      },
    });
    expect(run.metrics).toHaveLength(5);
    const resend = modelRequests(emu).find((r) => r.previousResponseId === undefined && r.inputItems > 1)!;
    const sentReasoning = (resend.body.input as Array<{ type: string; encrypted_content?: string }>).filter(
      (i) => i.type === 'reasoning',
    );
    const kept = run.transcript.filter((i) => i.type === 'reasoning').slice(0, sentReasoning.length);
    expect(sentReasoning.length).toBeGreaterThan(0);
    expect(JSON.stringify(sentReasoning)).toBe(JSON.stringify(kept));
    expect(emu.violations).toEqual([]);
  });

  it('takes items from output_item.done when the terminal event carries no output', async () => {
    const { emu, s } = await setup(
      { scenario: chainScenario(4), reasoning: true, completedWithoutOutput: true },
      { transport: 'http' },
    );
    const run = await runChain(s, 'explore');
    expect(run.metrics).toHaveLength(5);
    expect(run.toolRuns.size).toBe(4);
    expect(
      run.transcript.filter((i) => i.type === 'reasoning').every((i) => typeof i.encrypted_content === 'string'),
    ).toBe(true);
    expect(emu.violations).toEqual([]);
  });

  it('a model that refuses the include value: learned once, its reasoning items left out of resends, never sent bare', async () => {
    const { emu, s } = await setup(
      { scenario: chainScenario(4), reasoning: true, rejectsEncryptedInclude: true },
      { transport: 'http' },
    );
    await s.start();
    const run = await runChain(s, 'explore');
    expect(run.metrics).toHaveLength(5);
    expect(s.capabilities.encryptedReasoning).toEqual({ 'test-model': false });
    const refused = emu.requests.filter((r) => r.outcome === 'error');
    expect(refused).toHaveLength(1);
    const later = modelRequests(emu).slice(-1)[0]!;
    expect(later.body.include).toBeUndefined();
    expect((later.body.input as Array<{ type: string }>).some((i) => i.type === 'reasoning')).toBe(false);
    expect(emu.violations).toEqual([]);
  });

  it('store: true on a server that keeps nothing (zero data retention): the 404 is recovered by dropping bare reasoning, not shown as an access error', async () => {
    const { emu, s } = await setup({ scenario: chainScenario(3), reasoning: true, keepsState: false }, { store: true });
    await s.start();
    const run = await runChain(s, 'explore', {
      between: (turn) => {
        if (turn === 1) emu.injectFault({ kind: 'evict_previous' });
      },
    });
    expect(run.metrics).toHaveLength(4);
    expect(run.metrics.flatMap((m) => m.recovered)).toContain('item_not_found');
    expect(run.metrics.flatMap((m) => m.recovered)).not.toContain('no_access');
    expect(emu.violations).toEqual([]);
  });
});

describe('encrypted content the server cannot open', () => {
  it('(made under another key or organisation): that item is left out, the turn completes', async () => {
    const { emu, s } = await setup({ scenario: chainScenario(2), reasoning: true });
    const run = await runChain(s, 'explore');
    // The same conversation, its first reasoning item carrying a blob from elsewhere.
    const foreign = run.transcript.map((item, i) =>
      i === 1 && item.type === 'reasoning' ? { ...item, encrypted_content: 'gAAAAABforeign-organisation-blob' } : item,
    );
    foreign.push(userMessage('and now?'));
    emu.setScenario({ name: 'after', turns: () => ({ text: 'Still here.' }) });
    const turn = await s.respond(foreign);
    expect(turn.metrics.recovered).toEqual(['invalid_request']);
    const resent = modelRequests(emu).at(-1)!.body.input as Array<{ id?: string }>;
    expect(resent.some((i) => i.id === foreign[1]!.id)).toBe(false);
    expect(resent.filter((i) => (i as { type: string }).type === 'reasoning').length).toBe(
      run.transcript.filter((i) => i.type === 'reasoning').length - 1,
    );
    expect(s.capabilities.encryptedReasoning).toEqual({ 'test-model': true });
    // The server's 400 for a forged blob is the emulator standing for the API, not a client violation.
    expect(emu.violations).toHaveLength(1);
    expect(emu.violations[0]).toContain(`${foreign[1]!.id} could not be verified`);
    expect(turn.output.some((i) => i.type === 'message')).toBe(true);
  });
});

describe('prompt caching', () => {
  it('sends one stable prompt_cache_key per conversation, and reports cached tokens', async () => {
    const { emu, s } = await setup(
      { scenario: chainScenario(5), promptCache: { minTokens: 256, granularity: 64 } },
      { transport: 'http' },
    );
    const run = await runChain(s, 'explore', { conversationId: 'chat-1' });
    const keys = new Set(modelRequests(emu).map((r) => r.body.prompt_cache_key));
    expect(keys.size).toBe(1);
    expect([...keys][0]).toMatch(/^warmline-[0-9a-f]{32}$/);
    expect(run.metrics[0]!.cachedTokens).toBe(0);
    // From the second turn on, the whole previous request is a cached prefix.
    run.metrics.slice(1).forEach((m, i) => {
      expect(m.cachedTokens! % 64).toBe(0);
      // Everything the previous request sent is a cached prefix of this one.
      expect(m.cachedTokens!).toBeGreaterThan(run.metrics[i]!.usage!.input_tokens - 64);
      expect(m.cachedTokens!).toBeLessThan(m.usage!.input_tokens);
    });
    const other = await runChain(s, 'explore', { conversationId: 'chat-2' });
    expect(other.metrics[0]!.cachedTokens).toBe(0);
    expect(new Set(modelRequests(emu).map((r) => r.body.prompt_cache_key)).size).toBe(2);
    console.log(
      `[cache] http turn: cached/input tokens ${run.metrics.map((m) => `${m.cachedTokens}/${m.usage?.input_tokens}`).join(' ')}`,
    );
  });

  it('a server that refuses prompt_cache_key: learned, and the turn goes on without it', async () => {
    const { emu, s } = await setup(
      { scenario: chainScenario(2), rejectsFields: ['prompt_cache_key'] },
      { transport: 'http' },
    );
    const run = await runChain(s, 'hi');
    expect(run.metrics).toHaveLength(3);
    expect(s.capabilities.promptCacheKey).toBe(false);
    expect(emu.requests.filter((r) => r.outcome === 'error')).toHaveLength(1);
    expect(
      modelRequests(emu)
        .slice(1)
        .every((r) => r.body.prompt_cache_key === undefined),
    ).toBe(true);
    expect(emu.violations).toEqual([]);
  });
});

describe('compression', () => {
  it('permessage-deflate shrinks what goes on the wire; the frames are the same', async () => {
    const figures: Record<string, { wire: number; frames: number }> = {};
    for (const compress of [true, false]) {
      const { emu, s } = await setup({ scenario: chainScenario(10), perMessageDeflate: compress });
      await s.start();
      const run = await runChain(s, 'explore');
      const wire = run.metrics.reduce((n, m) => n + (m.wireBytesSent ?? 0), 0);
      const frames = run.metrics.reduce((n, m) => n + m.bytesSent, 0);
      figures[compress ? 'on' : 'off'] = { wire, frames };
      expect(run.metrics.every((m) => m.wireBytesSent !== undefined)).toBe(true);
      expect(emu.violations).toEqual([]);
    }
    const on = figures.on!;
    const off = figures.off!;
    expect(Math.abs(on.frames - off.frames) / off.frames).toBeLessThan(0.05);
    expect(on.wire / off.wire).toBeLessThan(0.6);
    console.log(
      `[wire] websocket request bytes on the wire, 10 turns: compressed ${on.wire}, uncompressed ${off.wire} (${(on.wire / off.wire).toFixed(2)}x); frames ${on.frames}`,
    );
  });
});

describe('a fallback that comes back', () => {
  it('after auto fell back to HTTP, the WebSocket is probed in the background and used again', async () => {
    const { emu, s } = await setup({ scenario: chainScenario(3) }, { transport: 'auto', webSocketRetryMs: 150 });
    emu.injectFault({ kind: 'refuse_upgrade', status: 426 });
    const first = await runChain(s, 'go');
    expect(first.metrics.every((m) => m.transport === 'http')).toBe(true);
    expect(s.capabilities.websocket).toBe(false);
    await new Promise<void>((resolve) =>
      s.once('capabilities', (c) => {
        if (c.websocket) resolve();
      }),
    );
    expect(s.transportInUse).toBe('websocket');
    const second = await runChain(s, 'go');
    expect(second.metrics.every((m) => m.transport === 'websocket')).toBe(true);
    expect(emu.violations).toEqual([]);
  });
});

describe('errors say what happened', () => {
  it('every code has its own message', () => {
    const codes: SessionErrorCode[] = [
      'no_api_key',
      'bad_api_key',
      'no_access',
      'item_not_found',
      'context_length_exceeded',
      'compaction_failed',
      'rate_limited',
      'server_error',
      'invalid_request',
      'previous_response_not_found',
      'connection_limit',
      'response_failed',
      'response_incomplete',
      'upgrade_refused',
      'network',
      'stalled',
      'protocol',
      'server_unsupported',
      'proxy',
      'cancelled',
    ];
    const messages = codes.map((c) => new SessionError(c).message);
    expect(new Set(messages).size).toBe(codes.length);
    for (const c of codes) expect(errorView(new SessionError(c)).code).toBe(c);
  });

  it("the API's 404 for an item it cannot find is not an access problem", () => {
    const err = errorFromStatus(404, {
      type: 'invalid_request_error',
      code: null,
      param: 'input',
      message:
        "Item with id 'rs_123' not found. Items are not persisted when `store` is set to false. Try again with `store` set to true, or remove this item from your input.",
    });
    expect(err.code).toBe('item_not_found');
    expect(errorFromStatus(404, { message: 'The model `gpt-9` does not exist' }).code).toBe('no_access');
  });

  it('context_length_exceeded, with the window when the server names it (OpenAI, llama.cpp)', () => {
    const openai = errorFromStatus(400, {
      type: 'invalid_request_error',
      code: 'context_length_exceeded',
      param: 'input',
      message: 'Your input exceeds the context window of this model. Please adjust your input and try again.',
    });
    expect(openai.code).toBe('context_length_exceeded');
    expect(openai.contextWindow).toBeUndefined();
    // llama.cpp's server, as it answers (its `code` is the HTTP status, a number).
    const body = {
      code: 400,
      message: 'request (13392 tokens) exceeds the available context size (8192 tokens), try increasing it',
      type: 'exceed_context_size_error',
      n_prompt_tokens: 13392,
      n_ctx: 8192,
    };
    const llama = errorFromStatus(400, body as never);
    expect(llama.code).toBe('context_length_exceeded');
    expect(llama.contextWindow).toBe(8192);
    const { n_ctx: _n, ...withoutField } = body;
    expect(errorFromStatus(400, withoutField as never).contextWindow).toBe(8192);
  });
});

// The HTTP/SSE twin of the Responses emulator (a test double, not AI): POST /v1/responses
// with stream:true, parsed with eventsource-parser.

import { describe, expect, it } from 'vitest';

import { Client, useEmulators, TOOLS, expectLifecycle, outputFor, sse, user } from './testkit.ts';

const emulator = useEmulators();

const base = { model: 'gpt-test', tools: TOOLS, stream: true };

describe('HTTP/SSE transport', () => {
  it('streams the same events as the WebSocket, one SSE record per event', async () => {
    const emu = await emulator({ scenario: 'demo' });
    const res = await sse(emu.url, { ...base, input: 'fix it' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    expect(res.malformed).toEqual([]);
    expect(res.names).toEqual(res.events.map((e) => e.type));
    const r = expectLifecycle(res.events);
    expect(r.store).toBe(true);
    const c = await Client.open(emu.wsUrl);
    const { stream: _s, ...wsBody } = base;
    const viaWs = await c.turn({ ...wsBody, input: 'fix it' });
    expect(viaWs.map((e) => e.type)).toEqual(res.events.map((e) => e.type));
    expect(emu.requests[0]).toMatchObject({
      transport: 'http',
      connectionId: 1,
      stream: true,
      outcome: 'completed',
      responseId: r.id,
    });
    expect(emu.requests[0]!.headers.accept).toBe('text/event-stream');
    expect(emu.violations).toEqual([]);
  });

  it('requires stream:true', async () => {
    const emu = await emulator();
    const res = await sse(emu.url, { model: 'm', input: 'x' });
    expect(res.status).toBe(400);
    expect(res.json).toEqual({
      error: { type: 'invalid_request_error', code: 'unsupported_value', message: expect.any(String), param: 'stream' },
    });
    expect(emu.violations).toHaveLength(1);
  });

  it('rejects generate and background over HTTP', async () => {
    const emu = await emulator();
    const gen = await sse(emu.url, { ...base, input: 'x', generate: false });
    expect(gen.status).toBe(400);
    expect(gen.json.error).toMatchObject({ param: 'generate', message: "Unsupported parameter: 'generate'." });
    const bg = await sse(emu.url, { ...base, input: 'x', background: true });
    expect(bg.status).toBe(400);
    expect(bg.json.error.param).toBe('background');
    expect(emu.violations).toHaveLength(2);
  });

  it('chains with previous_response_id only through stored (store:true) responses', async () => {
    const emu = await emulator({ scenario: 'chain-2' });
    const first = expectLifecycle((await sse(emu.url, { ...base, store: true, input: [user('go')] })).events);
    const second = expectLifecycle(
      (await sse(emu.url, { ...base, previous_response_id: first.id, input: [outputFor(first.output[0])] })).events,
    );
    expect(second.output[0].name).toBe('read_file');
    const unstored = expectLifecycle((await sse(emu.url, { ...base, store: false, input: [user('go')] })).events);
    const miss = await sse(emu.url, {
      ...base,
      store: false,
      previous_response_id: unstored.id,
      input: [outputFor(unstored.output[0])],
    });
    expect(miss.status).toBe(400);
    expect(miss.json).toEqual({
      error: {
        type: 'invalid_request_error',
        code: 'previous_response_not_found',
        param: 'previous_response_id',
        message: `Previous response with id '${unstored.id}' not found.`,
      },
    });
    // A WebSocket store:false response lives only in its socket's memory.
    const c = await Client.open(emu.wsUrl);
    const { stream: _s, ...wsBody } = base;
    const local = expectLifecycle(await c.turn({ ...wsBody, store: false, input: [user('go')] }));
    const wsMiss = await sse(emu.url, { ...base, previous_response_id: local.id, input: [outputFor(local.output[0])] });
    expect(wsMiss.json.error.code).toBe('previous_response_not_found');
    expect(emu.requests.filter((r) => r.transport === 'http').map((r) => r.connectionId)).toEqual([1, 2, 3, 4, 5]);
  });

  it('imitates servers that cannot chain: previous_response_id refused, or nothing kept', async () => {
    const refusing = await emulator({ scenario: 'chain-25', supportsPreviousResponseId: false });
    const a = expectLifecycle((await sse(refusing.url, { ...base, store: true, input: [user('go')] })).events);
    const refused = await sse(refusing.url, {
      ...base,
      store: true,
      previous_response_id: a.id,
      input: [outputFor(a.output[0])],
    });
    expect(refused.status).toBe(400);
    expect(refused.json.error.param).toBe('previous_response_id');
    const forgetful = await emulator({ scenario: 'chain-25', keepsState: false });
    const b = expectLifecycle((await sse(forgetful.url, { ...base, store: true, input: [user('go')] })).events);
    const miss = await sse(forgetful.url, {
      ...base,
      store: true,
      previous_response_id: b.id,
      input: [outputFor(b.output[0])],
    });
    expect(miss.json.error.code).toBe('previous_response_not_found');
    // How a client finds out about such a server is not its fault: no violation either way.
    expect([...refusing.violations, ...forgetful.violations]).toEqual([]);
  });

  it('answers 401 without the API key and 404 on other paths', async () => {
    const emu = await emulator({ apiKey: 'sk-http', websocket: false });
    expect((await sse(emu.url, { ...base, input: 'x' })).status).toBe(401);
    const ok = await sse(emu.url, { ...base, input: 'x' }, { authorization: 'Bearer sk-http' });
    expectLifecycle(ok.events);
    const other = await fetch(`${emu.url}/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-http' },
      body: '{}',
    });
    expect(other.status).toBe(404);
    expect(emu.requests).toHaveLength(1);
  });

  it('fault: rate_limit is a 429 with a retry-after header; server_error its status', async () => {
    const emu = await emulator();
    emu.injectFault({ kind: 'rate_limit', retryAfterSeconds: 3 });
    const limited = await sse(emu.url, { ...base, input: 'x' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    expect(limited.json.error).toMatchObject({ type: 'requests', code: 'rate_limit_exceeded' });
    emu.injectFault({ kind: 'server_error', status: 502 });
    expect((await sse(emu.url, { ...base, input: 'x' })).status).toBe(502);
  });

  it('fault: drop_mid_stream breaks the body; malformed_frame sends a data line that is not JSON', async () => {
    const emu = await emulator();
    emu.injectFault({ kind: 'drop_mid_stream', afterEvents: 4 });
    const dropped = await sse(emu.url, { ...base, input: 'x' });
    expect(dropped.broken).toBe(true);
    expect(dropped.events).toHaveLength(4);
    expect(emu.requests[0]!.outcome).toBe('dropped');
    emu.injectFault({ kind: 'malformed_frame', afterEvents: 2 });
    const bad = await sse(emu.url, { ...base, input: 'x' });
    expect(bad.malformed).toHaveLength(1);
    expectLifecycle(bad.events);
  });

  it('fault: response_failed, incomplete and stall over SSE', async () => {
    const emu = await emulator();
    emu.injectFault({ kind: 'response_failed' });
    expect((await sse(emu.url, { ...base, input: 'x' })).events.at(-1)!.type).toBe('response.failed');
    emu.injectFault({ kind: 'incomplete' });
    expect((await sse(emu.url, { ...base, input: 'x' })).events.at(-1)!.type).toBe('response.incomplete');
    emu.injectFault({ kind: 'stall', afterEvents: 3 });
    const ac = new AbortController();
    const res = await fetch(`${emu.url}/responses`, {
      method: 'POST',
      body: JSON.stringify({ ...base, input: 'x' }),
      signal: ac.signal,
    });
    const reader = res.body!.getReader();
    let text = '';
    const deadline = Date.now() + 250;
    while (Date.now() < deadline) {
      const chunk = await Promise.race([reader.read(), new Promise<undefined>((r) => setTimeout(r, 50))]);
      if (chunk?.value) text += new TextDecoder().decode(chunk.value);
    }
    expect(text.match(/^event: /gm)).toHaveLength(3);
    expect(emu.requests[2]!.outcome).toBe('in_progress');
    ac.abort();
  });

  it('WebSocket-only faults are not consumed by HTTP requests', async () => {
    const emu = await emulator();
    emu.injectFault({ kind: 'close_socket', code: 4001 });
    expectLifecycle((await sse(emu.url, { ...base, input: 'x' })).events);
    const c = await Client.open(emu.wsUrl);
    c.create({ model: 'm', input: 'x' });
    expect((await c.closed).code).toBe(4001);
  });
});

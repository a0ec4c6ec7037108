// Tests of the Responses emulator (a test double, not AI) over real loopback WebSockets,
// driven by raw `ws` clients. Faults: faults.test.ts. HTTP/SSE twin: http.test.ts.

import { describe, expect, it } from 'vitest';
import type { Scenario } from './server.ts';
import {
  Client,
  useEmulators,
  TLS,
  TOOLS,
  expectLifecycle,
  outputFor,
  upgradeStatus,
  waitFor,
  user,
} from './testkit.ts';
import type { Ev } from './testkit.ts';

const emulator = useEmulators();

const base = { model: 'gpt-test', instructions: 'Be brief.', tools: TOOLS, store: false };

describe('response lifecycle', () => {
  it('streams a text answer with the exact event order, sequence numbers and ids', async () => {
    const emu = await emulator();
    const c = await Client.open(emu.wsUrl, { headers: { 'x-client-request-id': 'abc' } });
    const events = await c.turn({ ...base, input: 'hello' });
    const resp = expectLifecycle(events);
    const types = events.map((e) => e.type);
    expect(types.slice(0, 4)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
    ]);
    expect(types.slice(-5)).toEqual([
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    const deltas = events.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta as string);
    expect(deltas.length).toBeGreaterThan(20);
    for (const d of deltas.slice(0, -1)) expect(d.length).toBeGreaterThanOrEqual(3);
    for (const d of deltas) expect(d.length).toBeLessThanOrEqual(12);
    const text = deltas.join('');
    expect(events.find((e) => e.type === 'response.output_text.done')?.text).toBe(text);
    expect(text.split(/\s+/).length).toBeGreaterThan(50);
    expect(resp.status).toBe('completed');
    expect(resp.id).toMatch(/^resp_/);
    expect(resp.output[0].id).toMatch(/^msg_/);
    expect(resp.output[0].content[0].text).toBe(text);
    expect(resp.model).toBe('emulator-scripted');
    expect(resp.store).toBe(false);
    expect(resp.previous_response_id).toBeNull();
    expect(resp.instructions).toBe('Be brief.');
    expect(resp.tools).toEqual(TOOLS);
    expect(resp.usage.input_tokens).toBeGreaterThan(0);
    expect(resp.usage.output_tokens).toBeGreaterThan(0);
    expect(resp.usage.total_tokens).toBe(resp.usage.input_tokens + resp.usage.output_tokens);
    expect(resp.usage.input_tokens_details.cached_tokens).toBe(0);
    const rec = emu.requests[0]!;
    expect(rec).toMatchObject({
      transport: 'websocket',
      connectionId: 1,
      inputItems: 1,
      outcome: 'completed',
      responseId: resp.id,
    });
    expect(rec.bytes).toBe(Buffer.byteLength(JSON.stringify({ type: 'response.create', ...base, input: 'hello' })));
    expect(rec.headers['x-client-request-id']).toBe('abc');
    expect(emu.violations).toEqual([]);
    expect(emu.connections()).toBe(1);
    expect(emu.openSockets()).toBe(1);
  });

  it('reports the request model when the scenario has none, and the scenario model otherwise', async () => {
    const emu = await emulator({ scenario: { name: 'anon', turns: [{ text: 'hi there' }] } });
    const c = await Client.open(emu.wsUrl);
    expect(expectLifecycle(await c.turn({ ...base, input: 'x' })).model).toBe('gpt-test');
    emu.setScenario('demo');
    expect(expectLifecycle(await c.turn({ ...base, input: 'y' })).model).toBe('warmline-demo (scripted, not AI)');
  });

  it('warmup (generate:false) completes with no output and is a usable previous_response_id', async () => {
    const emu = await emulator();
    const c = await Client.open(emu.wsUrl);
    const warm = await c.turn({ ...base, input: [user('hello')], generate: false });
    expect(warm.map((e) => e.type)).toEqual(['response.created', 'response.in_progress', 'response.completed']);
    const w = expectLifecycle(warm);
    expect(w.output).toEqual([]);
    expect(w.usage.output_tokens).toBe(0);
    expect(w.usage.input_tokens).toBeGreaterThan(0);
    expect(w.id).toMatch(/^resp_/);
    const real = expectLifecycle(await c.turn({ ...base, input: [], previous_response_id: w.id }));
    expect(real.output[0].type).toBe('message');
    expect(real.previous_response_id).toBe(w.id);
    expect(real.usage.input_tokens_details.cached_tokens).toBeGreaterThan(0);
    expect(emu.requests.map((r) => r.generate)).toEqual([false, undefined]);
    expect(emu.violations).toEqual([]);
  });

  it('rejects generate with 400 param "generate" when the server has no warmup', async () => {
    const emu = await emulator({ supportsGenerate: false });
    const c = await Client.open(emu.wsUrl);
    const err = await c.first({ ...base, input: 'x', generate: false });
    expect(err).toMatchObject({
      type: 'error',
      status: 400,
      error: { type: 'invalid_request_error', param: 'generate', message: "Unsupported parameter: 'generate'." },
    });
    expect(emu.requests[0]!.responseId).toBeUndefined();
    expect(emu.violations).toEqual([]);
    expect(c.pending()).toBe(0);
  });

  it('rejects background:true and records stream sent over WebSocket as a violation', async () => {
    const emu = await emulator();
    const c = await Client.open(emu.wsUrl);
    const err = await c.first({ ...base, input: 'x', background: true });
    expect(err).toMatchObject({
      type: 'error',
      status: 400,
      error: { type: 'invalid_request_error', param: 'background' },
    });
    expect(emu.violations.some((v) => v.includes('background'))).toBe(true);
    const events = await c.turn({ ...base, input: 'x', stream: true });
    expectLifecycle(events);
    expect(emu.requests[1]!.stream).toBe(true);
    expect(emu.violations.some((v) => v.includes('client sent stream over WebSocket'))).toBe(true);
  });

  it('answers binary frames, non-JSON frames and unknown event types with an error and a violation', async () => {
    const emu = await emulator();
    const c = await Client.open(emu.wsUrl);
    c.ws.send(Buffer.from('{"type":"response.create"}'), { binary: true });
    expect(await c.next()).toMatchObject({ type: 'error', status: 400, error: { type: 'invalid_request_error' } });
    c.send('not json');
    expect(await c.next()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    c.send({ type: 'response.cancel' });
    expect(await c.next()).toMatchObject({ type: 'error', error: { param: 'type' } });
    expect(emu.violations).toHaveLength(3);
    expect(emu.requests).toHaveLength(0);
  });
});

describe('chaining and caches', () => {
  it('plays a tool chain with delta input and previous_response_id', async () => {
    const delays: number[] = [];
    const emu = await emulator({
      scenario: 'chain-3',
      serverDelayMs: (i) => {
        delays.push(i.uncachedInputBytes);
        return 0;
      },
    });
    const c = await Client.open(emu.wsUrl);
    let resp = expectLifecycle(await c.turn({ ...base, input: [user('find it')] }));
    const names: string[] = [];
    while (resp.output[0].type === 'function_call') {
      const call = resp.output[0];
      names.push(call.name);
      expect(call.id).toMatch(/^fc_/);
      expect(call.call_id).toMatch(/^call_/);
      expect(() => JSON.parse(call.arguments)).not.toThrow();
      resp = expectLifecycle(
        await c.turn({ ...base, previous_response_id: resp.id, input: [outputFor(call, 'result text')] }),
      );
      expect(resp.usage.input_tokens_details.cached_tokens).toBeGreaterThan(0);
    }
    expect(names).toEqual(['grep', 'read_file', 'grep']);
    expect(resp.output[0].type).toBe('message');
    expect(emu.requests.map((r) => r.inputItems)).toEqual([1, 1, 1, 1]);
    // A delta continuation costs the server only its new items; the first request costs everything.
    expect(delays[0]!).toBeGreaterThan(JSON.stringify(TOOLS).length);
    for (const d of delays.slice(1)) expect(d).toBeLessThan(100);
    expect(emu.violations).toEqual([]);
  });

  it('waits serverDelayMs before response.created and tells it what the server must process', async () => {
    const infos: { uncachedInputBytes: number; inputItems: number; generate: boolean }[] = [];
    const emu = await emulator({
      serverDelayMs: (i) => {
        infos.push(i);
        return i.generate ? 120 : 0;
      },
    });
    const c = await Client.open(emu.wsUrl);
    const warm = expectLifecycle(await c.turn({ ...base, input: [user('a'), user('b')], generate: false }));
    const t = Date.now();
    c.create({ ...base, previous_response_id: warm.id, input: [] });
    expect((await c.next()).type).toBe('response.created');
    expect(Date.now() - t).toBeGreaterThanOrEqual(110);
    await c.until();
    expect(infos.map((i) => [i.inputItems, i.generate])).toEqual([
      [2, false],
      [0, true],
    ]);
    expect(infos[1]!.uncachedInputBytes).toBe(2); // "[]": instructions and tools unchanged, already cached
  });

  it('function_call_arguments events carry the same arguments as the item', async () => {
    const emu = await emulator({ scenario: 'chain-1' });
    const c = await Client.open(emu.wsUrl);
    const events = await c.turn({ ...base, input: 'x' });
    expectLifecycle(events);
    const added = events.find((e) => e.type === 'response.output_item.added')!;
    expect(added.item).toMatchObject({ type: 'function_call', arguments: '', status: 'in_progress', name: 'grep' });
    const args = events
      .filter((e) => e.type === 'response.function_call_arguments.delta')
      .map((e) => e.delta)
      .join('');
    const done = events.find((e) => e.type === 'response.function_call_arguments.done')!;
    expect(done).toMatchObject({ name: 'grep', arguments: args });
    expect(events.find((e) => e.type === 'response.output_item.done')!.item).toMatchObject({
      arguments: args,
      status: 'completed',
    });
  });

  it('answers an unknown previous_response_id with previous_response_not_found', async () => {
    const emu = await emulator();
    const c = await Client.open(emu.wsUrl);
    const err = await c.first({ ...base, previous_response_id: 'resp_nope', input: [] });
    expect(err).toEqual({
      type: 'error',
      status: 400,
      error: {
        type: 'invalid_request_error',
        code: 'previous_response_not_found',
        param: 'previous_response_id',
        message: "Previous response with id 'resp_nope' not found.",
      },
    });
    expect(emu.requests[0]!.outcome).toBe('error');
    expect(emu.requests[0]!.errorCode).toBe('previous_response_not_found');
    expect(emu.violations).toHaveLength(1);
  });

  it('keeps store:false responses on their connection; store:true ones are reachable from another', async () => {
    const emu = await emulator({ scenario: { name: 'two', turns: [{ text: 'one' }, { text: 'two' }] } });
    const a = await Client.open(emu.wsUrl);
    const local = expectLifecycle(await a.turn({ ...base, store: false, input: 'x' }));
    const shared = expectLifecycle(await a.turn({ ...base, store: true, input: 'x' }));
    const b = await Client.open(emu.wsUrl);
    const err = await b.first({ ...base, previous_response_id: local.id, input: [user('more')] });
    expect(err.error.code).toBe('previous_response_not_found');
    const ok = expectLifecycle(await b.turn({ ...base, previous_response_id: shared.id, input: [user('more')] }));
    expect(ok.output[0].content[0].text).toBe('two');
    // Hydrated from the store, not from b's memory: nothing was cached.
    expect(ok.usage.input_tokens_details.cached_tokens).toBe(0);
    expect(emu.connections()).toBe(2);
  });

  it('evicts the previous response after a failed continuation (store:false)', async () => {
    const emu = await emulator({ scenario: 'chain-2' });
    const c = await Client.open(emu.wsUrl);
    const first = expectLifecycle(await c.turn({ ...base, input: [user('go')] }));
    const out = outputFor(first.output[0]);
    emu.injectFault({ kind: 'rate_limit' });
    const limited = await c.first({ ...base, previous_response_id: first.id, input: [out] });
    expect(limited.status).toBe(429);
    expect(emu.violations).toEqual([]);
    const gone = await c.first({ ...base, previous_response_id: first.id, input: [out] });
    expect(gone.error.code).toBe('previous_response_not_found');
    expect(emu.violations).toHaveLength(1);
    // The correct recovery: the full context, no previous_response_id.
    const full = expectLifecycle(await c.turn({ ...base, input: [user('go'), ...first.output, out] }));
    expect(full.output[0].name).toBe('read_file');
  });

  it('evicts the previous response after response.failed', async () => {
    const emu = await emulator({ scenario: 'chain-2' });
    const c = await Client.open(emu.wsUrl);
    const first = expectLifecycle(await c.turn({ ...base, input: [user('go')] }));
    emu.injectFault({ kind: 'response_failed' });
    const failed = expectLifecycle(
      await c.turn({ ...base, previous_response_id: first.id, input: [outputFor(first.output[0])] }),
    );
    expect(failed.status).toBe('failed');
    const gone = await c.first({ ...base, previous_response_id: first.id, input: [outputFor(first.output[0])] });
    expect(gone.error.code).toBe('previous_response_not_found');
    const notCached = await c.first({ ...base, previous_response_id: failed.id, input: [] });
    expect(notCached.error.code).toBe('previous_response_not_found');
  });

  it('replays the same turn when a client resends the full context after losing its cache', async () => {
    const emu = await emulator({ scenario: 'chain-4' });
    const a = await Client.open(emu.wsUrl);
    const t0 = expectLifecycle(await a.turn({ ...base, input: [user('go')] }));
    const t1 = expectLifecycle(
      await a.turn({ ...base, previous_response_id: t0.id, input: [outputFor(t0.output[0])] }),
    );
    a.close();
    // New socket, store:false: the cache is gone, so the client resends everything.
    const b = await Client.open(emu.wsUrl);
    const again = expectLifecycle(
      await b.turn({ ...base, input: [user('go'), ...t0.output, outputFor(t0.output[0])] }),
    );
    expect(again.output[0].name).toBe(t1.output[0].name);
    expect(again.output[0].arguments).toBe(t1.output[0].arguments);
    expect(again.output[0].call_id).not.toBe(t1.output[0].call_id);
    expect(emu.violations).toEqual([]);
  });

  it('counts parallel calls as one turn and needs every output before continuing', async () => {
    const emu = await emulator({ scenario: 'parallel' });
    const c = await Client.open(emu.wsUrl);
    const events = await c.turn({ ...base, input: 'go' });
    const r = expectLifecycle(events);
    expect(r.output.map((i: Ev) => i.name)).toEqual(['grep', 'grep', 'read_file']);
    const missing = await c.first({
      ...base,
      previous_response_id: r.id,
      input: r.output.slice(0, 2).map((i: Ev) => outputFor(i)),
    });
    expect(missing).toMatchObject({
      status: 400,
      error: { message: `No tool output found for function call ${r.output[2].call_id}.` },
    });
    // The failed continuation evicted r; resend in full with all three outputs.
    const done = expectLifecycle(
      await c.turn({ ...base, input: [user('go'), ...r.output, ...r.output.map((i: Ev) => outputFor(i))] }),
    );
    expect(done.output[0].type).toBe('message');
  });

  it('streams custom tool calls (apply_patch) and accepts custom_tool_call_output', async () => {
    const emu = await emulator({ scenario: 'patch' });
    const c = await Client.open(emu.wsUrl);
    const events = await c.turn({ ...base, input: 'patch it' });
    const r = expectLifecycle(events);
    const call = r.output[0];
    expect(call).toMatchObject({ type: 'custom_tool_call', name: 'apply_patch' });
    expect(call.id).toMatch(/^ctc_/);
    expect(call.input).toMatch(/^\*\*\* Begin Patch\n[\s\S]*\*\*\* End Patch$/);
    const deltas = events
      .filter((e) => e.type === 'response.custom_tool_call_input.delta')
      .map((e) => e.delta)
      .join('');
    expect(deltas).toBe(call.input);
    expect(events.find((e) => e.type === 'response.custom_tool_call_input.done')!.input).toBe(call.input);
    const next = expectLifecycle(
      await c.turn({ ...base, previous_response_id: r.id, input: [outputFor(call, 'Done!')] }),
    );
    expect(next.output[0].type).toBe('message');
    expect(emu.violations).toEqual([]);
  });

  it('streams reasoning summaries and encrypted_content when included', async () => {
    const emu = await emulator({ scenario: { name: 'r', turns: [{ reasoning: true, text: 'thought about it' }] } });
    const c = await Client.open(emu.wsUrl);
    const events = await c.turn({ ...base, input: 'x', include: ['reasoning.encrypted_content'] });
    const r = expectLifecycle(events);
    expect(r.output[0]).toMatchObject({ type: 'reasoning', summary: [{ type: 'summary_text' }] });
    expect(r.output[0].id).toMatch(/^rs_/);
    expect(typeof r.output[0].encrypted_content).toBe('string');
    const summary = events
      .filter((e) => e.type === 'response.reasoning_summary_text.delta')
      .map((e) => e.delta)
      .join('');
    expect(summary).toBe(r.output[0].summary[0].text);
  });

  it('demo scenario: text + grep, read_file, apply_patch, markdown answer', async () => {
    const emu = await emulator({ scenario: 'demo' });
    const c = await Client.open(emu.wsUrl);
    let r = expectLifecycle(await c.turn({ ...base, input: 'fix the greeting' }));
    expect(r.output.map((i: Ev) => i.type)).toEqual(['message', 'function_call']);
    const seen: string[] = [];
    while (r.output.some((i: Ev) => i.call_id)) {
      const calls = r.output.filter((i: Ev) => i.call_id);
      seen.push(...calls.map((i: Ev) => i.name));
      r = expectLifecycle(
        await c.turn({ ...base, previous_response_id: r.id, input: calls.map((i: Ev) => outputFor(i)) }),
      );
    }
    expect(seen).toEqual(['grep', 'read_file', 'apply_patch']);
    expect(r.output[0].content[0].text).toContain('```ts');
    expect(emu.violations).toEqual([]);
  });
});

describe('client rule enforcement', () => {
  it('rejects tool outputs for unknown call ids, duplicates and the wrong kind', async () => {
    const emu = await emulator({ scenario: 'chain-2', mode: 'strict' });
    const c = await Client.open(emu.wsUrl);
    const r = expectLifecycle(await c.turn({ ...base, input: [user('go')] }));
    const call = r.output[0];
    const ctx = [user('go'), ...r.output];
    const unknown = await c.first({
      ...base,
      input: [...ctx, outputFor(call), { type: 'function_call_output', call_id: 'call_bogus', output: 'x' }],
    });
    expect(unknown).toMatchObject({
      status: 400,
      error: {
        type: 'invalid_request_error',
        message: 'No tool call found for function call output with call_id call_bogus.',
      },
    });
    const dup = await c.first({ ...base, input: [...ctx, outputFor(call), outputFor(call)] });
    expect(dup.error.message).toBe(`Duplicate tool output for call_id ${call.call_id}.`);
    const kind = await c.first({
      ...base,
      input: [...ctx, { type: 'custom_tool_call_output', call_id: call.call_id, output: 'x' }],
    });
    expect(kind.error.message).toContain('custom_tool_call_output');
    const missing = await c.first({ ...base, input: [...ctx, user('and now?')] });
    expect(missing.error.message).toBe(`No tool output found for function call ${call.call_id}.`);
    expect(emu.violations).toHaveLength(4);
  });

  it('answers with an explanation when a scripted tool was not sent on this request', async () => {
    const emu = await emulator({ scenario: 'chain-2' });
    const c = await Client.open(emu.wsUrl);
    const r = expectLifecycle(await c.turn({ ...base, input: [user('go')] }));
    const { tools: _t, ...noTools } = base;
    const next = expectLifecycle(
      await c.turn({ ...noTools, previous_response_id: r.id, input: [outputFor(r.output[0])] }),
    );
    expect(next.output[0].type).toBe('message');
    expect(next.output[0].content[0].text).toContain("'read_file'");
    expect(emu.violations.join('\n')).toContain('tools are not inherited through previous_response_id');
  });

  it('says so when the script has no such turn', async () => {
    const emu = await emulator();
    const c = await Client.open(emu.wsUrl);
    const r = expectLifecycle(await c.turn({ ...base, input: 'x' }));
    const more = expectLifecycle(await c.turn({ ...base, previous_response_id: r.id, input: [user('again')] }));
    expect(more.output[0].content[0].text).toBe('(emulator: scenario hello has no turn 1)');
    expect(emu.violations).toHaveLength(1);
  });

  it('flags replayed output items that were altered, and store:false reasoning without encrypted_content', async () => {
    const emu = await emulator({
      scenario: {
        name: 'rs',
        turns: [{ reasoning: true, calls: [{ name: 'grep', arguments: { pattern: 'a' } }] }, { text: 'ok' }],
      },
    });
    const c = await Client.open(emu.wsUrl);
    const r = expectLifecycle(await c.turn({ ...base, input: [user('go')], include: ['reasoning.encrypted_content'] }));
    const [rs, fc] = r.output as Ev[];
    const altered = { ...fc, arguments: '{"pattern":"b"}' };
    expectLifecycle(await c.turn({ ...base, input: [user('go'), rs, altered, outputFor(fc!)] }));
    expect(emu.violations.join('\n')).toContain(`output item ${fc!.id} altered`);
    const { encrypted_content: _e, ...bareReasoning } = rs!;
    const err = await c.first({ ...base, input: [user('go'), bareReasoning, fc, outputFor(fc!)] });
    // The real API answers 404 (not 400) for an item it cannot rebuild.
    expect(err).toMatchObject({ status: 404, error: { param: 'input' } });
    expect(err.error.message).toContain(
      `Item with id '${rs!.id}' not found. Items are not persisted when \`store\` is set to false`,
    );
  });

  it('strict mode: an overlapping create gets response_already_in_flight, the first response continues', async () => {
    const emu = await emulator({ chunkDelayMs: 2 });
    const c = await Client.open(emu.wsUrl);
    c.create({ ...base, input: 'one' });
    c.create({ ...base, input: 'two' });
    const events = await c.until();
    const err = events.find((e) => e.type === 'error')!;
    expect(err).toEqual({
      type: 'error',
      status: 409,
      error: {
        type: 'invalid_request_error',
        code: 'response_already_in_flight',
        message: expect.any(String),
        param: null,
      },
    });
    const rest = await c.until();
    expectLifecycle(events.filter((e) => e.type !== 'error').concat(rest));
    expect(emu.requests.map((r) => r.outcome)).toEqual(['completed', 'error']);
    expect(emu.violations).toHaveLength(1);
    expect(emu.violations[0]).toContain('in flight');
  });

  it('compatible mode: overlapping creates are queued FIFO', async () => {
    const emu = await emulator({
      mode: 'compatible',
      scenario: { name: 'q', turns: (_i, ctx) => ({ text: `echo ${JSON.stringify(ctx[0])}` }) },
    });
    const c = await Client.open(emu.wsUrl);
    c.create({ ...base, input: 'one' });
    c.create({ ...base, input: 'two' });
    const first = expectLifecycle(await c.until());
    const second = expectLifecycle(await c.until());
    expect(first.output[0].content[0].text).toContain('one');
    expect(second.output[0].content[0].text).toContain('two');
    expect(emu.violations).toEqual([]);
  });

  it('requires the API key on the upgrade', async () => {
    const emu = await emulator({ apiKey: 'sk-test' });
    expect(await upgradeStatus(emu.wsUrl)).toBe(401);
    expect(await upgradeStatus(emu.wsUrl, { authorization: 'Bearer wrong' })).toBe(401);
    const c = await Client.open(emu.wsUrl, { headers: { authorization: 'Bearer sk-test' } });
    expectLifecycle(await c.turn({ ...base, input: 'x' }));
    expect(emu.requests[0]!.headers.authorization).toBe('Bearer sk-test');
    expect(emu.connections()).toBe(1);
  });

  it('websocket:false answers the upgrade with plain HTTP 404; other paths are 404 too', async () => {
    const emu = await emulator({ websocket: false });
    expect(await upgradeStatus(emu.wsUrl)).toBe(404);
    const on = await emulator();
    expect(await upgradeStatus(on.wsUrl.replace('/v1/responses', '/v1/realtime'))).toBe(404);
    expect(emu.connections()).toBe(0);
  });

  it('serves wss when given a certificate', async () => {
    const emu = await emulator({ tls: TLS });
    expect(emu.wsUrl).toMatch(/^wss:/);
    expect(emu.url).toMatch(/^https:/);
    const c = await Client.open(emu.wsUrl, { rejectUnauthorized: false });
    expectLifecycle(await c.turn({ ...base, input: 'x' }));
  });
});

describe('connection age limit', () => {
  const LIMIT = {
    type: 'error',
    status: 400,
    error: { type: 'invalid_request_error', code: 'websocket_connection_limit_reached', param: null },
  };

  it('is sent proactively on an idle socket, which is then closed', async () => {
    const emu = await emulator({ maxConnectionAgeMs: 300 });
    const c = await Client.open(emu.wsUrl);
    expectLifecycle(await c.turn({ ...base, input: 'x' }));
    const t = Date.now();
    expect(await c.next(1000)).toMatchObject(LIMIT);
    expect(Date.now() - t).toBeLessThan(800);
    expect([1000, 1001]).toContain((await c.closed).code);
    await waitFor(() => emu.openSockets() === 0);
    expect(emu.violations).toEqual([]);
  });

  it('answers the next create after the age has passed (busy socket)', async () => {
    const emu = await emulator({ maxConnectionAgeMs: 300, chunkDelayMs: 8, mode: 'compatible' });
    const c = await Client.open(emu.wsUrl);
    c.create({ ...base, input: 'slow' }); // ~60 deltas x 8 ms outlives the limit
    c.create({ ...base, input: 'next' });
    const r = expectLifecycle(await c.until());
    expect(r.status).toBe('completed');
    expect(await c.next()).toMatchObject(LIMIT);
    expect([1000, 1001]).toContain((await c.closed).code);
    expect(c.pending()).toBe(0);
    expect(emu.requests.map((q) => [q.outcome, q.errorCode])).toEqual([
      ['completed', undefined],
      ['error', 'websocket_connection_limit_reached'],
    ]);
  });
});

describe('scenario turns as a function', () => {
  it('passes the turn index and the full resolved context', async () => {
    const seen: [number, number][] = [];
    const scenario: Scenario = {
      name: 'fn',
      turns: (i, ctx) => {
        seen.push([i, ctx.length]);
        return i === 0 ? { calls: [{ name: 'grep', arguments: { pattern: 'x' } }] } : { text: `turn ${i}` };
      },
    };
    const emu = await emulator({ scenario });
    const c = await Client.open(emu.wsUrl);
    const r = expectLifecycle(await c.turn({ ...base, input: [user('a')] }));
    const r2 = expectLifecycle(await c.turn({ ...base, previous_response_id: r.id, input: [outputFor(r.output[0])] }));
    expect(r2.output[0].content[0].text).toBe('turn 1');
    expect(seen).toEqual([
      [0, 1],
      [1, 3],
    ]);
  });
});

// The session boundary (issue 14): raw server events become one closed union, checked in one
// place (parseServerEvent). Consumers narrow on `type` and never cast: that they compile here
// without a cast is part of the test.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { errorFromEvent } from '../../src/session/errors.ts';
import type { Logger } from '../../src/session/log.ts';
import { SessionManager } from '../../src/session/manager.ts';
import { parseItems, parseServerEvent, userMessage } from '../../src/session/protocol.ts';
import type { ServerEvent } from '../../src/session/protocol.ts';

const parse = (value: unknown, warnings: string[] = []) =>
  parseServerEvent(JSON.stringify(value), (m) => warnings.push(m));

const message = {
  type: 'message',
  id: 'msg_1',
  role: 'assistant',
  status: 'completed',
  content: [{ type: 'output_text', text: 'hi', annotations: [] }],
};
const response = (output: unknown[]) => ({
  id: 'resp_1',
  object: 'response',
  status: 'completed',
  output,
  usage: { input_tokens: 10, output_tokens: 2 },
});

/** What a consumer does: narrow on `type`, read the fields, no cast anywhere. */
function describeEvent(ev: ServerEvent): string {
  switch (ev.type) {
    case 'response.output_text.delta':
      return `text ${ev.delta}`;
    case 'response.custom_tool_call_input.delta':
      return `input ${ev.delta} @${ev.output_index ?? ev.item_id}`;
    case 'response.output_item.done':
      return `item ${ev.item.type}${ev.item.type === 'message' ? ` ${ev.item.role}` : ''}`;
    case 'response.completed':
      return `completed ${ev.response.id} ${ev.response.output.length}`;
    case 'error':
      return `error ${ev.status ?? '-'} ${ev.error.code ?? '-'} ${ev.error.message}`;
    case 'unknown':
      return `unknown ${ev.rawType}${ev.problem ? ` (${ev.problem})` : ''}`;
    default:
      return ev.type;
  }
}

describe('server events: one closed union', () => {
  it('narrows known events without casts', () => {
    expect(
      describeEvent(
        parse({
          type: 'response.output_text.delta',
          item_id: 'msg_1',
          output_index: 0,
          content_index: 0,
          delta: 'He',
          sequence_number: 4,
        }) as ServerEvent,
      ),
    ).toBe('text He');
    expect(
      describeEvent(
        parse({
          type: 'response.custom_tool_call_input.delta',
          item_id: 'ctc_1',
          output_index: 2,
          delta: '***',
        }) as ServerEvent,
      ),
    ).toBe('input *** @2');
    expect(
      describeEvent(parse({ type: 'response.output_item.done', output_index: 0, item: message }) as ServerEvent),
    ).toBe('item message assistant');
    expect(describeEvent(parse({ type: 'response.completed', response: response([message]) }) as ServerEvent)).toBe(
      'completed resp_1 1',
    );
  });

  it('passes an event it does not model on as the unknown case, its discriminant not a server type', () => {
    const warnings: string[] = [];
    const ev = parse(
      { type: 'response.output_text.annotation.added', item_id: 'msg_1', annotation: { url: 'x' } },
      warnings,
    );
    expect(ev).toEqual({
      type: 'unknown',
      rawType: 'response.output_text.annotation.added',
      raw: { type: 'response.output_text.annotation.added', item_id: 'msg_1', annotation: { url: 'x' } },
    });
    // A server that calls an event "unknown" cannot pass for the unknown case's own fields.
    expect(parse({ type: 'unknown', rawType: 'response.completed' })).toMatchObject({
      type: 'unknown',
      rawType: 'unknown',
    });
    expect(warnings).toEqual([]);
  });

  it('a known event whose fields are of the wrong shape is passed on as unknown, with the problem, and warned about', () => {
    const warnings: string[] = [];
    expect(parse({ type: 'response.output_text.delta', item_id: 'msg_1', delta: 42 }, warnings)).toMatchObject({
      type: 'unknown',
      rawType: 'response.output_text.delta',
      problem: '"delta" is not a string',
    });
    expect(
      parse(
        {
          type: 'response.output_item.done',
          output_index: 0,
          item: { type: 'function_call', call_id: 7, name: 'grep', arguments: '{}' },
        },
        warnings,
      ),
    ).toMatchObject({ type: 'unknown', problem: expect.stringMatching(/function_call item needs/) });
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/malformed response\.output_text\.delta event passed on as unknown/);
    // Optional fields of the wrong type are only dropped (llama.cpp sends no output_index at all).
    expect(parse({ type: 'response.output_text.delta', item_id: 5, output_index: 'x', delta: 'ok' })).toEqual({
      type: 'response.output_text.delta',
      delta: 'ok',
    });
  });

  it('a terminal event without a usable response is a protocol violation (the response cannot be settled otherwise)', () => {
    expect(parse({ type: 'response.completed' })).toBe('response.completed: no "response" object');
    expect(parse({ type: 'response.completed', response: { output: [] } })).toMatch(/without a string "id"/);
    expect(
      parse({
        type: 'response.completed',
        response: response([{ type: 'function_call', name: 'grep', arguments: '{}' }]),
      }),
    ).toMatch(/function_call item needs/);
    // Not terminal: only passed on.
    expect(parse({ type: 'response.created', response: {} })).toMatchObject({
      type: 'unknown',
      rawType: 'response.created',
    });
  });

  it("an item type it does not model is left out of a response's output with a warning; the output_item event is passed on as unknown", () => {
    const warnings: string[] = [];
    const hosted = { type: 'web_search_call', id: 'ws_1', status: 'completed' };
    const ev = parse({ type: 'response.completed', response: response([hosted, message]) }, warnings);
    expect(typeof ev !== 'string' && ev.type === 'response.completed' && ev.response.output).toEqual([message]);
    expect(warnings).toEqual([expect.stringMatching(/"web_search_call" is not one Warmline models/)]);
    expect(parse({ type: 'response.output_item.done', item: hosted })).toMatchObject({
      type: 'unknown',
      rawType: 'response.output_item.done',
    });
    expect(parseItems([hosted, message])).toEqual([message]);
    // Items are kept as they came (replayed byte-identically), not rebuilt.
    expect(JSON.stringify(parseItems([message]))).toBe(JSON.stringify([message]));
  });

  it('both error shapes arrive as one, and map to the same typed errors as before', () => {
    const envelope = parse({
      type: 'error',
      status: 429,
      error: { type: 'requests', code: 'rate_limit_exceeded', message: 'slow down', headers: { 'retry-after': '2' } },
      headers: { 'x-request-id': 'r1' },
    });
    expect(envelope).toEqual({
      type: 'error',
      status: 429,
      error: {
        type: 'requests',
        code: 'rate_limit_exceeded',
        message: 'slow down',
        param: null,
        headers: { 'retry-after': '2' },
      },
      headers: { 'x-request-id': 'r1', 'retry-after': '2' },
    });
    const flat = parse({
      type: 'error',
      code: 'previous_response_not_found',
      message: 'gone',
      param: 'previous_response_id',
      sequence_number: 3,
    });
    expect(flat).toEqual({
      type: 'error',
      error: { code: 'previous_response_not_found', message: 'gone', param: 'previous_response_id' },
      sequence_number: 3,
    });
    if (typeof envelope === 'string' || envelope.type !== 'error' || typeof flat === 'string' || flat.type !== 'error')
      throw new Error('not errors');
    expect(errorFromEvent(envelope)).toMatchObject({ code: 'rate_limited', retryAfterMs: 2000 });
    expect(errorFromEvent(flat)).toMatchObject({ code: 'previous_response_not_found' });
    // An error is an error even without a message.
    const warnings: string[] = [];
    expect(parse({ type: 'error', error: { code: 'server_error' } }, warnings)).toMatchObject({
      type: 'error',
      error: { code: 'server_error', message: expect.stringMatching(/without a message/) },
    });
    expect(warnings).toHaveLength(1);
  });
});

describe('through the session', () => {
  let server: http.Server | undefined;
  let s: SessionManager | undefined;
  afterEach(async () => {
    s?.dispose();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  it("an unknown event reaches the turn's consumer as the unknown case and is logged; a malformed delta too, warned; the turn completes", async () => {
    const events = [
      { type: 'response.created', response: { ...response([]), status: 'in_progress' } },
      { type: 'codex.rate_limits', plan_type: 'plus', rate_limits: { primary: { used_percent: 5 } } },
      { type: 'response.output_item.added', output_index: 0, item: { ...message, status: 'in_progress', content: [] } },
      { type: 'response.output_text.delta', item_id: 'msg_1', output_index: 0, content_index: 0, delta: { text: 'h' } },
      { type: 'response.output_text.delta', item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'hi' },
      { type: 'response.output_item.done', output_index: 0, item: message },
      { type: 'response.completed', response: response([message]) },
    ];
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        for (const e of events) res.write(`event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
        res.end();
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const log: string[] = [];
    const logger: Logger = {
      trace() {},
      debug: (m) => log.push(`debug ${m}`),
      info() {},
      warn: (m) => log.push(`warn ${m}`),
      error: (m) => log.push(`error ${m}`),
    };
    s = new SessionManager({
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
      model: 'm',
      instructions: 'i',
      tools: [],
      getApiKey: async () => undefined,
      requireApiKey: false,
      transport: 'http',
      logger,
    });
    const seen: string[] = [];
    const turn = await s.respond([userMessage('hello')], { onEvent: (ev) => seen.push(describeEvent(ev)) });
    expect(seen).toEqual([
      'response.created',
      'unknown codex.rate_limits',
      'response.output_item.added',
      'unknown response.output_text.delta ("delta" is not a string)',
      'text hi',
      'item message assistant',
      'completed resp_1 1',
    ]);
    expect(turn.output).toEqual([message]);
    expect(log).toContain('debug [chat] passing on unknown event codex.rate_limits');
    expect(log.filter((l) => l.startsWith('warn'))).toEqual([
      expect.stringMatching(
        /^warn HTTP stream: malformed response\.output_text\.delta event passed on as unknown: "delta" is not a string/,
      ),
    ]);
  });
});

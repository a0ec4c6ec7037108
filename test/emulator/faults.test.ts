// Fault injection in the Responses emulator (a test double, not AI), over raw WebSockets.

import { describe, expect, it } from 'vitest';

import {
  Client,
  useEmulators,
  TOOLS,
  expectLifecycle,
  outputFor,
  sleep,
  upgradeStatus,
  user,
  waitFor,
} from './testkit.ts';

const emulator = useEmulators();

const base = { model: 'gpt-test', tools: TOOLS, store: false };

describe('stream faults', () => {
  it('drop_mid_stream cuts the TCP connection after N events', async () => {
    const emu = await emulator();
    emu.injectFault({ kind: 'drop_mid_stream', afterEvents: 5 });
    const c = await Client.open(emu.wsUrl);
    c.create({ ...base, input: 'x' });
    const frames: string[] = [];
    for (let f = await c.nextRaw(); f !== undefined; f = await c.nextRaw()) frames.push(f);
    expect(frames).toHaveLength(5);
    expect((await c.closed).code).toBe(1006);
    expect(emu.requests[0]!.outcome).toBe('dropped');
    await waitFor(() => emu.openSockets() === 0);
    expect(emu.violations).toEqual([]);
  });

  it('stall stops sending after N events but keeps the socket open', async () => {
    const emu = await emulator();
    emu.injectFault({ kind: 'stall', afterEvents: 4 });
    const c = await Client.open(emu.wsUrl);
    c.create({ ...base, input: 'x' });
    for (let i = 0; i < 4; i++) await c.next();
    expect(await c.nextRaw(250)).toBeUndefined();
    expect(c.ws.readyState).toBe(c.ws.OPEN);
    expect(emu.requests[0]!.outcome).toBe('in_progress');
    // Still in flight as far as the server knows: strict mode refuses another create.
    expect((await c.first({ ...base, input: 'y' })).error.code).toBe('response_already_in_flight');
  });

  it('malformed_frame sends one text frame that is not JSON, then the stream goes on', async () => {
    const emu = await emulator();
    emu.injectFault({ kind: 'malformed_frame', afterEvents: 3 });
    const c = await Client.open(emu.wsUrl);
    c.create({ ...base, input: 'x' });
    const frames: string[] = [];
    for (;;) {
      const f = (await c.nextRaw())!;
      frames.push(f);
      if (f.includes('"response.completed"')) break;
    }
    const bad = frames.filter((f) => {
      try {
        JSON.parse(f);
        return false;
      } catch {
        return true;
      }
    });
    expect(bad).toHaveLength(1);
    expect(frames.indexOf(bad[0]!)).toBe(3);
    expectLifecycle(frames.filter((f) => f !== bad[0]).map((f) => JSON.parse(f)));
  });

  it('stream_error emits the flat streaming error shape after N events and fails the response', async () => {
    const emu = await emulator({ scenario: 'chain-2' });
    const c = await Client.open(emu.wsUrl);
    const r = expectLifecycle(await c.turn({ ...base, input: [user('go')] }));
    emu.injectFault({ kind: 'stream_error', afterEvents: 4 });
    const events = await c.turn({ ...base, previous_response_id: r.id, input: [outputFor(r.output[0])] });
    expect(events).toHaveLength(5);
    expect(events[4]).toEqual({
      type: 'error',
      code: 'server_error',
      message: expect.any(String),
      param: null,
      sequence_number: 4,
    });
    expect(emu.requests[1]!.outcome).toBe('failed');
    expect((await c.first({ ...base, previous_response_id: r.id, input: [outputFor(r.output[0])] })).error.code).toBe(
      'previous_response_not_found',
    );
  });

  it('response_failed: created, in_progress, response.failed with a server_error', async () => {
    const emu = await emulator();
    emu.injectFault({ kind: 'response_failed' });
    const c = await Client.open(emu.wsUrl);
    const events = await c.turn({ ...base, input: 'x' });
    expect(events.map((e) => e.type)).toEqual(['response.created', 'response.in_progress', 'response.failed']);
    const r = expectLifecycle(events);
    expect(r).toMatchObject({ status: 'failed', error: { code: 'server_error' }, output: [] });
    expect(emu.requests[0]).toMatchObject({ outcome: 'failed', errorCode: 'server_error' });
  });

  it('incomplete ends with response.incomplete (max_output_tokens) after some text, and can be continued', async () => {
    const emu = await emulator({
      scenario: { name: 'two', turns: [{ text: 'a fairly long first answer here' }, { text: 'second' }] },
    });
    emu.injectFault({ kind: 'incomplete' });
    const c = await Client.open(emu.wsUrl);
    const events = await c.turn({ ...base, input: 'x' });
    const r = expectLifecycle(events);
    expect(events.at(-1)!.type).toBe('response.incomplete');
    expect(r.incomplete_details).toEqual({ reason: 'max_output_tokens' });
    expect(r.output[0]).toMatchObject({ type: 'message', status: 'incomplete' });
    expect(r.output[0].content[0].text).toBe('a fairly long f');
    expect(emu.requests[0]!.outcome).toBe('incomplete');
    const next = expectLifecycle(await c.turn({ ...base, previous_response_id: r.id, input: [user('go on')] }));
    expect(next.output[0].content[0].text).toBe('second');
  });
});

describe('request faults', () => {
  it('rate_limit: 429 envelope with retry-after inside error.headers and top-level headers', async () => {
    const emu = await emulator();
    emu.injectFault({ kind: 'rate_limit', retryAfterSeconds: 7 });
    const c = await Client.open(emu.wsUrl);
    expect(await c.first({ ...base, input: 'x' })).toEqual({
      type: 'error',
      status: 429,
      error: {
        type: 'requests',
        code: 'rate_limit_exceeded',
        message: expect.any(String),
        param: null,
        headers: { 'retry-after': '7' },
      },
      headers: { 'retry-after': '7' },
    });
    expect(emu.requests[0]).toMatchObject({ outcome: 'error', errorCode: 'rate_limit_exceeded' });
    expectLifecycle(await c.turn({ ...base, input: 'x' }));
  });

  it('server_error: envelope with the given status and type server_error', async () => {
    const emu = await emulator();
    emu.injectFault({ kind: 'server_error', status: 503 });
    const c = await Client.open(emu.wsUrl);
    expect(await c.first({ ...base, input: 'x' })).toMatchObject({
      type: 'error',
      status: 503,
      error: { type: 'server_error' },
    });
  });

  it('close_socket closes with the given code right after the create', async () => {
    const emu = await emulator();
    emu.injectFault({ kind: 'close_socket', code: 4000 });
    const c = await Client.open(emu.wsUrl);
    c.create({ ...base, input: 'x' });
    expect((await c.closed).code).toBe(4000);
    expect(c.pending()).toBe(0);
    expect(emu.requests[0]!.outcome).toBe('dropped');
    emu.injectFault({ kind: 'close_socket', code: 1006 });
    const d = await Client.open(emu.wsUrl);
    d.create({ ...base, input: 'x' });
    expect((await d.closed).code).toBe(1006);
  });

  it('connection_limit answers websocket_connection_limit_reached and closes', async () => {
    const emu = await emulator();
    emu.injectFault({ kind: 'connection_limit' });
    const c = await Client.open(emu.wsUrl);
    expect(await c.first({ ...base, input: 'x' })).toMatchObject({
      type: 'error',
      status: 400,
      error: { code: 'websocket_connection_limit_reached' },
    });
    expect([1000, 1001]).toContain((await c.closed).code);
    expect(emu.violations).toEqual([]);
  });

  it('evict_previous makes the next continuation miss the cache without blaming the client', async () => {
    const emu = await emulator({ scenario: 'chain-2' });
    const c = await Client.open(emu.wsUrl);
    emu.injectFault({ kind: 'evict_previous' });
    const r = expectLifecycle(await c.turn({ ...base, input: [user('go')] })); // not a continuation: not consumed
    const err = await c.first({ ...base, previous_response_id: r.id, input: [outputFor(r.output[0])] });
    expect(err.error.code).toBe('previous_response_not_found');
    expect(emu.violations).toEqual([]);
  });
});

describe('upgrade faults', () => {
  it('refuse_upgrade answers the next upgrade with 426 (or the given status), then upgrades work', async () => {
    const emu = await emulator();
    emu.injectFault({ kind: 'refuse_upgrade' });
    emu.injectFault({ kind: 'refuse_upgrade', status: 503 });
    expect(await upgradeStatus(emu.wsUrl)).toBe(426);
    expect(await upgradeStatus(emu.wsUrl)).toBe(503);
    const c = await Client.open(emu.wsUrl);
    expectLifecycle(await c.turn({ ...base, input: 'x' }));
    expect(emu.connections()).toBe(1);
  });

  it('close_after_upgrade closes right after the 101 (1008 by default)', async () => {
    const emu = await emulator();
    emu.injectFault({ kind: 'close_after_upgrade' });
    const c = await Client.open(emu.wsUrl);
    expect((await c.closed).code).toBe(1008);
  });
});

describe('fault accounting', () => {
  it('times applies a fault to several requests; warmups skip it unless includeWarmup', async () => {
    const emu = await emulator();
    const c = await Client.open(emu.wsUrl);
    emu.injectFault({ kind: 'server_error', times: 2 });
    expect((await c.turn({ ...base, input: 'x', generate: false })).at(-1)!.type).toBe('response.completed');
    expect((await c.first({ ...base, input: 'x' })).status).toBe(500);
    expect((await c.first({ ...base, input: 'x' })).status).toBe(500);
    expect((await c.turn({ ...base, input: 'x' })).at(-1)!.type).toBe('response.completed');
    emu.injectFault({ kind: 'server_error', includeWarmup: true });
    expect((await c.first({ ...base, input: 'x', generate: false })).status).toBe(500);
    expect((await c.turn({ ...base, input: 'x' })).at(-1)!.type).toBe('response.completed');
    await sleep(1);
  });
});

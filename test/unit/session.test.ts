import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../emulator/types.ts';
import type { Fault } from '../emulator/types.ts';
import { chainScenario } from '../emulator/scenario.ts';
import { SessionError } from '../../src/session/errors.ts';
import type { SessionManager } from '../../src/session/manager.ts';
import { userMessage } from '../../src/session/protocol.ts';
import type { InputItem } from '../../src/session/protocol.ts';
import { INSTRUCTIONS, KEY, TEST_TOOLS, emulator, modelRequests, runChain, session } from './session-helpers.ts';
import { waitUntil } from './tools/helpers.ts';

let emu: Emulator | undefined;
let sessions: SessionManager[] = [];

async function setup(emuOpts: Parameters<typeof emulator>[0], config: Parameters<typeof session>[1] = {}) {
  emu = await emulator(emuOpts);
  const s = session(emu, config);
  sessions.push(s);
  return { emu, s };
}

afterEach(async () => {
  for (const s of sessions) s.dispose();
  sessions = [];
  await emu?.close();
  emu = undefined;
});

describe('warmup', () => {
  it('stages instructions and tools with generate:false, then the first turn sends only the message', async () => {
    const { emu, s } = await setup({ scenario: 'hello' });
    const states: string[] = [];
    s.on('state', (st) => states.push(st));
    await s.start();
    expect(s.state).toBe('warm');
    expect(emu.requests).toHaveLength(1);
    const warm = emu.requests[0]!;
    expect(warm.generate).toBe(false);
    expect(warm.inputItems).toBe(0);
    expect(warm.body.instructions).toBeTruthy();
    expect((warm.body.tools as unknown[]).length).toBe(3);
    expect(warm.headers.authorization).toBe(`Bearer ${KEY}`);

    const run = await runChain(s, 'say hello');
    expect(run.text).toContain('Responses emulator');
    const first = emu.requests[1]!;
    expect(first.previousResponseId).toBe(warm.responseId);
    expect(first.inputItems).toBe(1);
    expect(first.connectionId).toBe(warm.connectionId);
    expect(first.body.instructions).toBe(warm.body.instructions); // resent: not inherited
    expect(run.metrics[0]!.mode).toBe('delta');
    expect(states).toEqual(expect.arrayContaining(['connecting', 'warming', 'warm', 'busy']));
    expect(emu.requests.every((r) => r.stream === undefined)).toBe(true);
    expect(emu.violations).toEqual([]);
  });

  it('remembers a server that rejects generate, without failing the session', async () => {
    const { emu, s } = await setup({ scenario: 'chain-25', supportsGenerate: false });
    await s.start();
    expect(s.warmupSupported).toBe(false);
    expect(s.state).toBe('warm');
    const run = await runChain(s, 'go');
    expect(run.metrics).toHaveLength(26);
    expect(run.metrics[0]!.mode).toBe('full');
    expect(run.metrics[1]!.mode).toBe('delta');
    // No second warmup is attempted once the server said no.
    expect(emu.requests.filter((r) => r.generate === false)).toHaveLength(1);
    expect(emu.violations).toEqual([]);
  });
});

describe('a 25-tool-call chain', () => {
  it('over WebSocket sends only incremental items: request size does not grow', async () => {
    const { emu, s } = await setup({ scenario: 'chain-25' });
    await s.start();
    const run = await runChain(s, 'explore the repository');
    const reqs = modelRequests(emu);
    expect(reqs).toHaveLength(26);
    expect(new Set(reqs.map((r) => r.connectionId)).size).toBe(1);
    for (const r of reqs) expect(r.inputItems).toBe(1);
    expect(reqs.slice(1).every((r, i) => r.previousResponseId === reqs[i]!.responseId)).toBe(true);
    const sizes = reqs.map((r) => r.bytes);
    expect(Math.max(...sizes.slice(1)) / sizes[1]!).toBeLessThan(1.2);
    expect([...run.toolRuns.values()].every((n) => n === 1)).toBe(true);
    expect(run.toolRuns.size).toBe(25);
    expect(emu.violations).toEqual([]);
    // The "saved by the socket" figure: what the last turn would have weighed sent in full.
    const last = run.metrics.at(-1)!;
    const full = Buffer.byteLength(
      JSON.stringify({
        type: 'response.create',
        model: 'test-model',
        instructions: INSTRUCTIONS,
        tools: TEST_TOOLS,
        store: false,
        input: run.transcript.slice(0, -1),
      }),
    );
    expect(Math.abs(last.fullContextBytes - full) / full).toBeLessThan(0.01);
    expect(last.bytesSent).toBeLessThan(full / 10);
    console.log(`[bytes] websocket per turn: ${sizes.join(' ')}`);
  });

  it('over HTTP resends the history: request size grows with the chain', async () => {
    const { emu, s } = await setup({ scenario: 'chain-25' }, { transport: 'http' });
    await s.start();
    const run = await runChain(s, 'explore the repository');
    const reqs = modelRequests(emu);
    expect(reqs).toHaveLength(26);
    expect(reqs.every((r) => r.transport === 'http' && r.previousResponseId === undefined && r.stream === true)).toBe(
      true,
    );
    expect(reqs.every((r) => r.generate === undefined)).toBe(true);
    expect(reqs[25]!.inputItems).toBe(51);
    expect(reqs[25]!.bytes / reqs[1]!.bytes).toBeGreaterThan(10);
    expect(run.toolRuns.size).toBe(25);
    expect(emu.violations).toEqual([]);
    console.log(`[bytes] http per turn: ${reqs.map((r) => r.bytes).join(' ')}`);
  });
});

// The whole table runs against a plain scripted model and against one that reasons like the
// default model (a reasoning item first in every response, kept only as encrypted content with
// store: false), over both transports: a full resend must replay that content byte-identical.
const FAULTS: Array<[string, Fault, string, object?, 'websocket'?]> = [
  ['a socket dropped mid-stream', { kind: 'drop_mid_stream', afterEvents: 3 }, 'network'],
  ['a stalled stream', { kind: 'stall', afterEvents: 2 }, 'stalled', { stallTimeoutMs: 300 }],
  ['a malformed frame', { kind: 'malformed_frame', afterEvents: 2 }, 'protocol'],
  ['a flat streaming error', { kind: 'stream_error', afterEvents: 2 }, 'server_error'],
  ['429 with retry-after', { kind: 'rate_limit', retryAfterSeconds: 0 }, 'rate_limited'],
  ['a 500', { kind: 'server_error', status: 500 }, 'server_error'],
  ['response.failed', { kind: 'response_failed' }, 'response_failed'],
  ['response.incomplete', { kind: 'incomplete' }, 'response_incomplete'],
  ['previous_response_not_found', { kind: 'evict_previous' }, 'previous_response_not_found', {}, 'websocket'],
  ['websocket_connection_limit_reached', { kind: 'connection_limit' }, 'connection_limit', {}, 'websocket'],
  ['a close with 1011', { kind: 'close_socket', code: 1011 }, 'network', {}, 'websocket'],
];

for (const transport of ['websocket', 'http'] as const) {
  for (const reasoning of [false, true]) {
    describe(`faults mid-chain end in a completed chain, nothing lost, no tool run twice (${transport}, ${reasoning ? 'reasoning model' : 'plain model'})`, () => {
      for (const [name, fault, code, config, only] of FAULTS) {
        if (only && only !== transport) continue;
        it(`recovers from ${name}`, async () => {
          const { emu, s } = await setup(
            { scenario: chainScenario(6), chunkDelayMs: 1, reasoning },
            { transport, ...config },
          );
          const clean = await runChain(s, 'explore');
          const before = emu.requests.length;
          const run = await runChain(s, 'explore', {
            between: (turn) => {
              if (turn === 3) emu.injectFault(fault);
            },
          });
          expect(run.metrics).toHaveLength(7);
          expect(run.metrics.flatMap((m) => m.recovered)).toContain(code);
          expect([...run.toolRuns.values()].every((n) => n === 1)).toBe(true);
          expect(run.toolRuns.size).toBe(6);
          expect(run.transcript.length).toBe(clean.transcript.length);
          expect(run.text).toBe(clean.text);
          const recoveredTurn = run.metrics.find((m) => m.recovered.length)!;
          expect(recoveredTurn.contextResent).toBe(true);
          expect(emu.requests.slice(before).some((r) => r.outcome !== 'completed')).toBe(true);
          const resent = modelRequests(emu)
            .slice(-run.metrics.length - 3)
            .find((r) => r.previousResponseId === undefined && r.inputItems > 1);
          console.log(
            `[fault] ${transport} ${reasoning ? 'reasoning' : 'plain'} | ${name} | recovered ${recoveredTurn.recovered.join(', ')} in ${recoveredTurn.attempts} attempts | resent ${resent?.inputItems ?? 0} items, ${(resent?.body.input as Array<{ type: string }> | undefined)?.filter((i) => i.type === 'reasoning').length ?? 0} reasoning | chain completed, ${run.toolRuns.size} tools once each`,
          );
          if (reasoning) {
            // Every reasoning item went back with its encrypted content: none was refused.
            expect(run.transcript.filter((i) => i.type === 'reasoning')).toHaveLength(7);
            expect(run.metrics.flatMap((m) => m.recovered)).not.toContain('item_not_found');
            expect(
              modelRequests(emu).every((r) =>
                (r.body.include as string[] | undefined)?.includes('reasoning.encrypted_content'),
              ),
            ).toBe(true);
          }
          expect(emu.violations).toEqual([]);
        });
      }
    });
  }
}

describe('faults at connect', () => {
  it('a refused upgrade is retried on the next connect', async () => {
    const { emu, s } = await setup({ scenario: 'hello' });
    emu.injectFault({ kind: 'refuse_upgrade', status: 503 });
    const run = await runChain(s, 'hi');
    expect(run.metrics[0]!.recovered).toEqual(['upgrade_refused']);
    expect(emu.connections()).toBe(1);
  });
});

describe('faults that persist end in a clear typed error', () => {
  async function failingTurn(fault: Fault, config = {}) {
    const { emu, s } = await setup({ scenario: 'hello' }, config);
    emu.injectFault(fault);
    return s.respond([userMessage('hi')]).then(
      () => undefined,
      (e: unknown) => e,
    );
  }
  it('rate limiting beyond the retry budget', async () => {
    const err = await failingTurn({ kind: 'rate_limit', retryAfterSeconds: 0, times: 10 });
    expect(err).toBeInstanceOf(SessionError);
    expect((err as SessionError).code).toBe('rate_limited');
  });
  it('a retry-after longer than the session will wait', async () => {
    const err = await failingTurn({ kind: 'rate_limit', retryAfterSeconds: 3600 });
    expect((err as SessionError).code).toBe('rate_limited');
    expect((err as SessionError).retryAfterMs).toBe(3_600_000);
  });
  it('repeated server errors', async () => {
    const err = await failingTurn({ kind: 'server_error', status: 502, times: 10 });
    expect((err as SessionError).code).toBe('server_error');
    expect((err as SessionError).status).toBe(502);
  });
  it('a socket that keeps dropping', async () => {
    const err = await failingTurn({ kind: 'drop_mid_stream', afterEvents: 1, times: 10 });
    expect((err as SessionError).code).toBe('network');
  });
  it('a bad key', async () => {
    const err = await failingTurn({ kind: 'stall', times: 0 }, { getApiKey: async () => 'sk-wrong' });
    expect((err as SessionError).code).toBe('bad_api_key');
    expect((err as SessionError).message).not.toContain('sk-wrong');
  });
  it('no key at all: the session says so instead of connecting', async () => {
    const { emu, s } = await setup({ scenario: 'hello' }, { getApiKey: async () => undefined });
    await s.start();
    expect(s.state).toBe('no_key');
    const err = await s.respond([userMessage('hi')]).catch((e: unknown) => e);
    expect((err as SessionError).code).toBe('no_api_key');
    expect(emu.connections()).toBe(0);
  });
  it('a local server that needs no key', async () => {
    emu = await emulator({ scenario: 'hello', apiKey: undefined });
    const s = session(emu, { getApiKey: async () => undefined, requireApiKey: false });
    sessions.push(s);
    const run = await runChain(s, 'hi');
    expect(run.text.length).toBeGreaterThan(10);
    expect(emu.requests[0]!.headers.authorization).toBeUndefined();
  });
});

describe('rotation', () => {
  it('replaces an aging socket between turns without cutting a turn', async () => {
    const { emu, s } = await setup({ scenario: chainScenario(12), maxConnectionAgeMs: 1500 }, { maxSocketAgeMs: 250 });
    await s.start();
    const run = await runChain(s, 'explore', { toolDelayMs: 60 });
    expect(run.metrics).toHaveLength(13);
    expect(run.metrics.every((m) => m.recovered.length === 0)).toBe(true);
    expect(emu.connections()).toBeGreaterThan(1);
    expect(emu.requests.every((r) => r.outcome === 'completed')).toBe(true);
    expect(emu.requests.some((r) => r.errorCode === 'websocket_connection_limit_reached')).toBe(false);
    expect(run.toolRuns.size).toBe(12);
    expect(emu.violations).toEqual([]);
  });

  it('rewarms an idle socket with the conversation so the next turn stays a delta', async () => {
    const { emu, s } = await setup({ scenario: chainScenario(2) }, { maxSocketAgeMs: 300 });
    await s.start();
    const transcript: InputItem[] = [userMessage('explore')];
    const r1 = await s.respond(transcript);
    // The socket outlives its age limit while the tool runs: the manager replaces and rewarms it.
    const rewarmed = new Promise((r) => s.once('warm', r));
    transcript.push(...r1.output, {
      type: 'function_call_output',
      call_id: (r1.output[0] as { call_id: string }).call_id,
      output: 'ok',
    });
    await rewarmed;
    const rewarm = emu.requests.filter((r) => r.generate === false).at(-1)!;
    expect(rewarm.connectionId).toBeGreaterThan(1);
    expect(rewarm.inputItems).toBe(1); // the user's message: the call awaiting its output cannot be staged
    const r2 = await s.respond(transcript);
    expect(r2.metrics.mode).toBe('delta');
    expect(r2.metrics.inputItemsSent).toBe(2); // the model's call and its output
    expect(emu.violations).toEqual([]);
  });

  it('recovers when the server closes an idle socket at its own limit', async () => {
    const { emu, s } = await setup({ scenario: chainScenario(3), maxConnectionAgeMs: 300 });
    await s.start();
    // After the first turn the socket sits idle until the server has closed it.
    const run = await runChain(s, 'explore', {
      between: async (turn) => {
        if (turn === 1) expect(await waitUntil(() => emu.openSockets() === 0)).toBe(true);
      },
    });
    expect(run.metrics).toHaveLength(4);
    expect(run.metrics[1]!.contextResent).toBe(true);
    expect(emu.connections()).toBeGreaterThan(1);
    expect(emu.violations).toEqual([]);
  });
});

describe('one response in flight per socket', () => {
  it('queues a second turn on the same lane (the strict emulator refuses overlap)', async () => {
    const { emu, s } = await setup({ scenario: 'hello', chunkDelayMs: 2 });
    await s.start();
    const [a, b] = await Promise.all([s.respond([userMessage('one')]), s.respond([userMessage('two')])]);
    expect(a.output.length + b.output.length).toBe(2);
    expect(emu.connections()).toBe(1);
    expect(emu.violations).toEqual([]);
  });

  it('runs another lane on its own socket, in parallel', async () => {
    const { emu, s } = await setup({ scenario: 'hello', chunkDelayMs: 5 });
    await s.start(['chat', 'inline']);
    let inlineDoneWhileChatBusy = false;
    let chatDone = false;
    const chat = s.respond([userMessage('long')]).then(() => {
      chatDone = true;
    });
    const inline = s.respond([userMessage('quick')], { lane: 'inline' }).then(() => {
      inlineDoneWhileChatBusy = !chatDone;
    });
    await Promise.all([chat, inline]);
    expect(emu.connections()).toBe(2);
    expect(inlineDoneWhileChatBusy || chatDone).toBe(true);
    const conns = new Set(modelRequests(emu).map((r) => r.connectionId));
    expect(conns.size).toBe(2);
    expect(emu.violations).toEqual([]);
  });
});

describe('cancellation', () => {
  it('stops the turn promptly and leaves the session usable', async () => {
    const { emu, s } = await setup({ scenario: 'hello', chunkDelayMs: 30 });
    await s.start();
    const controller = new AbortController();
    let deltas = 0;
    const started = Date.now();
    const err = await s
      .respond([userMessage('hi')], {
        signal: controller.signal,
        onEvent: (ev) => {
          if (ev.type === 'response.output_text.delta' && ++deltas === 2) controller.abort();
        },
      })
      .catch((e: unknown) => e);
    expect((err as SessionError).code).toBe('cancelled');
    expect(Date.now() - started).toBeLessThan(1500);
    const again = await runChain(s, 'hi again');
    expect(again.text).toContain('Responses emulator');
    expect(emu.violations).toEqual([]);
  });

  it('a queued turn can be cancelled while it waits', async () => {
    const { s } = await setup({ scenario: 'hello', chunkDelayMs: 10 });
    const first = s.respond([userMessage('one')]);
    const controller = new AbortController();
    const second = s.respond([userMessage('two')], { signal: controller.signal });
    controller.abort();
    await expect(second).rejects.toMatchObject({ code: 'cancelled' });
    await expect(first).resolves.toBeTruthy();
  });
});

describe('transport auto', () => {
  it('falls back to HTTP when the upgrade is refused, and stays there after 426', async () => {
    const { emu, s } = await setup({ scenario: chainScenario(3) }, { transport: 'auto' });
    emu.injectFault({ kind: 'refuse_upgrade', status: 426 });
    const states: string[] = [];
    s.on('state', (st) => states.push(st));
    const run = await runChain(s, 'go');
    expect(run.metrics.every((m) => m.transport === 'http')).toBe(true);
    expect(states).toContain('http');
    expect(s.transportInUse).toBe('http');
    expect(emu.violations).toEqual([]);
  });

  it('falls back to HTTP against a server without the WebSocket mode', async () => {
    const { emu, s } = await setup({ scenario: chainScenario(4), websocket: false }, { transport: 'auto' });
    await s.start();
    const run = await runChain(s, 'go');
    expect(run.metrics).toHaveLength(5);
    expect(emu.requests.every((r) => r.transport === 'http')).toBe(true);
    expect(s.transportInUse).toBe('http'); // three refusals in a row: HTTP for the session
    expect(emu.violations).toEqual([]);
  });
});

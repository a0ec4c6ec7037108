import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../emulator/types.ts';
import { chainScenario } from '../emulator/scenario.ts';
import { SessionError } from '../../src/session/errors.ts';
import type { Capabilities, SessionManager } from '../../src/session/manager.ts';
import { userMessage } from '../../src/session/protocol.ts';
import { emulator, modelRequests, runChain, session } from './session-helpers.ts';

let emu: Emulator | undefined;
let s: SessionManager | undefined;
afterEach(async () => {
  s?.dispose();
  await emu?.close();
  emu = undefined;
  s = undefined;
});

async function against(opts: Parameters<typeof emulator>[0], config: Parameters<typeof session>[1] = {}) {
  emu = await emulator(opts);
  s = session(emu, { transport: 'auto', ...config });
  const learned: Capabilities[] = [];
  s.on('capabilities', (c) => learned.push(c));
  await s.start();
  const run = await runChain(s, 'go');
  return { emu, s, run, learned };
}

describe('capability detection against different kinds of server', () => {
  it('full WebSocket mode: warm socket, deltas', async () => {
    const { emu, s, run } = await against({ scenario: chainScenario(3) });
    expect(s.capabilities).toEqual({
      websocket: true,
      warmup: true,
      previousResponseId: true,
      promptCacheKey: true,
      encryptedReasoning: { 'test-model': true },
      toolTypes: { custom: true },
    });
    expect(s.mode).toBe('WebSocket + warmup');
    expect(run.metrics.every((m) => m.transport === 'websocket' && m.mode === 'delta')).toBe(true);
    expect(emu.violations).toEqual([]);
  });

  it('WebSocket without warmup: remembered, turns still deltas after the first', async () => {
    const { emu, s, run } = await against({ scenario: chainScenario(3), supportsGenerate: false });
    expect(s.capabilities).toMatchObject({ websocket: true, warmup: false, previousResponseId: true });
    expect(s.mode).toBe('WebSocket');
    expect(run.metrics.map((m) => m.mode)).toEqual(['full', 'delta', 'delta', 'delta']);
    expect(emu.violations).toEqual([]);
  });

  it('HTTP with state (store: true): chains on stored responses', async () => {
    const { emu, s, run } = await against({ scenario: chainScenario(4), websocket: false }, { store: true });
    expect(s.capabilities).toMatchObject({ websocket: false, previousResponseId: true, store: true });
    expect(s.mode).toBe('HTTP, chained on stored responses');
    const reqs = modelRequests(emu);
    expect(reqs.every((r) => r.transport === 'http')).toBe(true);
    expect(reqs.slice(1).every((r) => r.previousResponseId && r.inputItems === 1)).toBe(true);
    expect(run.metrics).toHaveLength(5);
    expect(emu.violations).toEqual([]);
  });

  it('stateless HTTP that refuses previous_response_id (llama.cpp-like): learns it once, then full history', async () => {
    const { emu, s, run } = await against(
      { scenario: chainScenario(4), websocket: false, supportsPreviousResponseId: false },
      { store: true },
    );
    expect(s.capabilities).toMatchObject({ websocket: false, previousResponseId: false });
    expect(s.mode).toBe('HTTP, full history each turn');
    const reqs = modelRequests(emu);
    // One refused delta (how it learned), then every request in full.
    expect(reqs.filter((r) => r.previousResponseId)).toHaveLength(1);
    expect(reqs.at(-1)!.inputItems).toBe(9);
    expect(run.metrics).toHaveLength(5);
    expect([...run.toolRuns.values()].every((n) => n === 1)).toBe(true);
    expect(emu.violations).toEqual([]);
  });

  it('HTTP that accepts store but keeps nothing: learns it once, then full history', async () => {
    const { emu, s, run } = await against(
      { scenario: chainScenario(4), websocket: false, keepsState: false },
      { store: true },
    );
    expect(s.capabilities).toMatchObject({ websocket: false, store: false });
    expect(s.mode).toBe('HTTP, full history each turn');
    expect(modelRequests(emu).filter((r) => r.previousResponseId)).toHaveLength(1);
    expect(run.metrics).toHaveLength(5);
    expect(emu.violations).toEqual([]);
  });

  it('uses what an earlier session learned: no upgrade is tried against a known HTTP-only server', async () => {
    emu = await emulator({ scenario: 'hello', websocket: false });
    s = session(emu, { transport: 'auto', capabilities: { websocket: false } });
    await s.start();
    const run = await runChain(s, 'hi');
    expect(run.metrics[0]!.transport).toBe('http');
    expect(emu.connections()).toBe(0);
    expect(emu.requests.every((r) => r.transport === 'http')).toBe(true);
  });

  it('a server that speaks none of it: a clear error naming the endpoint and what failed', async () => {
    const server = http.createServer((_req, res) => {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('Not Found');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      s = session({ url: `http://127.0.0.1:${port}/v1` } as Emulator, {
        transport: 'auto',
        getApiKey: async () => undefined,
        requireApiKey: false,
      });
      const err = await s.respond([userMessage('hi')]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SessionError);
      expect((err as SessionError).code).toBe('server_unsupported');
      expect((err as SessionError).message).toContain(`http://127.0.0.1:${port}/v1`);
      expect((err as SessionError).message).toMatch(/WebSocket upgrade .* answered 404/);
      expect((err as SessionError).message).toMatch(/POST http:\/\/127\.0\.0\.1:\d+\/v1\/responses failed too \(.*404/);
      expect(s.state).toBe('error');
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe('through a proxy', () => {
  it('auto falls back to HTTP when the proxy refuses WebSocket upgrades, and the chain completes through it', async () => {
    const { startConnectProxy } = await import('./helpers/connect-proxy.ts');
    const proxy = await startConnectProxy({ refuseUpgrades: true });
    try {
      emu = await emulator({ scenario: chainScenario(3) });
      s = session(emu, { transport: 'auto', proxy: { url: proxy.url } });
      await s.start();
      const run = await runChain(s, 'go');
      expect(run.metrics.every((m) => m.transport === 'http')).toBe(true);
      expect(proxy.log.some((e) => e.upgrade && e.status === 403)).toBe(true);
      expect(proxy.log.filter((e) => e.method === 'POST' && e.target.endsWith('/v1/responses'))).toHaveLength(4);
      expect(emu.connections()).toBe(0);
      expect(emu.violations).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  it('a malformed proxy setting is a clear error, not retried', async () => {
    emu = await emulator({ scenario: 'hello' });
    s = session(emu, { proxy: { url: 'http://[not a proxy' } });
    const err = await s.respond([userMessage('hi')]).catch((e: unknown) => e);
    expect((err as SessionError).code).toBe('proxy');
    expect((err as SessionError).message).toMatch(/http\.proxy/);
    expect(emu.requests).toHaveLength(0);
  });
});

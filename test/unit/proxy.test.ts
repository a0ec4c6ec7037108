// Proxy support in the session layer, over real loopback sockets: agentFor's choice of agent,
// then WebSocket and HTTP turns to the Responses emulator (a scripted test double, not AI)
// through a real forward proxy (test/unit/helpers/connect-proxy.ts): absolute-URI requests for
// http/ws, CONNECT tunnels for https/wss, a proxy that refuses upgrades or tunnels or wants
// credentials, and NODE_EXTRA_CA_CERTS in a child process.
//
// Trusting the TLS emulator's throwaway certificate: in this process with `strictSSL: false`
// (VS Code's `http.proxyStrictSSL`, the only TLS knob ProxySettings has; a test with the default
// shows verification is otherwise on), and by CA in a child process started with
// NODE_EXTRA_CA_CERTS (Node reads it only at start-up, so it cannot be set in this process).
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { HttpProxyAgent } from 'http-proxy-agent';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator } from '../emulator/server.ts';
import type { Emulator, EmulatorOptions, Fault } from '../emulator/types.ts';
import { SessionError } from '../../src/session/errors.ts';
import { HttpResponses } from '../../src/session/http.ts';
import { silentLogger } from '../../src/session/log.ts';
import { messageText, userMessage } from '../../src/session/protocol.ts';
import { ProxyConfigError, ProxyError, agentFor } from '../../src/session/proxy.ts';
import type { ProxySettings } from '../../src/session/proxy.ts';
import { ResponsesSocket } from '../../src/session/socket.ts';
import type { StreamStats } from '../../src/session/transport.ts';
import { startConnectProxy } from './helpers/connect-proxy.ts';
import type { TestProxy } from './helpers/connect-proxy.ts';

const KEY = 'sk-test-proxy';
const ROOT = path.resolve(import.meta.dirname, '../..');

// ---------------------------------------------------------------------------------------
// agentFor

const PROXY_VARS = [
  'HTTPS_PROXY',
  'https_proxy',
  'HTTP_PROXY',
  'http_proxy',
  'ALL_PROXY',
  'all_proxy',
  'NO_PROXY',
  'no_proxy',
  'WSS_PROXY',
  'wss_proxy',
  'WS_PROXY',
  'ws_proxy',
];
let savedEnv: Record<string, string | undefined> = {};
beforeEach(() => {
  savedEnv = Object.fromEntries(PROXY_VARS.map((k) => [k, process.env[k]]));
  for (const k of PROXY_VARS) delete process.env[k];
});
afterEach(() => {
  for (const k of PROXY_VARS) {
    if (savedEnv[k] === undefined) delete process.env[k];
    else process.env[k] = savedEnv[k];
  }
});

function proxyOf(agent: http.Agent | undefined): string | undefined {
  return (agent as HttpsProxyAgent<string> | HttpProxyAgent<string> | undefined)?.proxy.href;
}

describe('agentFor', () => {
  it('uses an explicit http.proxy: a CONNECT agent for https/wss, an absolute-URI agent for http/ws', () => {
    const settings: ProxySettings = { url: 'http://proxy.corp:3128' };
    for (const target of ['https://api.openai.com/v1', 'wss://api.openai.com/v1/responses']) {
      const agent = agentFor(target, settings);
      expect(agent).toBeInstanceOf(HttpsProxyAgent);
      expect(proxyOf(agent)).toBe('http://proxy.corp:3128/');
    }
    for (const target of ['http://api.internal/v1', 'ws://api.internal/v1/responses']) {
      const agent = agentFor(target, settings);
      expect(agent).toBeInstanceOf(HttpProxyAgent);
      expect(agent).not.toBeInstanceOf(HttpsProxyAgent);
      expect(proxyOf(agent)).toBe('http://proxy.corp:3128/');
    }
    // Same settings, same agent (its kept-alive connections are reused); wss and https share it.
    expect(agentFor('https://api.openai.com/v1', settings)).toBe(
      agentFor('wss://api.openai.com/v1/responses', settings),
    );
    expect(agentFor('https://api.openai.com/v1', { ...settings, strictSSL: false })).not.toBe(
      agentFor('https://api.openai.com/v1', settings),
    );
  });

  it('applies an explicit http.proxy to loopback targets too, and ignores NO_PROXY for it', () => {
    process.env.NO_PROXY = '*';
    expect(agentFor('http://127.0.0.1:8787/v1', { url: 'http://proxy.corp:3128' })).toBeInstanceOf(HttpProxyAgent);
    expect(agentFor('https://localhost/v1', { url: 'http://proxy.corp:3128' })).toBeInstanceOf(HttpsProxyAgent);
  });

  it('returns undefined when nothing is configured', () => {
    expect(agentFor('https://api.openai.com/v1')).toBeUndefined();
    expect(agentFor('wss://api.openai.com/v1/responses', { url: '' })).toBeUndefined();
    expect(agentFor('https://api.openai.com/v1', { url: '   ', strictSSL: false })).toBeUndefined();
  });

  it('reads HTTPS_PROXY for https and wss, HTTP_PROXY for http and ws, ALL_PROXY as the fallback', () => {
    process.env.HTTPS_PROXY = 'http://secure-proxy:8443';
    process.env.HTTP_PROXY = 'http://plain-proxy:8080';
    expect(proxyOf(agentFor('https://api.openai.com/v1'))).toBe('http://secure-proxy:8443/');
    expect(proxyOf(agentFor('wss://api.openai.com/v1/responses'))).toBe('http://secure-proxy:8443/');
    expect(proxyOf(agentFor('http://api.internal/v1'))).toBe('http://plain-proxy:8080/');
    expect(proxyOf(agentFor('ws://api.internal/v1/responses'))).toBe('http://plain-proxy:8080/');
    process.env.https_proxy = 'http://lower-case:1'; // lower case wins, as curl and proxy-from-env read it
    expect(proxyOf(agentFor('https://api.openai.com/v1'))).toBe('http://lower-case:1/');
    delete process.env.https_proxy;
    delete process.env.HTTPS_PROXY;
    process.env.ALL_PROXY = 'http://all-proxy:3128';
    expect(proxyOf(agentFor('wss://api.openai.com/v1/responses'))).toBe('http://all-proxy:3128/');
  });

  it('takes an environment proxy without a scheme as http://', () => {
    process.env.HTTPS_PROXY = 'proxy.corp:3128';
    const agent = agentFor('https://api.openai.com/v1');
    expect(agent).toBeInstanceOf(HttpsProxyAgent);
    expect(proxyOf(agent)).toBe('http://proxy.corp:3128/');
  });

  it('honours NO_PROXY (exact hosts, domain suffixes, ports, *)', () => {
    process.env.HTTPS_PROXY = 'http://proxy.corp:3128';
    process.env.NO_PROXY = 'internal.example, .corp.example, api.other:8443';
    expect(agentFor('https://internal.example/v1')).toBeUndefined();
    expect(agentFor('wss://llm.corp.example/v1/responses')).toBeUndefined();
    expect(agentFor('https://api.other:8443/v1')).toBeUndefined();
    expect(agentFor('https://api.other/v1')).toBeInstanceOf(HttpsProxyAgent); // other port
    expect(agentFor('https://api.openai.com/v1')).toBeInstanceOf(HttpsProxyAgent);
    process.env.no_proxy = '*';
    expect(agentFor('https://api.openai.com/v1')).toBeUndefined();
  });

  it('never proxies loopback targets through the environment', () => {
    process.env.HTTPS_PROXY = 'http://proxy.corp:3128';
    process.env.HTTP_PROXY = 'http://proxy.corp:3128';
    process.env.ALL_PROXY = 'http://proxy.corp:3128';
    for (const target of [
      'http://127.0.0.1:8787/v1',
      'ws://127.0.0.1:8787/v1/responses',
      'https://localhost:8443/v1',
      'wss://[::1]:8443/v1/responses',
      'http://127.1.2.3/v1',
      'http://app.localhost/v1',
    ]) {
      expect(agentFor(target), target).toBeUndefined();
    }
    expect(agentFor('https://api.openai.com/v1')).toBeInstanceOf(HttpsProxyAgent);
  });

  it('refuses a malformed or unsupported proxy URL with an error naming the setting, without leaking credentials', () => {
    const thrown = (fn: () => unknown): ProxyConfigError => {
      try {
        fn();
      } catch (err) {
        return err as ProxyConfigError;
      }
      throw new Error('agentFor did not throw');
    };
    const bad = thrown(() => agentFor('https://api.openai.com/v1', { url: 'not a url' }));
    expect(bad).toBeInstanceOf(ProxyConfigError);
    expect(bad.setting).toBe('http.proxy');
    expect(bad.message).toMatch(/Invalid proxy URL in http\.proxy/);

    const socks = thrown(() => agentFor('https://api.openai.com/v1', { url: 'socks5://user:hunter2@proxy:1080' }));
    expect(socks.message).toMatch(/Unsupported proxy URL in http\.proxy.*only http:\/\/ and https:\/\//);
    expect(socks.message).not.toContain('hunter2');

    const broken = thrown(() => agentFor('https://api.openai.com/v1', { url: 'http://user:hunter2@[bad' }));
    expect(broken.message).toMatch(/http\.proxy/);
    expect(broken.message).not.toContain('hunter2');

    process.env.HTTPS_PROXY = 'http://[::1';
    const env = thrown(() => agentFor('https://api.openai.com/v1'));
    expect(env).toBeInstanceOf(ProxyConfigError);
    expect(env.setting).toBe('HTTPS_PROXY');
    expect(env.message).toContain('HTTPS_PROXY');
  });
});

// ---------------------------------------------------------------------------------------
// Turns through a real proxy

interface Cert {
  dir: string;
  certPath: string;
  key: Buffer;
  cert: Buffer;
}
let cert: Cert;

beforeAll(() => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warmline-proxy-test-'));
  const keyPath = path.join(dir, 'key.pem');
  const certPath = path.join(dir, 'cert.pem');
  // A throwaway self-signed CA certificate for 127.0.0.1, valid one day, deleted after the tests.
  execFileSync(
    '/usr/bin/openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyPath,
      '-out',
      certPath,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  cert = { dir, certPath, key: fs.readFileSync(keyPath), cert: fs.readFileSync(certPath) };
});
afterAll(() => {
  if (cert) fs.rmSync(cert.dir, { recursive: true, force: true });
});

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

async function emulator(tls = false, extra: Partial<EmulatorOptions> = {}): Promise<Emulator> {
  const emu = await startEmulator({
    scenario: 'hello',
    apiKey: KEY,
    ...(tls ? { tls: { key: cert.key, cert: cert.cert } } : {}),
    ...extra,
  });
  closers.push(() => emu.close());
  return emu;
}
async function proxy(opts: Parameters<typeof startConnectProxy>[0] = {}): Promise<TestProxy> {
  const p = await startConnectProxy(opts);
  closers.push(() => p.close());
  return p;
}

function options(emu: { url: string }, agent?: http.Agent, stallTimeoutMs = 5000) {
  return {
    baseUrl: emu.url,
    headers: { authorization: `Bearer ${KEY}` },
    connectTimeoutMs: 5000,
    stallTimeoutMs,
    pingIntervalMs: 0,
    logger: silentLogger,
    agent,
  };
}
const REQUEST = { model: 'test-model', instructions: 'Be brief.', store: false, input: [userMessage('say hello')] };

async function wsTurn(emu: Emulator, agent?: http.Agent): Promise<string> {
  const socket = await ResponsesSocket.connect(options(emu, agent));
  try {
    const response = await socket.run({ ...REQUEST }, () => {}, undefined, { bytesSent: 0, bytesReceived: 0 });
    return response.output.map(messageText).join('');
  } finally {
    socket.close();
  }
}
async function httpTurn(emu: Emulator, agent?: http.Agent): Promise<string> {
  const stats = { bytesSent: 0, bytesReceived: 0 };
  const response = await new HttpResponses(options(emu, agent)).run(
    { ...REQUEST, generate: true },
    () => {},
    undefined,
    stats,
  );
  expect(stats.bytesReceived).toBeGreaterThan(500);
  return response.output.map(messageText).join('');
}
async function failure(p: Promise<unknown>): Promise<SessionError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SessionError);
  return err as SessionError;
}

describe('http:// and ws:// through a proxy (absolute-URI requests)', () => {
  it('runs a WebSocket turn and HTTP turns through the proxy, reusing its connection', async () => {
    const emu = await emulator();
    const p = await proxy();
    const agent = agentFor(emu.url, { url: p.url });
    expect(agent).toBeInstanceOf(HttpProxyAgent);
    expect(await wsTurn(emu, agent)).toContain('Responses emulator');
    expect(await httpTurn(emu, agent)).toContain('Responses emulator');
    expect(await httpTurn(emu, agent)).toContain('Responses emulator');
    expect(p.log.map((e) => [e.method, e.target, e.upgrade, e.status])).toEqual([
      ['GET', `${emu.url}/responses`, true, 101],
      ['POST', `${emu.url}/responses`, false, 200],
      ['POST', `${emu.url}/responses`, false, 200],
    ]);
    expect(p.log[2]!.connection).toBe(p.log[1]!.connection); // keep-alive through the proxy
    expect(emu.requests.map((r) => r.transport)).toEqual(['websocket', 'http', 'http']);
    expect(emu.requests[1]!.stream).toBe(true);
    expect(emu.requests[1]!.generate).toBeUndefined();
    expect(emu.violations).toEqual([]);
  });

  it("a proxy that refuses WebSocket upgrades: the connect rejects with upgrade_refused, and HTTP (auto's fallback) works through it", async () => {
    const emu = await emulator();
    const p = await proxy({ refuseUpgrades: true });
    const agent = agentFor(emu.url, { url: p.url });
    const err = await failure(ResponsesSocket.connect(options(emu, agent)));
    expect(err.code).toBe('upgrade_refused');
    expect(err.status).toBe(403);
    expect(err.message).toContain(`via proxy ${p.url}`);
    expect(await httpTurn(emu, agent)).toContain('Responses emulator');
    expect(p.log.map((e) => [e.method, e.upgrade, e.status])).toEqual([
      ['GET', true, 403],
      ['POST', false, 200],
    ]);
    expect(emu.connections()).toBe(0);
    expect(emu.violations).toEqual([]);
  });

  it('a proxy that wants credentials: works with user:password in the URL, fails clearly without', async () => {
    const emu = await emulator();
    const p = await proxy({ requireAuth: 'alice:p@ss word' });
    const withAuth = agentFor(emu.url, { url: `http://alice:${encodeURIComponent('p@ss word')}@127.0.0.1:${p.port}` });
    expect(await wsTurn(emu, withAuth)).toContain('Responses emulator');
    expect(await httpTurn(emu, withAuth)).toContain('Responses emulator');
    expect(
      p.log.every((e) => e.proxyAuthorization === `Basic ${Buffer.from('alice:p@ss word').toString('base64')}`),
    ).toBe(true);

    const without = agentFor(emu.url, { url: p.url });
    for (const err of [
      await failure(ResponsesSocket.connect(options(emu, without))),
      await failure(
        new HttpResponses(options(emu, without)).run({ ...REQUEST }, () => {}, undefined, {
          bytesSent: 0,
          bytesReceived: 0,
        }),
      ),
    ]) {
      expect(err.code).toBe('network');
      expect(err.status).toBe(407);
      expect(err.message).toContain(`proxy ${p.url} answered 407 Proxy Authentication Required`);
      expect(err.cause).toBeInstanceOf(ProxyError);
    }
    expect(emu.requests).toHaveLength(2); // the two refused requests never reached the server
    expect(emu.violations).toEqual([]);
  });

  it('a proxy that is not there: a network error naming it', async () => {
    const emu = await emulator();
    const p = await startConnectProxy();
    await p.close(); // its port is now closed
    const agent = agentFor(emu.url, { url: p.url });
    for (const err of [
      await failure(ResponsesSocket.connect(options(emu, agent))),
      await failure(httpTurn(emu, agent)),
    ]) {
      expect(err.code).toBe('network');
      expect(err.message).toContain(`via proxy ${p.url}`);
      expect(err.message).toMatch(/ECONNREFUSED/);
    }
  });
});

describe('https:// and wss:// through a proxy (CONNECT tunnels)', () => {
  it('runs a wss turn and https turns through CONNECT tunnels (strictSSL: false trusts the throwaway certificate)', async () => {
    const emu = await emulator(true);
    const p = await proxy({ refuseUpgrades: true }); // cannot see inside a tunnel: upgrades pass
    const agent = agentFor(emu.url, { url: p.url, strictSSL: false });
    expect(agent).toBeInstanceOf(HttpsProxyAgent);
    expect(await wsTurn(emu, agent)).toContain('Responses emulator');
    expect(await httpTurn(emu, agent)).toContain('Responses emulator');
    expect(await httpTurn(emu, agent)).toContain('Responses emulator');
    const target = `127.0.0.1:${emu.port}`;
    // One tunnel for the socket, one kept alive for both HTTP turns.
    expect(p.log.map((e) => [e.method, e.target, e.status])).toEqual([
      ['CONNECT', target, 200],
      ['CONNECT', target, 200],
    ]);
    expect(emu.requests.map((r) => r.transport)).toEqual(['websocket', 'http', 'http']);
    expect(emu.violations).toEqual([]);
  });

  it('verifies the server certificate through the tunnel by default (strictSSL true)', async () => {
    const emu = await emulator(true);
    const p = await proxy();
    const agent = agentFor(emu.url, { url: p.url });
    for (const err of [
      await failure(ResponsesSocket.connect(options(emu, agent))),
      await failure(httpTurn(emu, agent)),
    ]) {
      expect(err.code).toBe('network');
      expect(err.message).toMatch(/self[- ]signed certificate/);
      expect(err.message).toContain(`via proxy ${p.url}`);
    }
    expect(p.log.every((e) => e.method === 'CONNECT' && e.status === 200)).toBe(true);
    expect(emu.requests).toHaveLength(0);
  });

  it('a proxy that refuses CONNECT: a network error naming the proxy, for both transports', async () => {
    const emu = await emulator(true);
    const p = await proxy({ refuseConnect: true });
    const agent = agentFor(emu.url, { url: p.url, strictSSL: false });
    for (const err of [
      await failure(ResponsesSocket.connect(options(emu, agent))),
      await failure(httpTurn(emu, agent)),
    ]) {
      expect(err.code).toBe('network');
      expect(err.status).toBe(403);
      expect(err.message).toContain(`proxy ${p.url} refused to open a tunnel to 127.0.0.1:${emu.port}: 403 Forbidden`);
      expect(err.cause).toBeInstanceOf(ProxyError);
    }
    expect(emu.requests).toHaveLength(0);
  });

  it('a proxy that wants credentials for CONNECT: works with them in the URL, fails clearly without', async () => {
    const emu = await emulator(true);
    const p = await proxy({ requireAuth: 'bob:secret' });
    const withAuth = agentFor(emu.url, { url: `http://bob:secret@127.0.0.1:${p.port}`, strictSSL: false });
    expect(await wsTurn(emu, withAuth)).toContain('Responses emulator');
    expect(await httpTurn(emu, withAuth)).toContain('Responses emulator');
    const without = agentFor(emu.url, { url: p.url, strictSSL: false });
    for (const err of [
      await failure(ResponsesSocket.connect(options(emu, without))),
      await failure(httpTurn(emu, without)),
    ]) {
      expect(err.code).toBe('network');
      expect(err.status).toBe(407);
      expect(err.message).toContain(
        `proxy ${p.url} refused to open a tunnel to 127.0.0.1:${emu.port}: 407 Proxy Authentication Required`,
      );
      expect(err.message).toContain('http://user:password@host:port');
      expect(err.cause).toBeInstanceOf(ProxyError);
    }
    expect(p.log.map((e) => [e.method, e.status])).toEqual([
      ['CONNECT', 200],
      ['CONNECT', 200],
      ['CONNECT', 407],
      ['CONNECT', 407],
    ]);
    expect(emu.requests).toHaveLength(2);
  });
});

describe('the HTTP transport on node:http keeps its error codes', () => {
  const cases: Array<[string, Fault, Partial<SessionError>]> = [
    ['a body cut mid-stream', { kind: 'drop_mid_stream', afterEvents: 3 }, { code: 'network' }],
    ['a stalled stream', { kind: 'stall', afterEvents: 2 }, { code: 'stalled' }],
    ['a malformed data line', { kind: 'malformed_frame', afterEvents: 2 }, { code: 'protocol' }],
    ['a flat streaming error', { kind: 'stream_error', afterEvents: 2 }, { code: 'server_error' }],
    [
      '429 with retry-after',
      { kind: 'rate_limit', retryAfterSeconds: 7 },
      { code: 'rate_limited', status: 429, retryAfterMs: 7000, apiCode: 'rate_limit_exceeded' },
    ],
    ['a 503', { kind: 'server_error', status: 503 }, { code: 'server_error', status: 503 }],
    ['response.failed', { kind: 'response_failed' }, { code: 'response_failed', apiCode: 'server_error' }],
    ['response.incomplete', { kind: 'incomplete' }, { code: 'response_incomplete' }],
  ];
  for (const [name, fault, expected] of cases) {
    it(`${name} -> ${expected.code}`, async () => {
      const emu = await emulator(false, { chunkDelayMs: 1 });
      emu.injectFault(fault);
      const err = await failure(
        new HttpResponses(options(emu, undefined, 300)).run({ ...REQUEST }, () => {}, undefined, {
          bytesSent: 0,
          bytesReceived: 0,
        }),
      );
      expect(err).toMatchObject(expected);
      // The next request on the same transport (and kept-alive agent) completes.
      expect(await httpTurn(emu)).toContain('Responses emulator');
    });
  }

  it('a bad key -> bad_api_key, with the body read', async () => {
    const emu = await emulator();
    const err = await failure(
      new HttpResponses({ ...options(emu), headers: { authorization: 'Bearer sk-wrong' } }).run(
        { ...REQUEST },
        () => {},
        undefined,
        { bytesSent: 0, bytesReceived: 0 },
      ),
    );
    expect(err).toMatchObject({ code: 'bad_api_key', status: 401, apiCode: 'invalid_api_key' });
    expect(err.message).toContain('Incorrect API key provided');
  });

  it('cancel mid-stream -> cancelled, promptly; stats count the bytes both ways', async () => {
    const emu = await emulator(false, { chunkDelayMs: 40 });
    const controller = new AbortController();
    const stats: StreamStats = { bytesSent: 0, bytesReceived: 0 };
    let deltas = 0;
    const started = Date.now();
    const err = await failure(
      new HttpResponses(options(emu)).run(
        { ...REQUEST },
        (ev) => {
          if (ev.type === 'response.output_text.delta' && ++deltas === 2) controller.abort();
        },
        controller.signal,
        stats,
      ),
    );
    expect(err.code).toBe('cancelled');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(stats.bytesSent).toBe(emu.requests[0]!.bytes);
    expect(stats.bytesReceived).toBeGreaterThan(100);
    expect(stats.firstEventMs).toBeGreaterThanOrEqual(0);
  });

  it('reads a stream split at odd places and ending with data: [DONE], and keeps the connection for the next request', async () => {
    const response = {
      id: 'resp_1',
      object: 'response',
      status: 'completed',
      output: [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'done.' }] }],
    };
    const sse =
      `event: response.created\ndata: ${JSON.stringify({ type: 'response.created', response: { ...response, status: 'in_progress', output: [] } })}\n\n` +
      `event: response.completed\ndata: ${JSON.stringify({ type: 'response.completed', response })}\n\ndata: [DONE]\n\n`;
    const server = http.createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const bytes = Buffer.from(sse);
      let at = 0;
      const next = () => {
        if (at >= bytes.length) return res.end();
        res.write(bytes.subarray(at, (at += 7)));
        setImmediate(next);
      };
      next();
    });
    let tcp = 0;
    server.on('connection', () => {
      tcp++;
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    closers.push(
      () =>
        new Promise<void>((r) => {
          server.close(() => r());
          server.closeAllConnections();
        }),
    );
    const port = (server.address() as { port: number }).port;
    const events: string[] = [];
    const transport = new HttpResponses(options({ url: `http://127.0.0.1:${port}/v1` }));
    for (let i = 0; i < 2; i++) {
      const r = await transport.run({ ...REQUEST }, (ev) => events.push(ev.type), undefined, {
        bytesSent: 0,
        bytesReceived: 0,
      });
      expect(r.output.map(messageText).join('')).toBe('done.');
      await new Promise((resolve) => setTimeout(resolve, 50)); // the caller runs its tools; the body's tail drains meanwhile
    }
    expect(events).toEqual(['response.created', 'response.completed', 'response.created', 'response.completed']);
    expect(tcp).toBe(1); // the rest of the first body (its [DONE]) was drained, not the connection dropped
  });
});

describe('direct HTTP connections', () => {
  it('reuse one kept-alive connection for consecutive turns', async () => {
    const emu = await emulator();
    let tcp = 0;
    // The emulator's server object (not in its public interface) counts TCP connections.
    (emu as unknown as { server: http.Server }).server.on('connection', () => {
      tcp++;
    });
    for (let i = 0; i < 3; i++) expect(await httpTurn(emu)).toContain('Responses emulator');
    expect(emu.requests).toHaveLength(3);
    expect(tcp).toBe(1);
  });
});

// ---------------------------------------------------------------------------------------
// NODE_EXTRA_CA_CERTS (read by Node at start-up): a child process per case

const CHILD = `
const [root, baseUrl, key, proxyUrl] = process.argv.slice(1);
const { HttpResponses } = await import(root + '/src/session/http.ts');
const { ResponsesSocket } = await import(root + '/src/session/socket.ts');
const { agentFor } = await import(root + '/src/session/proxy.ts');
const { silentLogger } = await import(root + '/src/session/log.ts');
const request = { model: 'test-model', store: false, input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] }] };
const stats = () => ({ bytesSent: 0, bytesReceived: 0 });
const outcome = (p) => p.then((r) => ({ ok: r.status }), (e) => ({ code: e.code, message: e.message }));
const results = {};
for (const [name, agent] of [['direct', undefined], ['proxy', agentFor(baseUrl, { url: proxyUrl })]]) {
  const options = { baseUrl, headers: { authorization: 'Bearer ' + key }, connectTimeoutMs: 5000, stallTimeoutMs: 5000, pingIntervalMs: 0, logger: silentLogger, agent };
  // wss first: its tunnel becomes the socket, so the https request opens a tunnel of its own.
  results[name + ' wss'] = await outcome(ResponsesSocket.connect(options).then(async (s) => { try { return await s.run(request, () => {}, undefined, stats()) } finally { s.close() } }));
  results[name + ' https'] = await outcome(new HttpResponses(options).run(request, () => {}, undefined, stats()));
}
console.log(JSON.stringify(results));
`;

function runChild(
  emu: Emulator,
  p: TestProxy,
  extraCa?: string,
): Promise<Record<string, { ok?: string; code?: string; message?: string }>> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of [...PROXY_VARS, 'NODE_EXTRA_CA_CERTS', 'NODE_TLS_REJECT_UNAUTHORIZED']) delete env[k];
  if (extraCa) env.NODE_EXTRA_CA_CERTS = extraCa;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--no-warnings', '--input-type=module', '-e', CHILD, ROOT, emu.url, KEY, p.url],
      { cwd: ROOT, env, timeout: 15_000 },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`child failed: ${err.message}\n${stderr}`));
        resolve(JSON.parse(stdout.trim().split('\n').at(-1)!));
      },
    );
  });
}

describe('NODE_EXTRA_CA_CERTS', () => {
  it('is honoured for https and wss, directly and through a CONNECT proxy; without it the certificate is refused clearly', async () => {
    const emu = await emulator(true);
    const p = await proxy();
    const [trusted, untrusted] = await Promise.all([runChild(emu, p, cert.certPath), runChild(emu, p)]);
    const cases = ['direct https', 'direct wss', 'proxy https', 'proxy wss'];
    for (const c of cases) expect(trusted[c], c).toEqual({ ok: 'completed' });
    for (const c of cases) {
      expect(untrusted[c]!.code, c).toBe('network');
      expect(untrusted[c]!.message, c).toMatch(/self[- ]signed certificate/);
    }
    expect(untrusted['proxy https']!.message).toContain(`via proxy ${p.url}`);
    expect(
      emu.requests
        .filter((r) => r.outcome === 'completed')
        .map((r) => r.transport)
        .sort(),
    ).toEqual(['http', 'http', 'websocket', 'websocket']);
    expect(p.log.map((e) => [e.method, e.status])).toEqual(Array(4).fill(['CONNECT', 200])); // two per child
    expect(emu.violations).toEqual([]);
  });
});

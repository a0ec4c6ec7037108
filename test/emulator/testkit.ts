// Raw clients for the emulator's own tests: plain `ws` and `fetch`, no product code, so the
// emulator is checked against the protocol (docs/protocol.md) and not against the client it is
// meant to test.

import { afterEach, expect } from 'vitest';
import WebSocket from 'ws';
import { createParser } from 'eventsource-parser';
import { startEmulator } from './server.ts';
import type { Emulator, EmulatorOptions } from './server.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read whichever fields of an event they check, as the wire has them.
export type Ev = { type: string; sequence_number?: number } & Record<string, any>;

export const TOOLS = [
  {
    type: 'function',
    name: 'grep',
    description: 'search',
    parameters: { type: 'object', properties: { pattern: { type: 'string' } } },
    strict: false,
  },
  {
    type: 'function',
    name: 'read_file',
    description: 'read',
    parameters: { type: 'object', properties: { path: { type: 'string' } } },
    strict: false,
  },
  { type: 'custom', name: 'apply_patch', description: 'patch' },
];

export const TERMINAL = new Set(['response.completed', 'response.incomplete', 'response.failed', 'error']);

/** Self-signed cert for 127.0.0.1 (tests connect with rejectUnauthorized:false). */
export const TLS = {
  key: `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgYed0E9dv+X/vz/Oo
F+JduBJOY/pS5K1H7xFeH1rDCU2hRANCAAQPHHw2A7qSQpWxPNiEOTj4SaoM3djj
xq2EPNBxdRcgbNPURGidS3YKc6oDindkVt2voY5zYNZh2YZxF7nfDKyc
-----END PRIVATE KEY-----
`,
  cert: `-----BEGIN CERTIFICATE-----
MIIBmzCCAUGgAwIBAgIUEYgIHNJawDoU3ZHZ1BQsQvA++REwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJMTI3LjAuMC4xMCAXDTI2MTEyMzEzMzUzMFoYDzIxMjYxMDMw
MTMzNTMwWjAUMRIwEAYDVQQDDAkxMjcuMC4wLjEwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAAQPHHw2A7qSQpWxPNiEOTj4SaoM3djjxq2EPNBxdRcgbNPURGidS3YK
c6oDindkVt2voY5zYNZh2YZxF7nfDKyco28wbTAdBgNVHQ4EFgQUiNUl18cOdUes
s2QUJfruxcEg9i8wHwYDVR0jBBgwFoAUiNUl18cOdUess2QUJfruxcEg9i8wDwYD
VR0TAQH/BAUwAwEB/zAaBgNVHREEEzARhwR/AAABgglsb2NhbGhvc3QwCgYIKoZI
zj0EAwIDSAAwRQIgXJEkGzHjRY5sWyzJGP7/G+SCv6rWI7/+wnvOdATf7hECIQDw
+egXGo3KUOti2uoVCQBxrILWjQ2NVSWbO8o1lcCjRQ==
-----END CERTIFICATE-----
`,
};

export async function waitFor(cond: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await sleep(5);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A WebSocket client that buffers raw text frames so tests can read them in order. */
export class Client {
  readonly ws: WebSocket;
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly frames: string[] = [];
  private wake: (() => void) | undefined;

  constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data) => {
      this.frames.push(String(data));
      this.wake?.();
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => {
        this.wake?.();
        resolve({ code, reason: String(reason) });
      }),
    );
  }

  static async open(url: string, opts: WebSocket.ClientOptions = {}): Promise<Client> {
    const ws = new WebSocket(url, opts);
    const c = new Client(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return c;
  }

  send(obj: unknown): void {
    this.ws.send(typeof obj === 'string' ? obj : JSON.stringify(obj));
  }

  create(body: Record<string, unknown>): void {
    this.send({ type: 'response.create', ...body });
  }

  /** Next raw frame, or undefined after `timeoutMs` / when the socket is closed and drained. */
  async nextRaw(timeoutMs = 3000): Promise<string | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length === 0) {
      if (this.ws.readyState === WebSocket.CLOSED) return undefined;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = undefined;
    }
    return this.frames.shift();
  }

  async next(timeoutMs = 3000): Promise<Ev> {
    const raw = await this.nextRaw(timeoutMs);
    if (raw === undefined) throw new Error('no frame arrived');
    return JSON.parse(raw) as Ev;
  }

  /** Events up to and including the terminal event (or an `error`). */
  async until(timeoutMs = 3000): Promise<Ev[]> {
    const out: Ev[] = [];
    for (;;) {
      const e = await this.next(timeoutMs);
      out.push(e);
      if (TERMINAL.has(e.type)) return out;
    }
  }

  async turn(body: Record<string, unknown>): Promise<Ev[]> {
    this.create(body);
    return this.until();
  }

  /** The first event answering this create (tests use it for rejections). */
  async first(body: Record<string, unknown>): Promise<Ev> {
    this.create(body);
    return this.next();
  }

  pending(): number {
    return this.frames.length;
  }

  close(): void {
    this.ws.close();
  }
}

/** Status of a refused upgrade (throws if the upgrade succeeds). */
export function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.on('open', () => {
      ws.terminate();
      reject(new Error('upgrade unexpectedly succeeded'));
    });
    ws.on('error', () => {});
  });
}

export interface SseResult {
  status: number;
  headers: Headers;
  events: Ev[];
  /** SSE `event:` names, to compare with the `type` inside each data line. */
  names: string[];
  /** data lines that were not JSON. */
  malformed: string[];
  // biome-ignore lint/suspicious/noExplicitAny: a non-stream body (an error object), read field by field by the tests.
  json?: any;
  /** Set when the body stream broke off (TCP drop). */
  broken?: boolean;
}

export async function sse(
  baseUrl: string,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<SseResult> {
  const res = await fetch(`${baseUrl}/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
    body: JSON.stringify(body),
  });
  const out: SseResult = { status: res.status, headers: res.headers, events: [], names: [], malformed: [] };
  if (!res.headers.get('content-type')?.includes('text/event-stream')) {
    out.json = await res.json();
    return out;
  }
  const parser = createParser({
    onEvent: (m) => {
      out.names.push(m.event ?? '');
      try {
        out.events.push(JSON.parse(m.data) as Ev);
      } catch {
        out.malformed.push(m.data);
      }
    },
  });
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.feed(dec.decode(value, { stream: true }));
    }
  } catch {
    out.broken = true;
  }
  return out;
}

/**
 * Asserts the grammar of docs/protocol.md §3 for one response's events: sequence numbers 0..n-1,
 * created -> in_progress -> items (added ... done, content events naming their item) -> one terminal.
 */
export function expectLifecycle(events: Ev[]): Ev {
  events.forEach((e, i) => {
    expect(e.sequence_number, `${e.type} sequence_number`).toBe(i);
  });
  expect(events[0]?.type).toBe('response.created');
  expect(events[0]?.response.status).toBe('in_progress');
  expect(events[1]?.type).toBe('response.in_progress');
  const terminal = events[events.length - 1]!;
  expect(['response.completed', 'response.incomplete', 'response.failed']).toContain(terminal.type);
  let open: Ev | undefined;
  let nextIndex = 0;
  for (const e of events.slice(2, -1)) {
    expect(TERMINAL.has(e.type), `terminal ${e.type} before the end`).toBe(false);
    if (e.type === 'response.output_item.added') {
      expect(open, 'item added while another is open').toBeUndefined();
      expect(e.output_index).toBe(nextIndex);
      open = e;
    } else if (e.type === 'response.output_item.done') {
      expect(open, 'item done without added').toBeDefined();
      expect(e.output_index).toBe(nextIndex);
      expect(e.item.id).toBe(open!.item.id);
      open = undefined;
      nextIndex++;
    } else {
      expect(open, `${e.type} outside an item`).toBeDefined();
      expect(e.item_id).toBe(open!.item.id);
      expect(e.output_index).toBe(nextIndex);
    }
  }
  expect(open, 'item left open').toBeUndefined();
  if (terminal.type !== 'response.failed') expect(terminal.response.output.length).toBe(nextIndex);
  expect(terminal.response.id).toBe(events[0]!.response.id);
  return terminal.response as Ev;
}

export function user(text: string): Record<string, unknown> {
  return { type: 'message', role: 'user', content: [{ type: 'input_text', text }] };
}

export function outputFor(call: Ev, output = 'ok'): Record<string, unknown> {
  return {
    type: call.type === 'custom_tool_call' ? 'custom_tool_call_output' : 'function_call_output',
    call_id: call.call_id,
    output,
  };
}

/** Registers an afterEach that closes every emulator the returned function started (default scenario: hello). */
export function useEmulators(): (opts?: Partial<EmulatorOptions>) => Promise<Emulator> {
  const started: Emulator[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((e) => e.close()));
  });
  return async (opts = {}) => {
    const e = await startEmulator({ scenario: 'hello', ...opts });
    started.push(e);
    return e;
  };
}

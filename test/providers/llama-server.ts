// A real llama.cpp `llama-server` for the provider tests, and a recording proxy in front of it.
//
// startLlamaServer() runs the server that .ci/llama-server builds (.tools/llama/build/bin) with
// the tiny random-weight model it makes (.tools/llama/tiny.gguf) on a free loopback port, waits
// for /health, and keeps its log. WARMLINE_LLAMA_SERVER and WARMLINE_LLAMA_MODEL point at other
// files. The model's text is gibberish (random weights): tests check the protocol, never the text.
//
// startRecordingProxy() forwards every request (and every WebSocket upgrade attempt) to a target
// and records what went through: method, path, the request's JSON body, the answer's status, and
// whether it was an upgrade. Tests point Warmline at the proxy and assert on what it sent.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { IncomingMessage } from 'node:http';
import net from 'node:net';
import path from 'node:path';
import type { Duplex } from 'node:stream';

const repoRoot = path.resolve(import.meta.dirname, '../..');
export const LLAMA_TOOLS = path.join(repoRoot, '.tools/llama');

/** The server binary and model: the environment's, else what .ci/llama-server installed. */
export function llamaPaths(): { server: string; model: string } {
  return {
    server: process.env.WARMLINE_LLAMA_SERVER || path.join(LLAMA_TOOLS, 'build/bin/llama-server'),
    model: process.env.WARMLINE_LLAMA_MODEL || path.join(LLAMA_TOOLS, 'tiny.gguf'),
  };
}

/**
 * Logit biases that make the tiny model write a real tool call when `tool_choice` is "required":
 * `<tool_call>` (151657, which make-tiny-model.py gives its text back), a newline (198), a quote (1),
 * and `<|im_end|>` (151645) so it stops as soon as the call's grammar lets it.
 */
export const FORCE_TOOL_CALL = {
  tool_choice: 'required',
  logit_bias: { 151657: 10, 198: 10, 1: 10, 151645: 100 },
} as const;

/** A port nothing listens on right now (the kernel's pick, released at once). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface LlamaServer {
  /** `http://127.0.0.1:PORT` */
  origin: string;
  /** `http://127.0.0.1:PORT/v1`: what `warmline.baseUrl` would be. */
  baseUrl: string;
  port: number;
  /** Everything the server printed so far (stdout and stderr). */
  log(): string;
  close(): Promise<void>;
}

export interface LlamaServerOptions {
  /** Context size (`-c`); default 4096. */
  contextSize?: number;
  /**
   * Tokens a request may generate when it does not say (`-n`). Random weights almost never write
   * the end-of-turn token, so without a bound an answer runs until the context is full.
   */
  defaultMaxTokens?: number;
  /** More arguments for llama-server. */
  args?: string[];
  /** How long to wait for /health; default 120 s (the model loads in about a second). */
  startTimeoutMs?: number;
}

/** Starts llama-server with the tiny model on a free port; resolves once /health answers 200. */
export async function startLlamaServer(options: LlamaServerOptions = {}): Promise<LlamaServer> {
  const { server, model } = llamaPaths();
  for (const [what, file] of [
    ['llama-server', server],
    ['model', model],
  ] as const) {
    if (!fs.existsSync(file))
      throw new Error(
        `no ${what} at ${file}: run .ci/llama-server (or set WARMLINE_LLAMA_${what === 'model' ? 'MODEL' : 'SERVER'})`,
      );
  }
  const port = await freePort();
  const args = [
    '-m',
    model,
    '--jinja',
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '-c',
    String(options.contextSize ?? 4096),
    '-n',
    String(options.defaultMaxTokens ?? 64),
    ...(options.args ?? []),
  ];
  const child = spawn(server, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: string[] = [];
  child.stdout.setEncoding('utf8').on('data', (c: string) => chunks.push(c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => chunks.push(c));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const log = () => chunks.join('');
  const origin = `http://127.0.0.1:${port}`;
  const close = () => stop(child, exited);

  const deadline = Date.now() + (options.startTimeoutMs ?? 120_000);
  let gone: number | null | undefined;
  void exited.then((code) => {
    gone = code;
  });
  for (;;) {
    if (gone !== undefined)
      throw new Error(`llama-server exited with ${gone} before it was ready:\n${log().slice(-3000)}`);
    if ((await healthStatus(origin)) === 200) break;
    if (Date.now() > deadline) {
      await close();
      throw new Error(`llama-server did not become healthy at ${origin}:\n${log().slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { origin, baseUrl: `${origin}/v1`, port, log, close };
}

function healthStatus(origin: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = http.get(`${origin}/health`, { agent: false, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
  });
}

async function stop(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

// ---------- the recording proxy ----------

export interface ProxyRecord {
  method: string;
  /** The path with its query, as the client sent it (`/v1/responses`). */
  path: string;
  /** The request body parsed as JSON, when it was JSON. */
  body?: Record<string, unknown>;
  /** The request body as sent (for comparing requests byte for byte). */
  raw: string;
  /** The upstream's status (101 for an upgrade it took); undefined while pending or when the upstream could not be reached. */
  status?: number;
  /** A WebSocket upgrade attempt. */
  upgrade: boolean;
  /** The upstream's answer when it was not a stream, or the first 64 kB of a stream. */
  response: string;
}

export interface RecordingProxy {
  origin: string;
  /** `http://127.0.0.1:PORT/v1`: point `baseUrl` here. */
  baseUrl: string;
  records: ProxyRecord[];
  /** The model requests: POST …/responses (not the upgrade attempts, not /responses/compact). */
  responsesPosts(): ProxyRecord[];
  /** How many WebSocket upgrades were attempted. */
  upgrades(): number;
  /** Forgets what was recorded so far. */
  clear(): void;
  close(): Promise<void>;
}

const RESPONSE_KEEP = 64 * 1024;

/** A proxy on a free loopback port that forwards everything to `target` (an origin) and records it. */
export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const upstream = new URL(target);
  const records: ProxyRecord[] = [];
  const sockets = new Set<Duplex>();
  const track = (s: Duplex) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };

  const server = http.createServer((req, res) => {
    void readBody(req).then((raw) => {
      const record: ProxyRecord = {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        raw,
        body: parseJson(raw),
        upgrade: false,
        response: '',
      };
      records.push(record);
      const forward = http.request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: upstream.host },
          agent: false,
        },
        (answer) => {
          record.status = answer.statusCode;
          res.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.headers);
          answer.on('data', (c: Buffer) => {
            if (record.response.length < RESPONSE_KEEP) record.response += c.toString('utf8');
          });
          answer.pipe(res);
        },
      );
      forward.on('error', (err) => {
        // Nothing listening upstream: the client sees the connection end, as it would without the proxy.
        record.response = `proxy: ${err.message}`;
        res.destroy();
      });
      forward.end(raw);
    });
  });
  server.on('connection', track);

  server.on('upgrade', (req: IncomingMessage, client: Duplex, head: Buffer) => {
    const record: ProxyRecord = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      raw: '',
      upgrade: true,
      response: '',
    };
    records.push(record);
    const forward = http.request({
      host: upstream.hostname,
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers: { ...req.headers, host: upstream.host },
      agent: false,
    });
    forward.on('upgrade', (answer, remote, remoteHead) => {
      record.status = answer.statusCode;
      track(remote);
      client.write(`${statusLine(answer) + headerLines(answer.rawHeaders)}\r\n`);
      if (remoteHead.length) client.write(remoteHead);
      if (head.length) remote.write(head);
      remote.pipe(client).pipe(remote);
      remote.on('error', () => client.destroy());
      client.on('error', () => remote.destroy());
    });
    forward.on('response', (answer) => {
      // Refused (llama.cpp: 404): the answer goes back as it is, and the connection ends.
      record.status = answer.statusCode;
      const chunks: Buffer[] = [];
      answer.on('data', (c: Buffer) => chunks.push(c));
      answer.on('end', () => {
        const body = Buffer.concat(chunks);
        record.response = body.toString('utf8').slice(0, RESPONSE_KEEP);
        const headers: string[] = [];
        for (let i = 0; i + 1 < answer.rawHeaders.length; i += 2) {
          const [name, value] = [answer.rawHeaders[i]!, answer.rawHeaders[i + 1]!];
          if (!/^(transfer-encoding|content-length|connection)$/i.test(name)) headers.push(name, value);
        }
        client.end(
          statusLine(answer) +
            headerLines([...headers, 'Content-Length', String(body.length), 'Connection', 'close']) +
            '\r\n' +
            body.toString('latin1'),
          'latin1',
        );
      });
    });
    forward.on('error', (err) => {
      record.response = `proxy: ${err.message}`;
      client.destroy();
    });
    client.on('error', () => forward.destroy());
    forward.end();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    baseUrl: `${origin}/v1`,
    records,
    responsesPosts: () =>
      records.filter((r) => !r.upgrade && r.method === 'POST' && /\/responses$/.test(r.path.split('?')[0]!)),
    upgrades: () => records.filter((r) => r.upgrade).length,
    clear: () => {
      records.length = 0;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

function parseJson(raw: string): Record<string, unknown> | undefined {
  if (!raw) return undefined;
  try {
    const value: unknown = JSON.parse(raw);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function statusLine(res: IncomingMessage): string {
  return `HTTP/1.1 ${res.statusCode} ${res.statusMessage ?? ''}\r\n`;
}

function headerLines(raw: string[]): string {
  let out = '';
  for (let i = 0; i + 1 < raw.length; i += 2) out += `${raw[i]}: ${raw[i + 1]}\r\n`;
  return out;
}

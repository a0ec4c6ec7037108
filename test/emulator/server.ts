// Responses emulator: a test double of the OpenAI Responses API, not AI. A real server on
// 127.0.0.1 speaking WebSocket mode (GET /v1/responses + upgrade) and HTTP/SSE
// (POST /v1/responses), playing a scripted model and recording every rule a client breaks.
// The request logic lives in engine.ts; this file is the two transports around it.

import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { WebSocket, WebSocketServer } from 'ws';
import type { RawData } from 'ws';
import { Engine } from './engine.ts';
import type { ConnInfo, CreateJob, Sink } from './engine.ts';
import { LIMIT_ERROR } from './engine.ts';
import { isObject } from './context.ts';
import { resolveScenario } from './scenario.ts';
import type { Scenario } from './scenario.ts';
import type { ApiError, Emulator, EmulatorOptions, Fault, Json, RecordedRequest, ServerEvent } from './types.ts';

export type { Emulator, EmulatorOptions, Fault, RecordedRequest, ServerDelayInfo } from './types.ts';
export type { Scenario, TurnScript, ToolCallScript } from './scenario.ts';
export { chainScenario, resolveScenario, builtInScenarioNames } from './scenario.ts';

type Headers = Record<string, string | string[] | undefined>;

function errorBody(err: ApiError): { error: Json } {
  return { error: { type: err.type, code: err.code, message: err.message, param: err.param } };
}

class WsSink implements Sink {
  readonly transport = 'websocket' as const;
  readonly closed: Promise<void>;
  private readonly ws: WebSocket;
  /** Settles when the frames sent so far are written (with permessage-deflate, compression is asynchronous). */
  private written: Promise<void> = Promise.resolve();
  private dropped = false;

  constructor(ws: WebSocket) {
    this.ws = ws;
    this.closed = new Promise((resolve) => ws.once('close', () => resolve()));
  }
  isOpen(): boolean {
    return !this.dropped && this.ws.readyState === WebSocket.OPEN;
  }
  send(e: ServerEvent): void {
    this.written = new Promise((resolve) => this.ws.send(JSON.stringify(e), () => resolve()));
  }
  sendMalformed(type: string): void {
    this.ws.send(`{"type":"${type}","sequence_number":`);
  }
  reject(err: ApiError): void {
    // Envelope shape: NODE reads headers inside `error`, Codex reads a top-level map; send both.
    const envelope: Json = {
      type: 'error',
      status: err.status,
      error: { ...errorBody(err).error, ...(err.headers ? { headers: err.headers } : {}) },
    };
    if (err.headers) envelope.headers = err.headers;
    this.ws.send(JSON.stringify(envelope));
  }
  drop(): void {
    // Cut the connection only after the events sent so far are on the wire, so the client sees
    // them and then a connection that ends with no close frame.
    this.dropped = true;
    void this.written.then(() => this.ws.terminate());
  }
  close(code: number, reason: string): void {
    this.ws.close(code, reason);
  }
  finish(): void {}
  json(): void {
    throw new Error('a WebSocket carries events, not a JSON answer');
  }
}

class HttpSink implements Sink {
  readonly transport = 'http' as const;
  readonly closed: Promise<void>;
  private readonly res: ServerResponse;
  private started = false;
  private gone = false;

  constructor(res: ServerResponse) {
    this.res = res;
    this.closed = new Promise((resolve) =>
      res.once('close', () => {
        this.gone = true;
        resolve();
      }),
    );
  }
  isOpen(): boolean {
    return !this.gone && !this.res.writableEnded;
  }
  private start(): void {
    if (this.started) return;
    this.started = true;
    this.res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      'x-request-id': requestId(),
    });
  }
  send(e: ServerEvent): void {
    this.start();
    this.res.write(`event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
  }
  sendMalformed(type: string): void {
    this.start();
    this.res.write(`event: ${type}\ndata: {"type":"${type}","sequence_number":\n\n`);
  }
  reject(err: ApiError): void {
    if (this.started) {
      this.send({ type: 'error', code: err.code, message: err.message, param: err.param });
      return this.finish();
    }
    this.started = true;
    sendJson(this.res, err.status, errorBody(err), err.headers);
  }
  drop(): void {
    // ServerResponse corks its writes until the next tick; cut the connection only after the
    // events written so far are on the wire, so the client sees them and then a broken body.
    const socket = this.res.socket;
    this.gone = true;
    setImmediate(() => socket?.destroySoon());
  }
  close(): void {
    this.finish();
  }
  finish(): void {
    if (!this.res.writableEnded) this.res.end();
  }
  json(status: number, body: unknown): void {
    this.started = true;
    sendJson(this.res, status, body);
  }
}

function requestId(): string {
  return `req_${randomBytes(16).toString('hex')}`;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-request-id': requestId(),
    ...headers,
  });
  res.end(text);
}

/** Answer an upgrade request with a plain HTTP response (no 101), as a refusing server does. */
function refuseUpgrade(socket: Duplex, status: number, err: ApiError): void {
  const text = JSON.stringify(errorBody(err));
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Error'}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
  );
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

function pathOf(req: IncomingMessage): string {
  return (req.url ?? '/').split('?')[0] ?? '/';
}

interface Conn extends ConnInfo {
  ws: WebSocket;
  sink: WsSink;
  headers: Headers;
  busy: boolean;
  queue: CreateJob[];
  timer?: NodeJS.Timeout;
}

class ResponsesEmulator implements Emulator {
  url = '';
  wsUrl = '';
  port = 0;
  readonly requests: RecordedRequest[];
  readonly violations: string[];
  readonly server: http.Server;
  private readonly opts: EmulatorOptions;
  private readonly engine: Engine;
  private readonly wss: WebSocketServer;
  private readonly conns = new Set<Conn>();
  private wsCount = 0;
  private upgradeCount = 0;
  private httpCount = 0;

  constructor(opts: EmulatorOptions) {
    this.opts = opts;
    this.wss = new WebSocketServer({ noServer: true, perMessageDeflate: opts.perMessageDeflate !== false });
    this.engine = new Engine(opts);
    this.requests = this.engine.requests;
    this.violations = this.engine.violations;
    const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
      this.onHttp(req, res).catch((err: unknown) => this.internalError(err, res));
    };
    this.server = opts.tls
      ? https.createServer({ key: opts.tls.key, cert: opts.tls.cert }, onRequest)
      : http.createServer(onRequest);
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.onUpgrade(req, socket, head),
    );
    this.wss.on('headers', (headers) =>
      headers.push(`x-request-id: ${requestId()}`, 'x-emulator: responses-emulator (test double, not AI)'),
    );
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port ?? 0, '127.0.0.1', () => resolve());
    });
    const addr = this.server.address();
    this.port = typeof addr === 'object' && addr ? addr.port : 0;
    const s = this.opts.tls ? 's' : '';
    this.url = `http${s}://127.0.0.1:${this.port}/v1`;
    this.wsUrl = `ws${s}://127.0.0.1:${this.port}/v1/responses`;
  }

  connections(): number {
    return this.wsCount;
  }
  upgradeAttempts(): number {
    return this.upgradeCount;
  }
  openSockets(): number {
    return this.conns.size;
  }
  injectFault(f: Fault): void {
    this.engine.faults.arm(f);
  }
  setScenario(s: Scenario | string): void {
    this.engine.scenario = resolveScenario(s);
  }
  configure(patch: Partial<EmulatorOptions>): void {
    // The engine reads these options per request (it holds the same object).
    Object.assign(this.opts, patch);
  }

  async close(): Promise<void> {
    for (const c of this.conns) {
      clearTimeout(c.timer);
      c.ws.terminate();
    }
    this.wss.close();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private authorized(req: IncomingMessage): boolean {
    return this.opts.apiKey === undefined || req.headers.authorization === `Bearer ${this.opts.apiKey}`;
  }

  private unauthorized(): ApiError {
    return {
      status: 401,
      type: 'invalid_request_error',
      code: 'invalid_api_key',
      message: 'Incorrect API key provided (emulator).',
      param: null,
    };
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.upgradeCount++;
    socket.on('error', () => {});
    const path = pathOf(req);
    if (this.opts.websocket === false || path !== '/v1/responses') {
      return refuseUpgrade(socket, 404, {
        status: 404,
        type: 'invalid_request_error',
        code: null,
        message: `Invalid URL (${req.method ?? 'GET'} ${path})`,
        param: null,
      });
    }
    if (!this.authorized(req)) return refuseUpgrade(socket, 401, this.unauthorized());
    const fault = this.engine.faults.take({
      phase: 'upgrade',
      transport: 'websocket',
      warmup: false,
      hasPrevious: false,
    });
    if (fault?.kind === 'refuse_upgrade') {
      const status = fault.status ?? 426;
      return refuseUpgrade(socket, status, {
        status,
        type: 'invalid_request_error',
        code: null,
        message: `Upgrade refused (emulator fault, status ${status}).`,
        param: null,
      });
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.accept(ws, req);
      if (fault?.kind === 'close_after_upgrade') {
        const code = fault.code ?? 1008;
        if (code === 1005 || code === 1006) ws.terminate();
        else ws.close(code, 'emulator fault: close_after_upgrade');
      }
    });
  }

  private accept(ws: WebSocket, req: IncomingMessage): Conn {
    const conn: Conn = {
      id: ++this.wsCount,
      createdAt: Date.now(),
      cache: new Map(),
      ws,
      sink: new WsSink(ws),
      headers: { ...req.headers },
      busy: false,
      queue: [],
    };
    this.conns.add(conn);
    // Timers cannot exceed 2^31-1 ms; a longer limit is never reached in practice.
    conn.timer = setTimeout(() => this.ageReached(conn), Math.min(this.engine.maxAgeMs, 2 ** 31 - 1));
    conn.timer.unref();
    ws.on('error', () => {});
    ws.on('message', (data: RawData, isBinary: boolean) => this.onFrame(conn, toBuffer(data), isBinary));
    ws.on('close', () => {
      clearTimeout(conn.timer);
      this.conns.delete(conn);
      for (const job of conn.queue.splice(0)) this.engine.settle(job.record, 'dropped');
    });
    return conn;
  }

  /** Proactive limit: only on an idle socket; a busy one gets it when its response ends. */
  private ageReached(conn: Conn): void {
    if (conn.busy || conn.queue.length > 0 || conn.ws.readyState !== WebSocket.OPEN) return;
    conn.sink.reject(LIMIT_ERROR);
    conn.sink.close(1001, 'connection limit reached');
  }

  private onFrame(conn: Conn, buf: Buffer, isBinary: boolean): void {
    const label = `ws#${conn.id}`;
    const reject = (message: string, code: string, param: string | null, violation: string): void => {
      this.engine.violate(label, violation);
      conn.sink.reject({ status: 400, type: 'invalid_request_error', code, message, param });
    };
    if (isBinary)
      return reject(
        'Binary frames are not supported; send one JSON object per text frame.',
        'invalid_frame',
        null,
        'client sent a binary frame',
      );
    let msg: unknown;
    try {
      msg = JSON.parse(buf.toString('utf8'));
    } catch {
      return reject('The frame is not valid JSON.', 'invalid_json', null, 'client sent a frame that is not JSON');
    }
    if (!isObject(msg))
      return reject(
        'Expected one JSON object per frame.',
        'invalid_json',
        null,
        'client sent JSON that is not an object',
      );
    if (msg.type !== 'response.create') {
      const t = JSON.stringify(msg.type);
      return reject(
        `Invalid value: ${t}. Supported values are: 'response.create'.`,
        'invalid_value',
        'type',
        `unknown client event type ${t}`,
      );
    }
    const record = this.record('websocket', conn.id, msg, buf.length, conn.headers);
    const job: CreateJob = { sink: conn.sink, conn, record, label: `${label} req#${this.requests.length}` };
    if (!conn.busy) return this.run(conn, job);
    if (this.opts.mode === 'compatible') {
      conn.queue.push(job);
      return;
    }
    this.engine.fail(
      job,
      {
        status: 409,
        type: 'invalid_request_error',
        code: 'response_already_in_flight',
        message:
          'A response is already in flight on this connection; wait for its terminal event before sending another response.create.',
        param: null,
      },
      'response.create sent while another response was in flight on the same socket',
    );
  }

  private run(conn: Conn, job: CreateJob): void {
    conn.busy = true;
    this.engine
      .process(job)
      .catch((err: unknown) => this.internalError(err, undefined, job))
      .finally(() => {
        conn.busy = false;
        const next = conn.queue.shift();
        if (next) this.run(conn, next);
        else if (this.engine.isExpired(conn)) this.ageReached(conn);
      });
  }

  private record(
    transport: 'websocket' | 'http',
    connectionId: number,
    body: Json,
    bytes: number,
    headers: Headers,
  ): RecordedRequest {
    const input = body.input;
    const rec: RecordedRequest = {
      transport,
      connectionId,
      body,
      bytes,
      inputItems: typeof input === 'string' ? 1 : Array.isArray(input) ? input.length : 0,
      headers,
      outcome: 'in_progress',
    };
    if (typeof body.previous_response_id === 'string') rec.previousResponseId = body.previous_response_id;
    if (typeof body.generate === 'boolean') rec.generate = body.generate;
    if ('stream' in body) rec.stream = body.stream;
    this.requests.push(rec);
    return rec;
  }

  private async onHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = pathOf(req);
    if (!this.authorized(req)) return sendJson(res, 401, errorBody(this.unauthorized()));
    const compact = path === '/v1/responses/compact' && this.opts.compactEndpoint === true;
    if (req.method !== 'POST' || (path !== '/v1/responses' && !compact)) {
      return sendJson(
        res,
        404,
        errorBody({
          status: 404,
          type: 'invalid_request_error',
          code: null,
          message: `Invalid URL (${req.method ?? 'GET'} ${path})`,
          param: null,
        }),
      );
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const id = ++this.httpCount;
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      body = undefined;
    }
    if (!isObject(body)) {
      this.engine.violate(`http#${id}`, 'HTTP body is not a JSON object');
      return sendJson(
        res,
        400,
        errorBody({
          status: 400,
          type: 'invalid_request_error',
          code: 'invalid_json',
          message: 'The body is not a JSON object.',
          param: null,
        }),
      );
    }
    const record = this.record('http', id, body, raw.length, { ...req.headers });
    const job = { sink: new HttpSink(res), record, label: `http#${id} req#${this.requests.length}` };
    if (compact) {
      record.endpoint = 'compact';
      return this.engine.compact(job);
    }
    await this.engine.process(job);
  }

  /** An emulator bug must not look like a client bug, but it must fail tests: record it loudly. */
  private internalError(err: unknown, res?: ServerResponse, job?: CreateJob): void {
    const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
    this.violations.push(`emulator internal error (not the client's fault): ${text}`);
    const apiErr: ApiError = {
      status: 500,
      type: 'server_error',
      code: 'server_error',
      message: 'Emulator internal error.',
      param: null,
    };
    if (job) {
      if (job.sink.isOpen()) job.sink.reject(apiErr);
      this.engine.settle(job.record, 'error', 'server_error');
    } else if (res && !res.headersSent) {
      sendJson(res, 500, errorBody(apiErr));
    }
  }
}

export async function startEmulator(opts: EmulatorOptions): Promise<Emulator> {
  const emu = new ResponsesEmulator(opts);
  await emu.listen();
  return emu;
}

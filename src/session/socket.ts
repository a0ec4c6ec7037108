import type { ClientRequest, IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { SessionError, connectError, errorFromClose, errorFromEvent } from './errors.ts';
import type { Logger } from './log.ts';
import { isTerminalEvent, parseServerEvent } from './protocol.ts';
import type { ResponseObject, ResponseRequest, ServerEvent } from './protocol.ts';
import { proxyFailure, viaProxy } from './proxy.ts';
import type { ResponseTransport, StreamStats, TransportOptions } from './transport.ts';
import { httpOrigin, webSocketUrl } from './transport.ts';

export interface SocketOptions extends TransportOptions {
  pingIntervalMs: number;
  logger: Logger;
  /** Offer `permessage-deflate` (the server decides). Default true. */
  compression?: boolean;
}

interface InFlight {
  onEvent(ev: ServerEvent): void;
  resolve(r: ResponseObject): void;
  reject(e: SessionError): void;
  stats: StreamStats;
  sentAt: number;
  stallTimer?: NodeJS.Timeout;
}

let nextSocketId = 1;

/**
 * One WebSocket to `/v1/responses`. Runs one response at a time (the protocol's baseline: a
 * second `response.create` before the first one's terminal event is refused here, not sent).
 * An event that arrives while nothing is in flight is never attributed to a later request.
 */
export class ResponsesSocket implements ResponseTransport {
  readonly kind = 'websocket' as const;
  readonly id = nextSocketId++;
  readonly openedAt = Date.now();
  /** Set when the socket is finished: closed, dropped, or told its time limit is reached. */
  endedBy?: SessionError;
  private inFlight?: InFlight;
  private pingTimer?: NodeJS.Timeout;
  private lastPong = Date.now();
  private readonly ws: WebSocket;
  private readonly options: SocketOptions;
  /** The TCP (or TLS) connection under the socket, for the bytes really on the wire. */
  private readonly tcp?: { bytesWritten: number; bytesRead: number };

  private constructor(ws: WebSocket, options: SocketOptions, tcp?: { bytesWritten: number; bytesRead: number }) {
    this.ws = ws;
    this.options = options;
    this.tcp = tcp;
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.on('close', (code, reason) => this.onClose(code, reason.toString()));
    ws.on('error', (err) => this.options.logger.debug(`socket #${this.id} error: ${err.message}`));
    ws.on('pong', () => {
      this.lastPong = Date.now();
    });
    if (options.pingIntervalMs > 0) {
      this.pingTimer = setInterval(() => this.ping(), options.pingIntervalMs);
      this.pingTimer.unref();
    }
  }

  /**
   * Opens the socket (through `options.agent` when given: a proxy). Rejects with
   * `upgrade_refused` (non-101, from the server or a proxy), `bad_api_key` (401) or `network`
   * (no connection; a proxy that refused the tunnel or wants credentials, named in the message).
   */
  static connect(options: SocketOptions, signal?: AbortSignal): Promise<ResponsesSocket> {
    const url = webSocketUrl(options.baseUrl);
    const agent = options.agent;
    const via = viaProxy(agent);
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(new SessionError('cancelled'));
      // permessage-deflate: tool outputs and resent context are text that compresses 4-10x; the
      // default 1 KB threshold leaves small frames (a short delta, a ping) uncompressed.
      const deflate = options.compression === false ? false : { threshold: 1024 };
      const ws = new WebSocket(url, {
        headers: options.headers,
        handshakeTimeout: options.connectTimeoutMs,
        perMessageDeflate: deflate,
        ...(agent ? { agent } : {}),
      });
      let tcp: { bytesWritten: number; bytesRead: number } | undefined;
      ws.once('upgrade', (res: IncomingMessage) => {
        tcp = res.socket;
      });
      const detach = () => {
        signal?.removeEventListener('abort', onAbort);
        ws.off('unexpected-response', onUnexpected).off('error', onError).off('open', onOpen);
      };
      const fail = (err: SessionError) => {
        detach();
        ws.on('error', () => {});
        ws.terminate();
        reject(err);
      };
      const onAbort = () => fail(new SessionError('cancelled'));
      const onUnexpected = (req: ClientRequest, res: IncomingMessage) => {
        const status = res.statusCode ?? 0;
        res.resume();
        const byProxy = proxyFailure(agent, req, status, url);
        if (byProxy) fail(new SessionError('network', byProxy.message, { status, cause: byProxy }));
        else if (status === 401)
          fail(new SessionError('bad_api_key', `WebSocket upgrade answered ${status}`, { status }));
        else
          fail(new SessionError('upgrade_refused', `WebSocket upgrade to ${url}${via} answered ${status}`, { status }));
      };
      const onError = (err: NodeJS.ErrnoException) => {
        const refused = connectError(err, httpOrigin(options.baseUrl), via);
        fail(
          refused.code === 'network'
            ? new SessionError('network', `${url}${via}: ${err.message}`, { cause: err })
            : refused,
        );
      };
      const onOpen = () => {
        detach();
        const socket = new ResponsesSocket(ws, options, tcp);
        options.logger.debug(
          `socket #${socket.id} open to ${url}${via}${socket.compressed ? ', compressed (permessage-deflate)' : ''}`,
        );
        resolve(socket);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      ws.on('unexpected-response', onUnexpected).on('error', onError).on('open', onOpen);
    });
  }

  /** Whether the server accepted `permessage-deflate`. */
  get compressed(): boolean {
    return this.ws.extensions.includes('permessage-deflate');
  }

  /** Bytes written and read on the connection so far (TLS and frame headers included), when known. */
  wire(): { sent: number; received: number } | undefined {
    return this.tcp ? { sent: this.tcp.bytesWritten, received: this.tcp.bytesRead } : undefined;
  }

  get alive(): boolean {
    return !this.endedBy && this.ws.readyState === WebSocket.OPEN;
  }
  get busy(): boolean {
    return this.inFlight !== undefined;
  }
  get ageMs(): number {
    return Date.now() - this.openedAt;
  }

  run(
    body: ResponseRequest,
    onEvent: (ev: ServerEvent) => void,
    signal: AbortSignal | undefined,
    stats: StreamStats,
  ): Promise<ResponseObject> {
    if (this.inFlight) return Promise.reject(new Error(`socket #${this.id} already has a response in flight`));
    if (!this.alive) return Promise.reject(this.endedBy ?? new SessionError('network', `socket #${this.id} is closed`));
    if (signal?.aborted) return Promise.reject(new SessionError('cancelled'));
    return new Promise<ResponseObject>((resolve, reject) => {
      const onAbort = () => {
        // The API has no cancel event: closing the socket is the only way to be sure no leftover
        // event of this response is read as the next one's. Its cache goes with it.
        this.settle((f) => f.reject(new SessionError('cancelled')));
        this.end(new SessionError('cancelled'), 1000, 'cancelled');
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => signal?.removeEventListener('abort', onAbort);
      this.inFlight = {
        onEvent,
        stats,
        sentAt: Date.now(),
        resolve: (r) => {
          done();
          resolve(r);
        },
        reject: (e) => {
          done();
          reject(e);
        },
      };
      const frame = JSON.stringify({ type: 'response.create', ...body });
      stats.bytesSent += Buffer.byteLength(frame);
      this.armStall();
      this.ws.send(frame, (err) => {
        if (err)
          this.settle((f) => f.reject(new SessionError('network', `send failed: ${err.message}`, { cause: err })));
      });
    });
  }

  close(): void {
    this.end(new SessionError('network', 'closed by client'), 1000, 'done');
  }

  private settle(fn: (f: InFlight) => void): void {
    const f = this.inFlight;
    if (!f) return;
    this.inFlight = undefined;
    clearTimeout(f.stallTimer);
    fn(f);
  }

  private armStall(): void {
    const f = this.inFlight;
    if (!f) return;
    clearTimeout(f.stallTimer);
    f.stallTimer = setTimeout(() => {
      const err = new SessionError('stalled', `no event for ${Math.round(this.options.stallTimeoutMs / 1000)} s`);
      this.settle((x) => x.reject(err));
      this.end(err, 1000, 'stalled');
    }, this.options.stallTimeoutMs);
    f.stallTimer.unref();
  }

  private onMessage(data: WebSocket.RawData, isBinary: boolean): void {
    const bytes = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : (data as Buffer).byteLength;
    const f = this.inFlight;
    if (f) f.stats.bytesReceived += bytes;
    const parsed = isBinary
      ? 'binary frame'
      : parseServerEvent(data.toString(), (m) => this.options.logger.warn(`socket #${this.id}: ${m}`));
    if (typeof parsed === 'string') {
      const err = new SessionError('protocol', parsed);
      this.options.logger.warn(`socket #${this.id}: ${parsed}`);
      this.settle((x) => x.reject(err));
      this.end(err, 1002, 'malformed frame');
      return;
    }
    if (!f) return this.onIdleEvent(parsed);
    if (f.stats.firstEventMs === undefined) f.stats.firstEventMs = Date.now() - f.sentAt;
    this.armStall();
    try {
      f.onEvent(parsed);
    } catch (err) {
      this.options.logger.error(`event handler threw: ${String(err)}`);
    }
    if (parsed.type === 'error') {
      const err = errorFromEvent(parsed);
      this.settle((x) => x.reject(err));
      if (err.code === 'connection_limit') this.end(err, 1000, 'connection limit');
    } else if (isTerminalEvent(parsed)) {
      const response = parsed.response;
      if (parsed.type === 'response.completed') this.settle((x) => x.resolve(response));
      else if (parsed.type === 'response.failed') {
        const detail = response.error ? `${response.error.code ?? ''} ${response.error.message}`.trim() : undefined;
        this.settle((x) =>
          x.reject(new SessionError('response_failed', detail, { apiCode: response.error?.code ?? undefined })),
        );
      } else
        this.settle((x) =>
          x.reject(new SessionError('response_incomplete', response.incomplete_details?.reason, { response })),
        );
    }
  }

  private onIdleEvent(ev: ServerEvent): void {
    if (ev.type === 'error') {
      const err = errorFromEvent(ev);
      this.options.logger.info(`socket #${this.id} idle error: ${err.message}`);
      // Any error on an idle socket (the time limit, typically) means it is not to be trusted.
      this.end(err, 1000, 'idle error');
      return;
    }
    this.options.logger.warn(
      `socket #${this.id}: event ${ev.type === 'unknown' ? ev.rawType : ev.type} arrived with no response in flight; ignored`,
    );
  }

  private onClose(code: number, reason: string): void {
    clearInterval(this.pingTimer);
    const err = this.endedBy ?? errorFromClose(code, reason);
    this.endedBy = err;
    this.options.logger.debug(`socket #${this.id} closed ${code} ${reason}`);
    this.settle((f) => f.reject(err));
  }

  private ping(): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    if (Date.now() - this.lastPong > this.options.pingIntervalMs * 3) {
      this.end(new SessionError('network', 'no pong from server'), 1001, 'ping timeout');
      return;
    }
    this.ws.ping();
  }

  private end(err: SessionError, code: number, reason: string): void {
    if (!this.endedBy) this.endedBy = err;
    clearInterval(this.pingTimer);
    this.settle((f) => f.reject(err));
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) {
      // terminate() when the close could hang (cancel, stall, protocol): we want it gone now.
      if (code === 1000 && reason === 'done') this.ws.close(code, reason);
      else this.ws.terminate();
    }
  }
}

import { EventEmitter } from 'node:events';
import type { ChainState } from './delta.ts';
import { itemsBytes, planRequest } from './delta.ts';
import { SessionError } from './errors.ts';
import type { SessionErrorCode } from './errors.ts';
import { HttpResponses } from './http.ts';
import { Lock, sleep } from './lock.ts';
import type { Logger } from './log.ts';
import { silentLogger } from './log.ts';
import { isKnownEvent } from './protocol.ts';
import type { InputItem, OutputItem, ResponseObject, ResponseRequest, ServerEvent, ToolDefinition, Usage } from './protocol.ts';
import { ProxyConfigError, ProxyError, agentFor } from './proxy.ts';
import type { ProxySettings } from './proxy.ts';
import { ResponsesSocket } from './socket.ts';
import type { ResponseTransport, StreamStats } from './transport.ts';
import { httpUrl } from './transport.ts';

export type TransportSetting = 'websocket' | 'http' | 'auto';

export interface RetryPolicy {
  /** Dropped sockets, stalls, failed connects. */
  network: number;
  rateLimit: number;
  serverError: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A `retry-after` longer than this is not waited for: the turn fails with `rate_limited`. */
  maxRetryAfterMs: number;
}

export interface SessionConfig {
  /** HTTP base URL including the version, e.g. `https://api.openai.com/v1`. */
  baseUrl: string;
  model: string;
  instructions: string;
  tools: ToolDefinition[];
  /** Resolved before every connect: the key is never kept by the session. */
  getApiKey(): Promise<string | undefined>;
  /** Local servers need no key. Default true. */
  requireApiKey?: boolean;
  /** How the key is sent: `Authorization: Bearer` (default), or Azure's `api-key` header. */
  keyHeader?: 'authorization' | 'api-key';
  organization?: string;
  project?: string;
  extraHeaders?: Record<string, string>;
  transport?: TransportSetting;
  /** Default false: the client keeps the transcript; the server keeps nothing on disk. */
  store?: boolean;
  /** Pre-stage instructions and tools with `generate: false` when a socket opens. Default true. */
  warmup?: boolean;
  /** Sockets are replaced between turns once this old. Default 55 minutes (the API closes at 60). */
  maxSocketAgeMs?: number;
  connectTimeoutMs?: number;
  stallTimeoutMs?: number;
  pingIntervalMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Extra request fields sent with every request (reasoning, include, text, ...). */
  requestExtras?: Partial<ResponseRequest>;
  logger?: Logger;
  /** VS Code's http.proxy / http.proxyStrictSSL. No url: HTTPS_PROXY and the like (loopback is never proxied through those). */
  proxy?: ProxySettings;
  /** What is already known of this endpoint (cached from an earlier session); learned otherwise. */
  capabilities?: Capabilities;
}

/**
 * What a server can do, learned from its answers (never from extra probing requests, which would
 * cost the user money): undefined means not known yet.
 */
export interface Capabilities {
  /** The WebSocket upgrade on `/responses` works. */
  websocket?: boolean;
  /** `generate: false` (warmup) is accepted. */
  warmup?: boolean;
  /** `previous_response_id` is accepted at all (llama.cpp's server refuses it). */
  previousResponseId?: boolean;
  /** `store: true` responses can be chained to over HTTP (some servers keep nothing). */
  store?: boolean;
}

export type SessionState = 'idle' | 'connecting' | 'warming' | 'warm' | 'busy' | 'reconnecting' | 'http' | 'no_key' | 'error' | 'closed';

export interface TurnMetrics {
  lane: string;
  transport: 'websocket' | 'http';
  /** `delta`: only new items and `previous_response_id` were sent; `full`: the whole context. */
  mode: 'delta' | 'full';
  attempts: number;
  /** Errors the turn recovered from, in order (the caller saw a completed turn). */
  recovered: SessionErrorCode[];
  timeToFirstEventMs?: number;
  timeToFirstTextMs?: number;
  totalMs: number;
  bytesSent: number;
  bytesReceived: number;
  /** About what a request with the whole context would have weighed (the delta plus what the server held): the socket's saving is this minus the last attempt's bytes. */
  fullContextBytes: number;
  inputItemsSent: number;
  /** The request carried earlier model output again: the server had lost (or never had) the chain. */
  contextResent: boolean;
  usage?: Usage;
}

export interface TurnOptions {
  /** Lanes are independent sockets: a command-palette action need not wait behind a chat turn. */
  lane?: string;
  signal?: AbortSignal;
  onEvent?(ev: ServerEvent): void;
  /** The turn is being retried: drop whatever partial output was shown. */
  onRestart?(reason: SessionError): void;
}

export interface TurnResult {
  response: ResponseObject;
  output: OutputItem[];
  metrics: TurnMetrics;
}

interface Lane {
  name: string;
  lock: Lock;
  socket?: ResponsesSocket;
  chain?: ChainState;
  rotationTimer?: NodeJS.Timeout;
}

const DEFAULT_RETRY: RetryPolicy = { network: 3, rateLimit: 3, serverError: 2, baseDelayMs: 250, maxDelayMs: 8000, maxRetryAfterMs: 60_000 };
// These lose the server's cache (or this turn's output) but are answered by resending the full
// context once: the caller sees a completed turn.
const CACHE_LOSS: ReadonlySet<SessionErrorCode> = new Set(['previous_response_not_found', 'connection_limit', 'response_failed', 'response_incomplete', 'protocol']);
const OUTPUT_TYPES: ReadonlySet<string> = new Set(['function_call', 'custom_tool_call', 'reasoning']);
const NETWORK: ReadonlySet<SessionErrorCode> = new Set(['network', 'stalled', 'upgrade_refused']);

/**
 * The part of a chain a warmup can stage again: the server refuses a context that ends in a tool
 * call without its output, so when the model's last output called tools (which are running now),
 * only the request before it is staged; its output then goes with the next turn's delta.
 */
function stageable(chain: ChainState): InputItem[] {
  return chain.output.some((item) => item.type === 'function_call' || item.type === 'custom_tool_call')
    ? chain.request.input
    : [...chain.request.input, ...chain.output];
}

/**
 * Keeps warm Responses API sockets and runs turns on them. Callers always pass the whole
 * conversation; the manager decides what the server still holds and sends only what is new,
 * and when the server has lost it, resends everything from the caller's transcript.
 */
export class SessionManager extends EventEmitter<{ state: [SessionState, string?]; metrics: [TurnMetrics]; warm: [string, number]; capabilities: [Capabilities] }> {
  private config: SessionConfig;
  private readonly lanes = new Map<string, Lane>();
  private readonly logger: Logger;
  private readonly retry: RetryPolicy;
  private http?: HttpResponses;
  private wsFailures = 0;
  private caps: Capabilities;
  /** Why the last WebSocket upgrade failed, to name it if HTTP fails too. */
  private upgradeFailure?: string;
  private currentState: SessionState = 'idle';
  private disposed = false;

  constructor(config: SessionConfig) {
    super();
    this.config = config;
    this.logger = config.logger ?? silentLogger;
    this.retry = { ...DEFAULT_RETRY, ...config.retry };
    this.caps = { ...config.capabilities };
  }

  /** What the server has shown it can do (see Capabilities). */
  get capabilities(): Readonly<Capabilities> { return this.caps }
  get warmupSupported(): boolean | undefined { return this.caps.warmup }

  /** The combination in use, in words for the status bar. */
  get mode(): string {
    if (this.transportInUse === 'websocket') return this.config.warmup === false || this.caps.warmup === false ? 'WebSocket' : 'WebSocket + warmup';
    return this.chainsOverHttp() ? 'HTTP, chained on stored responses' : 'HTTP, full history each turn';
  }

  get state(): SessionState { return this.currentState }
  get transportInUse(): 'websocket' | 'http' {
    return this.config.transport === 'http' || (this.config.transport === 'auto' && this.caps.websocket === false) ? 'http' : 'websocket';
  }

  /** Opens and warms the given lanes (default: the chat lane). Failures are reported through `state`, never thrown. */
  async start(lanes: string[] = ['chat']): Promise<void> {
    await Promise.all(lanes.map(async (name) => {
      const lane = this.lane(name);
      let release: (() => void) | undefined;
      try {
        release = await lane.lock.acquire();
        const transport = await this.prepare(lane, true);
        this.setState(transport.kind === 'http' ? 'http' : 'warm');
      } catch (err) {
        this.reportFailure(err);
      } finally {
        release?.();
        this.scheduleRotation(lane);
      }
    }));
  }

  /** Changes settings. A change to model, instructions or tools makes the next request a full one. */
  updateConfig(patch: Partial<SessionConfig>): void {
    const connectionChanged = ['baseUrl', 'organization', 'project', 'extraHeaders', 'transport', 'proxy'].some((k) => k in patch);
    this.config = { ...this.config, ...patch };
    if ('capabilities' in patch) this.caps = { ...patch.capabilities };
    if (connectionChanged) this.dropConnections();
  }

  /**
   * Closes every socket and warms new ones. With `relearn` (the user's Reconnect), what was
   * learned about the server is forgotten and found out again.
   */
  async reconnect(lanes?: string[], relearn = false): Promise<void> {
    if (relearn) {
      this.caps = {};
      this.emit('capabilities', { ...this.caps });
    }
    this.wsFailures = 0;
    this.dropConnections();
    await this.start(lanes ?? [...this.lanes.keys()].concat(this.lanes.size ? [] : ['chat']));
  }

  /**
   * Runs one model turn. `input` is the whole conversation so far (the caller's transcript);
   * what is sent depends on what the server still holds.
   */
  async respond(input: InputItem[], options: TurnOptions = {}): Promise<TurnResult> {
    if (this.disposed) throw new SessionError('network', 'the session was closed');
    const lane = this.lane(options.lane ?? 'chat');
    const release = await lane.lock.acquire(options.signal);
    clearTimeout(lane.rotationTimer);
    const started = Date.now();
    // A copy: the caller goes on appending to its transcript, and the chain must keep what was sent.
    const full: ResponseRequest = { ...this.baseRequest(), input: [...input] };
    const stats: StreamStats = { bytesSent: 0, bytesReceived: 0 };
    const recovered: SessionErrorCode[] = [];
    const counts = { cache: 0, network: 0, rateLimit: 0, serverError: 0 };
    let firstEventMs: number | undefined;
    let firstTextMs: number | undefined;
    const onEvent = (ev: ServerEvent) => {
      firstEventMs ??= Date.now() - started;
      if (ev.type === 'response.output_text.delta') firstTextMs ??= Date.now() - started;
      if (!isKnownEvent(ev)) this.logger.debug(`[${lane.name}] passing on unknown event ${ev.type}`);
      options.onEvent?.(ev);
    };
    try {
      for (let attempt = 1; ; attempt++) {
        let wasDelta = false;
        let attemptKind: 'websocket' | 'http' = this.transportInUse;
        try {
          const transport = await this.transportFor(lane, options.signal);
          attemptKind = transport.kind;
          const holder = this.holderOf(transport);
          const chained = this.caps.previousResponseId !== false && lane.chain && lane.chain.holder === holder ? lane.chain : undefined;
          const plan = planRequest(full, chained);
          wasDelta = plan.mode === 'delta';
          const sentBefore = stats.bytesSent;
          this.setState('busy');
          this.logger.debug(`[${lane.name}] ${transport.kind} request: ${plan.mode}${plan.reason ? ` (${plan.reason})` : ''}, ${plan.body.input.length} input items`);
          const response = await transport.run(plan.body, onEvent, options.signal, stats);
          if (plan.mode === 'delta') this.learn(transport.kind === 'http' ? { previousResponseId: true, store: true } : { previousResponseId: true });
          const previous = plan.mode === 'delta' ? lane.chain : undefined;
          // What the server now holds, as a running sum: the history is never re-serialised per turn.
          const contextBytes = (previous ? previous.contextBytes + itemsBytes(plan.body.input) : itemsBytes(full.input)) + itemsBytes(response.output);
          lane.chain = holder ? { request: full, output: response.output, responseId: response.id, holder, contextBytes } : undefined;
          const metrics: TurnMetrics = {
            lane: lane.name, transport: transport.kind, mode: plan.mode, attempts: attempt, recovered,
            timeToFirstEventMs: firstEventMs, timeToFirstTextMs: firstTextMs, totalMs: Date.now() - started,
            bytesSent: stats.bytesSent, bytesReceived: stats.bytesReceived,
            fullContextBytes: stats.bytesSent - sentBefore + (previous?.contextBytes ?? 0),
            inputItemsSent: plan.body.input.length, usage: response.usage,
            contextResent: plan.body.input.some((item) => OUTPUT_TYPES.has(item.type)),
          };
          this.emit('metrics', metrics);
          this.setState(transport.kind === 'http' ? 'http' : 'warm');
          return { response, output: response.output, metrics };
        } catch (err) {
          if (!(err instanceof SessionError)) throw err;
          // Any failure evicts the chain on the server (protocol.md §4.1): the next request is full.
          lane.chain = undefined;
          if (wasDelta) this.learnFromChainFailure(err, attemptKind);
          const delay = this.retryDelay(err, counts, wasDelta);
          if (delay === undefined) throw err;
          recovered.push(err.code);
          this.logger.info(`[${lane.name}] ${err.code}: ${err.message}; retrying with the full context in ${delay} ms`);
          options.onRestart?.(err);
          this.setState('reconnecting', err.message);
          await sleep(delay, options.signal);
        }
      }
    } catch (caught) {
      const err = this.nameEndpoint(caught);
      if (err instanceof SessionError && err.code !== 'cancelled') this.reportFailure(err);
      else if (!this.lanesBusy(lane)) this.setState(this.transportInUse === 'http' ? 'http' : 'warm');
      throw err;
    } finally {
      release();
      this.scheduleRotation(lane);
    }
  }

  dispose(): void {
    this.disposed = true;
    this.dropConnections();
    this.setState('closed');
    this.removeAllListeners();
  }

  // ---------- internals ----------

  private lane(name: string): Lane {
    let lane = this.lanes.get(name);
    if (!lane) { lane = { name, lock: new Lock() }; this.lanes.set(name, lane) }
    return lane;
  }

  private lanesBusy(except: Lane): boolean {
    for (const l of this.lanes.values()) if (l !== except && l.lock.busy) return true;
    return false;
  }

  private baseRequest(): ResponseRequest {
    const c = this.config;
    return { model: c.model, instructions: c.instructions, tools: c.tools, store: c.store ?? false, ...c.requestExtras, input: [] };
  }

  private holderOf(transport: ResponseTransport): string | undefined {
    if (transport instanceof ResponsesSocket) return `ws:${transport.id}`;
    return this.chainsOverHttp() ? 'store' : undefined;
  }

  /** Over HTTP a chain needs stored responses: `store: true`, and a server that keeps them. */
  private chainsOverHttp(): boolean {
    return !!this.config.store && this.caps.store !== false && this.caps.previousResponseId !== false;
  }

  private learn(patch: Capabilities): void {
    const next = { ...this.caps, ...patch };
    if (Object.keys(patch).every((k) => this.caps[k as keyof Capabilities] === next[k as keyof Capabilities])) return;
    this.caps = next;
    this.logger.info(`learned what ${this.config.baseUrl} can do: ${JSON.stringify(this.caps)}`);
    this.emit('capabilities', { ...this.caps });
  }

  /** A delta refused: the server cannot chain (at all, or over HTTP on stored responses). */
  private learnFromChainFailure(err: SessionError, kind: 'websocket' | 'http'): void {
    if (err.code === 'invalid_request' && /previous_response_id/i.test(err.message)) this.learn({ previousResponseId: false });
    else if (err.code === 'previous_response_not_found' && kind === 'http') this.learn({ store: false });
  }

  /** When neither transport could talk to the server at all, say so, naming the endpoint. */
  private nameEndpoint(err: unknown): unknown {
    if (!(err instanceof SessionError) || !this.upgradeFailure) return err; // set only while falling back to HTTP
    if (err.cause instanceof ProxyError || err.cause instanceof ProxyConfigError) return err; // the proxy's fault, said as such
    if (!['no_access', 'invalid_request', 'network', 'protocol', 'upgrade_refused'].includes(err.code)) return err;
    return new SessionError('server_unsupported', `${this.config.baseUrl}: the WebSocket upgrade failed (${this.upgradeFailure}), and POST ${httpUrl(this.config.baseUrl)} failed too (${err.message})`, { status: err.status, cause: err });
  }

  private async headers(): Promise<Record<string, string>> {
    const key = await this.config.getApiKey();
    if (!key && this.config.requireApiKey !== false) {
      this.setState('no_key');
      throw new SessionError('no_api_key');
    }
    const h: Record<string, string> = { 'user-agent': 'warmline/0.1', ...this.config.extraHeaders };
    if (key && this.config.keyHeader === 'api-key') h['api-key'] = key;
    else if (key) h.authorization = `Bearer ${key}`;
    if (this.config.organization) h['openai-organization'] = this.config.organization;
    if (this.config.project) h['openai-project'] = this.config.project;
    return h;
  }

  private transportOptions(headers: Record<string, string>) {
    let agent;
    try {
      agent = agentFor(this.config.baseUrl, this.config.proxy);
    } catch (err) {
      // A malformed proxy setting: said plainly, and not retried.
      if (err instanceof ProxyConfigError) throw new SessionError('proxy', err.message, { cause: err });
      throw err;
    }
    return {
      baseUrl: this.config.baseUrl, headers, logger: this.logger, agent,
      connectTimeoutMs: this.config.connectTimeoutMs ?? 15_000,
      stallTimeoutMs: this.config.stallTimeoutMs ?? 120_000,
      pingIntervalMs: this.config.pingIntervalMs ?? 20_000,
    };
  }

  /** The transport for a lane's next request, opening (and warming) a socket when needed. */
  private async transportFor(lane: Lane, signal?: AbortSignal): Promise<ResponseTransport> {
    if (this.transportInUse === 'websocket') {
      const socket = lane.socket;
      if (socket?.alive && socket.ageMs < this.maxAge()) return socket;
    }
    // A turn does not wait for a warmup round trip: the request itself carries the context.
    return this.prepare(lane, false, signal);
  }

  /**
   * Opens a lane's socket (or settles on HTTP), replacing the old one. With `warm`, the new
   * socket is pre-staged with instructions, tools and the lane's conversation so far.
   */
  private async prepare(lane: Lane, warm: boolean, signal?: AbortSignal): Promise<ResponseTransport> {
    const headers = await this.headers();
    const context = lane.chain ? stageable(lane.chain) : [];
    if (lane.socket) { lane.socket.close(); lane.socket = undefined }
    if (lane.chain?.holder.startsWith('ws:')) lane.chain = undefined;
    if (this.transportInUse === 'http') return this.httpTransport(headers);
    this.setState('connecting');
    let socket: ResponsesSocket;
    try {
      socket = await ResponsesSocket.connect(this.transportOptions(headers), signal);
      this.wsFailures = 0;
      this.upgradeFailure = undefined;
      this.learn({ websocket: true });
    } catch (err) {
      if (this.config.transport === 'auto' && err instanceof SessionError && (err.code === 'upgrade_refused' || err.code === 'network')) {
        this.wsFailures++;
        this.upgradeFailure = err.message;
        if (err.status === 426 || this.wsFailures >= 3) this.learn({ websocket: false });
        this.logger.warn(`WebSocket unavailable (${err.message}); using HTTP${this.caps.websocket === false ? ' for this endpoint' : ' for this turn'}`);
        this.setState('http', err.message);
        return this.httpTransport(headers);
      }
      throw err;
    }
    lane.socket = socket;
    if (warm && this.config.warmup !== false && this.caps.warmup !== false) await this.warm(lane, socket, context, signal);
    return socket;
  }

  private httpTransport(headers: Record<string, string>): HttpResponses {
    this.http = new HttpResponses(this.transportOptions(headers));
    return this.http;
  }

  /**
   * `generate: false` stages instructions and tools (and, on a replacement socket, the lane's
   * conversation so far) without running the model; its id is the chain's new head.
   */
  private async warm(lane: Lane, socket: ResponsesSocket, input: InputItem[], signal?: AbortSignal): Promise<void> {
    const request: ResponseRequest = { ...this.baseRequest(), input };
    const started = Date.now();
    this.setState('warming');
    try {
      const response = await socket.run({ ...request, generate: false }, () => {}, signal, { bytesSent: 0, bytesReceived: 0 });
      this.learn({ warmup: true });
      lane.chain = { request, output: response.output, responseId: response.id, holder: `ws:${socket.id}`, contextBytes: itemsBytes(input) };
      this.emit('warm', lane.name, Date.now() - started);
      this.logger.info(`[${lane.name}] socket #${socket.id} warm in ${Date.now() - started} ms`);
    } catch (err) {
      if (err instanceof SessionError && err.code === 'invalid_request' && /generate/i.test(err.message)) {
        this.learn({ warmup: false });
        this.logger.info(`server does not support warmup (generate: false); continuing without it`);
        return;
      }
      throw err;
    }
  }

  private maxAge(): number { return this.config.maxSocketAgeMs ?? 55 * 60_000 }

  /**
   * Between turns, replaces a lane's socket before its age limit (or at once when a cancel
   * closed it), rewarmed with the lane's conversation, so the next turn stays a small delta.
   */
  private scheduleRotation(lane: Lane): void {
    clearTimeout(lane.rotationTimer);
    const socket = lane.socket;
    if (!socket || this.disposed || this.transportInUse === 'http') return;
    const due = socket.alive ? Math.max(0, this.maxAge() - socket.ageMs) : 0;
    lane.rotationTimer = setTimeout(async () => {
      if (lane.lock.busy || lane.socket !== socket) return; // the next turn replaces it
      const release = await lane.lock.acquire();
      try {
        if (lane.socket !== socket) return;
        this.logger.info(`[${lane.name}] replacing socket #${socket.id} (${socket.alive ? `age ${Math.round(socket.ageMs / 1000)} s` : 'closed'})`);
        await this.prepare(lane, true);
        this.setState(this.transportInUse === 'http' ? 'http' : 'warm');
      } catch (err) {
        lane.socket = undefined;
        this.logger.warn(`[${lane.name}] replacing the socket failed: ${String(err)}; the next turn reconnects`);
      } finally {
        release();
        this.scheduleRotation(lane);
      }
    }, due);
    lane.rotationTimer.unref();
  }

  /** How long to wait before retrying after `err`, or undefined to give up. */
  private retryDelay(err: SessionError, counts: { cache: number; network: number; rateLimit: number; serverError: number }, wasDelta: boolean): number | undefined {
    const backoff = (n: number) => Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (n - 1)) * (0.75 + Math.random() * 0.25);
    // The server refused `previous_response_id` itself: learned, so the retry goes in full.
    if (err.code === 'invalid_request' && wasDelta && this.caps.previousResponseId === false) return ++counts.cache <= 2 ? 0 : undefined;
    if (CACHE_LOSS.has(err.code)) {
      // Once is enough: the retry carries the full context, so the same loss cannot recur,
      // except for a cut-off delta whose server also failed the full resend.
      return ++counts.cache <= (wasDelta ? 2 : 1) ? 0 : undefined;
    }
    if (NETWORK.has(err.code)) return ++counts.network <= this.retry.network ? backoff(counts.network) : undefined;
    if (err.code === 'rate_limited') {
      if (++counts.rateLimit > this.retry.rateLimit) return undefined;
      const wait = err.retryAfterMs ?? backoff(counts.rateLimit);
      return wait <= this.retry.maxRetryAfterMs ? wait : undefined;
    }
    if (err.code === 'server_error') return ++counts.serverError <= this.retry.serverError ? backoff(counts.serverError) : undefined;
    return undefined;
  }

  private dropConnections(): void {
    for (const lane of this.lanes.values()) {
      clearTimeout(lane.rotationTimer);
      lane.socket?.close();
      lane.socket = undefined;
      if (lane.chain?.holder.startsWith('ws:')) lane.chain = undefined;
    }
  }

  private reportFailure(err: unknown): void {
    const e = err instanceof SessionError ? err : new SessionError('protocol', String(err));
    this.logger.error(`session error ${e.code}: ${e.message}`);
    this.setState(e.code === 'no_api_key' ? 'no_key' : 'error', e.message);
  }

  private setState(state: SessionState, detail?: string): void {
    if (this.currentState === state && !detail) return;
    this.currentState = state;
    this.emit('state', state, detail);
  }
}

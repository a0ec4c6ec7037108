import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Compaction } from './compaction.ts';
import {
  SUMMARY_INSTRUCTIONS,
  lastCompactionIndex,
  reassemble,
  splitForCompaction,
  summaryMessage,
  summaryRequestText,
} from './compaction.ts';
import { COMPACT_AT, DEFAULT_CONTEXT_WINDOW, knownContextWindow, tokensForBytes } from './context-window.ts';
import type { ChainState } from './delta.ts';
import { itemsBytes, planRequest } from './delta.ts';
import { SessionError, missingItemId } from './errors.ts';
import type { SessionErrorCode } from './errors.ts';
import { HttpResponses } from './http.ts';
import { Lock, sleep } from './lock.ts';
import type { Logger } from './log.ts';
import { silentLogger } from './log.ts';
import { isRecord, messageText, parseItems, userMessage } from './protocol.ts';
import type {
  InputItem,
  OutputItem,
  ResponseObject,
  ResponseRequest,
  ServerEvent,
  ToolDefinition,
  Usage,
} from './protocol.ts';
import { lastUserImages, replayable } from './replay.ts';
import type { ReplayRules } from './replay.ts';
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
  /**
   * For a tool of a type other than `function` (apply_patch, a custom tool): the function tool
   * offered in its place where the server has not shown it takes that type, and the argument
   * its input goes in when an earlier call of it is replayed to such a server.
   */
  toolFallbacks?: Record<string, { name: string; argument: string }>;
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
  /** The model's input window in tokens (`warmline.contextWindow`); otherwise known per model, or learned. */
  contextWindow?: number;
  /** Compact the conversation before it outgrows the window. Default true. */
  compaction?: boolean;
  /** Offer `permessage-deflate` on the WebSocket. Default true. */
  compression?: boolean;
  /** After falling back to HTTP, the WebSocket is tried again (in the background) this much later. Default 10 minutes. */
  webSocketRetryMs?: number;
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
  /** When the WebSocket was last found unusable (ms since the epoch); it is tried again after a cooldown. */
  websocketFailedAt?: number;
  /** Per model: `include: ["reasoning.encrypted_content"]` is accepted (false: refused, e.g. a model that does not reason). */
  encryptedReasoning?: Record<string, boolean>;
  /** `prompt_cache_key` is accepted. */
  promptCacheKey?: boolean;
  /** Server-side compaction (`context_management`) works. */
  serverCompaction?: boolean;
  /** `POST /responses/compact` works. */
  compactEndpoint?: boolean;
  /** Per model: the input window the server named (or showed) when a request overflowed it. */
  contextWindows?: Record<string, number>;
  /**
   * Per tool type other than `function` (`custom`, ...): the server takes tools of that type.
   * Shown by a response that echoes the tool, or by a call of it; refused by a 400 naming it, or
   * by an echo without it. A server that says nothing proves nothing (llama.cpp skips custom
   * tools silently): where unknown, only servers that speak the WebSocket mode or are OpenAI's
   * own are offered them.
   */
  toolTypes?: Record<string, boolean>;
  /**
   * Reasoning items without readable `content` (OpenAI's: a summary and encrypted content only)
   * are accepted. False where a server refused one (llama.cpp: "item['content'] is not an array").
   */
  opaqueReasoning?: boolean;
  /**
   * Per model: `input_image` parts are accepted (issue 15). False where the server refused them
   * (OpenAI: "Invalid content type. image_url is only supported by certain models."; llama.cpp
   * without a projector: "image input is not supported"): images are then left out, said in words.
   */
  images?: Record<string, boolean>;
}

export type SessionState =
  | 'idle'
  | 'connecting'
  | 'warming'
  | 'warm'
  | 'busy'
  | 'compacting'
  | 'reconnecting'
  | 'http'
  | 'no_key'
  | 'error'
  | 'closed';

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
  /** Input tokens the server took from its prompt cache (`usage.input_tokens_details.cached_tokens`). */
  cachedTokens?: number;
  /** About how many tokens the conversation holds after this turn, and the model's window. */
  contextTokens: number;
  contextWindow: number;
  /** WebSocket only: bytes on the TCP connection for this turn (compressed, with framing and TLS). */
  wireBytesSent?: number;
  wireBytesReceived?: number;
  /** The conversation was compacted during this turn. */
  compaction?: Compaction;
  /** Images of the user's message left out because the server or model takes none (issue 15). */
  imagesLeftOut?: number;
}

export interface TurnOptions {
  /** Lanes are independent sockets: a command-palette action need not wait behind a chat turn. */
  lane?: string;
  /** A stable id of the conversation: its `prompt_cache_key`, so resends hit the server's prompt cache. */
  conversationId?: string;
  signal?: AbortSignal;
  onEvent?(ev: ServerEvent): void;
  /** The turn is being retried: drop whatever partial output was shown. */
  onRestart?(reason: SessionError): void;
  /** Only the tools this allows are offered this turn (a chat's mode): a change makes the request a full one. */
  toolFilter?(name: string): boolean;
  /** Appended to the configured instructions for this turn (a chat's mode); never replaces them. */
  extraInstructions?: string;
}

export interface TurnResult {
  response: ResponseObject;
  /** The output items as the server sent them in `response.output_item.done` (replayed byte-identical). */
  output: OutputItem[];
  metrics: TurnMetrics;
  /** The caller must apply it to its transcript after appending `output` (see `applyCompaction`). */
  compaction?: Compaction;
}

interface Lane {
  name: string;
  lock: Lock;
  socket?: ResponsesSocket;
  chain?: ChainState;
  rotationTimer?: NodeJS.Timeout;
  /** The last turn's usage, and the transcript prefix it covers (its length and last item). */
  usage?: { items: number; last: string; tokens: number };
}

const DEFAULT_RETRY: RetryPolicy = {
  network: 3,
  rateLimit: 3,
  serverError: 2,
  baseDelayMs: 250,
  maxDelayMs: 8000,
  maxRetryAfterMs: 60_000,
};
// These lose the server's cache (or this turn's output) but are answered by resending the full
// context once: the caller sees a completed turn.
const CACHE_LOSS: ReadonlySet<SessionErrorCode> = new Set([
  'previous_response_not_found',
  'connection_limit',
  'response_failed',
  'response_incomplete',
  'protocol',
]);
const OUTPUT_TYPES: ReadonlySet<string> = new Set(['function_call', 'custom_tool_call', 'reasoning', 'compaction']);
const NETWORK: ReadonlySet<SessionErrorCode> = new Set(['network', 'stalled', 'upgrade_refused', 'connection_refused']);
/** Upgrade answers that mean this server has no WebSocket mode at all: no need to try three times. */
const NO_WEBSOCKET: ReadonlySet<number> = new Set([400, 404, 405, 426, 501]);
/** Images refused by the server or the model (OpenAI's and llama.cpp's words; "does not support image(s)" elsewhere). */
const IMAGES_REFUSED =
  /image_url is only supported by certain models|image input is not supported|does not support image|not a multimodal model|vision is not supported/i;
/** An image counts as about this many bytes of text (~1,500 tokens, a 1024px picture), not its base64 size. */
const IMAGE_ESTIMATE_BYTES = 6000;

/** Bytes by which image data URLs in `items` overstate their token cost. */
function imageDiscount(items: readonly InputItem[]): number {
  let n = 0;
  for (const item of items) {
    if (item.type !== 'message' || !Array.isArray(item.content)) continue;
    for (const p of item.content)
      if (p.type === 'input_image' && typeof p.image_url === 'string')
        n += Math.max(0, p.image_url.length - IMAGE_ESTIMATE_BYTES);
  }
  return n;
}

/** Hosts of OpenAI's own API (and Azure OpenAI), whose documented tool types are taken without proof. */
const OPENAI_HOST = /(^|\.)(api\.openai\.com|openai\.azure\.com)$/i;

/** Earlier model output in a request: the server had lost the chain (or never chains), and it was sent again. */
function isModelOutput(item: InputItem): boolean {
  return OUTPUT_TYPES.has(item.type) || (item.type === 'message' && item.role === 'assistant');
}

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
export class SessionManager extends EventEmitter<{
  state: [SessionState, string?];
  metrics: [TurnMetrics];
  warm: [string, number];
  capabilities: [Capabilities];
}> {
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
  /** Items the server said it could not find: replayed without their id (reasoning: not at all). */
  private readonly missingItems = new Set<string>();
  /** The server could not find a reasoning item although `store` was asked for (zero data retention). */
  private bareReasoningRefused = false;
  /** The server refused encrypted content without naming the item: every reasoning item is left out of resends. */
  private opaqueRefused = false;
  private probeTimer?: NodeJS.Timeout;
  /** The upgrade in flight while the WebSocket mode is not known yet (see prepare). */
  private upgrading?: Promise<void>;
  /** The transport the last connect or request actually used (the status names it from the first turn). */
  private usedKind?: 'websocket' | 'http';

  constructor(config: SessionConfig) {
    super();
    this.config = config;
    this.logger = config.logger ?? silentLogger;
    this.retry = { ...DEFAULT_RETRY, ...config.retry };
    this.caps = { ...config.capabilities };
    this.scheduleProbe();
  }

  /** What the server has shown it can do (see Capabilities). */
  get capabilities(): Readonly<Capabilities> {
    return this.caps;
  }
  get warmupSupported(): boolean | undefined {
    return this.caps.warmup;
  }

  /** The combination in use, in words for the status bar. */
  get mode(): string {
    if ((this.usedKind ?? this.transportInUse) === 'websocket')
      return this.config.warmup === false || this.caps.warmup === false ? 'WebSocket' : 'WebSocket + warmup';
    return this.chainsOverHttp() ? 'HTTP, chained on stored responses' : 'HTTP, full history each turn';
  }

  get state(): SessionState {
    return this.currentState;
  }
  get transportInUse(): 'websocket' | 'http' {
    return this.config.transport === 'http' || (this.config.transport === 'auto' && this.caps.websocket === false)
      ? 'http'
      : 'websocket';
  }

  /** Opens and warms the given lanes (default: the chat lane). Failures are reported through `state`, never thrown. */
  async start(lanes: string[] = ['chat']): Promise<void> {
    await Promise.all(
      lanes.map(async (name) => {
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
      }),
    );
  }

  /** Changes settings. A change to model, instructions or tools makes the next request a full one. */
  updateConfig(patch: Partial<SessionConfig>): void {
    const connectionChanged = [
      'baseUrl',
      'organization',
      'project',
      'extraHeaders',
      'transport',
      'proxy',
      'compression',
    ].some((k) => k in patch);
    this.config = { ...this.config, ...patch };
    if ('capabilities' in patch) this.caps = { ...patch.capabilities };
    if (connectionChanged) {
      this.dropConnections();
      this.usedKind = undefined;
    }
    this.scheduleProbe();
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
    const original = input.length;
    let context = [...input];
    let compaction: Compaction | undefined;
    const stats: StreamStats = { bytesSent: 0, bytesReceived: 0 };
    const recovered: SessionErrorCode[] = [];
    const counts = { cache: 0, network: 0, rateLimit: 0, serverError: 0, learned: 0, overflow: 0 };
    let firstEventMs: number | undefined;
    let firstTextMs: number | undefined;
    // Output items as `response.output_item.done` carries them: the complete copy (the `.added` one
    // can lack encrypted content, and some servers leave the terminal event's `output` short).
    let done: OutputItem[] = [];
    const onEvent = (ev: ServerEvent) => {
      firstEventMs ??= Date.now() - started;
      if (ev.type === 'response.output_text.delta') firstTextMs ??= Date.now() - started;
      else if (ev.type === 'response.output_item.done' && ev.output_index !== undefined)
        done[ev.output_index] = ev.item;
      else if (ev.type === 'unknown' && !ev.problem)
        this.logger.debug(`[${lane.name}] passing on unknown event ${ev.rawType}`);
      options.onEvent?.(ev);
    };
    try {
      for (let attempt = 1; ; attempt++) {
        let wasDelta = false;
        let attemptKind: 'websocket' | 'http' = this.transportInUse;
        let sent: ResponseRequest | undefined;
        done = [];
        try {
          // Before the window overflows, unless the server compacts by itself.
          if (
            !compaction &&
            this.compactsLocally() &&
            this.estimate(lane, context) > this.threshold() &&
            this.compactionHelps(lane, context)
          ) {
            compaction = { ...(await this.compactInput(lane, context, 'auto', options)), replaced: original };
            context = compaction.items;
          }
          const full: ResponseRequest = { ...this.baseRequest(lane, options.conversationId, options), input: context };
          const transport = await this.transportFor(lane, options.signal);
          attemptKind = transport.kind;
          const holder = this.holderOf(transport);
          const chained =
            this.caps.previousResponseId !== false && lane.chain && lane.chain.holder === holder
              ? lane.chain
              : undefined;
          const plan = planRequest(full, chained);
          wasDelta = plan.mode === 'delta';
          sent = { ...plan.body, input: replayable(plan.body.input, this.replayRules()) };
          const sentBefore = stats.bytesSent;
          const wireBefore = transport instanceof ResponsesSocket ? transport.wire() : undefined;
          this.setState('busy');
          this.logger.debug(
            `[${lane.name}] ${transport.kind} request: ${plan.mode}${plan.reason ? ` (${plan.reason})` : ''}, ${sent.input.length} input items`,
          );
          const response = await transport.run(sent, onEvent, options.signal, stats);
          const wireAfter = transport instanceof ResponsesSocket ? transport.wire() : undefined;
          const output = assembleOutput(response.output, done);
          this.learnFromSuccess(sent, output, response, transport.kind);
          const previous = plan.mode === 'delta' ? lane.chain : undefined;
          // What the server now holds, as a running sum: the history is never re-serialised per turn.
          const contextBytes =
            (previous ? previous.contextBytes + itemsBytes(plan.body.input) : itemsBytes(full.input)) +
            itemsBytes(output);
          const serverCut = lastCompactionIndex(output);
          if (serverCut >= 0) {
            // The server compacted: its item stands for everything before it. The chain goes on from
            // this response (the server holds the compacted state), and the caller's transcript is cut.
            const after = output.slice(serverCut);
            const tokensBefore = compaction?.tokensBefore ?? this.estimate(lane, context);
            lane.usage = undefined;
            compaction = {
              how: 'server',
              replaced: original + serverCut,
              items: [],
              tokensBefore,
              tokensAfter: this.estimate(lane, after),
              reason: compaction?.reason ?? 'auto',
            };
            lane.chain = holder
              ? {
                  request: { ...full, input: [] },
                  output: after,
                  responseId: response.id,
                  holder,
                  contextBytes: itemsBytes(after),
                }
              : undefined;
          } else {
            lane.chain = holder ? { request: full, output, responseId: response.id, holder, contextBytes } : undefined;
            this.noteUsage(lane, context, output, response.usage);
          }
          // Images of the user's message that this model takes none of (sent as notes).
          const imagesLeftOut = this.caps.images?.[sent.model] === false ? lastUserImages(plan.body.input) : 0;
          const metrics: TurnMetrics = {
            lane: lane.name,
            transport: transport.kind,
            mode: plan.mode,
            attempts: attempt,
            recovered,
            timeToFirstEventMs: firstEventMs,
            timeToFirstTextMs: firstTextMs,
            totalMs: Date.now() - started,
            bytesSent: stats.bytesSent,
            bytesReceived: stats.bytesReceived,
            fullContextBytes: stats.bytesSent - sentBefore + (previous?.contextBytes ?? 0),
            inputItemsSent: sent.input.length,
            usage: response.usage,
            cachedTokens: response.usage?.input_tokens_details?.cached_tokens,
            contextResent: plan.mode === 'full' && sent.input.some(isModelOutput),
            contextTokens:
              compaction?.how === 'server'
                ? compaction.tokensAfter
                : (usageTokens(response.usage) ?? this.estimate(lane, [...context, ...output])),
            contextWindow: this.contextWindow(),
            ...(wireBefore && wireAfter
              ? {
                  wireBytesSent: wireAfter.sent - wireBefore.sent,
                  wireBytesReceived: wireAfter.received - wireBefore.received,
                }
              : {}),
            ...(compaction ? { compaction } : {}),
            ...(imagesLeftOut ? { imagesLeftOut } : {}),
          };
          this.emit('metrics', metrics);
          this.setState(transport.kind === 'http' ? 'http' : 'warm');
          return { response, output, metrics, ...(compaction ? { compaction } : {}) };
        } catch (err) {
          if (!(err instanceof SessionError)) throw err;
          // Any failure evicts the chain from the server's connection cache: the next request is full.
          lane.chain = undefined;
          if (wasDelta) this.learnFromChainFailure(err, attemptKind);
          let delay = sent ? this.learnFromRefusal(err, sent, counts) : undefined;
          if (delay === undefined && err.code === 'context_length_exceeded' && sent) {
            // Over the window anyway (a window not known, a server that does not compact): the
            // window is learned, the context compacted, and the turn tried again. The user's
            // message is in what compaction keeps.
            if (++counts.overflow > 2)
              throw new SessionError('compaction_failed', err.message, { status: err.status, cause: err });
            if (this.overflowNeedsCompaction(err, sent, this.estimate(lane, context), counts.overflow)) {
              const again = await this.compactInput(lane, context, 'overflow', options);
              compaction = {
                ...again,
                replaced: original,
                tokensBefore: compaction?.tokensBefore ?? again.tokensBefore,
              };
              context = again.items;
            }
            delay = 0;
          }
          delay ??= this.retryDelay(err, counts, wasDelta);
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

  /**
   * Compacts a conversation now (the user's "Compact Conversation"): through `/responses/compact`
   * where the server has it, else a summary by the model. The caller applies the result.
   */
  async compact(input: InputItem[], options: TurnOptions = {}): Promise<Compaction> {
    if (this.disposed) throw new SessionError('network', 'the session was closed');
    const lane = this.lane(options.lane ?? 'chat');
    const release = await lane.lock.acquire(options.signal);
    clearTimeout(lane.rotationTimer);
    try {
      this.setState('busy');
      const compaction = await this.compactInput(lane, [...input], 'manual', options);
      this.setState(this.transportInUse === 'http' ? 'http' : 'warm');
      return compaction;
    } catch (err) {
      if (err instanceof SessionError && err.code !== 'cancelled') this.reportFailure(err);
      else this.setState(this.transportInUse === 'http' ? 'http' : 'warm');
      throw err;
    } finally {
      release();
      this.scheduleRotation(lane);
    }
  }

  /**
   * Pre-stages `input` on a lane with `generate: false` (the file an inline edit will be asked
   * about), so that a request starting with the same items is a small delta on it. Only where it
   * is free and fast: a WebSocket with warmup, and a lane not busy (a turn never waits for it).
   * Resolves to whether it was staged; failures are logged, never thrown.
   */
  async stage(input: InputItem[], options: { lane?: string; signal?: AbortSignal } = {}): Promise<boolean> {
    if (
      this.disposed ||
      this.transportInUse !== 'websocket' ||
      this.config.warmup === false ||
      this.caps.warmup === false
    )
      return false;
    const lane = this.lane(options.lane ?? 'chat');
    if (lane.lock.busy) return false;
    const release = await lane.lock.acquire(options.signal);
    clearTimeout(lane.rotationTimer);
    try {
      let socket = lane.socket;
      if (!socket?.alive || socket.ageMs >= this.maxAge()) {
        const transport = await this.prepare(lane, false, options.signal);
        if (!(transport instanceof ResponsesSocket)) return false;
        socket = transport;
      }
      await this.warm(lane, socket, [...input], options.signal, true);
      return true;
    } catch (err) {
      this.logger.info(
        `[${lane.name}] staging failed (${err instanceof Error ? err.message : String(err)}); the next request goes without it`,
      );
      return false;
    } finally {
      release();
      this.scheduleRotation(lane);
    }
  }

  /** The model's input window in tokens: the setting, else what the server showed, else known per model. */
  contextWindow(): number {
    const model = this.config.model;
    const learned = this.caps.contextWindows?.[model];
    const known = this.config.contextWindow ?? knownContextWindow(model) ?? DEFAULT_CONTEXT_WINDOW;
    return learned !== undefined ? Math.min(learned, known) : known;
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.probeTimer);
    this.dropConnections();
    this.setState('closed');
    this.removeAllListeners();
  }

  // ---------- internals ----------

  private lane(name: string): Lane {
    let lane = this.lanes.get(name);
    if (!lane) {
      lane = { name, lock: new Lock() };
      this.lanes.set(name, lane);
    }
    return lane;
  }

  private lanesBusy(except: Lane): boolean {
    for (const l of this.lanes.values()) if (l !== except && l.lock.busy) return true;
    return false;
  }

  private baseRequest(
    lane?: Lane,
    conversationId?: string,
    turn: Pick<TurnOptions, 'toolFilter' | 'extraInstructions'> = {},
  ): ResponseRequest {
    const c = this.config;
    const store = c.store ?? false;
    const { toolFilter, extraInstructions } = turn;
    const request: ResponseRequest = {
      model: c.model,
      instructions: extraInstructions ? `${c.instructions}\n\n${extraInstructions}` : c.instructions,
      tools: toolFilter ? this.offeredTools().filter((t) => toolFilter(t.name)) : this.offeredTools(),
      store,
      ...c.requestExtras,
      input: [],
    };
    // With nothing stored server-side, a reasoning model's items can only be replayed with their
    // encrypted content, which the API returns only when asked for.
    if (!store && this.caps.encryptedReasoning?.[c.model] !== false) {
      request.include = [...new Set([...(request.include ?? []), 'reasoning.encrypted_content'])];
    }
    if (this.caps.promptCacheKey !== false)
      request.prompt_cache_key = cacheKey(c.baseUrl, lane?.name ?? 'chat', conversationId);
    if (c.compaction !== false && this.caps.serverCompaction !== false) {
      request.context_management = [{ type: 'compaction', compact_threshold: this.threshold() }];
    }
    return request;
  }

  /**
   * The tools as this server can take them: a tool of a type it has not shown it takes (custom,
   * ...) is left out, and its function fallback offered instead; the fallback is left out where
   * the tool it stands for is offered.
   */
  private offeredTools(): ToolDefinition[] {
    const tools = this.config.tools ?? [];
    const fallbacks = this.config.toolFallbacks ?? {};
    const offered = new Set(
      tools.filter((t) => t.type === 'function' || this.takesToolType(t.type)).map((t) => t.name),
    );
    const standsFor = new Map(Object.entries(fallbacks).map(([original, f]) => [f.name, original]));
    return tools.filter((t) => {
      if (t.type !== 'function') return offered.has(t.name);
      const original = standsFor.get(t.name);
      return !(original !== undefined && offered.has(original));
    });
  }

  /** The server takes tools of this type: learned, else assumed for OpenAI's API and for servers with its WebSocket mode. */
  private takesToolType(type: string): boolean {
    if (type === 'function') return true;
    return this.caps.toolTypes?.[type] ?? this.speaksOpenAI();
  }

  private speaksOpenAI(): boolean {
    let host = '';
    try {
      host = new URL(this.config.baseUrl).hostname;
    } catch {
      /* a malformed URL fails at connect, said there */
    }
    return OPENAI_HOST.test(host) || this.caps.websocket === true;
  }

  /** The token count at which the conversation is compacted. */
  private threshold(): number {
    return Math.floor(this.contextWindow() * COMPACT_AT);
  }

  /** Compaction is Warmline's to do (the server was found not to compact by itself). */
  private compactsLocally(): boolean {
    return this.config.compaction !== false && this.caps.serverCompaction === false;
  }

  /** What a full request may carry of the transcript (see replayable). */
  private replayRules(): ReplayRules {
    return {
      store: (this.config.store ?? false) && !this.bareReasoningRefused,
      missing: this.missingItems,
      dropReasoning: this.opaqueRefused,
      // Items another server produced earlier in the chat, in a form this one takes (or left out).
      dropOpaqueReasoning:
        this.caps.opaqueReasoning === false ||
        (this.caps.opaqueReasoning === undefined && this.caps.websocket === false && !this.speaksOpenAI()),
      customCalls: this.takesToolType('custom') ? undefined : (this.config.toolFallbacks ?? {}),
      dropImages: this.caps.images?.[this.config.model] === false,
      logger: this.logger,
    };
  }

  /**
   * About how many tokens `input` stands for, with instructions and tools: the last turn's
   * `usage` for the part it covered, plus the size of what came after.
   */
  private estimate(lane: Lane, input: InputItem[]): number {
    const u = lane.usage;
    if (u && u.items > 0 && input.length >= u.items && JSON.stringify(input[u.items - 1]) === u.last) {
      return u.tokens + tokensForBytes(itemsBytes(input.slice(u.items)) - imageDiscount(input.slice(u.items)));
    }
    return this.sizeEstimate(input);
  }

  /** About how many tokens `input` with instructions and tools stands for, from its size alone. */
  private sizeEstimate(input: InputItem[]): number {
    const c = this.config;
    return tokensForBytes(
      itemsBytes(input) -
        imageDiscount(input) +
        Buffer.byteLength(JSON.stringify(c.instructions ?? '')) +
        Buffer.byteLength(JSON.stringify(c.tools ?? [])),
    );
  }

  private noteUsage(lane: Lane, input: InputItem[], output: OutputItem[], usage: Usage | undefined): void {
    const tokens = usageTokens(usage);
    const last = output.at(-1) ?? input.at(-1);
    lane.usage =
      tokens !== undefined && last
        ? { items: input.length + output.length, last: JSON.stringify(last), tokens }
        : undefined;
  }

  /** What a completed response shows the server can do. */
  private learnFromSuccess(
    sent: ResponseRequest,
    output: OutputItem[],
    response: ResponseObject,
    kind: 'websocket' | 'http',
  ): void {
    const usage = response.usage;
    const patch: Capabilities = {};
    const toolTypes = learnedToolTypes(sent, output, response);
    if (toolTypes) patch.toolTypes = { ...this.caps.toolTypes, ...toolTypes };
    if (sent.previous_response_id)
      Object.assign(patch, kind === 'http' ? { previousResponseId: true, store: true } : { previousResponseId: true });
    if (sent.prompt_cache_key) patch.promptCacheKey = true;
    if (
      sent.include?.includes('reasoning.encrypted_content') &&
      this.caps.encryptedReasoning?.[sent.model] === undefined
    ) {
      patch.encryptedReasoning = { ...this.caps.encryptedReasoning, [sent.model]: true };
    }
    const threshold = sent.context_management?.[0]?.compact_threshold;
    if (threshold !== undefined) {
      if (lastCompactionIndex(output) >= 0) patch.serverCompaction = true;
      // Over the threshold and no compaction item: the server ignores `context_management`.
      else if ((usage?.input_tokens ?? 0) > threshold) patch.serverCompaction = false;
    }
    this.learn(patch);
  }

  /**
   * A request refused for an optional field this server or model does not take (a model that
   * does not reason refusing the encrypted-reasoning include, a server without `prompt_cache_key`
   * or `context_management`), or for an item it cannot find: learned, and sent again at once.
   */
  private learnFromRefusal(err: SessionError, sent: ResponseRequest, counts: { learned: number }): number | undefined {
    // Images refused (any status: llama.cpp answers 500): learned for this model, sent again without them.
    if (
      IMAGES_REFUSED.test(err.message) &&
      lastUserImages(sent.input) > 0 &&
      this.caps.images?.[sent.model] !== false
    ) {
      this.learn({ images: { ...this.caps.images, [sent.model]: false } });
      return ++counts.learned <= 3 ? 0 : undefined;
    }
    if (err.code === 'item_not_found') {
      const id = missingItemId(err.message);
      if (id) this.missingItems.add(id);
      this.bareReasoningRefused = true;
      return ++counts.learned <= 3 ? 0 : undefined;
    }
    if (err.code !== 'invalid_request') return undefined;
    // Encrypted content this server cannot open (made under another key or organisation, or by
    // another server): those items are left out, the conversation goes on without them.
    if (
      err.apiCode === 'invalid_encrypted_content' ||
      /encrypted content.*could not be (verified|decrypted)/i.test(err.message)
    ) {
      const id = /\bitem (?:with id )?'?(rs_[\w-]+|cmp_[\w-]+)/i.exec(err.message)?.[1];
      if (id) this.missingItems.add(id);
      else this.opaqueRefused = true;
      return ++counts.learned <= 3 ? 0 : undefined;
    }
    const names = (field: string) =>
      err.param === field ||
      err.param?.startsWith(`${field}[`) ||
      err.message.includes(`'${field}'`) ||
      err.message.includes(`"${field}"`);
    const patch: Capabilities | undefined =
      this.refusedItemsOrTools(err, sent) ??
      (sent.include?.includes('reasoning.encrypted_content') &&
      (names('include') || /encrypted content is not supported/i.test(err.message))
        ? { encryptedReasoning: { ...this.caps.encryptedReasoning, [sent.model]: false } }
        : sent.prompt_cache_key && names('prompt_cache_key')
          ? { promptCacheKey: false }
          : sent.context_management && names('context_management')
            ? { serverCompaction: false }
            : undefined);
    if (!patch) return undefined;
    this.learn(patch);
    return ++counts.learned <= 3 ? 0 : undefined;
  }

  /**
   * A 400 for what another server produced, or a tool type this one does not take: custom tools
   * ("Invalid value: 'custom'" naming `tools`), custom tool call items (llama.cpp: "Cannot
   * determine type of 'item'"), reasoning items without readable content ("item['content'] is not
   * an array"). Learned, so the resend converts or leaves them out.
   */
  private refusedItemsOrTools(err: SessionError, sent: ResponseRequest): Capabilities | undefined {
    const text = `${err.param ?? ''} ${err.message}`;
    const offeredTypes = [...new Set((sent.tools ?? []).map((t) => t.type).filter((t) => t !== 'function'))];
    const refusedType = /\btools\b/i.test(text)
      ? offeredTypes.find((t) => text.includes(`'${t}'`) || text.includes(`"${t}"`))
      : undefined;
    if (refusedType) return { toolTypes: { ...this.caps.toolTypes, [refusedType]: false } };
    const itemFault = /\bitem\b|input\[/i.test(text);
    if (!itemFault) return undefined;
    if (
      sent.input.some((i) => i.type === 'custom_tool_call' || i.type === 'custom_tool_call_output') &&
      /custom_tool_call|determine type/i.test(text) &&
      this.caps.toolTypes?.custom !== false
    ) {
      return { toolTypes: { ...this.caps.toolTypes, custom: false } };
    }
    if (
      sent.input.some((i) => i.type === 'reasoning' && !Array.isArray(i.content)) &&
      /content|reasoning/i.test(text) &&
      this.caps.opaqueReasoning !== false
    ) {
      return { opaqueReasoning: false };
    }
    return undefined;
  }

  /**
   * After an overflow: whether the context must be compacted here, or the server, asked again
   * with a threshold under the window it just showed, will compact it itself.
   */
  private overflowNeedsCompaction(
    err: SessionError,
    sent: ResponseRequest,
    estimate: number,
    overflows: number,
  ): boolean {
    this.learnWindow(err, estimate);
    const asked = sent.context_management?.[0]?.compact_threshold;
    if (asked === undefined) return true;
    // The threshold was above the real window: the server never had the chance to compact.
    if (asked >= estimate)
      return !(overflows === 1 && this.threshold() < asked && this.caps.serverCompaction !== false);
    // It had the chance and did not: it does not compact.
    if (this.caps.serverCompaction !== true) this.learn({ serverCompaction: false });
    return true;
  }

  /** Learns the window from an overflow: the one the server named, or a bit under what overflowed it. */
  private learnWindow(err: SessionError, estimate: number): void {
    const window = err.contextWindow ?? Math.floor(Math.min(estimate, this.contextWindow()) * 0.9);
    if (window >= this.contextWindow()) return;
    this.learn({ contextWindows: { ...this.caps.contextWindows, [this.config.model]: window } });
  }

  /**
   * Makes `input` fit: the older part goes through `/responses/compact` when the server has it,
   * else the model summarises it in a turn of its own. The user's last message and the latest
   * tool calls with their outputs are kept verbatim.
   */
  private async compactInput(
    lane: Lane,
    input: InputItem[],
    reason: Compaction['reason'],
    options: TurnOptions,
  ): Promise<Compaction> {
    const split = splitForCompaction(input);
    if (!split.head.length)
      throw new SessionError('compaction_failed', 'nothing but the current step is left to compact');
    const tokensBefore = this.estimate(lane, input);
    this.setState('compacting');
    let compacted: InputItem[] | undefined;
    let how: Compaction['how'] = 'endpoint';
    if (this.caps.compactEndpoint !== false) compacted = await this.compactViaEndpoint(split.head, options);
    if (!compacted) {
      how = 'local';
      compacted = [summaryMessage(await this.summarize(lane, split.head, options))];
    }
    const items = reassemble(compacted, split);
    lane.chain = undefined;
    lane.usage = undefined;
    const compaction: Compaction = {
      how,
      replaced: input.length,
      items,
      tokensBefore,
      tokensAfter: this.estimate(lane, items),
      reason,
    };
    this.logger.info(
      `[${lane.name}] compacted the conversation (${how}, ${reason}): about ${tokensBefore} -> ${compaction.tokensAfter} tokens, ${input.length} -> ${items.length} items`,
    );
    return compaction;
  }

  /**
   * Whether compacting before the window fills can gain anything: not when what it must keep
   * verbatim (the last user message, the latest calls and their outputs) is most of the window
   * already. The request then goes as it is; if it overflows, compaction is tried all the same.
   */
  private compactionHelps(lane: Lane, input: InputItem[]): boolean {
    const split = splitForCompaction(input);
    const keptTokens = this.sizeEstimate([...(split.lastUser ? [split.lastUser] : []), ...split.tail]);
    const helps = split.head.length > 0 && keptTokens < 0.7 * this.contextWindow();
    if (!helps)
      this.logger.info(
        `[${lane.name}] near the window, but compaction would gain little: what it keeps is about ${keptTokens} of ${this.contextWindow()} tokens`,
      );
    return helps;
  }

  /** `POST /responses/compact`: its output (user messages and an opaque compaction item), or undefined where the server has no such endpoint. */
  private async compactViaEndpoint(head: InputItem[], options: TurnOptions): Promise<InputItem[] | undefined> {
    const http = new HttpResponses(this.transportOptions(await this.headers()));
    const body = {
      model: this.config.model,
      instructions: this.config.instructions,
      input: replayable(head, this.replayRules()),
      ...(this.caps.promptCacheKey !== false
        ? { prompt_cache_key: cacheKey(this.config.baseUrl, 'compact', options.conversationId) }
        : {}),
    };
    try {
      const answer: unknown = await http.postJson('/compact', body, options.signal);
      const output = isRecord(answer)
        ? parseItems(answer.output, (m) => this.logger.warn(`/responses/compact: ${m}`))
        : 'not a JSON object';
      if (typeof output === 'string')
        throw new SessionError('protocol', `/responses/compact answered with an unusable output: ${output}`);
      if (!output.some((i) => i.type === 'compaction'))
        throw new SessionError('protocol', '/responses/compact answered without a compaction item');
      this.learn({ compactEndpoint: true });
      return output;
    } catch (err) {
      if (!(err instanceof SessionError) || err.code === 'cancelled') throw err;
      // No such endpoint (404, 405, 400 "invalid URL", 501): learned. Anything else: the model summarises, this once.
      if (err.status !== undefined && [400, 404, 405, 501].includes(err.status)) this.learn({ compactEndpoint: false });
      this.logger.warn(`/responses/compact failed (${err.message}); the model summarises instead`);
      return undefined;
    }
  }

  /** A summarisation turn of the model's own, on the lane's transport, with no tools. */
  private async summarize(lane: Lane, head: InputItem[], options: TurnOptions): Promise<string> {
    const transport = await this.transportFor(lane, options.signal);
    const maxChars = Math.floor(this.contextWindow() * 0.6 * 4);
    // A summary is bounded (a tenth of the window, 256 to 4,000 tokens): a model that goes on
    // writing must not make the conversation larger than it was.
    const maxTokens = Math.max(256, Math.min(4_000, Math.floor(this.contextWindow() * 0.1)));
    const request: ResponseRequest = {
      model: this.config.model,
      instructions: SUMMARY_INSTRUCTIONS,
      store: this.config.store ?? false,
      max_output_tokens: maxTokens,
      input: [userMessage(summaryRequestText(head, maxChars))],
    };
    let response: ResponseObject;
    try {
      response = await transport.run(request, () => {}, options.signal, { bytesSent: 0, bytesReceived: 0 });
    } catch (err) {
      // Cut at the bound: what was written is the summary.
      if (!(err instanceof SessionError && err.code === 'response_incomplete' && err.response)) throw err;
      response = err.response;
    }
    const text = response.output
      .map((item) => messageText(item))
      .join('\n')
      .trim();
    if (!text) throw new SessionError('compaction_failed', 'the model returned an empty summary');
    // Servers that do not honour max_output_tokens: the bound holds all the same.
    return text.length > maxTokens * 4 ? `${text.slice(0, maxTokens * 4)} […]` : text;
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
    const same = (k: string) =>
      JSON.stringify(this.caps[k as keyof Capabilities]) === JSON.stringify(next[k as keyof Capabilities]);
    if (Object.keys(patch).every(same)) return;
    this.caps = next;
    this.logger.info(`learned what ${this.config.baseUrl} can do: ${JSON.stringify(this.caps)}`);
    this.emit('capabilities', { ...this.caps });
  }

  /** A delta refused: the server cannot chain (at all, or over HTTP on stored responses). */
  private learnFromChainFailure(err: SessionError, kind: 'websocket' | 'http'): void {
    if (err.code === 'invalid_request' && /previous_response_id/i.test(err.message))
      this.learn({ previousResponseId: false });
    else if (err.code === 'previous_response_not_found' && kind === 'http') this.learn({ store: false });
  }

  /** When neither transport could talk to the server at all, say so, naming the endpoint. */
  private nameEndpoint(err: unknown): unknown {
    if (!(err instanceof SessionError) || !this.upgradeFailure) return err; // set only while falling back to HTTP
    if (err.cause instanceof ProxyError || err.cause instanceof ProxyConfigError) return err; // the proxy's fault, said as such
    if (!['no_access', 'invalid_request', 'network', 'protocol', 'upgrade_refused'].includes(err.code)) return err;
    return new SessionError(
      'server_unsupported',
      `${this.config.baseUrl}: the WebSocket upgrade failed (${this.upgradeFailure}), and POST ${httpUrl(this.config.baseUrl)} failed too (${err.message})`,
      { status: err.status, cause: err },
    );
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
      baseUrl: this.config.baseUrl,
      headers,
      logger: this.logger,
      agent,
      connectTimeoutMs: this.config.connectTimeoutMs ?? 15_000,
      stallTimeoutMs: this.config.stallTimeoutMs ?? 120_000,
      pingIntervalMs: this.config.pingIntervalMs ?? 20_000,
      compression: this.config.compression,
    };
  }

  /**
   * Where `auto` settled on HTTP, the WebSocket is tried again after a cooldown, in the
   * background (a proxy that hangs on the upgrade costs no turn its connect timeout): when it
   * works, the lanes are warmed on it and the next turn uses it.
   */
  private scheduleProbe(): void {
    clearTimeout(this.probeTimer);
    if (this.disposed || this.config.transport !== 'auto' || this.caps.websocket !== false) return;
    const wait = Math.max(
      0,
      (this.caps.websocketFailedAt ?? 0) + (this.config.webSocketRetryMs ?? 10 * 60_000) - Date.now(),
    );
    this.probeTimer = setTimeout(() => void this.probe(), wait);
    this.probeTimer.unref();
  }

  private async probe(): Promise<void> {
    try {
      const socket = await ResponsesSocket.connect(this.transportOptions(await this.headers()));
      socket.close();
      if (this.disposed) return;
      this.logger.info(`the WebSocket to ${this.config.baseUrl} works again; leaving HTTP`);
      this.wsFailures = 0;
      this.upgradeFailure = undefined;
      this.learn({ websocket: true, websocketFailedAt: undefined });
      await this.start([...this.lanes.keys()]);
    } catch (err) {
      if (this.disposed) return;
      this.logger.info(
        `the WebSocket is still unavailable (${err instanceof Error ? err.message : String(err)}); trying again later`,
      );
      this.learn({ websocketFailedAt: Date.now() });
      this.scheduleProbe();
    }
  }

  /** The transport for a lane's next request, opening (and warming) a socket when needed. */
  private async transportFor(lane: Lane, signal?: AbortSignal): Promise<ResponseTransport> {
    if (this.transportInUse === 'websocket') {
      const socket = lane.socket;
      if (socket?.alive && socket.ageMs < this.maxAge()) {
        this.usedKind = 'websocket';
        return socket;
      }
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
    if (lane.socket) {
      lane.socket.close();
      lane.socket = undefined;
    }
    if (lane.chain?.holder.startsWith('ws:')) lane.chain = undefined;
    // While it is not known whether the server has the WebSocket mode, lanes ask one at a time:
    // a server without it sees one upgrade, not one per lane.
    while (this.caps.websocket === undefined && this.upgrading) await this.upgrading;
    if (this.transportInUse === 'http') return this.httpTransport(headers);
    this.usedKind = undefined;
    this.setState('connecting');
    let socket: ResponsesSocket;
    try {
      const connecting = ResponsesSocket.connect(this.transportOptions(headers), signal);
      if (this.caps.websocket === undefined) {
        const settled = connecting
          .then(
            () => {},
            () => {},
          )
          .finally(() => {
            if (this.upgrading === settled) this.upgrading = undefined;
          });
        this.upgrading = settled;
      }
      socket = await connecting;
      this.usedKind = 'websocket';
      this.wsFailures = 0;
      this.upgradeFailure = undefined;
      this.learn({ websocket: true });
    } catch (err) {
      if (
        this.config.transport === 'auto' &&
        err instanceof SessionError &&
        (err.code === 'upgrade_refused' || err.code === 'network')
      ) {
        this.wsFailures++;
        this.upgradeFailure = err.message;
        // A server without the WebSocket mode says so at once (404, 426, ...): no need to ask again each turn.
        if (
          (err.code === 'upgrade_refused' && err.status !== undefined && NO_WEBSOCKET.has(err.status)) ||
          this.wsFailures >= 3
        ) {
          this.learn({ websocket: false, websocketFailedAt: Date.now() });
          this.scheduleProbe();
        }
        this.logger.warn(
          `WebSocket unavailable (${err.message}); using HTTP${this.caps.websocket === false ? ' for this endpoint' : ' for this turn'}`,
        );
        this.setState('http', err.message);
        return this.httpTransport(headers);
      }
      throw err;
    }
    lane.socket = socket;
    if (warm && this.config.warmup !== false && this.caps.warmup !== false)
      await this.warm(lane, socket, context, signal);
    return socket;
  }

  private httpTransport(headers: Record<string, string>): HttpResponses {
    this.usedKind = 'http';
    this.http = new HttpResponses(this.transportOptions(headers));
    return this.http;
  }

  /**
   * `generate: false` stages instructions and tools (and, on a replacement socket, the lane's
   * conversation so far) without running the model; its id is the chain's new head.
   */
  private async warm(
    lane: Lane,
    socket: ResponsesSocket,
    input: InputItem[],
    signal?: AbortSignal,
    quiet = false,
  ): Promise<void> {
    const started = Date.now();
    if (!quiet) this.setState('warming');
    const counts = { learned: 0 };
    for (;;) {
      const request: ResponseRequest = { ...this.baseRequest(lane), input };
      try {
        const response = await socket.run(
          { ...request, input: replayable(input, this.replayRules()), generate: false },
          () => {},
          signal,
          { bytesSent: 0, bytesReceived: 0 },
        );
        const toolTypes = learnedToolTypes(request, response.output, response);
        this.learn({ warmup: true, ...(toolTypes ? { toolTypes: { ...this.caps.toolTypes, ...toolTypes } } : {}) });
        lane.chain = {
          request,
          output: response.output,
          responseId: response.id,
          holder: `ws:${socket.id}`,
          contextBytes: itemsBytes(input),
        };
        this.emit('warm', lane.name, Date.now() - started);
        this.logger.info(`[${lane.name}] socket #${socket.id} warm in ${Date.now() - started} ms`);
        return;
      } catch (err) {
        if (err instanceof SessionError && err.code === 'invalid_request' && /generate/i.test(err.message)) {
          this.learn({ warmup: false });
          this.logger.info(`server does not support warmup (generate: false); continuing without it`);
          return;
        }
        // An optional field this server refuses: learned, and the warmup staged again without it.
        if (err instanceof SessionError && socket.alive && this.learnFromRefusal(err, request, counts) === 0) continue;
        throw err;
      }
    }
  }

  private maxAge(): number {
    return this.config.maxSocketAgeMs ?? 55 * 60_000;
  }

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
        this.logger.info(
          `[${lane.name}] replacing socket #${socket.id} (${socket.alive ? `age ${Math.round(socket.ageMs / 1000)} s` : 'closed'})`,
        );
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
  private retryDelay(
    err: SessionError,
    counts: { cache: number; network: number; rateLimit: number; serverError: number },
    wasDelta: boolean,
  ): number | undefined {
    const backoff = (n: number) =>
      Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (n - 1)) * (0.75 + Math.random() * 0.25);
    // The server refused `previous_response_id` itself: learned, so the retry goes in full.
    if (err.code === 'invalid_request' && wasDelta && this.caps.previousResponseId === false)
      return ++counts.cache <= 2 ? 0 : undefined;
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
    if (err.code === 'server_error')
      return ++counts.serverError <= this.retry.serverError ? backoff(counts.serverError) : undefined;
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

/** The items of a completed response: the `output_item.done` copies where they came, the terminal event's otherwise. */
function assembleOutput(final: OutputItem[] | undefined, done: OutputItem[]): OutputItem[] {
  const n = Math.max(final?.length ?? 0, done.length);
  const out: OutputItem[] = [];
  for (let i = 0; i < n; i++) {
    const item = done[i] ?? final?.[i];
    if (item) out.push(item);
  }
  return out;
}

/**
 * What a response shows of the tool types other than `function` that its request offered: a call
 * of one, or the server's echo of the tools it took (an echo without one: refused). A response
 * without an echo shows nothing (undefined).
 */
function learnedToolTypes(
  sent: ResponseRequest,
  output: OutputItem[],
  response: ResponseObject,
): Record<string, boolean> | undefined {
  const learned: Record<string, boolean> = {};
  const echoed = Array.isArray(response.tools) && response.tools.length ? response.tools.filter(isRecord) : undefined;
  if (echoed) {
    for (const tool of sent.tools ?? []) {
      if (tool.type === 'function') continue;
      const back = echoed.some((t) => t.type === tool.type && (t.name === undefined || t.name === tool.name));
      learned[tool.type] = (learned[tool.type] ?? true) && back;
    }
  }
  if (output.some((item) => item.type === 'custom_tool_call')) learned.custom = true;
  return Object.keys(learned).length ? learned : undefined;
}

/** Tokens the conversation holds after a turn: what the model read and what it wrote. */
function usageTokens(usage: Usage | undefined): number | undefined {
  return usage && typeof usage.input_tokens === 'number' ? usage.input_tokens + (usage.output_tokens ?? 0) : undefined;
}

/** A stable, opaque `prompt_cache_key` per endpoint, lane and conversation. */
function cacheKey(baseUrl: string, lane: string, conversationId = ''): string {
  return `warmline-${createHash('sha256').update(`${baseUrl}\u0000${lane}\u0000${conversationId}`).digest('hex').slice(0, 32)}`;
}

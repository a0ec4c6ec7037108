// Responses emulator (a test double of the API, not AI): what happens to one response.create,
// independent of the transport. It validates the request as strictly as docs/protocol.md asks,
// resolves previous_response_id against the caches, picks the scripted turn from the
// conversation, and streams the events through a transport Sink.

import type {
  ApiError,
  EmulatorOptions,
  Fault,
  Json,
  OutputItem,
  Outcome,
  RecordedRequest,
  ResponseObject,
  ServerEvent,
} from './types.ts';
import type { Scenario } from './scenario.ts';
import { DEFAULT_MODEL, resolveScenario, scriptFor } from './scenario.ts';
import {
  checkToolOutputs,
  isObject,
  itemType,
  jsonBytes,
  messageText,
  normalizeInput,
  requestTools,
  tokensFor,
  turnIndex,
} from './context.ts';
import { buildEvents, newId, planOutput, truncateForIncomplete } from './model.ts';
import type { Ending } from './model.ts';
import { FaultBox } from './faults.ts';
import {
  PromptCache,
  checkBlob,
  compactionItem,
  coveredTurns,
  imageFault,
  invalid as apiInvalid,
  isSummaryRequest,
  llamaRefusal,
  summarise,
} from './fidelity.ts';

/** Where events go: a WebSocket or an SSE response. */
export interface Sink {
  readonly transport: 'websocket' | 'http';
  isOpen(): boolean;
  send(e: ServerEvent): void;
  /** A frame (SSE: a data line) that is not JSON. */
  sendMalformed(type: string): void;
  /** Request rejection: WS error envelope, or HTTP status + `{error}` body. */
  reject(err: ApiError): void;
  /** Cut the TCP connection without a close handshake. */
  drop(): void;
  /** WS: close handshake with this code. HTTP: end the response. */
  close(code: number, reason: string): void;
  /** The stream is over (HTTP: end the response; WS: nothing, the socket stays open). */
  finish(): void;
  /** HTTP only: a plain JSON answer (`/responses/compact`). */
  json(status: number, body: unknown): void;
  readonly closed: Promise<void>;
}

export interface StoredResponse {
  id: string;
  /** Full context up to and including this response's output. */
  context: unknown[];
  instructions: unknown;
  tools: unknown;
  store: boolean;
}

/** The engine's view of one WebSocket connection. */
export interface ConnInfo {
  id: number;
  createdAt: number;
  cache: Map<string, StoredResponse>;
}

export interface CreateJob {
  sink: Sink;
  conn?: ConnInfo;
  record: RecordedRequest;
  label: string;
}

export const LIMIT_ERROR: ApiError = {
  status: 400,
  type: 'invalid_request_error',
  code: 'websocket_connection_limit_reached',
  message: 'Responses websocket connection limit reached (60 minutes). Create a new websocket connection to continue.',
  param: null,
};

const DEFAULT_AFTER_EVENTS = 3;
const DEFAULT_MAX_AGE_MS = 60 * 60 * 1000;

const invalid = apiInvalid;

/** The `compact_threshold` of a well-formed `context_management`, else undefined. */
function compactThreshold(cm: unknown): number | undefined {
  if (!Array.isArray(cm)) return undefined;
  const entry = cm.find((e) => isObject(e) && e.type === 'compaction') as Json | undefined;
  const t = entry?.compact_threshold;
  return typeof t === 'number' && Number.isInteger(t) && t > 0 ? t : undefined;
}

function unsupported(param: string): ApiError {
  return invalid(`Unsupported parameter: '${param}'.`, param, 'unsupported_parameter');
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class Engine {
  scenario: Scenario;
  /** A request's images were refused (rejectsImages): a client that sends them again breaks the rule. */
  private imagesRefused = false;
  readonly requests: RecordedRequest[] = [];
  readonly violations: string[] = [];
  readonly faults = new FaultBox();
  private readonly opts: EmulatorOptions;
  /** Server-wide store: store:true responses, reachable from any connection and from HTTP. */
  private readonly stored = new Map<string, StoredResponse>();
  /** Every output item handed out, to check that clients replay them unchanged. */
  private readonly issued = new Map<string, { item: OutputItem; store: boolean }>();
  private readonly settled = new WeakSet<RecordedRequest>();
  private readonly promptCache: PromptCache;

  constructor(opts: EmulatorOptions) {
    this.opts = opts;
    this.scenario = resolveScenario(opts.scenario);
    this.promptCache = new PromptCache(opts.promptCache);
  }

  get maxAgeMs(): number {
    return this.opts.maxConnectionAgeMs ?? DEFAULT_MAX_AGE_MS;
  }

  violate(label: string, message: string): void {
    this.violations.push(`${label}: ${message}`);
  }

  settle(rec: RecordedRequest, outcome: Outcome, errorCode?: string): void {
    rec.outcome = outcome;
    if (errorCode !== undefined) rec.errorCode = errorCode;
    if (this.settled.has(rec)) return;
    this.settled.add(rec);
    this.opts.onRequest?.(rec);
  }

  isExpired(conn: ConnInfo): boolean {
    return Date.now() - conn.createdAt >= this.maxAgeMs;
  }

  /** Send websocket_connection_limit_reached and close; used by the age limit and the fault. */
  connectionLimit(job: CreateJob): void {
    job.sink.reject(LIMIT_ERROR);
    job.sink.close(1001, 'connection limit reached');
    this.settle(job.record, 'error', LIMIT_ERROR.code ?? undefined);
  }

  /** Reject a request: the referenced previous response is evicted, as on the real API. */
  fail(job: CreateJob, err: ApiError, violation?: string): void {
    if (violation) this.violate(job.label, violation);
    const prev = job.record.previousResponseId;
    if (job.conn && prev) job.conn.cache.delete(prev);
    if (job.sink.isOpen()) job.sink.reject(err);
    this.settle(job.record, 'error', err.code ?? err.type);
  }

  async process(job: CreateJob): Promise<void> {
    const { sink, conn, record } = job;
    const body = record.body;
    if (conn && this.isExpired(conn)) return this.connectionLimit(job);

    const bad = this.validate(job);
    if (bad) return this.fail(job, bad.err, bad.violation);
    const input = normalizeInput(body.input);
    if (!Array.isArray(input)) return this.fail(job, input, `invalid input: ${input.message}`);
    const warmup = body.generate === false;
    const prevId = record.previousResponseId;

    const pre = this.faults.take({
      phase: 'request',
      transport: sink.transport,
      warmup,
      hasPrevious: prevId !== undefined,
    });
    if (pre && pre.kind !== 'evict_previous') return this.requestFault(job, pre);

    // Resolve the chain: the connection's memory first, then the server-wide store.
    let prev: StoredResponse | undefined;
    let fromConnection = false;
    if (prevId !== undefined) {
      const notFound = invalid(
        `Previous response with id '${prevId}' not found.`,
        'previous_response_id',
        'previous_response_not_found',
      );
      // The fault stands for the server losing its memory, which is nobody's violation.
      if (pre?.kind === 'evict_previous') return this.fail(job, notFound);
      const local = conn?.cache.get(prevId);
      fromConnection = local !== undefined;
      prev = local ?? this.stored.get(prevId);
      if (!prev) {
        // A server that keeps nothing cannot blame a client for asking: that is how it finds out.
        if (this.opts.keepsState === false) return this.fail(job, notFound);
        return this.fail(
          job,
          notFound,
          `previous_response_id ${prevId} is not available here (never issued, from another connection with store:false, ` +
            'evicted after a failed turn, or not stored over HTTP); the client should have sent full context',
        );
      }
    }
    const context = [...(prev?.context ?? []), ...input];

    const toolErr = checkToolOutputs(context);
    if (toolErr) return this.fail(job, toolErr, toolErr.message);
    const customAt = (Array.isArray(body.tools) ? body.tools : []).findIndex((t) => isObject(t) && t.type === 'custom');
    if (this.opts.customTools === 'reject' && customAt >= 0) {
      return this.fail(
        job,
        apiInvalid(
          "Invalid value: 'custom'. Supported values are: 'function'.",
          `tools[${customAt}].type`,
          'invalid_value',
        ),
      );
    }
    const image = imageFault(input, this.opts.rejectsImages);
    if (image) {
      // The first refusal is how a client learns; sending images again after it is not.
      const again =
        image.violation ?? (this.imagesRefused ? 'images sent again after the server refused them' : undefined);
      if (!image.violation) this.imagesRefused = true;
      return this.fail(job, image.err, again);
    }
    const foreign = this.opts.llamacpp ? llamaRefusal(input) : undefined;
    if (foreign)
      return this.fail(
        job,
        foreign,
        `llama.cpp refuses this input: ${foreign.message} (the client should send this server only items it takes)`,
      );
    const replayErr = this.checkReplay(job, input);
    // A client that asked for store:true cannot know that nothing was kept (zero data retention):
    // finding out is no violation. With store:false it should have sent the encrypted content.
    if (replayErr)
      return this.fail(
        job,
        replayErr,
        replayErr.status === 404 && body.store !== false ? undefined : replayErr.message,
      );

    const store = body.store !== false;
    const totalBytes = jsonBytes(context) + jsonBytes(body.instructions) + jsonBytes(body.tools);
    const tokens = tokensFor(totalBytes);
    // Server-side compaction: past the threshold, an opaque item standing for all that came
    // before is the first output, and what the server keeps of this response starts there.
    const threshold = this.opts.serverCompaction === true ? compactThreshold(body.context_management) : undefined;
    const compacting = !warmup && threshold !== undefined && tokens > threshold;
    if (!compacting && this.opts.contextWindow !== undefined && tokens > this.opts.contextWindow) {
      return this.fail(
        job,
        invalid(
          'Your input exceeds the context window of this model. Please adjust your input and try again.',
          'input',
          'context_length_exceeded',
        ),
      );
    }
    let items = warmup ? [] : this.playTurn(job, context);
    if (compacting) items = [compactionItem(turnIndex(context, coveredTurns)), ...items];
    const cachedTokens = this.promptCache.take(body.prompt_cache_key, [
      JSON.stringify(body.instructions),
      JSON.stringify(body.tools),
      ...context.map((i) => JSON.stringify(i)),
    ]);

    let uncached = totalBytes;
    if (prev && fromConnection) {
      uncached = jsonBytes(input);
      if (JSON.stringify(body.instructions) !== JSON.stringify(prev.instructions))
        uncached += jsonBytes(body.instructions);
      if (JSON.stringify(body.tools) !== JSON.stringify(prev.tools)) uncached += jsonBytes(body.tools);
    }
    const delay =
      this.opts.serverDelayMs?.({ uncachedInputBytes: uncached, inputItems: input.length, generate: !warmup }) ?? 0;
    if (delay > 0) await sleep(delay);
    if (!sink.isOpen()) return this.settle(record, 'dropped');

    const fault = this.faults.take({
      phase: 'stream',
      transport: sink.transport,
      warmup,
      hasPrevious: prevId !== undefined,
    });
    const id = newId('resp');
    record.responseId = id;
    const base: ResponseObject = {
      id,
      object: 'response',
      created_at: Math.floor(Date.now() / 1000),
      status: 'in_progress',
      error: null,
      incomplete_details: null,
      instructions: body.instructions ?? null,
      model: this.scenario.model ?? (typeof body.model === 'string' ? body.model : DEFAULT_MODEL),
      output: [],
      parallel_tool_calls: body.parallel_tool_calls ?? true,
      previous_response_id: prevId ?? null,
      store,
      tool_choice: body.tool_choice ?? 'auto',
      ...(this.opts.llamacpp
        ? {}
        : {
            tools: (Array.isArray(body.tools) ? body.tools : []).filter(
              (t) => !isObject(t) || this.takesTool(String(t.type)),
            ),
          }),
      usage: null,
      metadata: body.metadata ?? {},
    };
    let ending: Ending = { kind: 'completed' };
    let output = items;
    if (fault?.kind === 'response_failed') {
      ending = { kind: 'failed', message: 'The emulator failed this response on purpose (fault injection).' };
    } else if (fault?.kind === 'incomplete') {
      ending = { kind: 'incomplete' };
      output = truncateForIncomplete(items);
    }
    const { events, final } = buildEvents(base, output, ending, {
      inputBytes: totalBytes,
      cachedBytes: totalBytes - uncached,
      cachedTokens,
    });
    // A server whose terminal event leaves the output out: only output_item.done has the items.
    if (this.opts.completedWithoutOutput) {
      const last = events[events.length - 1] as { response?: ResponseObject } | undefined;
      if (last?.response) last.response = { ...last.response, output: [] };
    }

    const outcome = await this.stream(job, events, fault);
    if (outcome === 'completed' || outcome === 'incomplete') {
      const kept = compacting ? final.output : [...context, ...final.output];
      const saved: StoredResponse = { id, context: kept, instructions: body.instructions, tools: body.tools, store };
      conn?.cache.set(id, saved);
      if (store && this.opts.keepsState !== false) this.stored.set(id, saved);
      // A server that keeps nothing (or an organisation with zero data retention) has no item to
      // rebuild later, whatever the request asked for.
      for (const item of final.output)
        this.issued.set(item.id, { item, store: store && this.opts.keepsState !== false });
    } else if (outcome === 'failed' && conn && prevId) {
      conn.cache.delete(prevId);
    }
    if (outcome !== 'in_progress') this.settle(record, outcome, outcome === 'failed' ? 'server_error' : undefined);
  }

  private validate(job: CreateJob): { err: ApiError; violation?: string } | undefined {
    const body = job.record.body;
    const ws = job.sink.transport === 'websocket';
    if (typeof body.model !== 'string' || body.model === '') {
      return {
        err: invalid("Missing required parameter: 'model'.", 'model', 'missing_required_parameter'),
        violation: 'request without model',
      };
    }
    if (body.background === true) {
      return { err: unsupported('background'), violation: 'client sent background:true (not supported)' };
    }
    if (ws && 'stream' in body) this.violate(job.label, 'client sent stream over WebSocket');
    if (!ws && body.stream !== true) {
      return {
        err: invalid('The emulator serves POST /v1/responses only with stream: true.', 'stream', 'unsupported_value'),
        violation: 'HTTP request without stream:true',
      };
    }
    if ('generate' in body) {
      if (!ws)
        return { err: unsupported('generate'), violation: 'client sent generate over HTTP (WebSocket-only field)' };
      if (this.opts.supportsGenerate === false) return { err: unsupported('generate') };
      if (typeof body.generate !== 'boolean') {
        return {
          err: invalid("Invalid type for 'generate': expected a boolean.", 'generate'),
          violation: 'generate is not a boolean',
        };
      }
    }
    const refused = this.opts.rejectsFields?.find((f) => f in body);
    if (refused) return { err: unsupported(refused) };
    const include = Array.isArray(body.include) ? body.include : [];
    if (include.includes('reasoning.encrypted_content') && this.opts.rejectsEncryptedInclude) {
      return { err: invalid('Encrypted content is not supported with this model.', 'include') };
    }
    if ('context_management' in body) {
      if (this.opts.serverCompaction === false) return { err: unsupported('context_management') };
      if (this.opts.serverCompaction === true && compactThreshold(body.context_management) === undefined) {
        return {
          err: invalid(
            "Invalid value for 'context_management': expected [{type: 'compaction', compact_threshold: <positive integer>}].",
            'context_management',
          ),
          violation: 'malformed context_management',
        };
      }
    }
    // Lanes (stream_id) are not emulated; rejecting by name is how a client detects that.
    if ('stream_id' in body) return { err: unsupported('stream_id') };
    if (
      body.previous_response_id !== undefined &&
      body.previous_response_id !== null &&
      typeof body.previous_response_id !== 'string'
    ) {
      return {
        err: invalid("Invalid type for 'previous_response_id'.", 'previous_response_id'),
        violation: 'previous_response_id is not a string',
      };
    }
    // A server without chaining: how a client learns it (no violation: it cannot know beforehand).
    if (this.opts.supportsPreviousResponseId === false && typeof body.previous_response_id === 'string')
      return { err: unsupported('previous_response_id') };
    return undefined;
  }

  private requestFault(job: CreateJob, f: Fault): void {
    switch (f.kind) {
      case 'rate_limit': {
        const n = String(f.retryAfterSeconds ?? 1);
        const err: ApiError = {
          status: 429,
          type: 'requests',
          code: 'rate_limit_exceeded',
          message: `Rate limit reached (emulator fault). Please try again in ${n}s.`,
          param: null,
          headers: { 'retry-after': n },
        };
        return this.fail(job, err);
      }
      case 'server_error': {
        const status = f.status ?? 500;
        return this.fail(job, {
          status,
          type: 'server_error',
          code: 'server_error',
          message: `The server had an error (emulator fault, status ${status}).`,
          param: null,
        });
      }
      case 'close_socket': {
        const code = f.code ?? 1011;
        // 1005/1006 cannot be sent in a close frame; they mean "no close frame", i.e. a TCP cut.
        if (code === 1005 || code === 1006) job.sink.drop();
        else job.sink.close(code, 'emulator fault: close_socket');
        return this.settle(job.record, 'dropped');
      }
      case 'connection_limit':
        return this.connectionLimit(job);
      default:
        return undefined;
    }
  }

  /**
   * Model output the client replays must be what the emulator sent (docs/protocol.md §5). Opaque
   * blobs must be this server's own; with store:false a reasoning item without its encrypted
   * content cannot be rebuilt: 404, in the real API's words.
   */
  private checkReplay(job: CreateJob, input: unknown[]): ApiError | undefined {
    for (const item of input) {
      if (!isObject(item)) continue;
      const forged = checkBlob(item);
      if (forged) return forged;
      if (typeof item.id !== 'string') continue;
      const known = this.issued.get(item.id);
      const bare =
        itemType(item) === 'reasoning' && (item.encrypted_content === undefined || item.encrypted_content === null);
      if (bare && !known?.store) {
        return invalid(
          `Item with id '${item.id}' not found. Items are not persisted when \`store\` is set to false. Try again with \`store\` set to true, or remove this item from your input.`,
          'input',
          null,
          404,
        );
      }
      if (!known) continue;
      const k = known.item;
      const t = itemType(item);
      let same = t === k.type;
      if (same && k.type === 'function_call')
        same = item.call_id === k.call_id && item.name === k.name && item.arguments === k.arguments;
      if (same && k.type === 'custom_tool_call')
        same = item.call_id === k.call_id && item.name === k.name && item.input === k.input;
      if (same && k.type === 'message') same = messageText(item) === (k.content[0]?.text ?? '');
      if (same && k.type === 'compaction') same = item.encrypted_content === k.encrypted_content;
      if (same && k.type === 'reasoning' && !bare && item.encrypted_content !== k.encrypted_content) same = false;
      if (!same) this.violate(job.label, `client replayed output item ${k.id} altered (must be byte-identical)`);
    }
    return undefined;
  }

  /** `POST /v1/responses/compact`: the input's user messages kept, everything else folded into one opaque item. */
  compact(job: CreateJob): void {
    const body = job.record.body;
    if (typeof body.model !== 'string' || body.model === '')
      return this.fail(
        job,
        invalid("Missing required parameter: 'model'.", 'model', 'missing_required_parameter'),
        'compact request without model',
      );
    const input = normalizeInput(body.input);
    if (!Array.isArray(input)) return this.fail(job, input, `invalid input: ${input.message}`);
    const toolErr = checkToolOutputs(input);
    if (toolErr) return this.fail(job, toolErr, toolErr.message);
    const replayErr = this.checkReplay(job, input);
    if (replayErr) return this.fail(job, replayErr, replayErr.message);
    const item = compactionItem(turnIndex(input, coveredTurns));
    this.issued.set(item.id, { item, store: body.store !== false });
    const kept = input.filter((i) => isObject(i) && itemType(i) === 'message' && i.role === 'user');
    const inputTokens = tokensFor(jsonBytes(input) + jsonBytes(body.instructions));
    const outputTokens = tokensFor(jsonBytes(item));
    job.sink.json(200, {
      id: newId('resp'),
      object: 'response.compaction',
      created_at: Math.floor(Date.now() / 1000),
      output: [...kept, item],
      usage: {
        input_tokens: inputTokens,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens: outputTokens,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: inputTokens + outputTokens,
      },
    });
    this.settle(job.record, 'completed');
  }

  /** This server takes tools of this type (llama.cpp skips custom ones without a word). */
  private takesTool(type: string): boolean {
    return type !== 'custom' || ((this.opts.customTools ?? 'take') === 'take' && !this.opts.llamacpp);
  }

  /** The scripted turn for this context, after checking the scripted tools were sent. */
  private playTurn(job: CreateJob, context: unknown[]): OutputItem[] {
    const body = job.record.body;
    const n = turnIndex(context, coveredTurns);
    const name = this.scenario.name;
    let script = isSummaryRequest(body, context)
      ? { text: summarise(messageText(context.at(-1) as Json)) }
      : scriptFor(this.scenario, n, context);
    if (!script) {
      this.violate(job.label, `scenario ${name} has no turn ${n} (client sent more turns than scripted)`);
      script = { text: `(emulator: scenario ${name} has no turn ${n})` };
    }
    const tools = requestTools(body.tools).filter((t) => this.takesTool(t.type));
    for (const call of script.calls ?? []) {
      const kind = call.type ?? 'function';
      if (!call.unoffered && !tools.some((t) => t.name === call.name && t.type === kind)) {
        const msg = `scenario ${name} turn ${n} calls the ${kind} tool '${call.name}', but this request's tools do not include it (tools are not inherited through previous_response_id; send them on every request)`;
        this.violate(job.label, msg);
        script = { text: `(emulator: ${msg}.)` };
        break;
      }
    }
    const include = Array.isArray(body.include) ? body.include : [];
    if (this.opts.reasoning) script = { ...script, reasoning: true };
    return planOutput(script, { encryptedReasoning: include.includes('reasoning.encrypted_content') });
  }

  private async stream(job: CreateJob, events: ServerEvent[], fault: Fault | undefined): Promise<Outcome> {
    const { sink } = job;
    const delay = this.opts.chunkDelayMs ?? 0;
    const cutAt =
      fault && 'afterEvents' in fault
        ? Math.min(Math.max(0, fault.afterEvents ?? DEFAULT_AFTER_EVENTS), events.length - 1)
        : -1;
    for (let i = 0; i < events.length; i++) {
      const e = events[i] as ServerEvent;
      if (!sink.isOpen()) return 'dropped';
      if (i === cutAt && fault) {
        if (fault.kind === 'drop_mid_stream') {
          sink.drop();
          return 'dropped';
        }
        if (fault.kind === 'stall') {
          this.settle(job.record, 'in_progress');
          await sink.closed;
          return 'in_progress';
        }
        if (fault.kind === 'malformed_frame') sink.sendMalformed(e.type);
        if (fault.kind === 'stream_error') {
          sink.send({
            type: 'error',
            code: 'server_error',
            message: 'The server had an error while streaming (emulator fault).',
            param: null,
            sequence_number: i,
          });
          sink.finish();
          return 'failed';
        }
      }
      if (delay > 0 && e.type.endsWith('.delta')) await sleep(delay);
      if (!sink.isOpen()) return 'dropped';
      sink.send(e);
    }
    sink.finish();
    const terminal = events[events.length - 1]?.type;
    return terminal === 'response.completed'
      ? 'completed'
      : terminal === 'response.incomplete'
        ? 'incomplete'
        : 'failed';
  }
}

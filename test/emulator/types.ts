// Responses emulator: shared types. This is a test double of the OpenAI Responses API,
// not AI. The wire shapes below are only the subset the emulator emits or inspects; they
// are written from the API's published behaviour (the rules are summarised in docs/protocol.md),
// independently of the product code in src/.

import type { Scenario } from './scenario.ts';

// ---------------------------------------------------------------------------------------
// Public API (the lead's client tests and benchmarks depend on these names).

export interface ServerDelayInfo {
  uncachedInputBytes: number;
  inputItems: number;
  generate: boolean;
}

export interface EmulatorOptions {
  port?: number;
  scenario: Scenario | string;
  mode?: 'strict' | 'compatible';
  apiKey?: string;
  supportsGenerate?: boolean;
  /** Default true. false imitates servers that reject previous_response_id (llama.cpp's server answers 400). */
  supportsPreviousResponseId?: boolean;
  /** Default true. false imitates servers that keep no responses at all: store:true is accepted but nothing can be chained to. */
  keepsState?: boolean;
  websocket?: boolean;
  maxConnectionAgeMs?: number;
  chunkDelayMs?: number;
  serverDelayMs?: (info: ServerDelayInfo) => number;
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** Addition: called once per recorded request when its outcome is settled (the CLI logs with it). */
  onRequest?: (r: RecordedRequest) => void;

  // ----- what real servers do that a happy path leaves out (docs/protocol.md §8, §10, §12) -----
  /** The scripted model reasons: a `reasoning` item first in every response (gpt-5, o-series). */
  reasoning?: boolean;
  /** A model that does not reason refuses `include: ["reasoning.encrypted_content"]` (400, param `include`). */
  rejectsEncryptedInclude?: boolean;
  /** The model's input window in tokens (bytes/4): a larger context gets 400 `context_length_exceeded`. */
  contextWindow?: number;
  /**
   * Server-side compaction (`context_management`): true compacts past `compact_threshold` (an
   * opaque `compaction` item first in the output stands for everything before it); false rejects
   * the field (400 unsupported_parameter); undefined accepts it and does nothing, as many servers do.
   */
  serverCompaction?: boolean;
  /** `POST /v1/responses/compact` exists (default false: 404). */
  compactEndpoint?: boolean;
  /** Prompt caching by `prompt_cache_key` and prefix: cached below `minTokens` is 0, above it counted in `granularity` blocks. Default 1024 / 128, as the API. */
  promptCache?: { minTokens?: number; granularity?: number };
  /** Accept `permessage-deflate` on the socket. Default true. */
  perMessageDeflate?: boolean;
  /** Request fields this server refuses by name (400 unsupported_parameter), as strict servers do with ones they do not know. */
  rejectsFields?: string[];
  /** The terminal event carries `output: []`: only `response.output_item.done` has the items. */
  completedWithoutOutput?: boolean;
  /**
   * The server or model takes no images: a request with an `input_image` part gets OpenAI's 400
   * "Invalid content type. image_url is only supported by certain models." (true), or llama.cpp's
   * 500 "image input is not supported - hint: ..." ('llamacpp'). Images sent again after that are a
   * violation. Every `input_image` is checked either way (a data URL of an image or an http(s) URL).
   */
  rejectsImages?: boolean | 'llamacpp';
  /**
   * Plays llama.cpp's server where it differs from OpenAI's (../shared/real-llama-server, seen
   * with llama.cpp de3ff81): the response does not echo `tools`; custom tools are skipped
   * silently (a scenario calling one is a violation: the client offered no tool the model could
   * use); custom tool call items in the input get 400 "Cannot determine type of 'item'",
   * reasoning items without `content` 400 "item['content'] is not an array", and a function call
   * whose arguments are not JSON 500 "Failed to parse tool call arguments as JSON". Combine with
   * `websocket: false, supportsPreviousResponseId: false` for the whole server.
   */
  llamacpp?: boolean;
  /**
   * Custom (freeform) tools: `take` (default, as OpenAI), `skip` (left out without a word, and
   * left out of the echoed `tools`), `reject` (400 "Invalid value: 'custom'", param `tools[i].type`).
   */
  customTools?: 'take' | 'skip' | 'reject';
}

export interface Emulator {
  url: string;
  wsUrl: string;
  port: number;
  requests: RecordedRequest[];
  violations: string[];
  connections(): number;
  /** WebSocket upgrade requests received, refused ones included. */
  upgradeAttempts(): number;
  openSockets(): number;
  injectFault(f: Fault): void;
  setScenario(s: Scenario | string): void;
  /** Changes options of the running server (its window, what it supports), as a server reconfigured between tests. */
  configure(patch: Partial<Omit<EmulatorOptions, 'port' | 'tls' | 'scenario'>>): void;
  close(): Promise<void>;
}

export type Outcome = 'completed' | 'incomplete' | 'failed' | 'error' | 'dropped' | 'in_progress';

export interface RecordedRequest {
  transport: 'websocket' | 'http';
  /** `compact` for `POST /v1/responses/compact`; model requests otherwise. */
  endpoint?: 'compact';
  connectionId: number;
  body: Record<string, unknown>;
  bytes: number;
  inputItems: number;
  previousResponseId?: string;
  generate?: boolean;
  stream?: unknown;
  headers: Record<string, string | string[] | undefined>;
  responseId?: string;
  outcome: Outcome;
  errorCode?: string;
}

interface FaultCommon {
  /** How many requests (or upgrades) the fault applies to; default 1. */
  times?: number;
  /** Whether warmup requests (generate:false) consume the fault; default false. */
  includeWarmup?: boolean;
}

export type Fault = FaultCommon &
  (
    | { kind: 'drop_mid_stream'; afterEvents?: number }
    | { kind: 'stall'; afterEvents?: number }
    | { kind: 'malformed_frame'; afterEvents?: number }
    | { kind: 'rate_limit'; retryAfterSeconds?: number }
    | { kind: 'server_error'; status?: number }
    | { kind: 'response_failed' }
    | { kind: 'incomplete' }
    | { kind: 'refuse_upgrade'; status?: number }
    | { kind: 'close_socket'; code?: number }
    | { kind: 'connection_limit' }
    // Additions beyond the brief:
    /** Mid-stream flat `{type:"error", code, message, param, sequence_number}` after N events; the response fails. */
    | { kind: 'stream_error'; afterEvents?: number }
    /** The server forgets the next request's previous_response_id (answers previous_response_not_found, no violation). */
    | { kind: 'evict_previous' }
    /** Accept the next upgrade, then close at once with this code (default 1008, seen on the ChatGPT backend). */
    | { kind: 'close_after_upgrade'; code?: number }
  );

export type FaultKind = Fault['kind'];

// ---------------------------------------------------------------------------------------
// Wire shapes.

export type Json = Record<string, unknown>;

export interface OutputTextPart {
  type: 'output_text';
  text: string;
  annotations: unknown[];
  logprobs?: unknown[];
}

export interface MessageItem {
  type: 'message';
  id: string;
  status: 'in_progress' | 'completed' | 'incomplete';
  role: 'assistant';
  content: OutputTextPart[];
}

export interface FunctionCallItem {
  type: 'function_call';
  id: string;
  call_id: string;
  name: string;
  arguments: string;
  status: 'in_progress' | 'completed' | 'incomplete';
}

export interface CustomToolCallItem {
  type: 'custom_tool_call';
  id: string;
  call_id: string;
  name: string;
  input: string;
}

export interface ReasoningItem {
  type: 'reasoning';
  id: string;
  summary: { type: 'summary_text'; text: string }[];
  encrypted_content?: string;
}

export interface CompactionItem {
  type: 'compaction';
  id: string;
  encrypted_content: string;
}

export type OutputItem = MessageItem | FunctionCallItem | CustomToolCallItem | ReasoningItem | CompactionItem;

export interface Usage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

export interface ResponseObject {
  id: string;
  object: 'response';
  created_at: number;
  status: 'in_progress' | 'completed' | 'incomplete' | 'failed';
  error: { code: string; message: string } | null;
  incomplete_details: { reason: string } | null;
  instructions: unknown;
  model: string;
  output: OutputItem[];
  parallel_tool_calls: unknown;
  previous_response_id: string | null;
  store: boolean;
  tool_choice: unknown;
  /** Echoed by OpenAI; llama.cpp leaves it out. */
  tools?: unknown[];
  usage: Usage | null;
  metadata: unknown;
}

/** A server event before its sequence number is stamped on. */
export type ServerEvent = { type: string } & Json;

/** Body of a request rejection: WS `error` envelope or HTTP `{error:{...}}`. */
export interface ApiError {
  status: number;
  type: string;
  code: string | null;
  message: string;
  param: string | null;
  headers?: Record<string, string>;
}

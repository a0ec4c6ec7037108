// Wire types of the OpenAI Responses API as Warmline speaks it, over the WebSocket mode
// (one JSON event per text frame) and over HTTP with server-sent events (same payloads).
// Only what the client reads or writes is typed strictly; every
// server object keeps an index signature so fields we do not know survive a round trip.

// ---------- items ----------

export interface InputText { type: 'input_text'; text: string }
export interface OutputText { type: 'output_text'; text: string; annotations?: unknown[]; [k: string]: unknown }

/** A message in the conversation. Model output messages carry `id` and `status`. */
export interface MessageItem {
  type: 'message';
  role: 'user' | 'assistant' | 'system' | 'developer';
  content: string | Array<InputText | OutputText | { type: string; [k: string]: unknown }>;
  id?: string;
  status?: string;
  [k: string]: unknown;
}

export interface FunctionCallItem {
  type: 'function_call';
  id?: string;
  call_id: string;
  name: string;
  arguments: string;
  status?: string;
  [k: string]: unknown;
}

export interface CustomToolCallItem {
  type: 'custom_tool_call';
  id?: string;
  call_id: string;
  name: string;
  input: string;
  status?: string;
  [k: string]: unknown;
}

export interface ReasoningItem {
  type: 'reasoning';
  id?: string;
  summary?: Array<{ type: string; text: string }>;
  encrypted_content?: string | null;
  [k: string]: unknown;
}

/**
 * An opaque, encrypted item that stands for the conversation before it: returned by server-side
 * compaction (`context_management`) in a response's output, or by `POST /responses/compact`.
 */
export interface CompactionItem {
  type: 'compaction';
  id?: string;
  encrypted_content: string;
  [k: string]: unknown;
}

export interface FunctionCallOutputItem { type: 'function_call_output'; call_id: string; output: string | unknown[]; [k: string]: unknown }
export interface CustomToolCallOutputItem { type: 'custom_tool_call_output'; call_id: string; output: string | unknown[]; [k: string]: unknown }

/** An item the model produced (kept verbatim: output is replayed byte-identically). */
export type OutputItem = MessageItem | FunctionCallItem | CustomToolCallItem | ReasoningItem | CompactionItem | { type: string; [k: string]: unknown };
/** Any item that may appear in a request's `input`. */
export type InputItem = MessageItem | FunctionCallOutputItem | CustomToolCallOutputItem | OutputItem;

// ---------- tools ----------

export interface FunctionTool {
  type: 'function';
  name: string;
  description?: string;
  parameters: Record<string, unknown> | null;
  strict?: boolean | null;
}
export interface CustomTool {
  type: 'custom';
  name: string;
  description?: string;
  format?: { type: 'text' } | { type: 'grammar'; syntax: 'lark' | 'regex'; definition: string };
}
export type ToolDefinition = FunctionTool | CustomTool;

// ---------- requests ----------

/** The body of `POST /responses`, and of a WebSocket `response.create` minus its `type`. */
export interface ResponseRequest {
  model: string;
  input: InputItem[];
  instructions?: string;
  tools?: ToolDefinition[];
  tool_choice?: unknown;
  parallel_tool_calls?: boolean;
  reasoning?: Record<string, unknown>;
  include?: string[];
  store?: boolean;
  previous_response_id?: string;
  prompt_cache_key?: string;
  text?: Record<string, unknown>;
  max_output_tokens?: number;
  /** Server-side compaction: `[{ type: 'compaction', compact_threshold: N }]`. */
  context_management?: Array<{ type: string; compact_threshold?: number }>;
  /** WebSocket mode only: `false` stages the request without running the model (warmup). */
  generate?: boolean;
  /** HTTP only: the WebSocket mode streams implicitly and must not be sent `stream`. */
  stream?: boolean;
  [k: string]: unknown;
}

// ---------- responses ----------

export interface Usage {
  input_tokens: number;
  output_tokens: number;
  total_tokens?: number;
  input_tokens_details?: { cached_tokens?: number };
  [k: string]: unknown;
}

export interface ApiErrorBody { type?: string; code?: string | null; message: string; param?: string | null; [k: string]: unknown }

export interface ResponseObject {
  id: string;
  object?: 'response';
  status: 'completed' | 'failed' | 'incomplete' | 'in_progress' | 'queued' | 'cancelled' | string;
  output: OutputItem[];
  usage?: Usage;
  error?: ApiErrorBody | null;
  incomplete_details?: { reason?: string } | null;
  previous_response_id?: string | null;
  model?: string;
  [k: string]: unknown;
}

// ---------- server events ----------

interface Seq { sequence_number?: number; stream_id?: string }

export interface ResponseLifecycleEvent extends Seq {
  type: 'response.created' | 'response.in_progress' | 'response.queued' | 'response.completed' | 'response.failed' | 'response.incomplete';
  response: ResponseObject;
}
export interface OutputItemEvent extends Seq { type: 'response.output_item.added' | 'response.output_item.done'; output_index: number; item: OutputItem }
export interface ContentPartEvent extends Seq {
  type: 'response.content_part.added' | 'response.content_part.done';
  item_id: string; output_index: number; content_index: number; part: OutputText | { type: string; [k: string]: unknown };
}
export interface TextDeltaEvent extends Seq { type: 'response.output_text.delta'; item_id: string; output_index: number; content_index: number; delta: string }
export interface TextDoneEvent extends Seq { type: 'response.output_text.done'; item_id: string; output_index: number; content_index: number; text: string }
export interface ArgumentsDeltaEvent extends Seq { type: 'response.function_call_arguments.delta'; item_id: string; output_index: number; delta: string }
export interface ArgumentsDoneEvent extends Seq { type: 'response.function_call_arguments.done'; item_id: string; output_index: number; arguments: string; name?: string }
export interface CustomInputDeltaEvent extends Seq { type: 'response.custom_tool_call_input.delta'; item_id: string; output_index: number; delta: string }
export interface CustomInputDoneEvent extends Seq { type: 'response.custom_tool_call_input.done'; item_id: string; output_index: number; input: string }

/** The WebSocket error envelope: a request rejected as an HTTP call would be, with its status. */
export interface ErrorEnvelopeEvent extends Seq { type: 'error'; status?: number; error: ApiErrorBody & { headers?: Record<string, string> }; headers?: Record<string, string> }
/** The flat streaming error, as in SSE: a failure mid-stream. */
export interface FlatErrorEvent extends Seq { type: 'error'; code?: string | null; message: string; param?: string | null }
export type ErrorEvent = ErrorEnvelopeEvent | FlatErrorEvent;

/** An event this client does not model; passed on untouched. */
export interface UnknownEvent extends Seq { type: string; [k: string]: unknown }

export type KnownServerEvent =
  | ResponseLifecycleEvent | OutputItemEvent | ContentPartEvent | TextDeltaEvent | TextDoneEvent
  | ArgumentsDeltaEvent | ArgumentsDoneEvent | CustomInputDeltaEvent | CustomInputDoneEvent | ErrorEvent;
export type ServerEvent = KnownServerEvent | UnknownEvent;

const KNOWN_TYPES = new Set<string>([
  'response.created', 'response.in_progress', 'response.queued', 'response.completed', 'response.failed', 'response.incomplete',
  'response.output_item.added', 'response.output_item.done', 'response.content_part.added', 'response.content_part.done',
  'response.output_text.delta', 'response.output_text.done', 'response.function_call_arguments.delta',
  'response.function_call_arguments.done', 'response.custom_tool_call_input.delta', 'response.custom_tool_call_input.done', 'error',
]);

export function isKnownEvent(ev: ServerEvent): ev is KnownServerEvent { return KNOWN_TYPES.has(ev.type) }
export function isTerminalEvent(ev: ServerEvent): ev is ResponseLifecycleEvent {
  return ev.type === 'response.completed' || ev.type === 'response.failed' || ev.type === 'response.incomplete';
}
export function isErrorEnvelope(ev: ErrorEvent): ev is ErrorEnvelopeEvent {
  return typeof (ev as ErrorEnvelopeEvent).error === 'object' && (ev as ErrorEnvelopeEvent).error !== null;
}

/**
 * Parses one frame (or SSE data record) into a server event. Returns a string describing the
 * problem when the frame is not a JSON object with a string `type`: a protocol violation.
 */
export function parseServerEvent(text: string): ServerEvent | string {
  let value: unknown;
  try { value = JSON.parse(text) } catch { return `not JSON: ${text.slice(0, 80)}` }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  if (typeof (value as { type?: unknown }).type !== 'string') return 'event without a string "type"';
  return value as ServerEvent;
}

// ---------- helpers over items ----------

export function userMessage(text: string): MessageItem {
  return { type: 'message', role: 'user', content: [{ type: 'input_text', text }] };
}

export function isToolCall(item: { type: string }): item is FunctionCallItem | CustomToolCallItem {
  return item.type === 'function_call' || item.type === 'custom_tool_call';
}

/** The text of an assistant message item (all its output_text parts). */
export function messageText(item: OutputItem): string {
  if (item.type !== 'message') return '';
  const content = (item as MessageItem).content;
  if (typeof content === 'string') return content;
  return content.map((p) => (p.type === 'output_text' && typeof p.text === 'string' ? p.text : '')).join('');
}

/** The `call_id` of a tool call or tool output item. */
export function callIdOf(item: { type: string; [k: string]: unknown }): string | undefined {
  return typeof item.call_id === 'string' ? item.call_id : undefined;
}

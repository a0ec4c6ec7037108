// Wire types of the OpenAI Responses API as Warmline speaks it, over the WebSocket mode
// (one JSON event per text frame) and over HTTP with server-sent events (same payloads).
// What the server sends is checked once, here (`parseServerEvent`, `parseItem`), and arrives
// as closed unions discriminated on `type`: a consumer narrows and never casts. Server objects
// keep an index signature so fields we do not know survive a round trip.

// ---------- items ----------

/**
 * A part of a message's content: `input_text`, `output_text`, `refusal`, or another kind. Parts
 * are replayed verbatim, so they stay open: read their fields with a `typeof` check.
 */
export interface ContentPart {
  type: string;
  [k: string]: unknown;
}

/** A message in the conversation. Model output messages carry `id` and `status`. */
export interface MessageItem {
  type: 'message';
  role: 'user' | 'assistant' | 'system' | 'developer';
  content: string | ContentPart[];
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
  summary?: ContentPart[];
  /** Readable reasoning (llama.cpp's `reasoning_text` parts); OpenAI's has none. */
  content?: ContentPart[];
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

export interface FunctionCallOutputItem {
  type: 'function_call_output';
  call_id: string;
  output: string | unknown[];
  [k: string]: unknown;
}
export interface CustomToolCallOutputItem {
  type: 'custom_tool_call_output';
  call_id: string;
  output: string | unknown[];
  [k: string]: unknown;
}

/**
 * An item the model produced (kept verbatim: output is replayed byte-identically). Closed: an
 * item of another type (a hosted tool's call: Warmline offers none) is left out where the
 * session reads it, with a warning (see `parseItem`).
 */
export type OutputItem = MessageItem | FunctionCallItem | CustomToolCallItem | ReasoningItem | CompactionItem;
/** Any item that may appear in a request's `input`. */
export type InputItem = OutputItem | FunctionCallOutputItem | CustomToolCallOutputItem;

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

export interface ApiErrorBody {
  type?: string;
  code?: string | null;
  message: string;
  param?: string | null;
  [k: string]: unknown;
}

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

interface Seq {
  sequence_number?: number;
}

export interface ResponseLifecycleEvent extends Seq {
  type:
    | 'response.created'
    | 'response.in_progress'
    | 'response.queued'
    | 'response.completed'
    | 'response.failed'
    | 'response.incomplete';
  response: ResponseObject;
}
/** `output_index` is absent where a server leaves it out (llama.cpp). */
export interface OutputItemEvent extends Seq {
  type: 'response.output_item.added' | 'response.output_item.done';
  output_index?: number;
  item: OutputItem;
}
export interface ContentPartEvent extends Seq {
  type: 'response.content_part.added' | 'response.content_part.done';
  item_id?: string;
  output_index?: number;
  content_index?: number;
  part: ContentPart;
}
export interface TextDeltaEvent extends Seq {
  type: 'response.output_text.delta';
  item_id?: string;
  output_index?: number;
  content_index?: number;
  delta: string;
}
export interface TextDoneEvent extends Seq {
  type: 'response.output_text.done';
  item_id?: string;
  output_index?: number;
  content_index?: number;
  text: string;
}
/** A reasoning summary (OpenAI) or readable reasoning (llama.cpp, `response.reasoning_text.*`) as it streams. */
export interface ReasoningDeltaEvent extends Seq {
  type: 'response.reasoning_summary_text.delta' | 'response.reasoning_text.delta';
  item_id?: string;
  output_index?: number;
  delta: string;
}
export interface ReasoningDoneEvent extends Seq {
  type: 'response.reasoning_summary_text.done' | 'response.reasoning_text.done';
  item_id?: string;
  output_index?: number;
  text: string;
}
export interface ArgumentsDeltaEvent extends Seq {
  type: 'response.function_call_arguments.delta';
  item_id?: string;
  output_index?: number;
  delta: string;
}
export interface ArgumentsDoneEvent extends Seq {
  type: 'response.function_call_arguments.done';
  item_id?: string;
  output_index?: number;
  arguments: string;
  name?: string;
}
export interface CustomInputDeltaEvent extends Seq {
  type: 'response.custom_tool_call_input.delta';
  item_id?: string;
  output_index?: number;
  delta: string;
}
export interface CustomInputDoneEvent extends Seq {
  type: 'response.custom_tool_call_input.done';
  item_id?: string;
  output_index?: number;
  input: string;
}

/**
 * An `error` event. Both shapes the server sends arrive as this one: the WebSocket envelope
 * (`{status?, error: {...}, headers?}`, a request rejected as an HTTP call would be) and the
 * flat streaming error (`{code, message, param}`, a failure mid-stream; it has no `status`).
 * `headers` joins the envelope's top-level and `error.headers` maps.
 */
export interface ErrorEvent extends Seq {
  type: 'error';
  status?: number;
  error: ApiErrorBody;
  headers?: Record<string, string>;
}

/**
 * An event this client does not model, passed on as it came (`raw`). Its discriminant is not a
 * server event type, so it never narrows to a known case: a known type whose fields this client
 * relies on have the wrong shape also arrives as this, with `problem` saying what is wrong.
 */
export interface UnknownServerEvent {
  type: 'unknown';
  rawType: string;
  raw: Record<string, unknown>;
  problem?: string;
}

export type ServerEvent =
  | ResponseLifecycleEvent
  | OutputItemEvent
  | ContentPartEvent
  | TextDeltaEvent
  | TextDoneEvent
  | ReasoningDeltaEvent
  | ReasoningDoneEvent
  | ArgumentsDeltaEvent
  | ArgumentsDoneEvent
  | CustomInputDeltaEvent
  | CustomInputDoneEvent
  | ErrorEvent
  | UnknownServerEvent;

export type TerminalEvent = ResponseLifecycleEvent & {
  type: 'response.completed' | 'response.failed' | 'response.incomplete';
};

export function isTerminalEvent(ev: ServerEvent): ev is TerminalEvent {
  return ev.type === 'response.completed' || ev.type === 'response.failed' || ev.type === 'response.incomplete';
}

// ---------- reading what the server sends ----------

type Raw = Record<string, unknown>;
/** Where what was left out or downgraded is said (a logger's warn). */
export type Warn = (message: string) => void;

export function isRecord(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const parts = (v: unknown): v is ContentPart[] =>
  Array.isArray(v) && v.every((p) => isRecord(p) && typeof p.type === 'string');
const ROLES: ReadonlySet<unknown> = new Set(['user', 'assistant', 'system', 'developer']);
const isRole = (v: unknown): v is MessageItem['role'] => ROLES.has(v);

/** Fields every known event may carry, each kept only when it has the right type. */
function where(raw: Raw): { item_id?: string; output_index?: number; sequence_number?: number } {
  const out: { item_id?: string; output_index?: number; sequence_number?: number } = {};
  const itemId = str(raw.item_id);
  if (itemId !== undefined) out.item_id = itemId;
  const index = num(raw.output_index);
  if (index !== undefined) out.output_index = index;
  const seq = num(raw.sequence_number);
  if (seq !== undefined) out.sequence_number = seq;
  return out;
}

function isMessage(v: Raw): v is MessageItem {
  return v.type === 'message' && isRole(v.role) && (typeof v.content === 'string' || parts(v.content));
}
function isFunctionCall(v: Raw): v is FunctionCallItem {
  return (
    v.type === 'function_call' &&
    typeof v.call_id === 'string' &&
    typeof v.name === 'string' &&
    typeof v.arguments === 'string'
  );
}
function isCustomCall(v: Raw): v is CustomToolCallItem {
  return (
    v.type === 'custom_tool_call' &&
    typeof v.call_id === 'string' &&
    typeof v.name === 'string' &&
    typeof v.input === 'string'
  );
}
function isReasoning(v: Raw): v is ReasoningItem {
  return (
    v.type === 'reasoning' &&
    (v.summary === undefined || parts(v.summary)) &&
    (v.content === undefined || parts(v.content)) &&
    (v.encrypted_content === undefined || v.encrypted_content === null || typeof v.encrypted_content === 'string')
  );
}
function isCompaction(v: Raw): v is CompactionItem {
  return v.type === 'compaction' && typeof v.encrypted_content === 'string';
}
function isCallOutput(v: Raw): v is FunctionCallOutputItem | CustomToolCallOutputItem {
  return (
    (v.type === 'function_call_output' || v.type === 'custom_tool_call_output') &&
    typeof v.call_id === 'string' &&
    (typeof v.output === 'string' || Array.isArray(v.output))
  );
}

const ITEM_FIELDS: Record<string, string> = {
  message: '"role" (user, assistant, system or developer) and "content" (a string or typed parts)',
  function_call: 'string "call_id", "name" and "arguments"',
  custom_tool_call: 'string "call_id", "name" and "input"',
  reasoning: '"summary" and "content" as typed parts, "encrypted_content" a string, where present',
  compaction: 'a string "encrypted_content"',
  function_call_output: 'a string "call_id" and "output" (a string or an array)',
  custom_tool_call_output: 'a string "call_id" and "output" (a string or an array)',
};

/**
 * An item as the server sent it (the same object: it is replayed verbatim), or why it is not
 * one: `unknown` for a type Warmline does not model, `malformed` for a known type whose fields
 * are not what Warmline reads.
 */
export type ParsedItem = { item: InputItem } | { unknown: string } | { malformed: string };

export function parseItem(value: unknown): ParsedItem {
  if (!isRecord(value) || typeof value.type !== 'string') return { malformed: 'an item without a string "type"' };
  if (
    isMessage(value) ||
    isFunctionCall(value) ||
    isCustomCall(value) ||
    isReasoning(value) ||
    isCompaction(value) ||
    isCallOutput(value)
  )
    return { item: value };
  const fields = ITEM_FIELDS[value.type];
  return fields ? { malformed: `a ${value.type} item needs ${fields}` } : { unknown: value.type };
}

function isOutputItem(item: InputItem): item is OutputItem {
  return item.type !== 'function_call_output' && item.type !== 'custom_tool_call_output';
}

/**
 * A list of items from the server (a response's output, `/responses/compact`'s): items of a
 * type Warmline does not model are left out with a warning; a malformed known item makes the
 * whole list unusable (a call without its id could never be answered): the problem is returned.
 */
export function parseItems(value: unknown, warn?: Warn): InputItem[] | string {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) return '"output" is not an array';
  const out: InputItem[] = [];
  for (const v of value) {
    const parsed = parseItem(v);
    if ('malformed' in parsed) return parsed.malformed;
    if ('unknown' in parsed)
      warn?.(`an output item of type "${parsed.unknown}" is not one Warmline models; left out of the transcript`);
    else out.push(parsed.item);
  }
  return out;
}

function parseOutput(value: unknown, warn?: Warn): OutputItem[] | string {
  const items = parseItems(value, warn);
  if (typeof items === 'string') return items;
  const output = items.filter(isOutputItem);
  if (output.length < items.length) warn?.("tool outputs in a response's output are not model output; left out");
  return output;
}

function parseResponse(value: unknown, warn?: Warn): ResponseObject | string {
  if (!isRecord(value)) return 'no "response" object';
  if (typeof value.id !== 'string') return 'a response without a string "id"';
  const output = parseOutput(value.output, warn);
  if (typeof output === 'string') return `its response's output: ${output}`;
  const error = isRecord(value.error) ? errorBody(value.error) : null;
  const details = isRecord(value.incomplete_details)
    ? { ...value.incomplete_details, reason: str(value.incomplete_details.reason) }
    : null;
  const u = isRecord(value.usage) ? value.usage : undefined;
  const usage =
    u && typeof u.input_tokens === 'number'
      ? {
          ...u,
          input_tokens: u.input_tokens,
          output_tokens: num(u.output_tokens) ?? 0,
          input_tokens_details: isRecord(u.input_tokens_details)
            ? { ...u.input_tokens_details, cached_tokens: num(u.input_tokens_details.cached_tokens) }
            : undefined,
        }
      : undefined;
  return {
    ...value,
    id: value.id,
    status: str(value.status) ?? 'unknown',
    output,
    usage,
    error,
    incomplete_details: details,
    previous_response_id: str(value.previous_response_id) ?? null,
    model: str(value.model),
  };
}

function errorBody(inner: Raw): ApiErrorBody {
  const message =
    str(inner.message) ?? `the server sent an error without a message: ${JSON.stringify(inner).slice(0, 200)}`;
  const type = str(inner.type);
  return {
    ...inner,
    message,
    code: str(inner.code) ?? null,
    param: str(inner.param) ?? null,
    ...(type !== undefined ? { type } : {}),
  };
}

/** The `error` of an HTTP error body (`{error: {...}}`), if it has one. */
export function errorBodyOf(body: unknown): ApiErrorBody | undefined {
  return isRecord(body) && isRecord(body.error) ? errorBody(body.error) : undefined;
}

function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isRecord(v)) for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  return out;
}

const TERMINAL: ReadonlySet<string> = new Set(['response.completed', 'response.failed', 'response.incomplete']);

/**
 * Turns one server event (a parsed frame or SSE record) into the closed union. A known event
 * missing a field this client reads is passed on as `unknown` with its `problem` (and warned
 * about): a delta can be lost without harm, the items come again whole. Except where the event
 * decides the response: a terminal event without a usable response is returned as a string,
 * the problem (a protocol violation: the caller fails the response). An `error` is always an
 * error (its message made up when missing).
 */
export function toServerEvent(raw: Raw, warn?: Warn): ServerEvent | string {
  const type = raw.type;
  if (typeof type !== 'string') return 'event without a string "type"';
  const at = where(raw);
  const unknown = (problem: string): UnknownServerEvent => {
    warn?.(`malformed ${type} event passed on as unknown: ${problem}`);
    return { type: 'unknown', rawType: type, raw, problem };
  };
  const need = <K extends string>(field: K): string | undefined => str(raw[field]);
  switch (type) {
    case 'response.created':
    case 'response.in_progress':
    case 'response.queued':
    case 'response.completed':
    case 'response.failed':
    case 'response.incomplete': {
      const response = parseResponse(raw.response, warn);
      if (typeof response !== 'string')
        return { type, response, ...(at.sequence_number !== undefined ? { sequence_number: at.sequence_number } : {}) };
      return TERMINAL.has(type) ? `${type}: ${response}` : unknown(response);
    }
    case 'response.output_item.added':
    case 'response.output_item.done': {
      const parsed = parseItem(raw.item);
      if ('malformed' in parsed) return unknown(parsed.malformed);
      if ('unknown' in parsed)
        return {
          type: 'unknown',
          rawType: type,
          raw,
          problem: `an item of type "${parsed.unknown}", which Warmline does not model`,
        };
      const item = parsed.item;
      if (!isOutputItem(item)) return unknown(`a ${item.type} item is not model output`);
      return {
        type,
        item,
        ...(at.output_index !== undefined ? { output_index: at.output_index } : {}),
        ...(at.sequence_number !== undefined ? { sequence_number: at.sequence_number } : {}),
      };
    }
    case 'response.content_part.added':
    case 'response.content_part.done': {
      const part = raw.part;
      if (!isRecord(part) || typeof part.type !== 'string') return unknown('"part" is not a typed object');
      return {
        type,
        part: { ...part, type: part.type },
        ...at,
        ...(num(raw.content_index) !== undefined ? { content_index: num(raw.content_index) } : {}),
      };
    }
    case 'response.output_text.delta':
    case 'response.reasoning_summary_text.delta':
    case 'response.reasoning_text.delta':
    case 'response.function_call_arguments.delta':
    case 'response.custom_tool_call_input.delta': {
      const delta = need('delta');
      if (delta === undefined) return unknown('"delta" is not a string');
      return { type, delta, ...at };
    }
    case 'response.output_text.done':
    case 'response.reasoning_summary_text.done':
    case 'response.reasoning_text.done': {
      const text = need('text');
      if (text === undefined) return unknown('"text" is not a string');
      return { type, text, ...at };
    }
    case 'response.function_call_arguments.done': {
      const args = need('arguments');
      if (args === undefined) return unknown('"arguments" is not a string');
      const name = need('name');
      return { type, arguments: args, ...at, ...(name !== undefined ? { name } : {}) };
    }
    case 'response.custom_tool_call_input.done': {
      const input = need('input');
      if (input === undefined) return unknown('"input" is not a string');
      return { type, input, ...at };
    }
    case 'error': {
      const inner = isRecord(raw.error) ? raw.error : raw;
      if (typeof inner.message !== 'string')
        warn?.(`an error event without a message: ${JSON.stringify(raw).slice(0, 200)}`);
      // The flat shape: only its error fields (its `type` is the event's).
      const body = errorBody(inner === raw ? { message: raw.message, code: raw.code, param: raw.param } : inner);
      const headers = { ...stringMap(raw.headers), ...stringMap(inner.headers) };
      const status = num(raw.status);
      return {
        type: 'error',
        error: body,
        ...(status !== undefined ? { status } : {}),
        ...(Object.keys(headers).length ? { headers } : {}),
        ...(at.sequence_number !== undefined ? { sequence_number: at.sequence_number } : {}),
      };
    }
    default:
      return { type: 'unknown', rawType: type, raw };
  }
}

/**
 * Parses one frame (or SSE data record) into a server event. Returns a string describing the
 * problem when the frame is not a JSON object with a string `type`, or is a terminal event
 * without a usable response: a protocol violation.
 */
export function parseServerEvent(text: string, warn?: Warn): ServerEvent | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return `not JSON: ${text.slice(0, 80)}`;
  }
  if (!isRecord(value)) return 'not a JSON object';
  return toServerEvent(value, warn);
}

// ---------- helpers over items ----------

export function userMessage(text: string): MessageItem {
  return { type: 'message', role: 'user', content: [{ type: 'input_text', text }] };
}

export function isToolCall(item: InputItem): item is FunctionCallItem | CustomToolCallItem {
  return item.type === 'function_call' || item.type === 'custom_tool_call';
}

/** The text of an assistant message item (all its output_text parts). */
export function messageText(item: InputItem): string {
  if (item.type !== 'message') return '';
  const content = item.content;
  if (typeof content === 'string') return content;
  return content.map((p) => (p.type === 'output_text' && typeof p.text === 'string' ? p.text : '')).join('');
}

/** The `call_id` of a tool call or tool output item. */
export function callIdOf(item: InputItem): string | undefined {
  return item.type === 'function_call' ||
    item.type === 'custom_tool_call' ||
    item.type === 'function_call_output' ||
    item.type === 'custom_tool_call_output'
    ? item.call_id
    : undefined;
}

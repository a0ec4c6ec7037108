import type { InputItem, OutputItem, ResponseRequest } from './protocol.ts';

/** What the server holds for a lane: the last request sent in full, and what the model answered. */
export interface ChainState {
  /** The last request as it would have been sent in full: the whole context, no `previous_response_id`. */
  request: ResponseRequest;
  output: OutputItem[];
  responseId: string;
  /** Which server-side cache holds it: `ws:<socket id>`, or `store` when `store: true` made it durable. */
  holder: string;
  /** JSON size of `request.input` and `output`: kept as a running sum, so no turn re-serialises the history. */
  contextBytes: number;
}

/** The JSON size of items as they stand in an `input` array (each item and its separator). */
export function itemsBytes(items: readonly unknown[]): number {
  let n = 0;
  for (const item of items) n += Buffer.byteLength(JSON.stringify(item)) + 1;
  return n;
}

export interface PlannedRequest {
  body: ResponseRequest;
  mode: 'delta' | 'full';
  /** Why the full context was sent, when it was. */
  reason?: 'no_chain' | 'fields_changed' | 'not_a_continuation';
}

// Fields that do not take part in the comparison: they are per-request by nature. The prompt
// cache key only routes the request to a cache; the chain itself does not depend on it.
const NOT_COMPARED = new Set(['input', 'previous_response_id', 'generate', 'stream', 'prompt_cache_key']);

function sameItem(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

function sameFields(a: ResponseRequest, b: ResponseRequest): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    if (NOT_COMPARED.has(k)) continue;
    if (!sameItem(a[k], b[k])) return false;
  }
  return true;
}

/**
 * The delta rule (of the WebSocket mode's connection-local cache, as Codex applies it): a request continues the chain, and is
 * sent as only its new input items plus `previous_response_id`, iff every field but `input` is
 * unchanged and its input starts with the previous request's input followed by that response's
 * output. Anything else is sent in full, with no `previous_response_id`.
 */
export function planRequest(full: ResponseRequest, chain: ChainState | undefined): PlannedRequest {
  if (!chain) return { body: full, mode: 'full', reason: 'no_chain' };
  if (!sameFields(full, chain.request)) return { body: full, mode: 'full', reason: 'fields_changed' };
  const prefix: InputItem[] = [...chain.request.input, ...chain.output];
  if (full.input.length < prefix.length) return { body: full, mode: 'full', reason: 'not_a_continuation' };
  for (let i = 0; i < prefix.length; i++) {
    if (!sameItem(full.input[i], prefix[i])) return { body: full, mode: 'full', reason: 'not_a_continuation' };
  }
  return {
    body: { ...full, input: full.input.slice(prefix.length), previous_response_id: chain.responseId },
    mode: 'delta',
  };
}

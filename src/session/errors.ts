import type { ApiErrorBody, ErrorEvent, ResponseObject } from './protocol.ts';
import { windowFromError } from './context-window.ts';

/** What went wrong, in terms a caller can act on. */
export type SessionErrorCode =
  | 'no_api_key' // nothing configured: ask the user for a key
  | 'bad_api_key' // 401
  | 'no_access' // 403 / 404: the key cannot use this model or endpoint
  | 'item_not_found' // 404 naming an input item the server does not have (store: false)
  | 'context_length_exceeded' // the conversation is larger than the model's context window
  | 'compaction_failed' // the conversation could not be made to fit the window
  | 'rate_limited' // 429, after retries
  | 'server_error' // 5xx, after retries
  | 'invalid_request' // 400 that is not one of the codes below
  | 'previous_response_not_found' // the server's connection cache lost the chain
  | 'connection_limit' // websocket_connection_limit_reached
  | 'response_failed' // response.failed
  | 'response_incomplete' // response.incomplete
  | 'upgrade_refused' // the WebSocket upgrade was answered without 101
  | 'network' // connect failed, socket dropped mid-response
  | 'connection_refused' // nothing is listening at the address (ECONNREFUSED): a local server not running
  | 'stalled' // no event for the stall timeout mid-response
  | 'protocol' // the server broke the protocol (malformed frame, ...)
  | 'server_unsupported' // neither the WebSocket mode nor HTTP worked against this endpoint
  | 'proxy' // the proxy setting is malformed
  | 'cancelled'; // the caller cancelled

const MESSAGES: Record<SessionErrorCode, string> = {
  no_api_key: 'No API key is set. Run "Warmline: Set API Key", or point warmline.baseUrl at a local server.',
  bad_api_key: 'The API key was refused (401). Check it with "Warmline: Set API Key".',
  no_access: 'This key has no access to the model or endpoint. Check warmline.model and warmline.baseUrl.',
  item_not_found: 'The server no longer has an item of this conversation (it keeps nothing with store: false).',
  context_length_exceeded: "The conversation no longer fits the model's context window.",
  compaction_failed:
    "The conversation could not be compacted to fit the model's context window. Start a new chat, or use a model with a larger window.",
  rate_limited: 'The API is rate limiting this key. Wait a moment and retry.',
  server_error: 'The API had a server error. Retry in a moment.',
  invalid_request: 'The API rejected the request.',
  previous_response_not_found: 'The server no longer has this conversation cached.',
  connection_limit: 'The connection reached its time limit.',
  response_failed: 'The model failed to finish its answer.',
  response_incomplete: 'The model stopped before finishing its answer.',
  upgrade_refused: 'The server (or a proxy) refused the WebSocket connection.',
  network: 'The connection to the API was lost.',
  connection_refused: 'Nothing is listening at the server address: is the server running?',
  stalled: 'The API stopped sending data mid-answer.',
  protocol: 'The server sent something Warmline could not understand.',
  proxy: 'The proxy setting cannot be used. Check http.proxy or the HTTPS_PROXY variable.',
  server_unsupported: 'This server does not speak the Responses API as Warmline needs it. Check warmline.baseUrl.',
  cancelled: 'Cancelled.',
};

interface SessionErrorExtra {
  status?: number;
  apiCode?: string;
  retryAfterMs?: number;
  closeCode?: number;
  contextWindow?: number;
  param?: string;
  response?: ResponseObject;
  cause?: unknown;
  /** The whole message, where the generic one would say less (e.g. naming the address). */
  message?: string;
}

export class SessionError extends Error {
  readonly code: SessionErrorCode;
  readonly status?: number;
  /** The API's own error code, when it sent one (e.g. `rate_limit_exceeded`). */
  readonly apiCode?: string;
  readonly retryAfterMs?: number;
  readonly closeCode?: number;
  /** With `context_length_exceeded`: the window the server named, when it named one. */
  readonly contextWindow?: number;
  /** The request field the API named (`param`), e.g. `include` for a refused include value. */
  readonly param?: string;
  /** With `response_incomplete`: the response as far as it went. */
  readonly response?: ResponseObject;

  constructor(code: SessionErrorCode, detail?: string, extra: SessionErrorExtra = {}) {
    super(
      extra.message ?? (detail ? `${MESSAGES[code]} (${detail})` : MESSAGES[code]),
      extra.cause === undefined ? undefined : { cause: extra.cause },
    );
    this.name = 'SessionError';
    this.code = code;
    this.status = extra.status;
    this.apiCode = extra.apiCode;
    this.retryAfterMs = extra.retryAfterMs;
    this.closeCode = extra.closeCode;
    this.contextWindow = extra.contextWindow;
    this.param = extra.param;
    this.response = extra.response;
  }
}

/**
 * A connect error as a SessionError: nothing listening (ECONNREFUSED, not through a proxy) is
 * said as such, naming the address; anything else is `network`.
 */
export function connectError(err: NodeJS.ErrnoException, where: string, via: string): SessionError {
  if (err.code === 'ECONNREFUSED' && !via) {
    return new SessionError('connection_refused', err.message, {
      cause: err,
      message: `Nothing is listening at ${where}: is the server running? (${err.message})`,
    });
  }
  return new SessionError('network', `${where}${via}: ${err.message}`, { cause: err });
}

/** A `retry-after` header (seconds or an HTTP date) as milliseconds. */
export function parseRetryAfter(value: string | undefined | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function headerValue(headers: Record<string, string> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return v;
  return undefined;
}

const CONTENT_FAULT = /\b(pars(e|ing)|JSON|arguments?|schema|grammar|template|item\[|input\[)/i;

/** Maps an HTTP status and the API's error body (if any) to a typed error. */
export function errorFromStatus(status: number, body?: ApiErrorBody, headers?: Record<string, string>): SessionError {
  const apiCode = body?.code ?? undefined;
  const detail = body?.message ? `${status}: ${body.message}` : `HTTP ${status}`;
  const extra = { status, apiCode, param: body?.param ?? undefined };
  if (apiCode === 'previous_response_not_found') return new SessionError('previous_response_not_found', detail, extra);
  if (apiCode === 'websocket_connection_limit_reached') return new SessionError('connection_limit', detail, extra);
  // llama.cpp's server says it with its own error type, and names its window (`n_ctx`).
  if (apiCode === 'context_length_exceeded' || body?.type === 'exceed_context_size_error') {
    return new SessionError('context_length_exceeded', detail, {
      ...extra,
      contextWindow: windowFromError(body, detail),
    });
  }
  // With store: false the server keeps no item: one named in the input that it cannot rebuild
  // (a reasoning item without its encrypted content) is "not found". Not a question of access.
  if (status === 404 && missingItemId(body?.message)) return new SessionError('item_not_found', detail, extra);
  if (status === 401) return new SessionError('bad_api_key', detail, extra);
  if (status === 403 || status === 404) return new SessionError('no_access', detail, extra);
  if (status === 429)
    return new SessionError('rate_limited', detail, {
      ...extra,
      retryAfterMs: parseRetryAfter(headerValue(headers, 'retry-after')),
    });
  // A server failing on what the request carries (llama.cpp: 500 "Failed to parse tool call
  // arguments as JSON"): the identical request would fail the same way, so it is not retried.
  if (status >= 500 && body?.message && CONTENT_FAULT.test(body.message)) {
    return new SessionError('invalid_request', detail, {
      ...extra,
      message: `The server could not process this conversation (${detail}); sending it again unchanged would fail the same way.`,
    });
  }
  if (status >= 500) return new SessionError('server_error', detail, extra);
  return new SessionError('invalid_request', detail, extra);
}

/** The id in the API's "Item with id 'rs_…' not found" message, if that is what it says. */
export function missingItemId(message: string | undefined): string | undefined {
  return message ? /\bItem with id '([^']+)' not found/i.exec(message)?.[1] : undefined;
}

/** Maps an `error` event (either shape the server sends: see ErrorEvent) to a typed error. */
export function errorFromEvent(ev: ErrorEvent): SessionError {
  if (ev.status !== undefined) return errorFromStatus(ev.status, ev.error, ev.headers);
  return errorFromCode(ev.error.code ?? undefined, ev.error.message, ev.headers, ev.error.param ?? undefined);
}

function errorFromCode(
  code: string | undefined,
  message: string,
  headers?: Record<string, string>,
  param?: string,
): SessionError {
  const detail = code ? `${code}: ${message}` : message;
  switch (code) {
    case 'previous_response_not_found':
      return new SessionError('previous_response_not_found', detail, { apiCode: code });
    case 'websocket_connection_limit_reached':
      return new SessionError('connection_limit', detail, { apiCode: code });
    case 'context_length_exceeded':
      return new SessionError('context_length_exceeded', detail, {
        apiCode: code,
        contextWindow: windowFromError(undefined, message),
      });
    case 'rate_limit_exceeded':
      return new SessionError('rate_limited', detail, {
        apiCode: code,
        retryAfterMs: parseRetryAfter(headerValue(headers, 'retry-after')),
      });
    case 'server_error':
      return new SessionError('server_error', detail, { apiCode: code });
    case 'invalid_api_key':
      return new SessionError('bad_api_key', detail, { apiCode: code });
    default:
      return new SessionError(code ? 'invalid_request' : 'server_error', detail, { apiCode: code, param });
  }
}

export function errorFromClose(code: number, reason: string): SessionError {
  const detail = `socket closed with ${code}${reason ? ` ${reason}` : ''}`;
  if (code === 1008) return new SessionError('no_access', detail, { closeCode: code });
  if (code === 1002 || code === 1003 || code === 1007) return new SessionError('protocol', detail, { closeCode: code });
  return new SessionError('network', detail, { closeCode: code });
}

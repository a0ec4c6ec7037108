import type { Agent } from 'node:http';
import type { ResponseObject, ResponseRequest, ServerEvent } from './protocol.ts';

/** Counters a transport keeps for one request, read by the session's per-turn metrics. */
export interface StreamStats {
  bytesSent: number;
  bytesReceived: number;
  /** ms from send to the first event of the response. */
  firstEventMs?: number;
}

/**
 * One way of running a response: send a request, stream its events to `onEvent`, settle with
 * the completed response or a `SessionError`. One request at a time per transport instance.
 */
export interface ResponseTransport {
  readonly kind: 'websocket' | 'http';
  /** True while the server-side cache this transport talks to can still hold earlier responses. */
  readonly alive: boolean;
  run(
    body: ResponseRequest,
    onEvent: (ev: ServerEvent) => void,
    signal: AbortSignal | undefined,
    stats: StreamStats,
  ): Promise<ResponseObject>;
  close(): void;
}

/** Settings shared by both transports. */
export interface TransportOptions {
  /** HTTP base URL of the API, including the version: `https://api.openai.com/v1`. */
  baseUrl: string;
  headers: Record<string, string>;
  connectTimeoutMs: number;
  /** No event for this long mid-response fails the request as `stalled`. */
  stallTimeoutMs: number;
  /**
   * How to reach the server: `agentFor(url, proxySettings)` from proxy.ts (a proxy agent, or
   * undefined when no proxy applies). Undefined: a direct connection (the HTTP transport then
   * uses its own keep-alive agent).
   */
  agent?: Agent;
}

/** `https://host/v1` -> `wss://host/v1/responses`, as the SDKs derive it. */
export function webSocketUrl(baseUrl: string): string {
  const url = new URL(`${baseUrl.replace(/\/+$/, '')}/responses`);
  if (url.protocol === 'https:') url.protocol = 'wss:';
  else if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol !== 'ws:' && url.protocol !== 'wss:')
    throw new Error(`Unsupported base URL scheme: ${url.protocol}`);
  return url.toString();
}

export function httpUrl(baseUrl: string): string {
  const url = new URL(`${baseUrl.replace(/\/+$/, '')}/responses`);
  if (url.protocol === 'wss:') url.protocol = 'https:';
  else if (url.protocol === 'ws:') url.protocol = 'http:';
  return url.toString();
}

/** The server's address as a user would type it (`http://127.0.0.1:8080`), for messages. */
export function httpOrigin(baseUrl: string): string {
  return new URL(httpUrl(baseUrl)).origin;
}

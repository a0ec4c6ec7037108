import http from 'node:http';
import https from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { createParser } from 'eventsource-parser';
import { SessionError, connectError, errorFromEvent, errorFromStatus } from './errors.ts';
import type { Logger } from './log.ts';
import { errorBodyOf, isTerminalEvent, parseServerEvent } from './protocol.ts';
import type { ApiErrorBody, ResponseObject, ResponseRequest, ServerEvent } from './protocol.ts';
import { proxyFailure, viaProxy } from './proxy.ts';
import type { ResponseTransport, StreamStats, TransportOptions } from './transport.ts';
import { httpUrl } from './transport.ts';

export interface HttpOptions extends TransportOptions {
  logger: Logger;
}

// Direct connections (no proxy agent given) share one keep-alive agent per scheme for the
// process, so consecutive turns reuse one connection, as global fetch did. Idle sockets are
// unref'd by Node: they never keep the process alive.
const directHttp = new http.Agent({ keepAlive: true });
const directHttps = new https.Agent({ keepAlive: true });

/** After the terminal event, the rest of the body is read (so the connection can be reused) for at most this long. */
const DRAIN_MS = 5_000;
/** Most of a non-2xx body kept for the error message. */
const MAX_ERROR_BODY = 64 * 1024;

type Outcome = { response: ResponseObject; error?: undefined } | { error: SessionError; response?: undefined };

/**
 * `POST /responses` with `stream: true`, read as server-sent events. Same events as the
 * WebSocket mode; the server keeps no connection cache, so with `store: false` every request
 * carries the whole context. Uses `node:http(s)` (not fetch) so a proxy agent can be given.
 */
export class HttpResponses implements ResponseTransport {
  readonly kind = 'http' as const;
  readonly alive = true;
  private readonly options: HttpOptions;

  constructor(options: HttpOptions) {
    this.options = options;
  }

  async run(
    body: ResponseRequest,
    onEvent: (ev: ServerEvent) => void,
    signal: AbortSignal | undefined,
    stats: StreamStats,
  ): Promise<ResponseObject> {
    const { generate: _generate, ...rest } = body;
    const payload = Buffer.from(JSON.stringify({ ...rest, stream: true }));
    stats.bytesSent += payload.byteLength;
    if (signal?.aborted) throw new SessionError('cancelled');
    return this.attempt(payload, onEvent, signal, stats, true);
  }

  close(): void {}

  /**
   * A plain JSON `POST` next to `/responses` (e.g. `/responses/compact`): the parsed body, or a
   * typed error from its status.
   */
  postJson(subPath: string, body: unknown, signal?: AbortSignal): Promise<unknown> {
    const url = new URL(httpUrl(this.options.baseUrl).replace(/\/+$/, '') + subPath);
    const secure = url.protocol === 'https:';
    const payload = Buffer.from(JSON.stringify(body));
    const via = viaProxy(this.options.agent);
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(new SessionError('cancelled'));
      const req = (secure ? https : http).request(url, {
        method: 'POST',
        agent: this.options.agent ?? (secure ? directHttps : directHttp),
        timeout: this.options.stallTimeoutMs,
        headers: {
          ...this.options.headers,
          'content-type': 'application/json',
          accept: 'application/json',
          'content-length': payload.byteLength,
        },
      });
      const onAbort = () => {
        req.destroy();
        reject(new SessionError('cancelled'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => signal?.removeEventListener('abort', onAbort);
      req.on('timeout', () =>
        req.destroy(new Error(`no answer for ${Math.round(this.options.stallTimeoutMs / 1000)} s`)),
      );
      req.on('error', (err) => {
        done();
        reject(signal?.aborted ? new SessionError('cancelled') : connectError(err, url.origin, via));
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => {
          done();
          reject(new SessionError('network', `${url.origin}${via}: ${err.message}`, { cause: err }));
        });
        res.on('end', () => {
          done();
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch {
            parsed = undefined;
          }
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300 && parsed !== undefined) return resolve(parsed);
          if (status >= 200 && status < 300)
            return reject(
              new SessionError('protocol', `${url.pathname} answered ${status} with a body that is not JSON`),
            );
          const errBody = errorBodyOf(parsed) ?? (text ? { message: text.slice(0, 200) } : undefined);
          reject(errorFromStatus(status, errBody, flatHeaders(res.headers)));
        });
      });
      req.end(payload);
    });
  }

  private attempt(
    payload: Buffer,
    onEvent: (ev: ServerEvent) => void,
    signal: AbortSignal | undefined,
    stats: StreamStats,
    mayResend: boolean,
  ): Promise<ResponseObject> {
    const url = new URL(httpUrl(this.options.baseUrl));
    const secure = url.protocol === 'https:';
    const proxyAgent = this.options.agent;
    const via = viaProxy(proxyAgent);
    const stallMs = this.options.stallTimeoutMs;
    const sentAt = Date.now();
    return new Promise<ResponseObject>((resolve, reject) => {
      let settled = false;
      let stallTimer: NodeJS.Timeout | undefined;
      let res: IncomingMessage | undefined;
      const req = (secure ? https : http).request(url, {
        method: 'POST',
        agent: proxyAgent ?? (secure ? directHttps : directHttp),
        headers: {
          ...this.options.headers,
          'content-type': 'application/json',
          accept: 'text/event-stream',
          'content-length': payload.byteLength,
        },
      });
      const cleanup = () => {
        settled = true;
        clearTimeout(stallTimer);
        signal?.removeEventListener('abort', onAbort);
      };
      /** Ends the request with an error and drops its connection. */
      const fail = (err: SessionError) => {
        if (settled) return;
        cleanup();
        req.destroy();
        reject(err);
      };
      /** The stream reached its end (a terminal or error event): keep the connection for the next request. */
      const finish = (outcome: Outcome) => {
        if (settled) return;
        if (outcome.error?.code === 'protocol') return fail(outcome.error);
        cleanup();
        if (res && !res.complete) {
          const cut = setTimeout(() => req.destroy(), DRAIN_MS);
          cut.unref();
          res.once('close', () => clearTimeout(cut));
          res.resume();
        }
        if (outcome.error) reject(outcome.error);
        else resolve(outcome.response);
      };
      const armStall = () => {
        clearTimeout(stallTimer);
        stallTimer = setTimeout(
          () => fail(new SessionError('stalled', `no data for ${Math.round(stallMs / 1000)} s`)),
          stallMs,
        );
      };
      const onAbort = () => fail(new SessionError('cancelled'));
      signal?.addEventListener('abort', onAbort, { once: true });
      armStall();

      req.on('error', (err: NodeJS.ErrnoException) => {
        if (settled) return;
        // A kept-alive connection the server closed while it sat idle: the request never reached
        // the server, so it is sent once more, on a fresh connection.
        if (mayResend && !res && req.reusedSocket && err.code === 'ECONNRESET') {
          cleanup();
          this.options.logger.debug(`http: the kept-alive connection was closed by the server; resending`);
          resolve(this.attempt(payload, onEvent, signal, stats, false));
          return;
        }
        fail(connectError(err, url.origin, via));
      });

      req.on('response', (response: IncomingMessage) => {
        res = response;
        const status = response.statusCode ?? 0;
        response.on('error', (err: Error) =>
          fail(new SessionError('network', `${url.origin}${via}: ${err.message}`, { cause: err })),
        );
        if (status < 200 || status >= 300) {
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            armStall();
            stats.bytesReceived += chunk.byteLength;
            if (size < MAX_ERROR_BODY) {
              chunks.push(chunk);
              size += chunk.byteLength;
            }
          });
          response.on('end', () => {
            const byProxy = proxyFailure(proxyAgent, req, status, url.href);
            if (byProxy) return fail(new SessionError('network', byProxy.message, { status, cause: byProxy }));
            const text = Buffer.concat(chunks).toString('utf8');
            let errBody: ApiErrorBody | undefined;
            try {
              errBody = errorBodyOf(JSON.parse(text));
            } catch {
              errBody = text ? { message: text.slice(0, 200) } : undefined;
            }
            finish({ error: errorFromStatus(status, errBody, flatHeaders(response.headers)) });
          });
          response.on('close', () =>
            fail(
              new SessionError(
                'network',
                `${url.origin}${via}: the connection closed before the ${status} response was read`,
                { status },
              ),
            ),
          );
          return;
        }
        let outcome: Outcome | undefined;
        const parser = createParser({
          onEvent: (message) => {
            if (outcome || settled) return;
            if (message.data === '[DONE]') return; // the Open Responses spec ends with it; OpenAI does not
            const ev = parseServerEvent(message.data, (m) => this.options.logger.warn(`HTTP stream: ${m}`));
            if (typeof ev === 'string') {
              outcome = { error: new SessionError('protocol', ev) };
              return;
            }
            if (stats.firstEventMs === undefined) stats.firstEventMs = Date.now() - sentAt;
            try {
              onEvent(ev);
            } catch (err) {
              this.options.logger.error(`event handler threw: ${String(err)}`);
            }
            if (ev.type === 'error') outcome = { error: errorFromEvent(ev) };
            else if (isTerminalEvent(ev)) {
              const r = ev.response;
              if (ev.type === 'response.completed') outcome = { response: r };
              else if (ev.type === 'response.failed')
                outcome = {
                  error: new SessionError('response_failed', r.error?.message, { apiCode: r.error?.code ?? undefined }),
                };
              else
                outcome = {
                  error: new SessionError('response_incomplete', r.incomplete_details?.reason, { response: r }),
                };
            }
          },
        });
        const decoder = new TextDecoder();
        response.on('data', (chunk: Buffer) => {
          if (settled) return; // draining after the terminal event
          armStall();
          stats.bytesReceived += chunk.byteLength;
          parser.feed(decoder.decode(chunk, { stream: true }));
          if (outcome) finish(outcome);
        });
        const ended = () => fail(new SessionError('network', 'the event stream ended before the response finished'));
        response.on('end', ended);
        response.on('close', ended);
      });

      req.end(payload);
    });
  }
}

function flatHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

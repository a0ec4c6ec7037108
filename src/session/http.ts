import { createParser } from 'eventsource-parser';
import { SessionError, errorFromEvent, errorFromStatus } from './errors.ts';
import type { Logger } from './log.ts';
import { isTerminalEvent, parseServerEvent } from './protocol.ts';
import type { ApiErrorBody, ErrorEvent, ResponseObject, ResponseRequest, ServerEvent } from './protocol.ts';
import type { ResponseTransport, StreamStats, TransportOptions } from './transport.ts';
import { httpUrl } from './transport.ts';

export interface HttpOptions extends TransportOptions { logger: Logger }

/**
 * `POST /responses` with `stream: true`, read as server-sent events. Same events as the
 * WebSocket mode; the server keeps no connection cache, so with `store: false` every request
 * carries the whole context.
 */
export class HttpResponses implements ResponseTransport {
  readonly kind = 'http' as const;
  readonly alive = true;
  private readonly options: HttpOptions;

  constructor(options: HttpOptions) { this.options = options }

  async run(body: ResponseRequest, onEvent: (ev: ServerEvent) => void, signal: AbortSignal | undefined, stats: StreamStats): Promise<ResponseObject> {
    const { generate: _generate, ...rest } = body;
    const payload = JSON.stringify({ ...rest, stream: true });
    stats.bytesSent += Buffer.byteLength(payload);
    const controller = new AbortController();
    let stalled = false;
    let stallTimer: NodeJS.Timeout | undefined;
    const armStall = () => {
      clearTimeout(stallTimer);
      stallTimer = setTimeout(() => { stalled = true; controller.abort() }, this.options.stallTimeoutMs);
    };
    const onAbort = () => controller.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const sentAt = Date.now();
    const failure = (err: unknown): SessionError => {
      if (err instanceof SessionError) return err;
      if (signal?.aborted) return new SessionError('cancelled');
      if (stalled) return new SessionError('stalled', `no data for ${Math.round(this.options.stallTimeoutMs / 1000)} s`);
      return new SessionError('network', (err as Error)?.message ?? String(err), { cause: err });
    };
    try {
      armStall();
      const res = await fetch(httpUrl(this.options.baseUrl), {
        method: 'POST',
        headers: { ...this.options.headers, 'content-type': 'application/json', accept: 'text/event-stream' },
        body: payload,
        signal: controller.signal,
      });
      if (!res.ok || !res.body) {
        const text = await res.text().catch(() => '');
        let errBody: ApiErrorBody | undefined;
        try { errBody = (JSON.parse(text) as { error?: ApiErrorBody }).error } catch { errBody = text ? { message: text.slice(0, 200) } : undefined }
        throw errorFromStatus(res.status, errBody, Object.fromEntries(res.headers));
      }
      return await this.readStream(res.body, onEvent, stats, sentAt, armStall);
    } catch (err) {
      throw failure(err);
    } finally {
      clearTimeout(stallTimer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  close(): void {}

  private async readStream(body: ReadableStream<Uint8Array>, onEvent: (ev: ServerEvent) => void, stats: StreamStats, sentAt: number, onData: () => void): Promise<ResponseObject> {
    let outcome: { response?: ResponseObject; error?: SessionError } | undefined;
    const parser = createParser({
      onEvent: (message) => {
        if (outcome) return;
        if (message.data === '[DONE]') return; // the Open Responses spec ends with it; OpenAI does not
        const ev = parseServerEvent(message.data);
        if (typeof ev === 'string') { outcome = { error: new SessionError('protocol', ev) }; return }
        if (stats.firstEventMs === undefined) stats.firstEventMs = Date.now() - sentAt;
        try { onEvent(ev) } catch (err) { this.options.logger.error(`event handler threw: ${String(err)}`) }
        if (ev.type === 'error') outcome = { error: errorFromEvent(ev as ErrorEvent) };
        else if (isTerminalEvent(ev)) {
          const r = ev.response;
          if (ev.type === 'response.completed') outcome = { response: r };
          else if (ev.type === 'response.failed') outcome = { error: new SessionError('response_failed', r.error?.message, { apiCode: r.error?.code ?? undefined }) };
          else outcome = { error: new SessionError('response_incomplete', r.incomplete_details?.reason) };
        }
      },
    });
    const decoder = new TextDecoder();
    const reader = body.getReader();
    try {
      while (!outcome) {
        const { done, value } = await reader.read();
        if (done) break;
        onData();
        stats.bytesReceived += value.byteLength;
        parser.feed(decoder.decode(value, { stream: true }));
      }
    } finally {
      reader.cancel().catch(() => {});
    }
    if (!outcome) throw new SessionError('network', 'the event stream ended before the response finished');
    if (outcome.error) throw outcome.error;
    return outcome.response!;
  }
}

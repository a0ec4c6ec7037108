// The webview's end of the typed channel in src/shared/messages.ts. Every host message has a
// handler in one map (a missing one is a compile error); requests get a promise for the reply.
import type { HostMessage, HostMessages, HostReply, WebviewMessages, WebviewRequests } from '../shared/messages.ts';

export interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare global {
  /** Provided by VS Code inside a webview (once per page: a second call throws). */
  function acquireVsCodeApi(): VsCodeApi;
}

export type HostHandlers = { [K in keyof HostMessages]: (payload: HostMessages[K]) => void };

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

export class HostChannel {
  private readonly api: VsCodeApi;
  private nextRequestId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(api: VsCodeApi) {
    this.api = api;
  }

  post<K extends keyof WebviewMessages>(type: K, payload: WebviewMessages[K]): void {
    this.api.postMessage({ type, payload });
  }

  /** Rejects after `timeoutMs` so a host that never answers does not leave the UI waiting. */
  request<K extends keyof WebviewRequests>(
    name: K,
    payload: WebviewRequests[K][0],
    timeoutMs = 5000,
  ): Promise<WebviewRequests[K][1]> {
    const requestId = this.nextRequestId++;
    return new Promise<WebviewRequests[K][1]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(new Error(`${name}: no reply`));
      }, timeoutMs);
      this.pending.set(requestId, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.api.postMessage({ type: 'request', name, requestId, payload });
    });
  }

  /** Starts dispatching host messages; unknown or malformed ones are dropped, never thrown on. */
  listen(handlers: HostHandlers): void {
    window.addEventListener('message', (event: MessageEvent) => {
      const data: unknown = event.data;
      if (!data || typeof data !== 'object' || typeof (data as { type?: unknown }).type !== 'string') return;
      const msg = data as HostMessage | HostReply;
      if (msg.type === 'reply') {
        const p = this.pending.get((msg as HostReply).requestId);
        if (!p) return;
        this.pending.delete((msg as HostReply).requestId);
        clearTimeout(p.timer);
        p.resolve((msg as HostReply).payload);
        return;
      }
      const handler = handlers[(msg as HostMessage).type] as ((payload: unknown) => void) | undefined;
      if (!handler || typeof handler !== 'function' || !Object.hasOwn(handlers, msg.type)) return;
      try {
        handler((msg as HostMessage).payload);
      } catch (error) {
        // One bad message must not take the whole view down; the console shows it in devtools.
        console.error(`warmline webview: ${msg.type} failed`, error);
      }
    });
  }

  get state(): Record<string, unknown> {
    const s = this.api.getState();
    return s && typeof s === 'object' ? (s as Record<string, unknown>) : {};
  }

  saveState(patch: Record<string, unknown>): void {
    this.api.setState({ ...this.state, ...patch });
  }
}

export type Post = HostChannel['post'];

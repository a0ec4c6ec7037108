// VS Code finds tasks by asking every task provider (vscode.tasks.fetchTasks); offline, or with
// a slow extension, that has taken minutes, with no limit and no way to stop it. TaskDiscovery
// runs that fetch in the background, one at a time, keeps what it returned, and lets a caller
// wait only as long as it chooses, abortably. A fetch limited to one task type asks only that
// type's providers. No `vscode` import: the host passes the fetch function in.
import { ToolError } from './types.ts';

export interface Discovered<T> {
  tasks: T[];
  /** 'ready': the last fetch finished; 'detecting': none has finished yet; 'failed': the last one threw. */
  state: 'ready' | 'detecting' | 'failed';
  /** How long the fetch in flight has been running, if one is. */
  runningMs?: number;
  error?: string;
}

/** Waits for `p` at most `ms`: its value, or undefined at the time limit. Rejects 'cancelled' when `signal` aborts first. */
export async function waitAtMost<T>(
  p: PromiseLike<T>,
  ms: number,
  signal: AbortSignal,
): Promise<{ value: T } | undefined> {
  if (signal.aborted) throw new ToolError('cancelled', 'Cancelled.');
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    return await Promise.race([
      Promise.resolve(p).then((value) => ({ value })),
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), ms);
      }),
      new Promise<never>((_, reject) => {
        onAbort = () => reject(new ToolError('cancelled', 'Cancelled.'));
        signal.addEventListener('abort', onAbort, { once: true });
      }),
    ]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

export class TaskDiscovery<T> {
  private readonly fetch: (type?: string) => PromiseLike<T[]>;
  private readonly maxAgeMs: number;
  private cache?: { tasks: T[]; at: number };
  private error?: string;
  private inflight?: { done: Promise<void>; started: number };
  private readonly typed = new Map<string, Promise<T[]>>();

  /** `maxAgeMs`: a cache older than this is refreshed in the background (and still used meanwhile). */
  constructor(fetch: (type?: string) => PromiseLike<T[]>, maxAgeMs = 30_000) {
    this.fetch = fetch;
    this.maxAgeMs = maxAgeMs;
  }

  /** Starts a background fetch unless one is running or the cache is fresh. */
  refresh(): void {
    if (this.inflight || (this.cache && Date.now() - this.cache.at < this.maxAgeMs)) return;
    const started = Date.now();
    const done = Promise.resolve()
      .then(() => this.fetch())
      .then(
        (tasks) => {
          this.cache = { tasks, at: Date.now() };
          this.error = undefined;
        },
        (e: unknown) => {
          this.error = e instanceof Error ? e.message : String(e);
        },
      )
      .finally(() => {
        this.inflight = undefined;
      });
    this.inflight = { done, started };
  }

  /** What is known now, after waiting at most `waitMs` for a fetch in flight. */
  async list(waitMs: number, signal: AbortSignal): Promise<Discovered<T>> {
    this.refresh();
    if (this.inflight && waitMs > 0) await waitAtMost(this.inflight.done, waitMs, signal);
    return this.snapshot();
  }

  snapshot(): Discovered<T> {
    const running = this.inflight ? { runningMs: Date.now() - this.inflight.started } : {};
    if (this.cache) return { tasks: this.cache.tasks, state: 'ready', ...running };
    if (this.error !== undefined) return { tasks: [], state: 'failed', error: this.error, ...running };
    return { tasks: [], state: 'detecting', ...running };
  }

  /**
   * Tasks of one type, fetched from that type's providers only, waiting at most `waitMs`;
   * undefined at the time limit (the fetch goes on, and a later call shares it).
   */
  async ofType(type: string, waitMs: number, signal: AbortSignal): Promise<T[] | undefined> {
    let p = this.typed.get(type);
    if (!p) {
      p = Promise.resolve().then(() => this.fetch(type));
      const forget = () => {
        this.typed.delete(type);
      };
      p.then(forget, forget);
      this.typed.set(type, p);
    }
    return (await waitAtMost(p, waitMs, signal))?.value;
  }
}

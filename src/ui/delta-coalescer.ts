// Batches the chat's streamed messages on the host side. A model streams a delta every few
// milliseconds (a fast one hundreds a second), and each postMessage to the webview is a
// structured clone, an IPC hop and a `message` task in the view. The view renders at most once a
// frame anyway, so the host sends at most one message per stream per interval (~one frame):
//
//   - the first delta after a quiet interval goes at once (no added latency for the first token);
//   - later ones are joined per stream (`text.delta` per message id, `tool.progress` per tool
//     id) and sent when the interval since the last send is over: no delta waits longer than
//     one interval; a `tool.preview` is the whole preview so far: a later one replaces the one
//     waiting;
//   - any other message (a tool card, a reset, the turn's end, an error, an approval, a chat
//     load) first sends everything pending, so the view sees every delta before it, as if
//     nothing had been batched.
//
// Joining keeps each stream's text in order, and different streams go to different places in the
// view (the message's text, one tool card's output), so their relative order within one batch
// does not matter. No vscode import: the unit tests drive it with a fake clock.
import type { HostMessage } from '../shared/messages.ts';

export interface CoalescerClock {
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

export const systemClock: CoalescerClock = {
  now: () => performance.now(),
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** About one frame at 60 Hz. */
export const DEFAULT_INTERVAL_MS = 16;

type Streamed = Extract<HostMessage, { type: 'text.delta' | 'tool.progress' | 'tool.preview' }>;

function isStreamed(m: HostMessage): m is Streamed {
  return m.type === 'text.delta' || m.type === 'tool.progress' || m.type === 'tool.preview';
}

function joined(a: Streamed, b: Streamed): Streamed {
  if (a.type === 'text.delta' && b.type === 'text.delta')
    return { type: 'text.delta', payload: { id: a.payload.id, delta: a.payload.delta + b.payload.delta } };
  if (a.type === 'tool.progress' && b.type === 'tool.progress')
    return { type: 'tool.progress', payload: { id: a.payload.id, chunk: a.payload.chunk + b.payload.chunk } };
  if (a.type === 'tool.preview' && b.type === 'tool.preview') return b;
  throw new Error(`cannot join ${a.type} and ${b.type}`);
}

export class DeltaCoalescer {
  private readonly send: (m: HostMessage) => void;
  private readonly interval: number;
  private readonly clock: CoalescerClock;
  /** What waits, one message per stream, in the order the streams first had something waiting. */
  private readonly pending = new Map<string, Streamed>();
  private lastSent = Number.NEGATIVE_INFINITY;
  private timer: unknown;
  private timerSet = false;

  constructor(send: (m: HostMessage) => void, options: { intervalMs?: number; clock?: CoalescerClock } = {}) {
    this.send = send;
    this.interval = options.intervalMs ?? DEFAULT_INTERVAL_MS;
    this.clock = options.clock ?? systemClock;
  }

  /** Messages waiting to be sent (one per stream). */
  get waiting(): number {
    return this.pending.size;
  }

  post(m: HostMessage): void {
    if (!isStreamed(m)) {
      this.flush();
      this.send(m);
      return;
    }
    const now = this.clock.now();
    if (this.pending.size === 0 && now - this.lastSent >= this.interval) {
      this.lastSent = now;
      this.send(m);
      return;
    }
    const key = `${m.type}\n${m.payload.id}`;
    const before = this.pending.get(key);
    this.pending.set(key, before ? joined(before, m) : m);
    if (!this.timerSet) {
      this.timerSet = true;
      this.timer = this.clock.setTimer(
        () => {
          this.timerSet = false;
          this.flush();
        },
        Math.max(0, this.lastSent + this.interval - now),
      );
    }
  }

  /** Sends everything waiting now. */
  flush(): void {
    if (this.timerSet) {
      this.clock.clearTimer(this.timer);
      this.timerSet = false;
    }
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    this.pending.clear();
    this.lastSent = this.clock.now();
    for (const m of batch) this.send(m);
  }
}

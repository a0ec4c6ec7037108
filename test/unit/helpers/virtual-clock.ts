// A clock and timers that move only when told, for DeltaCoalescer (src/ui/delta-coalescer.ts):
// its unit tests, the webview test that streams batched deltas, and bench/webview, which replays
// a recorded stream through the real coalescer to get the messages the host would post.
import { DeltaCoalescer } from '../../../src/ui/delta-coalescer.ts';
import type { CoalescerClock } from '../../../src/ui/delta-coalescer.ts';
import type { HostMessage } from '../../../src/shared/messages.ts';

export class VirtualClock implements CoalescerClock {
  time = 0;
  private nextId = 1;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.time;
  }

  setTimer(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.set(id, { at: this.time + ms, fn });
    return id;
  }

  clearTimer(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Moves time forward without running timers: the event loop was busy, so timers run late. */
  stall(ms: number): void {
    this.time += ms;
  }

  /** Moves time forward, running each timer at its due time, in due order. */
  advance(ms: number): void {
    this.advanceTo(this.time + ms);
  }

  advanceTo(end: number): void {
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.timers) if (entry[1].at <= end && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.timers.delete(next[0]);
      this.time = Math.max(this.time, next[1].at);
      next[1].fn();
    }
    this.time = Math.max(this.time, end);
  }
}

/**
 * What the host posts for a recorded stream: `messages[i]` reaches the controller at
 * `arrivals[i]` ms; the result is each posted message with the time it was posted.
 */
export function coalesceRecorded(
  messages: HostMessage[],
  arrivals: number[],
  intervalMs?: number,
): { m: HostMessage; at: number }[] {
  const clock = new VirtualClock();
  const out: { m: HostMessage; at: number }[] = [];
  const coalescer = new DeltaCoalescer((m) => out.push({ m, at: clock.now() }), { intervalMs, clock });
  messages.forEach((m, i) => {
    clock.advanceTo(arrivals[i] ?? clock.time);
    coalescer.post(m);
  });
  clock.advance(1000);
  return out;
}

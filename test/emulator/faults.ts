// Responses emulator (a test double, not AI): armed faults. A fault waits for the first
// request (or upgrade) it applies to; `times` says how many it spoils.

import type { Fault, FaultKind } from './types.ts';

export type FaultPhase = 'upgrade' | 'request' | 'stream';

const PHASE: Record<FaultKind, FaultPhase> = {
  refuse_upgrade: 'upgrade',
  close_after_upgrade: 'upgrade',
  rate_limit: 'request',
  server_error: 'request',
  close_socket: 'request',
  connection_limit: 'request',
  evict_previous: 'request',
  drop_mid_stream: 'stream',
  stall: 'stream',
  malformed_frame: 'stream',
  response_failed: 'stream',
  incomplete: 'stream',
  stream_error: 'stream',
};

// Faults that only make sense on a socket; an HTTP request does not consume them.
const WS_ONLY: ReadonlySet<FaultKind> = new Set(['close_socket', 'connection_limit']);

export interface FaultQuery {
  phase: FaultPhase;
  transport: 'websocket' | 'http';
  warmup: boolean;
  hasPrevious: boolean;
}

export class FaultBox {
  private armed: { fault: Fault; left: number }[] = [];

  arm(f: Fault): void {
    if (!(f.kind in PHASE)) throw new Error(`Responses emulator: unknown fault kind '${String(f.kind)}'`);
    this.armed.push({ fault: f, left: Math.max(1, f.times ?? 1) });
  }

  /** The first armed fault that applies, consuming one use of it. */
  take(q: FaultQuery): Fault | undefined {
    const idx = this.armed.findIndex(({ fault }) => {
      if (PHASE[fault.kind] !== q.phase) return false;
      if (q.phase === 'upgrade') return true;
      if (q.transport === 'http' && WS_ONLY.has(fault.kind)) return false;
      if (q.warmup && !fault.includeWarmup) return false;
      // evict_previous targets the next continuation, whenever it comes.
      if (fault.kind === 'evict_previous' && !q.hasPrevious) return false;
      return true;
    });
    const slot = this.armed[idx];
    if (!slot) return undefined;
    if (--slot.left <= 0) this.armed.splice(idx, 1);
    return slot.fault;
  }
}

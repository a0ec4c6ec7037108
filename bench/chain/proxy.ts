// A delaying TCP proxy on loopback: the benchmark's network link. It forwards bytes both ways
// unchanged (TLS stays end to end between client and server) and delays every chunk by RTT/2
// in each direction, preserving order. A new connection also pays the TCP handshake: the
// client's first bytes leave one RTT after it connected (SYN + SYN-ACK), as on a real link,
// because loopback completes the client's connect() at once.
//
// Optional uplink/downlink bandwidth (Mbit/s) serialises chunks at that rate; 0 = unlimited.
import net from 'node:net';

export interface ProxyOptions {
  targetHost: string;
  targetPort: number;
  rttMs: number;
  uplinkMbps?: number;
  downlinkMbps?: number;
}

export interface ProxyStats {
  connections: number;
  bytesUp: number;
  bytesDown: number;
}

export interface DelayProxy {
  port: number;
  stats: ProxyStats;
  resetStats(): void;
  close(): Promise<void>;
}

/** One direction of a connection: a FIFO of chunks, each released at its due time. */
class DelayedPipe {
  private readonly queue: { data: Buffer; due: number }[] = [];
  private timer?: NodeJS.Timeout;
  private lastDeparture = 0;
  private ended = false;
  private readonly delayMs: number;
  private readonly bytesPerMs: number;
  private readonly notBefore: number;
  private readonly out: net.Socket;
  private readonly count: (n: number) => void;

  constructor(out: net.Socket, delayMs: number, mbps: number, notBefore: number, count: (n: number) => void) {
    this.out = out;
    this.delayMs = delayMs;
    this.bytesPerMs = mbps > 0 ? (mbps * 1e6) / 8 / 1000 : 0;
    this.notBefore = notBefore;
    this.count = count;
  }

  push(data: Buffer): void {
    const now = performance.now();
    let due = Math.max(now, this.notBefore) + this.delayMs;
    if (this.bytesPerMs > 0) due = Math.max(due, this.lastDeparture) + data.length / this.bytesPerMs;
    this.lastDeparture = due;
    this.queue.push({ data, due });
    this.count(data.length);
    this.schedule();
  }

  /** The source ended: end the destination once everything queued has been delivered. */
  end(): void {
    this.ended = true;
    this.schedule();
  }

  destroy(): void {
    clearTimeout(this.timer);
    this.queue.length = 0;
  }

  private schedule(): void {
    if (this.timer) return;
    const head = this.queue[0];
    if (!head) {
      if (this.ended && !this.out.destroyed) this.out.end();
      return;
    }
    this.timer = setTimeout(() => this.flush(), Math.max(0, head.due - performance.now()));
  }

  private flush(): void {
    this.timer = undefined;
    const now = performance.now();
    // Timers may fire up to ~1 ms early relative to performance.now(); allow that slack.
    while (this.queue.length && (this.queue[0] as { due: number }).due <= now + 0.5) {
      const { data } = this.queue.shift() as { data: Buffer };
      if (!this.out.destroyed) this.out.write(data);
    }
    this.schedule();
  }
}

export async function startDelayProxy(opts: ProxyOptions): Promise<DelayProxy> {
  const stats: ProxyStats = { connections: 0, bytesUp: 0, bytesDown: 0 };
  const sockets = new Set<net.Socket>();
  const half = opts.rttMs / 2;
  const server = net.createServer({ noDelay: true }, (client) => {
    stats.connections++;
    const acceptedAt = performance.now();
    const upstream = net.connect({ host: opts.targetHost, port: opts.targetPort, noDelay: true });
    sockets.add(client).add(upstream);
    client.setNoDelay(true);
    // Client -> server: first bytes wait for the simulated TCP handshake (one RTT).
    const up = new DelayedPipe(upstream, half, opts.uplinkMbps ?? 0, acceptedAt + opts.rttMs, (n) => {
      stats.bytesUp += n;
    });
    const down = new DelayedPipe(client, half, opts.downlinkMbps ?? 0, 0, (n) => {
      stats.bytesDown += n;
    });
    client.on('data', (d) => up.push(d));
    upstream.on('data', (d) => down.push(d));
    client.on('end', () => up.end());
    upstream.on('end', () => down.end());
    const kill = () => {
      up.destroy();
      down.destroy();
      client.destroy();
      upstream.destroy();
    };
    // A reset on one side is delivered to the other side after the link delay, like a RST.
    client.on('error', () => setTimeout(kill, half));
    upstream.on('error', () => setTimeout(kill, half));
    client.on('close', () => {
      sockets.delete(client);
      setTimeout(() => {
        if (!upstream.writableEnded) upstream.end();
      }, half + 50).unref();
    });
    upstream.on('close', () => {
      sockets.delete(upstream);
      setTimeout(() => {
        if (!client.writableEnded) client.end();
      }, half + 50).unref();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    port,
    stats,
    resetStats() {
      stats.connections = 0;
      stats.bytesUp = 0;
      stats.bytesDown = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

// A small, real forward proxy on 127.0.0.1 for the proxy tests: `CONNECT host:port` tunnels
// (how https/wss go through a proxy) and absolute-URI requests (how http/ws go), WebSocket
// upgrades included. It records every request it saw. Loopback targets only: it is a test
// double, not a general proxy.
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';

export interface ProxyOptions {
  /** `user:password`: requests without a matching `Proxy-Authorization: Basic ...` get 407. */
  requireAuth?: string;
  /** Answer 403 to any plain (absolute-URI) request carrying `Upgrade: websocket`. CONNECT still works. */
  refuseUpgrades?: boolean;
  /** Answer 403 to every CONNECT. */
  refuseConnect?: boolean;
}

export interface ProxyLogEntry {
  /** `CONNECT`, `GET`, `POST`, ... */
  method: string;
  /** `host:port` for CONNECT, the absolute URI otherwise. */
  target: string;
  upgrade: boolean;
  /** 1-based number of the client connection it came on (keep-alive reuse shows as repeats). */
  connection: number;
  /** What the proxy answered: 200 for an open tunnel, 101/2xx/... as forwarded, or its own 403/407/502. */
  status?: number;
  /** The `Proxy-Authorization` header it was sent, if any. */
  proxyAuthorization?: string;
}

export interface TestProxy {
  url: string;
  port: number;
  log: ProxyLogEntry[];
  /** Tunnels and forwarded connections currently open. */
  openConnections(): number;
  close(): Promise<void>;
}

/** Hop-by-hop headers a proxy must not forward (RFC 9110 §7.6.1), plus the proxy's own. */
const HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authorization',
  'proxy-authenticate',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

export async function startConnectProxy(opts: ProxyOptions = {}): Promise<TestProxy> {
  const log: ProxyLogEntry[] = [];
  const connectionIds = new WeakMap<object, number>();
  let connections = 0;
  const sockets = new Set<net.Socket | Duplex>();
  const track = <T extends net.Socket | Duplex>(s: T): T => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    return s;
  };
  const expectedAuth = opts.requireAuth ? `Basic ${Buffer.from(opts.requireAuth).toString('base64')}` : undefined;

  const entry = (req: IncomingMessage): ProxyLogEntry => {
    const e: ProxyLogEntry = {
      method: req.method ?? '',
      target: req.url ?? '',
      upgrade: (req.headers.upgrade ?? '').toLowerCase() === 'websocket',
      connection: connectionIds.get(req.socket) ?? 0,
    };
    if (req.headers['proxy-authorization']) e.proxyAuthorization = req.headers['proxy-authorization'];
    log.push(e);
    return e;
  };
  const authorized = (req: IncomingMessage) => !expectedAuth || req.headers['proxy-authorization'] === expectedAuth;

  /** A raw status answer on a socket (CONNECT and upgrades have no ServerResponse). */
  const answerRaw = (socket: Duplex, e: ProxyLogEntry, status: number, extra = ''): void => {
    e.status = status;
    const text = `test proxy: ${http.STATUS_CODES[status] ?? 'error'}\n`;
    socket.end(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Error'}\r\n${extra}Content-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
    );
  };
  const AUTH_CHALLENGE = 'Proxy-Authenticate: Basic realm="warmline-test-proxy"\r\n';

  const server = http.createServer((req: IncomingMessage, res: ServerResponse) => {
    const e = entry(req);
    const answer = (status: number, headers: http.OutgoingHttpHeaders = {}) => {
      e.status = status;
      res.writeHead(status, { 'content-type': 'text/plain', ...headers });
      res.end(`test proxy: ${http.STATUS_CODES[status] ?? 'error'}\n`);
    };
    if (!authorized(req)) return answer(407, { 'proxy-authenticate': 'Basic realm="warmline-test-proxy"' });
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      return answer(400);
    }
    if (target.protocol !== 'http:') return answer(400);
    const upstream = http.request({
      host: target.hostname,
      port: target.port || 80,
      method: req.method,
      path: target.pathname + target.search,
      headers: forwardHeaders(req.headers),
      agent: false,
    });
    upstream.on('socket', (s) => track(s));
    upstream.on('error', () => {
      if (!res.headersSent) answer(502);
      else res.destroy();
    });
    upstream.on('response', (up) => {
      e.status = up.statusCode;
      res.writeHead(up.statusCode ?? 502, forwardHeaders(up.headers));
      up.pipe(res);
      up.on('error', () => res.destroy());
    });
    req.pipe(upstream);
  });

  server.on('connect', (req: IncomingMessage, client: Duplex, head: Buffer) => {
    track(client);
    const e = entry(req);
    if (opts.refuseConnect) return answerRaw(client, e, 403);
    if (!authorized(req)) return answerRaw(client, e, 407, AUTH_CHALLENGE);
    const [host, port] = splitHostPort(req.url ?? '');
    if (!host || !port) return answerRaw(client, e, 400);
    const upstream = track(net.connect(port, host));
    upstream.once('connect', () => {
      e.status = 200;
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.once('error', () => {
      if (e.status === undefined) answerRaw(client, e, 502);
      else client.destroy();
    });
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  });

  server.on('upgrade', (req: IncomingMessage, client: Duplex, head: Buffer) => {
    track(client);
    const e = entry(req);
    if (!authorized(req)) return answerRaw(client, e, 407, AUTH_CHALLENGE);
    if (opts.refuseUpgrades && e.upgrade) return answerRaw(client, e, 403);
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      return answerRaw(client, e, 400);
    }
    if (target.protocol !== 'http:' && target.protocol !== 'ws:') return answerRaw(client, e, 400);
    const upstream = track(net.connect(Number(target.port || 80), target.hostname));
    upstream.once('connect', () => {
      // The request as the origin expects it: origin-form path, proxy headers dropped, upgrade kept.
      let head1 = `${req.method} ${target.pathname}${target.search} HTTP/1.1\r\n`;
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        const name = req.rawHeaders[i]!;
        if (/^proxy-/i.test(name)) continue;
        head1 += `${name}: ${req.rawHeaders[i + 1]}\r\n`;
      }
      upstream.write(`${head1}\r\n`);
      if (head.length) upstream.write(head);
      // The status line the origin answers is recorded, then everything is piped through.
      upstream.once('data', (first: Buffer) => {
        e.status = Number(/^HTTP\/1\.1 (\d{3})/.exec(first.toString('latin1'))?.[1]) || undefined;
      });
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.once('error', () => {
      if (e.status === undefined) answerRaw(client, e, 502);
      else client.destroy();
    });
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  });

  server.on('connection', (s: net.Socket) => {
    connectionIds.set(s, ++connections);
    track(s);
  });
  server.on('clientError', (_err, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    log,
    openConnections: () => sockets.size,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
        server.closeAllConnections();
      }),
  };
}

function forwardHeaders(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined && !HOP.has(k)) out[k] = v;
  return out;
}

function splitHostPort(target: string): [string | undefined, number | undefined] {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(target);
  return m ? [m[1], Number(m[2])] : [undefined, undefined];
}

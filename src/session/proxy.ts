// Proxy support for both transports: VS Code's `http.proxy` / `http.proxyStrictSSL`, else the
// standard environment variables. The result is a Node `http.Agent` that `ws` and
// `node:http(s).request` both take, so the WebSocket and the HTTP transport go the same way.
import type { Agent, ClientRequest } from 'node:http';
import net from 'node:net';
import { HttpProxyAgent } from 'http-proxy-agent';
import { HttpsProxyAgent } from 'https-proxy-agent';
// @ts-expect-error proxy-from-env 2 ships no type declarations (its one export is typed below)
import { getProxyForUrl as untypedGetProxyForUrl } from 'proxy-from-env';

const getProxyForUrl = untypedGetProxyForUrl as (url: string) => string;

export interface ProxySettings {
  /**
   * VS Code's `http.proxy`: `http://[user:pass@]host:port` (or `https://` for a TLS proxy).
   * Empty or undefined: use the environment (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`,
   * `NO_PROXY`, upper or lower case). An explicit URL applies to every target, loopback
   * included; `NO_PROXY` only filters the environment's proxies.
   */
  url?: string;
  /**
   * VS Code's `http.proxyStrictSSL`. Default true. `false`: the TLS connection to the target
   * made through the proxy (and to an `https://` proxy itself) is not verified, for proxies
   * that intercept TLS with a certificate Node does not trust. Applies only when a proxy is
   * used: a direct connection is always verified (extra CAs: `NODE_EXTRA_CA_CERTS`).
   */
  strictSSL?: boolean;
}

/** A proxy setting that cannot be used. Thrown by `agentFor`; its message names the setting. */
export class ProxyConfigError extends Error {
  /** `http.proxy`, or the environment variable the value came from. */
  readonly setting: string;
  constructor(setting: string, message: string) {
    super(message);
    this.name = 'ProxyConfigError';
    this.setting = setting;
  }
}

/**
 * The proxy, not the server, refused the request (CONNECT refused, or 407). The transports put
 * it as the `cause` of their `network` SessionError, so a caller can tell a proxy problem from a
 * server that does not speak the protocol (`err.cause instanceof ProxyError`).
 */
export class ProxyError extends Error {
  readonly status: number;
  /** The proxy, without credentials. */
  readonly proxy: string;
  constructor(message: string, status: number, proxy: string) {
    super(message);
    this.name = 'ProxyError';
    this.status = status;
    this.proxy = proxy;
  }
}

/** What a proxy answered to CONNECT when it refused to open the tunnel. */
export interface ProxyRefusal {
  status: number;
  statusText: string;
}

// https-proxy-agent replays a refused CONNECT's answer as if the target had sent it (so the
// request gets a plain response object); this remembers which requests that happened to.
const refusals = new WeakMap<ClientRequest, ProxyRefusal>();
// One agent per (target scheme, proxy, strictness): keep-alive connections through the proxy
// are then reused by consecutive requests, as the transports' direct agents are.
const agents = new Map<string, Agent>();
const proxyNames = new WeakMap<Agent, string>();

/**
 * The agent that routes a request to `targetUrl` through the configured proxy, or undefined
 * when none applies. `https:`/`wss:` targets get an `HttpsProxyAgent` (a CONNECT tunnel, TLS
 * to the target inside it); `http:`/`ws:` targets an `HttpProxyAgent` (absolute-URI requests,
 * WebSocket upgrades included).
 *
 * With no explicit `url`, the environment decides (`proxy-from-env`), except that **loopback
 * targets (`localhost`, `127.0.0.0/8`, `::1`) are never proxied through the environment**: a
 * local Responses server is reached directly even when a corporate `HTTPS_PROXY` is set.
 * An environment proxy without a scheme (`proxy:3128`) is taken as `http://`, as curl does.
 *
 * Throws `ProxyConfigError` (naming the setting) for a malformed or unsupported proxy URL.
 * Agents are cached per (scheme, proxy, strictSSL): the same settings give the same agent.
 */
export function agentFor(targetUrl: string, settings: ProxySettings = {}): Agent | undefined {
  const target = new URL(targetUrl);
  const secure = target.protocol === 'https:' || target.protocol === 'wss:';
  if (!secure && target.protocol !== 'http:' && target.protocol !== 'ws:') return undefined;
  const explicit = settings.url?.trim();
  let setting = 'http.proxy';
  let raw: string;
  if (explicit) {
    raw = explicit;
  } else {
    if (isLoopback(target.hostname)) return undefined;
    // proxy-from-env looks up `<scheme>_proxy`: ask with the HTTP scheme so wss uses HTTPS_PROXY.
    const asHttp = new URL(target.href);
    asHttp.protocol = secure ? 'https:' : 'http:';
    raw = getProxyForUrl(asHttp.href);
    if (!raw) return undefined;
    setting =
      envName(secure ? 'https_proxy' : 'http_proxy') ?? envName('all_proxy') ?? 'the proxy environment variables';
    const given = process.env[setting] ?? '';
    if (given && !given.includes('://')) raw = `http://${given.trim()}`;
  }
  const proxy = parseProxyUrl(raw, setting);
  const strict = settings.strictSSL !== false;
  const key = `${secure ? 'https' : 'http'}|${proxy.href}|${strict}`;
  let agent = agents.get(key);
  if (!agent) {
    const tlsOpts = strict ? {} : { rejectUnauthorized: false };
    agent = secure
      ? strict
        ? new HttpsProxyAgent(proxy, { keepAlive: true })
        : new UnverifiedHttpsProxyAgent(proxy, { keepAlive: true, ...tlsOpts })
      : new HttpProxyAgent(proxy, { keepAlive: true, ...tlsOpts });
    agent.on('proxyConnect', (connect: { statusCode?: number; statusText?: string }, req: ClientRequest) => {
      if (typeof connect.statusCode === 'number' && connect.statusCode !== 200)
        refusals.set(req, { status: connect.statusCode, statusText: connect.statusText ?? '' });
    });
    proxyNames.set(agent, redact(proxy));
    agents.set(key, agent);
  }
  return agent;
}

/** The proxy an agent from `agentFor` goes through, without credentials (for messages); undefined for any other agent. */
export function proxyName(agent: Agent | undefined): string | undefined {
  return agent ? proxyNames.get(agent) : undefined;
}

/** Set when the proxy refused to open a CONNECT tunnel for `req` (the response it got is the proxy's). */
export function proxyRefusal(req: ClientRequest): ProxyRefusal | undefined {
  return refusals.get(req);
}

/**
 * A response that came from the proxy rather than from the server: a refused CONNECT, or 407
 * (Proxy Authentication Required). Undefined when the response is the server's.
 */
export function proxyFailure(
  agent: Agent | undefined,
  req: ClientRequest,
  status: number,
  target: string,
): ProxyError | undefined {
  const name = proxyName(agent);
  if (!name) return undefined;
  const refusal = proxyRefusal(req);
  const host = new URL(target).host;
  if (refusal)
    return new ProxyError(
      `proxy ${name} refused to open a tunnel to ${host}: ${`${refusal.status} ${refusal.statusText}`.trim()}${authHint(refusal.status)}`,
      refusal.status,
      name,
    );
  if (status === 407)
    return new ProxyError(
      `proxy ${name} answered 407 Proxy Authentication Required for ${host}${authHint(407)}`,
      407,
      name,
    );
  return undefined;
}

/** ` via proxy http://host:port` when the agent is a proxy agent, else ''. */
export function viaProxy(agent: Agent | undefined): string {
  const name = proxyName(agent);
  return name ? ` via proxy ${name}` : '';
}

function authHint(status: number): string {
  return status === 407 ? ' (put the credentials in the proxy URL: http://user:password@host:port)' : '';
}

/** https-proxy-agent takes the target's TLS options from the request; this one adds `rejectUnauthorized: false`. */
class UnverifiedHttpsProxyAgent extends HttpsProxyAgent<string> {
  override connect(
    req: ClientRequest,
    opts: Parameters<HttpsProxyAgent<string>['connect']>[1],
  ): ReturnType<HttpsProxyAgent<string>['connect']> {
    return super.connect(req, { ...opts, rejectUnauthorized: false } as typeof opts);
  }
}

function parseProxyUrl(raw: string, setting: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ProxyConfigError(
      setting,
      `Invalid proxy URL in ${setting}: "${redactText(raw)}" is not a URL (expected http://host:port or http://user:password@host:port).`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ProxyConfigError(
      setting,
      `Unsupported proxy URL in ${setting}: "${redact(url)}" (only http:// and https:// proxies are supported).`,
    );
  }
  if (!url.hostname)
    throw new ProxyConfigError(setting, `Invalid proxy URL in ${setting}: "${redact(url)}" has no host.`);
  return url;
}

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (net.isIPv4(host)) return host.startsWith('127.');
  if (net.isIPv6(host)) return host === '::1' || /^::ffff:127\./.test(host);
  return false;
}

/** The name of the set environment variable `name` / `NAME` (lower case first, as proxy-from-env reads them). */
function envName(name: string): string | undefined {
  if (process.env[name.toLowerCase()]) return name.toLowerCase();
  if (process.env[name.toUpperCase()]) return name.toUpperCase();
  return undefined;
}

function redact(url: URL): string {
  if (!url.username && !url.password) return url.origin === 'null' ? url.href : url.origin;
  return `${url.protocol}//***@${url.host}`;
}

function redactText(text: string): string {
  return text.replace(/\/\/[^@/]*@/, '//***@').replace(/^[^:/@]*:[^@/]*@/, '***@');
}

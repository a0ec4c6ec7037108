// The MCP client side: one SDK `Client` per configured server, over stdio (a process Warmline
// starts, only after the user allowed that definition once) or streamable HTTP. Servers start in
// the background when configured; their tools are listed (and listed again on
// `notifications/tools/list_changed`); calls are time-limited, cancellable and stream progress.
// A server that dies is marked failed with the tail of its stderr; its next call starts it again.
// Nothing here throws at the caller but ToolErrors with a sentence the model can read.
import { readFile } from 'node:fs/promises';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { ToolError } from '../types.ts';
import type { Tool } from '../types.ts';
import { commandLine, definitionHash, parseEnvFile } from './config.ts';
import type { McpConfigResult, McpServerConfig } from './config.ts';
import { startRefusal } from './policy.ts';
import type { McpAutoApprove } from './policy.ts';
import { mcpTool, mcpToolName } from './tools.ts';
import type { McpCallResult, McpCaller, McpToolInfo } from './tools.ts';

export type McpServerState =
  | 'starting'
  | 'ready'
  | 'failed'
  | 'declined' // the user did not allow starting it
  | 'refused' // a restricted workspace: a workspace-defined server does not start
  | 'invalid' // its definition cannot be used
  | 'stopped';

export interface McpServerStatus {
  name: string;
  origin: string;
  type?: 'stdio' | 'http';
  state: McpServerState;
  tools: number;
  error?: string;
  /** The process id of a running stdio server. */
  pid?: number;
}

/** Remembered start approvals of stdio server definitions (by definitionHash). */
export interface McpStartApprovals {
  has(hash: string): boolean;
  add(hash: string): void | Promise<void>;
}

export interface McpManagerOptions {
  /** Asks before a stdio server definition first starts; true to start it (then remembered in `approvals`). */
  confirmStart(server: McpServerConfig, commandLine: string): Promise<boolean>;
  approvals: McpStartApprovals;
  isTrusted(): boolean;
  /** A call (and a server's start) gets this long without an answer or progress (warmline.mcp.timeoutSeconds). */
  timeoutMs(): number;
  /** A call gets at most this long in all, progress or not. */
  maxTotalMs?(): number;
  autoApprove(): McpAutoApprove;
  /** The servers' set of tools changed (one started, stopped, or sent list_changed). */
  onToolsChanged?(): void;
  /** A server's state changed (for a status view). */
  onStatus?(): void;
  log?(message: string): void;
}

const STDERR_TAIL = 2000;

type Transport = StdioClientTransport | StreamableHTTPClientTransport;

interface Entry {
  config: McpServerConfig;
  hash: string;
  state: McpServerState;
  error?: string;
  tools: McpToolInfo[];
  client?: Client;
  transport?: Transport;
  stderr: string;
  /** The start in progress. */
  starting?: Promise<void>;
  /** Set when Warmline closes it on purpose: the close is not a crash. */
  closing?: boolean;
}

/**
 * The SDK hands notifications (progress among them) to their handlers a microtask later, but
 * settles a response at once: when a server's last progress notifications and its result arrive
 * in one read, the result wins and that progress is lost ("unknown token"). Delaying responses by
 * one microtask keeps the order the server sent them in.
 */
function keepProgressBeforeResponse(transport: Transport): void {
  const t = transport as { onmessage?: (message: JSONRPCMessage, extra?: unknown) => void };
  const deliver = t.onmessage;
  if (!deliver) return;
  t.onmessage = (message, extra) => {
    if ('result' in message || 'error' in message) queueMicrotask(() => deliver(message, extra));
    else deliver(message, extra);
  };
}

export class McpManager implements McpCaller {
  private readonly options: McpManagerOptions;
  private readonly servers = new Map<string, Entry>();
  private readonly errors: string[] = [];
  private disposed = false;

  constructor(options: McpManagerOptions) {
    this.options = options;
  }

  /**
   * Takes a new set of definitions: servers gone or changed are closed, new ones (and ones that
   * may start now, after the workspace was trusted) start in the background.
   */
  configure(config: McpConfigResult): void {
    if (this.disposed) return;
    this.errors.splice(0, this.errors.length, ...config.errors);
    for (const e of config.errors) this.options.log?.(e);
    const wanted = new Map(config.servers.map((s) => [s.name, s]));
    let changed = false;
    for (const [name, entry] of this.servers) {
      const next = wanted.get(name);
      if (next && definitionHash(next) === entry.hash && next.origin === entry.config.origin) continue;
      this.servers.delete(name);
      if (entry.tools.length) changed = true;
      void this.close(entry);
    }
    for (const config of wanted.values()) {
      const existing = this.servers.get(config.name);
      if (existing && existing.state !== 'refused') continue;
      const entry: Entry = existing ?? {
        config,
        hash: definitionHash(config),
        state: 'stopped',
        tools: [],
        stderr: '',
      };
      this.servers.set(config.name, entry);
      void this.start(entry);
    }
    if (changed) this.options.onToolsChanged?.();
    this.options.onStatus?.();
  }

  /** Resolves when no server is starting (tests, and the status command). */
  async settled(): Promise<void> {
    for (;;) {
      const pending = [...this.servers.values()].map((e) => e.starting).filter((p) => p !== undefined);
      if (!pending.length) return;
      await Promise.allSettled(pending);
    }
  }

  /** Starts a server again (the status command): a declined one is asked again. */
  async restart(name: string): Promise<void> {
    const entry = this.servers.get(name);
    if (!entry) return;
    await this.close(entry);
    entry.closing = false;
    await this.start(entry);
  }

  status(): McpServerStatus[] {
    return [...this.servers.values()].map((e) => ({
      name: e.config.name,
      origin: e.config.origin,
      type: e.config.transport?.type,
      state: e.state,
      tools: e.tools.length,
      error: e.error,
      pid: e.transport instanceof StdioClientTransport ? (e.transport.pid ?? undefined) : undefined,
    }));
  }

  /** Definitions that could not be read at all (a broken mcp.json). */
  configErrors(): string[] {
    return [...this.errors];
  }

  /** Every server's tools as Warmline tools, named so as not to clash with `taken` (the built-in tools). */
  tools(taken: Iterable<string>): Tool[] {
    const names = new Set(taken);
    const out: Tool[] = [];
    for (const e of this.servers.values()) {
      for (const info of e.tools) {
        const name = mcpToolName(e.config.name, info.name, names);
        names.add(name);
        out.push(mcpTool(e.config.name, info, name, this) as Tool);
      }
    }
    return out;
  }

  autoApprove(): McpAutoApprove {
    return this.options.autoApprove();
  }

  async call(
    server: string,
    tool: string,
    args: Record<string, unknown>,
    options: { signal: AbortSignal; onProgress(text: string): void },
  ): Promise<McpCallResult> {
    const entry = this.servers.get(server);
    if (!entry) throw new ToolError('not_found', `MCP server '${server}' is no longer configured.`);
    if (entry.state !== 'ready' && entry.state !== 'starting') {
      if (entry.state === 'failed' || entry.state === 'stopped') await this.start(entry);
      else throw new ToolError('not_allowed', entry.error ?? `MCP server '${server}' is not running.`);
    }
    if (entry.starting) await entry.starting;
    const client = entry.client;
    if (entry.state !== 'ready' || !client)
      throw new ToolError('failed', entry.error ?? `MCP server '${server}' could not be started.`);
    const timeout = this.options.timeoutMs();
    try {
      const result = await client.callTool({ name: tool, arguments: args }, undefined, {
        signal: options.signal,
        timeout,
        resetTimeoutOnProgress: true,
        maxTotalTimeout: this.options.maxTotalMs?.(),
        onprogress: (p) => {
          const text = p.message ?? `${p.progress}${p.total !== undefined ? ` / ${p.total}` : ''}`;
          options.onProgress(`${text}\n`);
        },
      });
      return result as McpCallResult;
    } catch (e) {
      if (options.signal.aborted) throw new ToolError('cancelled', `The call to ${tool} was cancelled.`);
      if (e instanceof McpError && e.code === ErrorCode.RequestTimeout)
        throw new ToolError(
          'timeout',
          `MCP server '${server}' did not answer the call to ${tool} within ${Math.round(timeout / 1000)} s (warmline.mcp.timeoutSeconds); the call was cancelled.`,
        );
      if (
        (entry.state as McpServerState) === 'failed' ||
        (e instanceof McpError && e.code === ErrorCode.ConnectionClosed)
      ) {
        this.markFailed(entry, 'stopped during the call');
        throw new ToolError('failed', `The call to ${tool} failed: ${entry.error}`);
      }
      const message = e instanceof Error ? e.message : String(e);
      throw new ToolError('failed', `MCP server '${server}' could not run ${tool}: ${message}`);
    }
  }

  /** Closes every server (processes killed): the extension is stopping. */
  async dispose(): Promise<void> {
    this.disposed = true;
    const all = [...this.servers.values()];
    this.servers.clear();
    await Promise.allSettled(all.map((e) => this.close(e)));
  }

  // ---------- internals ----------

  private start(entry: Entry): Promise<void> {
    entry.starting ??= this.connect(entry).finally(() => {
      entry.starting = undefined;
      this.options.onStatus?.();
    });
    return entry.starting;
  }

  private async connect(entry: Entry): Promise<void> {
    const { config } = entry;
    const refusal = startRefusal(config, this.options.isTrusted());
    if (refusal || !config.transport) {
      entry.state = config.error ? 'invalid' : 'refused';
      entry.error = refusal;
      this.options.log?.(refusal ?? '');
      return;
    }
    const t = config.transport;
    if (t.type === 'stdio' && !this.options.approvals.has(entry.hash)) {
      const ok = await this.options.confirmStart(config, commandLine(t)).catch(() => false);
      if (!ok) {
        entry.state = 'declined';
        entry.error = `Starting MCP server '${config.name}' was not allowed. Run "Warmline: Show MCP Servers" to start it.`;
        return;
      }
      await this.options.approvals.add(entry.hash);
    }
    if (!this.servers.has(config.name) || this.disposed) return;
    entry.state = 'starting';
    entry.error = undefined;
    entry.stderr = '';
    entry.closing = false;
    this.options.onStatus?.();
    let transport: Transport;
    try {
      transport = await this.transportFor(entry);
    } catch (e) {
      entry.state = 'failed';
      entry.error = `MCP server '${config.name}' could not be started: ${(e as Error).message}`;
      return;
    }
    const client = new Client({ name: 'warmline', version: '0.1.0' }, { capabilities: {} });
    client.onclose = () => {
      if (entry.client === client && !entry.closing) this.markFailed(entry, 'stopped');
    };
    client.onerror = (err) => this.options.log?.(`MCP server '${config.name}': ${err.message}`);
    client.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
      if (entry.client !== client) return;
      try {
        entry.tools = await this.listTools(client);
        this.options.log?.(`MCP server '${config.name}' changed its tools: ${entry.tools.length} now.`);
        this.options.onToolsChanged?.();
        this.options.onStatus?.();
      } catch (e) {
        this.options.log?.(`MCP server '${config.name}': listing its changed tools failed: ${(e as Error).message}`);
      }
    });
    entry.client = client;
    entry.transport = transport;
    try {
      await client.connect(transport, { timeout: this.options.timeoutMs() });
      keepProgressBeforeResponse(transport);
      entry.tools = await this.listTools(client);
      if (entry.client !== client) return; // closed meanwhile
      entry.state = 'ready';
      this.options.log?.(`MCP server '${config.name}' is ready: ${entry.tools.length} tools.`);
      this.options.onToolsChanged?.();
    } catch (e) {
      if (entry.client !== client) return;
      const message = e instanceof Error ? e.message : String(e);
      entry.state = 'failed';
      entry.error = `MCP server '${config.name}' could not be started: ${message}${this.stderrNote(entry)}`;
      this.options.log?.(entry.error);
      entry.closing = true;
      await client.close().catch(() => {});
    }
  }

  private async transportFor(entry: Entry): Promise<Transport> {
    const t = entry.config.transport!;
    if (t.type === 'http')
      return new StreamableHTTPClientTransport(new URL(t.url), { requestInit: { headers: t.headers } });
    // The server gets a minimal environment (the SDK's default: PATH, HOME, …) plus what its
    // definition sets, not the editor's whole environment (API keys among it).
    const fromFile = t.envFile ? parseEnvFile(await readFile(t.envFile, 'utf8')) : {};
    const transport = new StdioClientTransport({
      command: t.command,
      args: t.args,
      env: { ...getDefaultEnvironment(), ...fromFile, ...t.env },
      cwd: t.cwd,
      stderr: 'pipe',
    });
    transport.stderr?.on('data', (chunk: Buffer) => {
      entry.stderr = (entry.stderr + chunk.toString('utf8')).slice(-STDERR_TAIL);
    });
    return transport;
  }

  private async listTools(client: Client): Promise<McpToolInfo[]> {
    const tools: McpToolInfo[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.listTools(cursor ? { cursor } : undefined, { timeout: this.options.timeoutMs() });
      tools.push(...(page.tools as McpToolInfo[]));
      cursor = page.nextCursor;
    } while (cursor && tools.length < 1000);
    return tools;
  }

  private markFailed(entry: Entry, what: string): void {
    if (entry.state === 'failed') return;
    entry.state = 'failed';
    entry.error = `MCP server '${entry.config.name}' ${what} unexpectedly; its next call starts it again.${this.stderrNote(entry)}`;
    this.options.log?.(entry.error);
    this.options.onStatus?.();
  }

  private stderrNote(entry: Entry): string {
    const tail = entry.stderr.trim();
    return tail ? ` Its last output (stderr):\n${tail.slice(-1000)}` : '';
  }

  private async close(entry: Entry): Promise<void> {
    entry.closing = true;
    const client = entry.client;
    entry.client = undefined;
    entry.transport = undefined;
    if (entry.state === 'ready' || entry.state === 'starting') entry.state = 'stopped';
    await client?.close().catch(() => {});
  }
}

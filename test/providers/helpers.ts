// Helpers for the provider tests: one real llama-server per test file, a recording proxy per
// test in front of it, a SessionManager configured as the `llamacpp` preset makes it, and the
// agent loop with Warmline's real tools on a scratch copy of the fixture workspace.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, onTestFinished } from 'vitest';
import { AgentLoop } from '../../src/agent/loop.ts';
import type { AgentEvent, AgentRunOptions, StopReason } from '../../src/agent/loop.ts';
import type { Logger } from '../../src/session/log.ts';
import { SessionManager } from '../../src/session/manager.ts';
import type { SessionConfig, TurnMetrics } from '../../src/session/manager.ts';
import { PROVIDERS } from '../../src/session/providers.ts';
import type { InputItem, OutputItem } from '../../src/session/protocol.ts';
import { NodeHost } from '../../src/tools/node-host.ts';
import { createToolRegistry } from '../../src/tools/registry.ts';
import type { ToolRegistry } from '../../src/tools/registry.ts';
import { withDefaults } from '../../src/tools/settings.ts';
import { startLlamaServer, startRecordingProxy } from './llama-server.ts';
import type { LlamaServer, ProxyRecord, RecordingProxy } from './llama-server.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');

/**
 * For a test file: a llama-server for all its tests (started before the first, stopped after
 * the last), and `proxy()`, a fresh recording proxy in front of it, closed after each test.
 */
export function useLlama(): { server(): LlamaServer; proxy(): Promise<RecordingProxy> } {
  let server: LlamaServer | undefined;
  let proxies: RecordingProxy[] = [];
  beforeAll(async () => {
    server = await startLlamaServer();
  }, 180_000);
  afterAll(async () => {
    await server?.close();
  });
  afterEach(async () => {
    for (const p of proxies) await p.close();
    proxies = [];
  });
  return {
    server: () => {
      if (!server) throw new Error('llama-server is not running');
      return server;
    },
    proxy: async () => {
      if (!server) throw new Error('llama-server is not running');
      const p = await startRecordingProxy(server.origin);
      proxies.push(p);
      return p;
    },
  };
}

/** Log lines of a session, kept for failure messages. */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const add = (level: string) => (m: string) => {
    lines.push(`${level} ${m}`);
  };
  return { lines, trace: () => {}, debug: add('debug'), info: add('info'), warn: add('warn'), error: add('error') };
}

const sessions: SessionManager[] = [];
afterEach(() => {
  for (const s of sessions.splice(0)) s.dispose();
});

/** Warmline's tools as the extension makes them: every definition, with their function fallbacks. */
export function warmlineTools(): ToolRegistry {
  return createToolRegistry();
}

/**
 * The session settings the extension derives for `warmline.provider: llamacpp` (readSettings:
 * the preset's model, transport, key rule and store default), pointed at `baseUrl`, with
 * Warmline's real tool definitions and nothing yet known of the endpoint.
 */
export function llamaConfig(baseUrl: string): Omit<SessionConfig, 'logger'> {
  const preset = PROVIDERS.llamacpp;
  const tools = warmlineTools();
  return {
    baseUrl,
    model: preset.model,
    transport: preset.transport,
    requireApiKey: preset.needsKey,
    keyHeader: preset.keyHeader,
    getApiKey: async () => undefined,
    // Local servers store responses unless told not to (the preset's storeOverHttp).
    store: preset.storeOverHttp,
    instructions: 'You are a coding agent in a test of the protocol. Answer briefly.',
    tools: tools.definitions(),
    toolFallbacks: tools.fallbacks(),
    capabilities: {},
    retry: { baseDelayMs: 20, maxDelayMs: 200 },
    stallTimeoutMs: 60_000,
  };
}

/** Keeps a session for disposal after the test, and its log lines for failure messages. */
export function track(s: SessionManager, logger: ReturnType<typeof memoryLogger>): SessionManager & { log: string[] } {
  sessions.push(s);
  return Object.assign(s, { log: logger.lines });
}

/** A SessionManager configured as for the `llamacpp` preset (see llamaConfig); `config` adds to it. */
export function llamaSession(baseUrl: string, config: Partial<SessionConfig> = {}): SessionManager & { log: string[] } {
  const logger = memoryLogger();
  return track(new SessionManager({ ...llamaConfig(baseUrl), logger, ...config }), logger);
}

/** Answers cut at 8 tokens: enough for the protocol, and quick (random weights rarely stop by themselves). */
export const SHORT_ANSWERS = { requestExtras: { max_output_tokens: 8 } } satisfies Partial<SessionConfig>;

/** A scratch copy of test/fixtures/workspace, removed after the test. */
export function scratchWorkspace(): string {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'warmline-providers-'));
  const root = path.join(base, 'sample-project');
  fs.cpSync(path.join(repoRoot, 'test/fixtures/workspace'), root, { recursive: true });
  onTestFinished(() => fs.rmSync(base, { recursive: true, force: true }));
  return root;
}

export interface AgentRun {
  reason?: StopReason;
  error?: unknown;
  events: AgentEvent[];
  metrics: TurnMetrics[];
}

/**
 * The agent loop as the extension runs it: the session, Warmline's real tools over a scratch
 * workspace (edits and tasks are not approved: nothing is changed or run), the transcript
 * appended in place. Never throws: an error is returned, with what happened before it.
 */
export function agent(session: SessionManager, workspace: string) {
  const tools = warmlineTools();
  const host = new NodeHost({ roots: [workspace] });
  const settings = withDefaults();
  const loop = new AgentLoop({
    session,
    tools,
    toolContext: (_call, signal, progress, approve) => ({ host, settings, signal, progress, approve }),
    approve: async () => false,
  });
  return {
    tools,
    /** `onEvent` sees each event as it happens. */
    async run(
      transcript: InputItem[],
      options: AgentRunOptions = {},
      onEvent?: (e: AgentEvent) => void,
    ): Promise<AgentRun> {
      const events: AgentEvent[] = [];
      const run: AgentRun = { events, metrics: [] };
      try {
        run.reason = await loop.run(
          transcript,
          (e) => {
            events.push(e);
            if (e.type === 'turn.metrics') run.metrics.push(e.metrics);
            onEvent?.(e);
          },
          options,
        );
      } catch (err) {
        run.error = err;
      }
      return run;
    },
  };
}

/** The `response.completed` response of a streamed answer the proxy recorded, if it came. */
export function completedResponse(record: ProxyRecord): { output: OutputItem[]; [k: string]: unknown } | undefined {
  for (const line of record.response.split('\n')) {
    if (!line.startsWith('data:')) continue;
    try {
      const ev = JSON.parse(line.slice(5).trim()) as { type?: string; response?: { output: OutputItem[] } };
      if (ev.type === 'response.completed' && ev.response) return ev.response;
    } catch {
      /* not an event */
    }
  }
  return undefined;
}

/** The input items of a request the proxy recorded. */
export function inputOf(record: ProxyRecord): Array<InputItem & { [k: string]: unknown }> {
  const input = record.body?.input;
  return Array.isArray(input) ? (input as Array<InputItem & { [k: string]: unknown }>) : [];
}

export function isJson(text: unknown): boolean {
  if (typeof text !== 'string') return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** What the proxy saw, one line per request, for failure messages. */
export function describeTraffic(proxy: RecordingProxy): string {
  return proxy.records
    .map(
      (r) =>
        `${r.upgrade ? 'UPGRADE' : r.method} ${r.path} -> ${r.status ?? '-'}${r.status !== undefined && r.status >= 400 ? ` ${r.response.slice(0, 200)}` : ''}`,
    )
    .join('\n');
}

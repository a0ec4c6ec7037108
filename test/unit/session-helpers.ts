// Test helpers for the session layer: a session pointed at the Responses emulator, and a
// minimal agent loop (model turn -> fake tools -> outputs) that counts how often each tool
// call ran, so a test can prove none ran twice.
import { afterEach } from 'vitest';
import type { Emulator, EmulatorOptions } from '../emulator/types.ts';
import { startEmulator } from '../emulator/server.ts';
import { applyCompaction } from '../../src/session/compaction.ts';
import type { Compaction } from '../../src/session/compaction.ts';
import { AgentLoop } from '../../src/agent/loop.ts';
import type { ToolDispatcher } from '../../src/agent/loop.ts';
import { SessionManager } from '../../src/session/manager.ts';
import type { SessionConfig, TurnMetrics, TurnOptions } from '../../src/session/manager.ts';
import { isToolCall, userMessage } from '../../src/session/protocol.ts';
import type { InputItem, ToolDefinition } from '../../src/session/protocol.ts';

export const KEY = 'sk-test-warmline';

export const TEST_TOOLS: ToolDefinition[] = [
  {
    type: 'function',
    name: 'grep',
    description: 'Search the workspace.',
    strict: true,
    parameters: {
      type: 'object',
      properties: { pattern: { type: 'string' } },
      required: ['pattern'],
      additionalProperties: false,
    },
  },
  {
    type: 'function',
    name: 'read_file',
    description: 'Read a file.',
    strict: true,
    parameters: {
      type: 'object',
      properties: { path: { type: 'string' } },
      required: ['path'],
      additionalProperties: false,
    },
  },
  { type: 'custom', name: 'apply_patch', description: 'Apply a patch.', format: { type: 'text' } },
];

export const INSTRUCTIONS = 'You are a test agent. '.repeat(40);

export async function emulator(
  opts: Partial<EmulatorOptions> & { scenario: EmulatorOptions['scenario'] },
): Promise<Emulator> {
  return startEmulator({ apiKey: KEY, mode: 'strict', ...opts });
}

export function session(emu: Emulator, config: Partial<SessionConfig> = {}): SessionManager {
  return new SessionManager({
    baseUrl: emu.url,
    model: 'test-model',
    instructions: INSTRUCTIONS,
    tools: TEST_TOOLS,
    getApiKey: async () => KEY,
    transport: 'websocket',
    retry: { baseDelayMs: 5, maxDelayMs: 50 },
    stallTimeoutMs: 2000,
    ...config,
  });
}

/**
 * For a test file: `setup(emulatorOptions, sessionConfig)` starts an emulator and a session on it;
 * every one started is disposed of after each test.
 */
export function useSessions(): (
  emuOpts: Partial<EmulatorOptions> & { scenario: EmulatorOptions['scenario'] },
  config?: Partial<SessionConfig>,
) => Promise<{ emu: Emulator; s: SessionManager }> {
  let emus: Emulator[] = [];
  let sessions: SessionManager[] = [];
  afterEach(async () => {
    for (const s of sessions) s.dispose();
    for (const e of emus) await e.close();
    sessions = [];
    emus = [];
  });
  return async (emuOpts, config = {}) => {
    const emu = await emulator(emuOpts);
    emus.push(emu);
    const s = session(emu, config);
    sessions.push(s);
    return { emu, s };
  };
}

/** A deterministic tool result of about `bytes` bytes. */
export function fakeToolOutput(callId: string, name: string, bytes = 1500): string {
  const line = `${name} result for ${callId}: src/example.ts:42: const value = compute(input);\n`;
  return line.repeat(Math.ceil(bytes / line.length)).slice(0, bytes);
}

export interface ChainRun {
  transcript: InputItem[];
  metrics: TurnMetrics[];
  toolRuns: Map<string, number>;
  restarts: number;
  text: string;
  /** Compactions applied to the transcript, in order. */
  compactions: Compaction[];
}

/** Runs a user request to completion the way the agent loop does, with fake tools. */
export async function runChain(
  s: SessionManager,
  prompt: string,
  opts: TurnOptions & {
    toolDelayMs?: number;
    maxTurns?: number;
    between?: (turn: number) => void | Promise<void>;
  } = {},
): Promise<ChainRun> {
  const transcript: InputItem[] = [userMessage(prompt)];
  const run: ChainRun = { transcript, metrics: [], toolRuns: new Map(), restarts: 0, text: '', compactions: [] };
  for (let turn = 1; turn <= (opts.maxTurns ?? 100); turn++) {
    let text = '';
    const result = await s.respond(transcript, {
      ...opts,
      onEvent: (ev) => {
        if (ev.type === 'response.output_text.delta') text += ev.delta;
        opts.onEvent?.(ev);
      },
      onRestart: (e) => {
        text = '';
        run.restarts++;
        opts.onRestart?.(e);
      },
    });
    run.metrics.push(result.metrics);
    transcript.push(...result.output);
    if (result.compaction) {
      applyCompaction(transcript, result.compaction);
      run.compactions.push(result.compaction);
    }
    run.text += text;
    const calls = result.output.filter(isToolCall);
    if (!calls.length) return run;
    for (const call of calls) {
      run.toolRuns.set(call.call_id, (run.toolRuns.get(call.call_id) ?? 0) + 1);
      if (opts.toolDelayMs) await new Promise((r) => setTimeout(r, opts.toolDelayMs));
      const output = fakeToolOutput(call.call_id, call.name);
      transcript.push(
        call.type === 'custom_tool_call'
          ? { type: 'custom_tool_call_output', call_id: call.call_id, output }
          : { type: 'function_call_output', call_id: call.call_id, output },
      );
    }
    await opts.between?.(turn);
  }
  throw new Error('chain did not finish');
}

/** The model requests the emulator served (warmups left out). */
export function modelRequests(emu: Emulator) {
  return emu.requests.filter((r) => r.generate !== false);
}

/**
 * An AgentLoop on `s` whose tool contexts carry no host or settings (the dispatcher is a test
 * double), answering every approval with `answer`; the approvals asked are recorded in order.
 */
export function testLoop(
  s: SessionManager,
  tools: ToolDispatcher,
  answer: boolean,
): { loop: AgentLoop; approvals: string[] } {
  const approvals: string[] = [];
  const loop = new AgentLoop({
    session: s,
    tools,
    toolContext: (_c, signal, progress, approve) => ({
      host: undefined as never,
      settings: undefined as never,
      signal,
      progress,
      approve,
    }),
    approve: async (callId) => {
      approvals.push(callId);
      return answer;
    },
  });
  return { loop, approvals };
}

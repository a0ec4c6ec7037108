// Servers other than OpenAI's, and switching between them mid-chat (issue 18): what Warmline
// learns and sends, against the emulator playing llama.cpp's server where it differs from
// OpenAI's (`llamacpp: true`, modelled on what a real llama-server did; the same points are
// checked against a real one in test/providers/).
import { afterAll, describe, expect, it } from 'vitest';
import type { EmulatorOptions } from '../emulator/types.ts';
import { AgentLoop } from '../../src/agent/loop.ts';
import { SessionError, errorFromStatus } from '../../src/session/errors.ts';
import type { SessionState } from '../../src/session/manager.ts';
import { userMessage } from '../../src/session/protocol.ts';
import type { InputItem, ToolDefinition } from '../../src/session/protocol.ts';
import { replayable } from '../../src/session/replay.ts';
import { createToolRegistry } from '../../src/tools/registry.ts';
import { cleanupFixtures, context, fixture } from './tools/helpers.ts';
import { freePort } from '../providers/llama-server.ts';
import { modelRequests, runChain, session, useSessions } from './session-helpers.ts';

afterAll(cleanupFixtures);

const setup = useSessions();
/** llama.cpp's server as the emulator plays it: no WebSocket mode, no previous_response_id, its own refusals. */
const LLAMA: Partial<EmulatorOptions> = { websocket: false, supportsPreviousResponseId: false, llamacpp: true };
const registry = createToolRegistry();
const REAL_TOOLS = { tools: registry.definitions(), toolFallbacks: registry.fallbacks() };

const toolsOf = (body: Record<string, unknown>) => (body.tools as ToolDefinition[]).map((t) => `${t.type}:${t.name}`);

describe('tool types a server has not shown it takes', () => {
  it('llama.cpp is offered apply_patch_json and no custom tool, and can patch with it', async () => {
    const patchCall = { name: 'apply_patch_json', arguments: { patch: '*** Begin Patch\n*** End Patch' } };
    const { emu, s } = await setup(
      { ...LLAMA, scenario: { name: 'patch', turns: [{ calls: [patchCall] }, { text: 'patched' }] } },
      { ...REAL_TOOLS, transport: 'auto', store: true },
    );
    await s.start();
    const run = await runChain(s, 'fix it');
    expect(run.text).toBe('patched');
    const sent = modelRequests(emu).map((r) => toolsOf(r.body));
    expect(sent.length).toBeGreaterThanOrEqual(2);
    for (const tools of sent) {
      expect(tools).toContain('function:apply_patch_json');
      expect(tools.filter((t) => !t.startsWith('function:'))).toEqual([]);
    }
    expect(emu.violations).toEqual([]);
  });

  it('a server with the WebSocket mode that echoes the tools is offered apply_patch as a custom tool, and it is learned', async () => {
    const { emu, s } = await setup(
      {
        scenario: {
          name: 'patch',
          turns: [
            { calls: [{ name: 'apply_patch', type: 'custom', input: '*** Begin Patch\n*** End Patch' }] },
            { text: 'done' },
          ],
        },
      },
      REAL_TOOLS,
    );
    await s.start();
    expect(s.capabilities.toolTypes).toEqual({ custom: true });
    await runChain(s, 'fix it');
    for (const r of modelRequests(emu)) {
      expect(toolsOf(r.body)).toContain('custom:apply_patch');
      expect(toolsOf(r.body)).not.toContain('function:apply_patch_json');
    }
    // Chained on the warmup: offering the same tools keeps every turn a delta.
    expect(modelRequests(emu).every((r) => r.previousResponseId)).toBe(true);
    expect(emu.violations).toEqual([]);
  });

  it('a warmup echo without the custom tool is learned as a refusal: the first turn already offers the function twin', async () => {
    const { emu, s } = await setup(
      { customTools: 'skip', scenario: { name: 'two', turns: [{ text: 'one' }] } },
      REAL_TOOLS,
    );
    await s.start();
    expect(s.capabilities.toolTypes).toEqual({ custom: false });
    await runChain(s, 'hi');
    const first = modelRequests(emu)[0]!;
    expect(toolsOf(first.body)).toContain('function:apply_patch_json');
    expect(toolsOf(first.body)).not.toContain('custom:apply_patch');
    expect(emu.violations).toEqual([]);
  });

  it('a 400 naming the custom tool type is learned, and the same turn is sent again with the twin at once', async () => {
    const { emu, s } = await setup(
      { customTools: 'reject', scenario: { name: 'one', turns: [{ text: 'ok' }] } },
      { ...REAL_TOOLS, transport: 'http', capabilities: { toolTypes: { custom: true } } },
    );
    const r = await s.respond([userMessage('hi')]);
    expect(r.metrics.recovered).toEqual(['invalid_request']);
    expect(s.capabilities.toolTypes).toEqual({ custom: false });
    const [refused, accepted] = modelRequests(emu);
    expect(toolsOf(refused!.body)).toContain('custom:apply_patch');
    expect(toolsOf(accepted!.body)).toContain('function:apply_patch_json');
    expect(toolsOf(accepted!.body)).not.toContain('custom:apply_patch');
    expect(emu.violations).toEqual([]);
  });
});

describe('a call cut off by the output limit', () => {
  it('is answered at once with an error saying so, and never replayed raw (llama.cpp would fail every later request with 500)', async () => {
    const cut = '{"patch": "*** Begin Patch\\n*** Update File: src/a.ts\\n@@\\n-const a = 1;\\n+const a';
    const ws = fixture({ 'src/a.ts': 'const a = 1;\n' });
    const { emu, s } = await setup(
      {
        ...LLAMA,
        scenario: {
          name: 'cut',
          turns: [
            { calls: [{ name: 'apply_patch_json', arguments: cut }] },
            { text: 'I will send it again, shorter.' },
          ],
        },
      },
      { ...REAL_TOOLS, transport: 'auto' },
    );
    const loop = new AgentLoop({
      session: s,
      tools: registry,
      toolContext: (_c, signal, progress, approve) => ({ ...context(ws.root), signal, progress, approve }),
      approve: async () => true,
    });
    const transcript: InputItem[] = [userMessage('edit a.ts')];
    const reason = await loop.run(transcript, () => {});
    expect(reason).toBe('answered');
    const output = transcript.find((i) => i.type === 'function_call_output') as { output: string };
    expect(output.output).toMatch(/cut off after \d+ characters/);
    expect(output.output).toMatch(/nothing was run/i);
    const second = modelRequests(emu)[1]!;
    const call = (second.body.input as InputItem[]).find((i) => i.type === 'function_call')!;
    expect(() => JSON.parse(String(call.arguments))).not.toThrow();
    expect(emu.requests.some((r) => r.outcome === 'error')).toBe(false);
    expect(emu.violations, JSON.stringify(emu.violations)).toEqual([]);
    // The file is as it was: nothing ran.
    expect(ws.read('src/a.ts')).toBe('const a = 1;\n');
  });

  it("a 5xx that names the request's own content is not retried with the identical request", () => {
    const content = errorFromStatus(500, {
      message: 'Failed to parse tool call arguments as JSON: [json.exception.parse_error.101]',
      type: 'server_error',
      code: null,
      param: null,
    });
    expect(content.code).toBe('invalid_request');
    expect(content.status).toBe(500);
    expect(content.message).toMatch(/sending it again unchanged would fail the same way/);
    expect(content.message).not.toMatch(/Retry in a moment/);
    const transient = errorFromStatus(500, {
      message: 'The server had an error while processing your request.',
      type: 'server_error',
      code: null,
      param: null,
    });
    expect(transient.code).toBe('server_error');
  });
});

describe('the transport in use, from the first turn', () => {
  it('a 404 on the upgrade is final at once: one upgrade attempt per endpoint (two lanes opening together included), none in the next session', async () => {
    const { emu, s } = await setup(
      { ...LLAMA, scenario: { name: 'three', turns: [{ text: 'a' }, { text: 'b' }, { text: 'c' }] } },
      { transport: 'auto', store: true },
    );
    const modes: string[] = [];
    s.on('state', (state: SessionState) => {
      if (state === 'busy') modes.push(s.mode);
    });
    // Two lanes open at once, as the extension starts them: one upgrade all the same.
    await s.start(['chat', 'inline']);
    const transcript: InputItem[] = [userMessage('one')];
    const resent: boolean[] = [];
    for (const text of ['two', 'three', undefined]) {
      const r = await s.respond(transcript);
      resent.push(r.metrics.contextResent);
      transcript.push(...r.output);
      if (text) transcript.push(userMessage(text));
    }
    expect(emu.upgradeAttempts()).toBe(1);
    expect(s.capabilities).toMatchObject({ websocket: false, previousResponseId: false });
    // The status names HTTP from the first turn on.
    expect(modes.length).toBeGreaterThanOrEqual(3);
    for (const m of modes) expect(m).toMatch(/^HTTP/);
    // llama.cpp refuses previous_response_id: every turn after the first resends the answers before it.
    expect(resent).toEqual([false, true, true]);
    const next = session(emu, { transport: 'auto', store: true, capabilities: s.capabilities });
    try {
      await next.respond([userMessage('one')]);
      expect(emu.upgradeAttempts()).toBe(1);
    } finally {
      next.dispose();
    }
    expect(emu.violations).toEqual([]);
  });

  it('nothing listening: connection_refused, naming the address, not "does not speak the Responses API"', async () => {
    const port = await freePort();
    const { s } = await setup(
      { scenario: { name: 'x', turns: [] } },
      {
        baseUrl: `http://127.0.0.1:${port}/v1`,
        transport: 'auto',
        requireApiKey: false,
        retry: { network: 1, baseDelayMs: 5, maxDelayMs: 10 },
      },
    );
    const states: Array<[SessionState, string | undefined]> = [];
    s.on('state', (state, detail) => states.push([state, detail]));
    await s.start();
    expect(states.at(-1)?.[0]).toBe('error');
    expect(states.at(-1)?.[1]).toContain(`Nothing is listening at http://127.0.0.1:${port}: is the server running?`);
    const err = await s.respond([userMessage('hi')]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SessionError);
    expect((err as SessionError).code).toBe('connection_refused');
    expect((err as SessionError).message).toMatch(
      new RegExp(`^Nothing is listening at http://127\\.0\\.0\\.1:${port}: is the server running\\?`),
    );
    // Nothing was learned about a server that is not there.
    expect(s.capabilities.websocket).toBeUndefined();
  });
});

describe('switching provider mid-chat', () => {
  it('items the new server cannot take are converted (custom call -> function call) or left out (opaque reasoning), never sent raw', async () => {
    const patch = '*** Begin Patch\n*** Add File: notes.md\n+hello\n*** End Patch';
    const { emu: openai, s } = await setup(
      {
        reasoning: true,
        scenario: {
          name: 'openai',
          turns: [
            { calls: [{ name: 'apply_patch', type: 'custom', input: patch }] },
            { text: 'Added the notes.' },
            { text: 'unused' },
          ],
        },
      },
      REAL_TOOLS,
    );
    await s.start();
    const run = await runChain(s, 'add notes');
    expect(run.transcript.some((i) => i.type === 'custom_tool_call')).toBe(true);
    expect(run.transcript.some((i) => i.type === 'reasoning' && !Array.isArray(i.content))).toBe(true);
    const { emu: llama } = await setup({
      ...LLAMA,
      scenario: { name: 'llama', turns: (n) => ({ text: `llama turn ${n}` }) },
    });
    s.updateConfig({ baseUrl: llama.url, transport: 'auto', store: true, capabilities: {} });
    run.transcript.push(userMessage('and now?'));
    const r = await s.respond(run.transcript);
    expect(r.output.length).toBeGreaterThan(0);
    const input = modelRequests(llama)[0]!.body.input as InputItem[];
    expect(input.some((i) => i.type === 'custom_tool_call' || i.type === 'custom_tool_call_output')).toBe(false);
    expect(input.some((i) => i.type === 'reasoning')).toBe(false);
    const call = input.find((i) => i.type === 'function_call')!;
    expect(call).toMatchObject({ name: 'apply_patch_json' });
    expect(JSON.parse(String(call.arguments))).toEqual({ patch });
    expect(input.find((i) => i.type === 'function_call_output')).toMatchObject({ call_id: call.call_id });
    expect(llama.violations).toEqual([]);
    expect(openai.violations).toEqual([]);
  });

  it('where the server was not known to refuse them, a 400 for them is learned and the turn sent again without them', async () => {
    const transcript: InputItem[] = [
      userMessage('earlier'),
      { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'gAAAA-opaque' },
      {
        type: 'custom_tool_call',
        id: 'ctc_1',
        call_id: 'call_1',
        name: 'apply_patch',
        input: '*** Begin Patch\n*** End Patch',
      },
      { type: 'custom_tool_call_output', call_id: 'call_1', output: 'Done.' },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'ok' }] },
      userMessage('now'),
    ];
    // Told (wrongly, as a stale cache might) that this server takes custom tools, and over plain HTTP (no proof either way about reasoning).
    const { emu, s } = await setup(
      {
        llamacpp: true,
        supportsPreviousResponseId: false,
        websocket: false,
        scenario: { name: 'x', turns: (n) => ({ text: `t${n}` }) },
      },
      { ...REAL_TOOLS, transport: 'http', store: true, capabilities: { toolTypes: { custom: true } } },
    );
    const r = await s.respond(transcript);
    expect(r.metrics.recovered).toEqual(['invalid_request', 'invalid_request']);
    expect(s.capabilities).toMatchObject({ toolTypes: { custom: false }, opaqueReasoning: false });
    const last = modelRequests(emu).at(-1)!.body.input as InputItem[];
    expect(last.map((i) => i.type)).toEqual(['message', 'function_call', 'function_call_output', 'message', 'message']);
    // The strict emulator counted each refused request as the client's fault: exactly those two.
    expect(emu.violations).toHaveLength(2);
  });

  it('replayable() leaves a transcript the server takes unchanged (the same array)', () => {
    const transcript: InputItem[] = [
      userMessage('a'),
      { type: 'function_call', call_id: 'c', name: 'grep', arguments: '{"pattern":"x"}' },
      { type: 'function_call_output', call_id: 'c', output: 'r' },
    ];
    expect(
      replayable(transcript, { store: false, missing: new Set(), customCalls: {}, dropOpaqueReasoning: true }),
    ).toBe(transcript);
  });
});

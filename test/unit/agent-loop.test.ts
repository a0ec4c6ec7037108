import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../emulator/types.ts';
import { chainScenario } from '../emulator/scenario.ts';
import { agentInstructions } from '../../src/agent/instructions.ts';
import { RulesLoader, touchedPaths } from '../../src/agent/rules.ts';
import type { AgentEvent, ToolCall, ToolDispatcher } from '../../src/agent/loop.ts';
import type { SessionManager } from '../../src/session/manager.ts';
import { userMessage } from '../../src/session/protocol.ts';
import type { InputItem } from '../../src/session/protocol.ts';
import { MemoryHost } from '../../src/tools/memory-host.ts';
import { withDefaults } from '../../src/tools/settings.ts';
import type { ToolContext, ToolResult } from '../../src/tools/types.ts';
import { emulator, testLoop, session } from './session-helpers.ts';

let emu: Emulator | undefined;
let s: SessionManager | undefined;
afterEach(async () => {
  s?.dispose();
  await emu?.close();
  emu = undefined;
  s = undefined;
});

/** A dispatcher double: records calls and concurrency; `behave` decides each call's fate. */
function fakeTools(
  opts: {
    readOnly?: (name: string) => boolean;
    behave?: (call: ToolCall, ctx: ToolContext) => Promise<ToolResult>;
  } = {},
) {
  const state = { calls: [] as ToolCall[], running: 0, maxRunning: 0 };
  const tools: ToolDispatcher = {
    isReadOnly: opts.readOnly ?? (() => true),
    describe: (name, raw) => `${name} ${raw.slice(0, 20)}`,
    async dispatch(call, ctx) {
      state.calls.push(call);
      state.running++;
      state.maxRunning = Math.max(state.maxRunning, state.running);
      try {
        if (opts.behave) return await opts.behave(call, ctx);
        await new Promise((r) => setTimeout(r, 20));
        ctx.progress(`progress of ${call.callId}\n`);
        return { output: `result of ${call.name}`, summary: 'ok' };
      } finally {
        state.running--;
      }
    },
  };
  return { tools, state };
}

async function setup(scenario: Parameters<typeof emulator>[0]['scenario'], tools: ToolDispatcher) {
  emu = await emulator({ scenario });
  s = session(emu);
  await s.start();
  return testLoop(s, tools, false);
}

function callOutputs(transcript: InputItem[]) {
  return transcript.filter((i) => i.type === 'function_call_output' || i.type === 'custom_tool_call_output') as Array<{
    call_id: string;
    output: string;
  }>;
}

describe('the agent loop', () => {
  it('runs a request to completion, each call once, every call answered', async () => {
    const { tools, state } = fakeTools();
    const { loop } = await setup(chainScenario(5), tools);
    const transcript: InputItem[] = [userMessage('go')];
    const events: AgentEvent[] = [];
    const reason = await loop.run(transcript, (e) => events.push(e));
    expect(reason).toBe('answered');
    expect(state.calls).toHaveLength(5);
    expect(new Set(state.calls.map((c) => c.callId)).size).toBe(5);
    expect(callOutputs(transcript)).toHaveLength(5);
    expect(events.filter((e) => e.type === 'tool.progress')).toHaveLength(5);
    const order = events.filter((e) => e.type === 'tool.start' || e.type === 'tool.end').map((e) => e.type);
    expect(order).toEqual(Array.from({ length: 5 }, () => ['tool.start', 'tool.end']).flat());
    expect(events.filter((e) => e.type === 'turn.metrics')).toHaveLength(6);
    // Everything appended to the transcript was also emitted for persistence, in order.
    expect(events.flatMap((e) => (e.type === 'items' ? e.items : []))).toEqual(transcript.slice(1));
    expect(emu!.violations).toEqual([]);
  });

  it('runs independent reads in parallel', async () => {
    const { tools, state } = fakeTools();
    const { loop } = await setup('parallel', tools);
    await loop.run([userMessage('go')], () => {});
    expect(state.calls).toHaveLength(3);
    expect(state.maxRunning).toBe(3);
  });

  it('runs calls that write one at a time', async () => {
    const { tools, state } = fakeTools({ readOnly: () => false });
    const { loop } = await setup('parallel', tools);
    await loop.run([userMessage('go')], () => {});
    expect(state.calls).toHaveLength(3);
    expect(state.maxRunning).toBe(1);
  });

  it('stops at the tool-call limit, answering the calls it did not run', async () => {
    const { tools, state } = fakeTools();
    const { loop } = await setup(chainScenario(6), tools);
    const transcript: InputItem[] = [userMessage('go')];
    const reason = await loop.run(transcript, () => {}, { maxToolCalls: 3 });
    expect(reason).toBe('tool_limit');
    expect(state.calls).toHaveLength(3);
    const outputs = callOutputs(transcript);
    expect(outputs).toHaveLength(4);
    expect(outputs[3]!.output).toMatch(/limit of 3 tool calls/);
    expect(emu!.violations).toEqual([]);
  });

  it('does not run the same call again and again', async () => {
    const same = { name: 'grep', arguments: { pattern: 'loop' } };
    const scenario = {
      name: 'repeat',
      turns: [...Array.from({ length: 5 }, () => ({ calls: [same] })), { text: 'gave up' }],
    };
    const { tools, state } = fakeTools();
    const { loop } = await setup(scenario, tools);
    const transcript: InputItem[] = [userMessage('go')];
    await loop.run(transcript, () => {}, { maxRepeats: 3 });
    expect(state.calls).toHaveLength(3);
    expect(
      callOutputs(transcript)
        .slice(3)
        .every((o) => /already made 3 times/.test(o.output)),
    ).toBe(true);
  });

  it('cancellation stops a running tool and leaves a transcript that can continue', async () => {
    const controller = new AbortController();
    const { tools } = fakeTools({
      behave: (_call, ctx) =>
        new Promise((resolve) => {
          ctx.signal.addEventListener('abort', () => resolve({ output: 'stopped', isError: true }));
          controller.abort(); // while the tool runs: its abort listener is in place
        }),
    });
    const { loop } = await setup(chainScenario(2), tools);
    const transcript: InputItem[] = [userMessage('go')];
    const events: AgentEvent[] = [];
    await expect(loop.run(transcript, (e) => events.push(e), { signal: controller.signal })).rejects.toMatchObject({
      code: 'cancelled',
    });
    expect(events.find((e) => e.type === 'tool.end')).toMatchObject({ status: 'cancelled' });
    expect(callOutputs(transcript)).toHaveLength(1);
    // The chat goes on: the next request is accepted by the strict emulator.
    const { tools: next } = fakeTools();
    const loop2 = testLoop(s!, next, true).loop;
    transcript.push(userMessage('continue'));
    expect(await loop2.run(transcript, () => {})).toBe('answered');
    expect(emu!.violations).toEqual([]);
  });

  it('yields at the safe point: the running tool finishes, its output is recorded, no next model request', async () => {
    let asked = false;
    let finished = false;
    const { tools, state } = fakeTools({
      behave: async (call) => {
        asked = true; // "Send now" pressed while the tool runs
        await new Promise((r) => setTimeout(r, 20));
        finished = true;
        return { output: `result of ${call.name}` };
      },
    });
    const { loop } = await setup(chainScenario(3), tools);
    const transcript: InputItem[] = [userMessage('go')];
    const events: AgentEvent[] = [];
    const before = emu!.requests.length;
    const reason = await loop.run(transcript, (e) => events.push(e), {
      yieldAt: () => {
        expect(finished).toBe(true); // asked only once the batch's outputs are in
        return asked;
      },
    });
    expect(reason).toBe('yielded');
    expect(state.calls).toHaveLength(1);
    expect(events.find((e) => e.type === 'tool.end')).toMatchObject({ status: 'done' });
    // The call has its output, in the transcript and in what was emitted for persistence.
    expect(callOutputs(transcript)).toEqual([expect.objectContaining({ output: 'result of grep' })]);
    expect(events.flatMap((e) => (e.type === 'items' ? e.items : []))).toEqual(transcript.slice(1));
    // One model request only: none after the tool's output.
    expect(emu!.requests.length - before).toBe(1);
    // The chat goes on from there: a next message is accepted by the strict emulator.
    transcript.push(userMessage('the queued message'));
    expect(await loop.run(transcript, () => {})).toBe('answered');
    expect(emu!.violations).toEqual([]);
  });

  it('reports a rejected approval as rejected', async () => {
    const { tools } = fakeTools({
      behave: async (_call, ctx) =>
        (await ctx.approve({ kind: 'edit', title: 'Edit 1 file' }))
          ? { output: 'applied' }
          : { output: 'The user rejected this edit.', isError: true },
    });
    const { loop, approvals } = await setup('patch', tools);
    const events: AgentEvent[] = [];
    const transcript: InputItem[] = [userMessage('patch it')];
    await loop.run(transcript, (e) => events.push(e));
    expect(approvals).toHaveLength(1);
    expect(events.find((e) => e.type === 'tool.end')).toMatchObject({ status: 'rejected' });
    expect(transcript.find((i) => i.type === 'custom_tool_call_output')).toMatchObject({
      output: 'The user rejected this edit.',
    });
    expect(emu!.violations).toEqual([]);
  });

  it('a chat that outgrows the window is compacted mid-request; what it persists reopens as the transcript the model saw', async () => {
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const { ChatStore } = await import('../../src/agent/chat-store.ts');
    const { Conversation } = await import('../../src/agent/conversation.ts');
    const { chatEntries } = await import('../../src/ui/chat-view-model.ts');
    emu = await emulator({
      scenario: chainScenario(12),
      reasoning: true,
      contextWindow: 3000,
      serverCompaction: false,
    });
    s = session(emu, { contextWindow: 3000 });
    const big = fakeTools({
      behave: async (call) => ({ output: `${call.name}: ${'src/a.ts:1: const value = compute(input);\n'.repeat(36)}` }),
    });
    const loop = testLoop(s, big.tools, true).loop;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warmline-compact-'));
    try {
      const chat = Conversation.create(new ChatStore(dir), 'long');
      chat.addUserMessage('explore everything', []);
      const events: AgentEvent[] = [];
      const reason = await loop.run(
        chat.transcript,
        (e) => {
          events.push(e);
          if (e.type === 'items') chat.recordItems(e.items);
          if (e.type === 'compacted') chat.recordCompaction(e.compaction);
        },
        { conversationId: chat.id },
      );
      expect(reason).toBe('answered');
      expect(big.state.calls).toHaveLength(12);
      expect(events.filter((e) => e.type === 'compacted').length).toBeGreaterThan(0);
      const reopened = Conversation.open(new ChatStore(dir), chat.id)!;
      expect(JSON.stringify(reopened.transcript)).toBe(JSON.stringify(chat.transcript));
      expect(chatEntries(reopened.records).filter((e) => e.kind === 'compacted').length).toBe(
        events.filter((e) => e.type === 'compacted').length,
      );
      expect(
        chatEntries(reopened.records)
          .filter((e) => e.kind === 'user')
          .map((e) => (e as { text: string }).text),
      ).toEqual(['explore everything']);
      expect(emu.violations).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the agent loop: beforeRequest (project rules, issue 15)', () => {
  it('is awaited before every model request, so a folder touched by a call brings its AGENTS.md into the next request of the same turn', async () => {
    const host = new MemoryHost();
    host.fs.put(host.uri('AGENTS.md'), 'Root rules.');
    host.fs.put(host.uri('pkg/AGENTS.md'), 'Package rules: no default exports.');
    host.fs.put(host.uri('pkg/x.ts'), 'export const x = 1;');
    const rules = new RulesLoader(host, () => withDefaults());
    const { tools } = fakeTools();
    const { loop } = await setup(
      {
        name: 'touch-pkg',
        turns: [{ calls: [{ name: 'read_file', arguments: { path: 'pkg/x.ts' } }] }, { text: 'Read it.' }],
      },
      tools,
    );
    const transcript: InputItem[] = [userMessage('look at pkg/x.ts')];
    const order: string[] = [];
    const requestsBefore = emu!.requests.length;
    await loop.run(transcript, () => {}, {
      beforeRequest: async () => {
        order.push(`before ${emu!.requests.length - requestsBefore}`);
        const files = await rules.load(touchedPaths(transcript), { include: [] });
        s!.updateConfig({ instructions: agentInstructions('', ['workspace'], files) });
      },
    });
    expect(order).toEqual(['before 0', 'before 1']);
    const [first, second] = emu!.requests.slice(requestsBefore);
    expect(first!.body.instructions).toContain('## AGENTS.md\nRoot rules.');
    expect(first!.body.instructions).not.toContain('Package rules');
    // The call touched pkg/: its rules join, and the changed instructions make the request a full one.
    expect(second!.body.instructions).toContain('## pkg/AGENTS.md\nPackage rules: no default exports.');
    expect(second!.previousResponseId).toBeUndefined();
    expect(emu!.violations).toEqual([]);
  });
});

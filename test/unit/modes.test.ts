// Modes (issue 15): Ask and Plan offer only the read-only tools and add instructions, so the
// request after a switch is a full one; the loop refuses a tool the mode does not offer; the mode
// is kept with the chat. Prompt files for slash commands are read through the workspace guard.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ChatStore } from '../../src/agent/chat-store.ts';
import { Conversation } from '../../src/agent/conversation.ts';
import type { AgentEvent, ToolCall, ToolDispatcher } from '../../src/agent/loop.ts';
import { modePolicy, READ_ONLY_TOOLS } from '../../src/agent/modes.ts';
import { loadPromptFiles, parsePromptFile, PROMPT_LIMITS } from '../../src/agent/prompt-files.ts';
import type { SessionManager } from '../../src/session/manager.ts';
import { userMessage } from '../../src/session/protocol.ts';
import type { InputItem } from '../../src/session/protocol.ts';
import { NodeHost } from '../../src/tools/node-host.ts';
import { withDefaults } from '../../src/tools/settings.ts';
import type { Scenario } from '../emulator/scenario.ts';
import type { Emulator, RecordedRequest } from '../emulator/types.ts';
import { emulator, testLoop, INSTRUCTIONS, session, TEST_TOOLS } from './session-helpers.ts';
import { cleanupFixtures, fixture } from './tools/helpers.ts';

let emu: Emulator | undefined;
let s: SessionManager | undefined;
afterEach(async () => {
  s?.dispose();
  await emu?.close();
  emu = undefined;
  s = undefined;
  cleanupFixtures();
});

const PATCH = '*** Begin Patch\n*** Update File: a.txt\n@@\n-a\n+b\n*** End Patch';

/** A model that calls apply_patch although the request no longer offers it, then answers. */
const callsPatchAnyway: Scenario = {
  name: 'patch-anyway',
  turns: [
    { calls: [{ name: 'apply_patch', type: 'custom', input: PATCH, unoffered: true }] },
    { text: 'I cannot change files in this mode.' },
  ],
};

function tools(): { tools: ToolDispatcher; dispatched: ToolCall[] } {
  const dispatched: ToolCall[] = [];
  return {
    dispatched,
    tools: {
      isReadOnly: (name) => READ_ONLY_TOOLS.has(name),
      describe: (name) => name,
      async dispatch(call) {
        dispatched.push(call);
        return { output: `ran ${call.name}` };
      },
    },
  };
}

async function setup(scenario: Scenario, dispatcher: ToolDispatcher) {
  emu = await emulator({ scenario });
  s = session(emu);
  await s.start();
  return testLoop(s, dispatcher, true);
}

const turns = (e: Emulator): RecordedRequest[] => e.requests.filter((r) => r.generate !== false);
const toolNames = (r: RecordedRequest) => ((r.body.tools as Array<{ name: string }>) ?? []).map((t) => t.name);

describe('modes in the agent loop', () => {
  it('Ask mode: a call to an edit tool is refused unrun, no approval asked, and the model is told', async () => {
    const { tools: dispatcher, dispatched } = tools();
    const { loop, approvals } = await setup(callsPatchAnyway, dispatcher);
    const transcript: InputItem[] = [userMessage('change a.txt')];
    const events: AgentEvent[] = [];
    const reason = await loop.run(transcript, (e) => events.push(e), { mode: modePolicy('ask') });

    expect(reason).toBe('answered');
    expect(dispatched).toEqual([]);
    expect(approvals).toEqual([]);
    const end = events.find((e) => e.type === 'tool.end');
    expect(end?.type === 'tool.end' && end.status).toBe('rejected');
    const output = transcript.find((i) => i.type === 'custom_tool_call_output') as { output: string } | undefined;
    expect(output?.output).toMatch(/^Not run: this chat is in Ask mode, which is read-only/);
    expect(output?.output).toContain('switch the chat to Agent mode');
    // What the server saw: only read-only tools, the Ask instructions after the configured ones, the refusal as the next input.
    const sent = turns(emu!);
    expect(sent).toHaveLength(2);
    for (const r of sent) {
      expect(toolNames(r)).toEqual(['grep', 'read_file']);
      expect(String(r.body.instructions).startsWith(`${INSTRUCTIONS}\n\nThis chat is in Ask mode`)).toBe(true);
    }
    expect(JSON.stringify(sent[1]!.body.input)).toContain('Not run: this chat is in Ask mode');
    expect(emu!.violations).toEqual([]);
  });

  it('Plan mode asks for a checklist and offers only read-only tools; a read runs as usual', async () => {
    const { tools: dispatcher, dispatched } = tools();
    const { loop } = await setup(
      {
        name: 'plan',
        turns: [
          { calls: [{ name: 'read_file', arguments: { path: 'a.txt' } }] },
          { text: 'Plan:\n- [ ] change a.txt' },
        ],
      },
      dispatcher,
    );
    await loop.run([userMessage('plan it')], () => {}, { mode: modePolicy('plan') });
    expect(dispatched.map((c) => c.name)).toEqual(['read_file']);
    const sent = turns(emu!);
    expect(sent.map(toolNames)).toEqual([
      ['grep', 'read_file'],
      ['grep', 'read_file'],
    ]);
    expect(String(sent[0]!.body.instructions)).toContain('markdown checklist');
    expect(emu!.violations).toEqual([]);
  });

  it("Agent mode's request is the one sent without a mode: every tool, the instructions unchanged, a delta on the warm-up", async () => {
    const { tools: dispatcher } = tools();
    const { loop } = await setup({ name: 'hi', turns: [{ text: 'hello' }] }, dispatcher);
    const events: AgentEvent[] = [];
    await loop.run([userMessage('hi')], (e) => events.push(e), { mode: modePolicy('agent') });
    const [warmup] = emu!.requests.filter((r) => r.generate === false);
    const [turn] = turns(emu!);
    expect(turn!.body.instructions).toBe(INSTRUCTIONS);
    expect(turn!.body.tools).toEqual(TEST_TOOLS);
    expect(turn!.body.tools).toEqual(warmup!.body.tools);
    const metrics = events.find((e) => e.type === 'turn.metrics');
    expect(metrics?.type === 'turn.metrics' && metrics.metrics.mode).toBe('delta');
    expect(emu!.violations).toEqual([]);
  });
});

describe('modes in the session', () => {
  it('a switch makes the next request full; the same mode again goes back to delta', async () => {
    emu = await emulator({ scenario: { name: 'talk', turns: () => ({ text: 'ok' }) } });
    s = session(emu);
    await s.start();
    const ask = modePolicy('ask');
    const transcript: InputItem[] = [];
    const turn = async (options: Parameters<SessionManager['respond']>[1]) => {
      transcript.push(userMessage(`message ${transcript.length}`));
      const r = await s!.respond(transcript, options);
      transcript.push(...r.output);
      return r.metrics.mode;
    };
    const askOptions = { toolFilter: ask.toolFilter, extraInstructions: ask.extraInstructions };
    expect(await turn({})).toBe('delta');
    expect(await turn(askOptions)).toBe('full');
    expect(await turn(askOptions)).toBe('delta');
    expect(await turn({})).toBe('full');
    expect(await turn({})).toBe('delta');
    expect(turns(emu).map(toolNames)).toEqual([
      ['grep', 'read_file', 'apply_patch'],
      ['grep', 'read_file'],
      ['grep', 'read_file'],
      ['grep', 'read_file', 'apply_patch'],
      ['grep', 'read_file', 'apply_patch'],
    ]);
    expect(emu.violations).toEqual([]);
  });
});

describe('the mode kept with the chat', () => {
  const dirs: string[] = [];
  const store = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warmline-modes-'));
    dirs.push(dir);
    return new ChatStore(dir);
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it('is Agent without a record, and read back as last set after reopening (a rewind does not undo it)', () => {
    const st = store();
    const chat = Conversation.create(st, 'a chat');
    expect(chat.mode).toBe('agent');
    chat.addUserMessage('first', []);
    chat.setMode('plan');
    chat.setMode('plan');
    chat.addUserMessage('second', []);
    chat.setMode('ask');
    expect(st.load(chat.id).filter((r) => r.t === 'mode')).toHaveLength(2);
    expect(Conversation.open(st, chat.id)!.mode).toBe('ask');
    const again = Conversation.open(st, chat.id)!;
    again.rewindTo(0);
    expect(Conversation.open(st, chat.id)!.mode).toBe('ask');
    expect(Conversation.open(st, Conversation.create(st, 'other').id)!.mode).toBe('agent');
  });
});

describe('prompt files as slash commands', () => {
  it('parses front matter: the description, and the body without it', () => {
    expect(parsePromptFile('---\ndescription: "Review the diff"\nmode: ask\n---\nReview my changes.\n')).toEqual({
      description: 'Review the diff',
      body: 'Review my changes.',
    });
    expect(parsePromptFile('\uFEFFJust a prompt\r\n')).toEqual({ body: 'Just a prompt' });
    expect(parsePromptFile('---\nno end of front matter\nbody')).toEqual({
      body: '---\nno end of front matter\nbody',
    });
  });

  it('lists both folders through the guard: a secret, an ignored, an oversized or a badly named file is left out', async () => {
    const f = fixture({
      '.gitignore': 'private.prompt.md\n',
      '.github/prompts/review.prompt.md': '---\ndescription: Review the working tree\n---\nReview my changes.',
      '.github/prompts/private.prompt.md': 'ignored by .gitignore',
      '.github/prompts/secrets.prompt.md': 'a secret by its name (secrets.*)',
      '.github/prompts/notes.md': 'not a .prompt.md file',
      '.github/prompts/big.prompt.md': 'x'.repeat(PROMPT_LIMITS.maxBytes + 1),
      '.github/prompts/bad name.prompt.md': 'a space in the name',
      '.warmline/prompts/tests.md': 'Write tests.',
      '.warmline/prompts/review.md': 'a second "review": the first one wins',
    });
    const host = new NodeHost({ roots: [f.root] });
    const { prompts, notes } = await loadPromptFiles(host, withDefaults({}));
    expect(prompts).toEqual([
      {
        name: 'review',
        description: 'Review the working tree',
        body: 'Review my changes.',
        path: '.github/prompts/review.prompt.md',
      },
      { name: 'tests', description: undefined, body: 'Write tests.', path: '.warmline/prompts/tests.md' },
    ]);
    expect(notes.join('\n')).toMatch(/private\.prompt\.md/);
    expect(notes.join('\n')).toMatch(/secrets\.prompt\.md/);
    expect(notes.join('\n')).toMatch(/big\.prompt\.md: larger than/);
    expect(notes.join('\n')).toMatch(/bad name\.prompt\.md/);
  });

  it('takes at most the bounded number of files', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < PROMPT_LIMITS.maxFiles + 5; i++)
      files[`.warmline/prompts/p${String(i).padStart(3, '0')}.md`] = `prompt ${i}`;
    const f = fixture(files);
    const { prompts, notes } = await loadPromptFiles(new NodeHost({ roots: [f.root] }), withDefaults({}));
    expect(prompts).toHaveLength(PROMPT_LIMITS.maxFiles);
    expect(notes.filter((n) => n.includes('more than'))).toHaveLength(5);
  });
});

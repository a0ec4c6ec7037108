// The chat as the webview shows it (src/ui/chat-view-model.ts), from records alone (no store, no
// vscode): messages, tool cards and their outcomes, compaction markers, turn ends; and the turn in
// progress merged into what the records hold.
import { describe, expect, it } from 'vitest';
import type { ChatRecord } from '../../src/agent/chat-store.ts';
import type { InputItem } from '../../src/session/protocol.ts';
import type { ChatEntryView, ToolCardView } from '../../src/shared/messages.ts';
import { chatEntries, withLiveTurn } from '../../src/ui/chat-view-model.ts';

const meta: ChatRecord = { t: 'meta', id: 'c1', title: 't', createdAt: 0 };
const user = (text: string): ChatRecord => ({ t: 'user', text, context: [], at: 0 });
const items = (...list: InputItem[]): ChatRecord => ({ t: 'items', items: list });
const said = (text: string): InputItem =>
  ({
    type: 'message',
    role: 'assistant',
    id: `m-${text}`,
    status: 'completed',
    content: [{ type: 'output_text', text }],
  }) as InputItem;
const call = (id: string, name = 'grep', args = '{"pattern":"x"}'): InputItem =>
  ({ type: 'function_call', id: `fc-${id}`, call_id: id, name, arguments: args, status: 'completed' }) as InputItem;
const patchCall = (id: string): InputItem =>
  ({
    type: 'custom_tool_call',
    id: `ct-${id}`,
    call_id: id,
    name: 'apply_patch',
    input: '*** Begin Patch',
  }) as InputItem;
const output = (id: string): InputItem => ({ type: 'function_call_output', call_id: id, output: 'ok' });
const customOutput = (id: string): InputItem => ({ type: 'custom_tool_call_output', call_id: id, output: 'ok' });

type Assistant = Extract<ChatEntryView, { kind: 'assistant' }>;
const assistant = (e: ChatEntryView | undefined): Assistant => {
  expect(e?.kind).toBe('assistant');
  return e as Assistant;
};

describe('chat view model: entries from records', () => {
  it('an empty chat shows nothing', () => {
    expect(chatEntries([meta])).toEqual([]);
  });

  it('user messages and the answer, several messages of one turn joined by a blank line, numbered ids', () => {
    const entries = chatEntries([
      meta,
      user('hi'),
      items(said('One.')),
      items(said('Two.')),
      { t: 'end', at: 1 },
      user('again'),
    ]);
    expect(entries).toEqual([
      { kind: 'user', id: 'u1', text: 'hi', context: [], turn: 0 },
      { kind: 'assistant', id: 'a2', text: 'One.\n\nTwo.', tools: [], done: true },
      { kind: 'user', id: 'u3', text: 'again', context: [], turn: 1 },
    ]);
  });

  it('tool cards: summary from describe, running until answered, then the recorded outcome', () => {
    const records = [
      meta,
      user('go'),
      items(call('k1'), patchCall('k2'), call('k3')),
      items(output('k1'), customOutput('k2')),
      { t: 'tool', callId: 'k2', status: 'rejected', summary: 'rejected by the user', progress: 'diff…' } as ChatRecord,
    ];
    const a = assistant(chatEntries(records, (name, raw) => `${name}:${raw.length}`)[1]);
    expect(a.done).toBe(true); // the last turn is over once the chat is built from records
    expect(a.tools.map((t) => [t.id, t.name, t.summary, t.status, t.result, t.output])).toEqual([
      ['k1', 'grep', 'grep:15', 'done', undefined, ''],
      ['k2', 'apply_patch', 'apply_patch:15', 'rejected', 'rejected by the user', 'diff…'],
      ['k3', 'grep', 'grep:15', 'running', undefined, ''],
    ]);
  });

  it("a tool record for an unknown call changes nothing; user message text is the user's, not the model's", () => {
    const entries = chatEntries([
      meta,
      user('go'),
      { t: 'tool', callId: 'nope', status: 'error' },
      items({ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'attached file…' }] } as InputItem),
    ]);
    expect(entries.map((e) => e.kind)).toEqual(['user']);
  });

  it('the end of a turn carries its figures and error; an end with nothing before it is an empty answer', () => {
    const figures = { totalMs: 5, savedBytes: 0, transport: 'http' as const };
    const error = { code: 'no_api_key', message: 'Set a key', actions: ['setKey' as const] };
    const entries = chatEntries([meta, user('a'), { t: 'end', figures, error, at: 1 }]);
    expect(assistant(entries[1])).toEqual({
      kind: 'assistant',
      id: 'a2',
      text: '',
      tools: [],
      done: true,
      figures,
      error,
    });
  });

  it('a compaction marker follows the message it happened in, which goes on above it', () => {
    const compact: ChatRecord = {
      t: 'compact',
      replaced: 2,
      items: [],
      how: 'server',
      reason: 'auto',
      tokensBefore: 10,
      tokensAfter: 4,
      at: 1,
    };
    const entries = chatEntries([
      meta,
      user('a'),
      items(said('Part one.')),
      compact,
      items(said('Part two.')),
      { t: 'end', at: 2 },
    ]);
    expect(entries.map((e) => e.kind)).toEqual(['user', 'assistant', 'compacted']);
    expect(assistant(entries[1]).text).toBe('Part one.\n\nPart two.');
    expect(entries[2]).toEqual({
      kind: 'compacted',
      id: 'c3',
      how: 'server',
      reason: 'auto',
      tokensBefore: 10,
      tokensAfter: 4,
    });
  });
});

describe('chat view model: the turn in progress', () => {
  const card = (id: string, status: ToolCardView['status'], output = ''): ToolCardView => ({
    id,
    name: 'grep',
    summary: id,
    status,
    output,
  });

  it('a turn with nothing recorded yet is a new answer after the user message', () => {
    const entries = withLiveTurn(chatEntries([meta, user('a')]), {
      id: 'a-live-1',
      text: 'Thinking',
      cards: new Map(),
    });
    expect(entries.at(-1)).toEqual({ kind: 'assistant', id: 'a-live-1', text: 'Thinking', tools: [], done: false });
  });

  it('merges into the answer the records hold: live text, live cards in place of recorded ones, new cards appended, not done', () => {
    const records = [meta, user('a'), items(said('Done part.')), items(call('k1'))];
    const cards = new Map([
      ['k1', card('k1', 'awaiting_approval', 'out')],
      ['k2', card('k2', 'running')],
    ]);
    const entries = withLiveTurn(chatEntries(records), { id: 'a-live-2', text: 'Done part.\n\nMore', cards });
    expect(entries).toHaveLength(2);
    const a = assistant(entries[1]);
    expect([a.id, a.text, a.done]).toEqual(['a-live-2', 'Done part.\n\nMore', false]);
    expect(a.tools).toEqual([card('k1', 'awaiting_approval', 'out'), card('k2', 'running')]);
  });

  it('a compaction during the turn: the live turn is the message above the marker', () => {
    const compact: ChatRecord = {
      t: 'compact',
      replaced: 1,
      items: [],
      how: 'local',
      reason: 'auto',
      tokensBefore: 10,
      tokensAfter: 4,
      at: 1,
    };
    const entries = withLiveTurn(chatEntries([meta, user('a'), items(said('Before.')), compact]), {
      id: 'a-live-3',
      text: 'Before.\n\nAfter',
      cards: new Map(),
    });
    expect(entries.map((e) => e.kind)).toEqual(['user', 'assistant', 'compacted']);
    expect(assistant(entries[1]).text).toBe('Before.\n\nAfter');
  });

  it('after a finished answer and a new user message, the turn is a new answer, the old one untouched', () => {
    const entries = withLiveTurn(chatEntries([meta, user('a'), items(said('Old.')), { t: 'end', at: 1 }, user('b')]), {
      id: 'a-live-4',
      text: '',
      cards: new Map(),
    });
    expect(entries.map((e) => e.kind)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(assistant(entries[1])).toMatchObject({ text: 'Old.', done: true });
    expect(assistant(entries[3])).toMatchObject({ id: 'a-live-4', done: false });
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChatStore } from '../../src/agent/chat-store.ts';
import { Conversation } from '../../src/agent/conversation.ts';
import { chatEntries } from '../../src/ui/chat-view-model.ts';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warmline-chats-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const call = {
  type: 'function_call' as const,
  id: 'fc_1',
  call_id: 'call_1',
  name: 'grep',
  arguments: '{"pattern":"x"}',
  status: 'completed',
};
const answer = {
  type: 'message' as const,
  role: 'assistant' as const,
  id: 'msg_1',
  status: 'completed',
  content: [{ type: 'output_text' as const, text: 'Found it.' }],
};

describe('chat history', () => {
  it('persists the user message before anything else happens, and reloads the chat', () => {
    const store = new ChatStore(dir);
    const chat = Conversation.create(store, 'find x');
    chat.addUserMessage(
      'find x',
      [{ kind: 'file', path: 'a.ts', label: 'a.ts' }],
      'find x\n\n<attached file="a.ts">…</attached>',
    );
    // Only the user's message is on disk so far, and it is there (its turn, cut, marked so).
    const reopened = Conversation.open(new ChatStore(dir), chat.id)!;
    expect(reopened.transcript).toHaveLength(1);
    expect(chatEntries(reopened.records)[0]).toEqual({
      kind: 'user',
      id: 'u1',
      text: 'find x',
      context: [{ kind: 'file', path: 'a.ts', label: 'a.ts' }],
      turn: 0,
    });
    expect(store.list().map((c) => c.title)).toEqual(['find x']);
  });

  it('rebuilds tool cards and answers from the records', () => {
    const store = new ChatStore(dir);
    const chat = Conversation.create(store, 't');
    chat.addUserMessage('find x', []);
    chat.appendItems([call]);
    chat.record({ t: 'tool', callId: 'call_1', status: 'done', summary: '3 matches' });
    chat.appendItems([{ type: 'function_call_output', call_id: 'call_1', output: 'a.ts:1:x' }, answer]);
    chat.record({ t: 'end', figures: { totalMs: 10, savedBytes: 5, transport: 'websocket' }, at: 1 });
    const entries = chatEntries(Conversation.open(store, chat.id)!.records, (name, raw) => `${name}(${raw})`);
    expect(entries).toHaveLength(2);
    expect(entries[1]).toMatchObject({ kind: 'assistant', text: 'Found it.', done: true, figures: { savedBytes: 5 } });
    expect((entries[1] as { tools: unknown[] }).tools).toEqual([
      { id: 'call_1', name: 'grep', summary: 'grep({"pattern":"x"})', status: 'done', output: '', result: '3 matches' },
    ]);
  });

  it('survives a crash mid-turn: a torn last line is skipped and a dangling call is answered', () => {
    const store = new ChatStore(dir);
    const chat = Conversation.create(store, 't');
    chat.addUserMessage('find x', []);
    chat.appendItems([call]);
    fs.appendFileSync(path.join(dir, `${chat.id}.jsonl`), '{"t":"items","items":[{"type":"funct');
    const reopened = Conversation.open(new ChatStore(dir), chat.id)!;
    expect(reopened.transcript.map((i) => i.type)).toEqual(['message', 'function_call', 'function_call_output']);
    expect(reopened.transcript[2]).toMatchObject({
      call_id: 'call_1',
      output: expect.stringMatching(/before this tool finished/),
    });
    expect((chatEntries(reopened.records)[1] as { tools: Array<{ status: string }> }).tools[0]!.status).toBe(
      'cancelled',
    );
    // The repair itself was persisted: opening again adds nothing.
    expect(Conversation.open(new ChatStore(dir), chat.id)!.transcript).toHaveLength(3);
  });

  it('a turn cut by a window reload is marked as cut off, its call answered, and the chat goes on (once)', () => {
    const store = new ChatStore(dir);
    const chat = Conversation.create(store, 't');
    chat.addUserMessage('find x', []);
    chat.appendItems([call, { type: 'function_call_output', call_id: 'call_1', output: 'a.ts:1:x' }, answer]);
    chat.record({ t: 'end', at: 1 });
    chat.addUserMessage('and y?', []);
    chat.appendItems([{ ...call, id: 'fc_2', call_id: 'call_2' }]);
    // The window reloads here: no output for call_2, no `end` for the second turn.
    const reopened = Conversation.open(new ChatStore(dir), chat.id)!;
    const entries = chatEntries(reopened.records);
    expect(entries.map((e) => e.kind)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(entries[1]).toMatchObject({ done: true });
    expect(entries[1]).not.toHaveProperty('error');
    expect(entries[3]).toMatchObject({
      done: true,
      error: { code: 'interrupted', message: 'This reply was cut off when the window reloaded.', actions: ['retry'] },
    });
    expect((entries[3] as { tools: Array<{ status: string }> }).tools[0]!.status).toBe('cancelled');
    // Valid to continue: every call has its output.
    expect(reopened.transcript.at(-1)).toMatchObject({ type: 'function_call_output', call_id: 'call_2' });
    // The repair is persisted once: opening again adds nothing; a new message is a new turn, not cut.
    const again = Conversation.open(new ChatStore(dir), chat.id)!;
    expect(again.records.length).toBe(reopened.records.length);
    again.addUserMessage('next', []);
    again.record({ t: 'end', at: 2 });
    const last = chatEntries(Conversation.open(new ChatStore(dir), chat.id)!.records).at(-1);
    expect(last).toMatchObject({ kind: 'assistant', done: true });
    expect(last).not.toHaveProperty('error');
  });

  it('a compacted chat reopens with the compact transcript the model saw, and every message and the marker shown', () => {
    const store = new ChatStore(dir);
    const chat = Conversation.create(store, 't');
    chat.addUserMessage('find x', []);
    chat.appendItems([call, { type: 'function_call_output', call_id: 'call_1', output: 'a.ts:1:x' }, answer]);
    chat.record({ t: 'end', at: 1 });
    chat.addUserMessage('and y?', []);
    const summary = {
      type: 'message' as const,
      role: 'user' as const,
      content: [{ type: 'input_text' as const, text: 'Summary of the earlier conversation: x is in a.ts' }],
    };
    const lastUser = chat.transcript.at(-1)!;
    chat.recordCompaction(
      {
        how: 'local',
        reason: 'manual',
        replaced: chat.transcript.length,
        items: [summary, lastUser],
        tokensBefore: 900,
        tokensAfter: 120,
      },
      true,
    );
    expect(chat.transcript).toEqual([summary, lastUser]);
    const reopened = Conversation.open(new ChatStore(dir), chat.id)!;
    expect(reopened.transcript).toEqual([summary, lastUser]);
    const entries = chatEntries(reopened.records);
    // The last message's turn never ended: its (empty) reply is marked as cut off after the marker.
    expect(entries.map((e) => e.kind)).toEqual(['user', 'assistant', 'user', 'compacted', 'assistant']);
    expect(entries[3]).toMatchObject({ how: 'local', reason: 'manual', tokensBefore: 900, tokensAfter: 120 });
    // The summary is the model's context, not a message of the user's.
    expect(entries.filter((e) => e.kind === 'user').map((e) => (e as { text: string }).text)).toEqual([
      'find x',
      'and y?',
    ]);
  });

  it('refuses a chat id that could escape the folder', () => {
    const store = new ChatStore(dir);
    expect(() => store.load('../../etc/passwd')).toThrow(/invalid chat id/);
    expect(Conversation.open(store, 'nosuchchat')).toBeUndefined();
  });
});

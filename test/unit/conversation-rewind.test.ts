// "Restore files and conversation" cuts the chat at a user message (Conversation.rewindTo): the
// message and what follows leave the chat and its transcript, stay in the file behind a `rewind`
// record, and the next request cannot continue the server's chain: it is sent in full, without
// anything that was dropped.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ChatStore } from '../../src/agent/chat-store.ts';
import { Conversation } from '../../src/agent/conversation.ts';
import { chatEntries } from '../../src/ui/chat-view-model.ts';
import { useSessions } from './session-helpers.ts';

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length) fs.rmSync(dirs.pop()!, { recursive: true, force: true });
});
function storeDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'warmline-rewind-'));
  dirs.push(d);
  return d;
}

const setup = useSessions();

describe('conversation restore', () => {
  it('drops the message and what follows from the chat and its transcript, also after a reload', () => {
    const dir = storeDir();
    const chat = Conversation.create(new ChatStore(dir), 't');
    chat.addUserMessage('one', []);
    chat.appendItems([
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'first answer' }] },
    ]);
    chat.addUserMessage('two', [{ kind: 'file', path: 'a.ts', label: 'a.ts' }]);
    chat.appendItems([
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'second answer' }] },
    ]);
    expect(chat.userMessages).toBe(2);
    const back = chat.rewindTo(1);
    expect(back).toEqual({ text: 'two', context: [{ kind: 'file', path: 'a.ts', label: 'a.ts' }] });
    expect(chat.transcript).toHaveLength(2);
    expect(JSON.stringify(chat.transcript)).not.toContain('two');
    expect(chat.userMessages).toBe(1);
    const reopened = Conversation.open(new ChatStore(dir), chat.id)!;
    expect(reopened.transcript).toEqual(chat.transcript);
    expect(chatEntries(reopened.records).map((e) => e.kind)).toEqual(['user', 'assistant']);
    // Nothing the user had is lost: the file still holds the dropped records.
    expect(fs.readFileSync(path.join(dir, `${chat.id}.jsonl`), 'utf8')).toContain('second answer');
    expect(() => chat.rewindTo(5)).toThrow(/no message 6/);
  });

  it('the next request after a conversation restore is sent in full and carries no dropped item', async () => {
    const { emu, s } = await setup({
      scenario: { name: 'answers', turns: (i) => ({ text: `answer ${i + 1}` }) },
    });
    await s.start();
    const chat = Conversation.create(new ChatStore(storeDir()), 't');
    const ask = async (text: string) => {
      chat.addUserMessage(text, []);
      const r = await s.respond(chat.transcript);
      chat.appendItems(r.output);
      return emu.requests.at(-1)!;
    };
    await ask('first question');
    const second = await ask('second question, to be dropped');
    // Before the cut the chain continues: only the new message goes.
    expect(second.previousResponseId).toBeTruthy();
    expect(second.inputItems).toBe(1);

    chat.rewindTo(1);
    const next = await ask('asked again differently');
    expect(next.previousResponseId).toBeUndefined();
    // The whole context from the first message on (what the server may not replay aside).
    expect(JSON.stringify((next.body.input as unknown[])[0])).toContain('first question');
    expect(next.inputItems).toBeGreaterThan(1);
    const sent = JSON.stringify(next.body.input);
    expect(sent).toContain('first question');
    expect(sent).not.toContain('second question, to be dropped');
    expect(emu.violations).toEqual([]);
  });
});

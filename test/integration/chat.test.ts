// The chat controller's transitions that go wrong in the real extension host (issue 14): what the
// view is told when the chat changes under a running turn or compaction, when a turn's end cannot
// be saved, and when a message is refused. A recording sink stands in for the webview, so every
// message the host posts is checked, not only what the view happens to render.
import assert from 'node:assert/strict';
import type { Compaction } from '../../src/session/compaction.ts';
import type { HostMessage } from '../../src/shared/messages.ts';
import { waitFor } from './helpers.ts';
import { chat, finishedTurns, record, resetSettings, stopEmulator, useEmulator, warmline } from './warmline.ts';

const PATCH = [
  '*** Begin Patch',
  '*** Update File: src/math.js',
  '@@ function average(values) {',
  '-  return sum(values) / (values.length - 1);',
  '+  return values.length ? sum(values) / values.length : 0;',
  '*** End Patch',
].join('\n');
const patchScenario = {
  name: 'fix-average',
  turns: [
    { text: 'Let me fix it.', calls: [{ name: 'apply_patch', type: 'custom' as const, input: PATCH }] },
    { text: 'Fixed the average.' },
  ],
};

const TURN_MESSAGES = new Set<HostMessage['type']>([
  'assistant.start',
  'text.delta',
  'text.reset',
  'tool.start',
  'tool.progress',
  'tool.update',
  'assistant.end',
  'compacted',
  'usage',
]);

describe('chat controller transitions', () => {
  afterEach(async () => {
    const api = await warmline();
    api.chat.detach();
    if (api.chat.busy) {
      api.chat.stop();
      await waitFor(() => !api.chat.busy, 10_000, 'the chat to be idle');
    }
    await stopEmulator();
    await resetSettings();
  });

  it('New Chat while a turn waits for approval: the new chat shows nothing of the old turn, and the view is released once it has stopped', async () => {
    await useEmulator(patchScenario, { 'approvals.edits': 'ask' });
    const api = await warmline();
    const sent = record(api);
    const finished = finishedTurns(api);
    const running = api.chat.send('Fix average');
    await waitFor(() => api.chat.pendingApproval(), 10_000, 'the approval request');
    const oldChat = api.chat.conversation!.id;
    const from = sent.length;
    api.chat.newChat();
    await running;
    await finished;
    const after = sent.slice(from);
    const loads = after.flatMap((m) => (m.type === 'chat.load' ? [m.payload] : []));
    assert.ok(loads.length >= 1, 'the new chat was loaded');
    assert.deepEqual(loads[0]!.entries, [], 'the new chat is empty: the old turn is not merged into it');
    assert.equal(
      loads[0]!.busy,
      true,
      'the view stays busy (Stop shown, Enter keeps the text) until the old turn has stopped',
    );
    assert.deepEqual(
      after.filter((m) => TURN_MESSAGES.has(m.type) && m.type !== 'usage'),
      [],
      'nothing of the old turn reaches the new chat',
    );
    assert.equal(loads.at(-1)!.busy, false, 'the view is released when the old turn has stopped');
    const histories = after.flatMap((m) => (m.type === 'history' ? [m.payload.activeId] : []));
    assert.equal(histories.at(-1), '', 'the history marks no chat active: the new chat has none yet');
    assert.equal(api.chat.busy, false);
    assert.equal(api.chat.conversation, undefined);
    // The old chat was ended and saved: it reopens with its cancelled tool card.
    api.chat.open(oldChat);
    const card = api.chat.entries().flatMap((e) => (e.kind === 'assistant' ? e.tools : []))[0]!;
    assert.equal(card.status, 'cancelled');
  });

  it('a turn whose end cannot be saved still ends, shows the error, and the next message runs', async () => {
    await useEmulator({ name: 'three', turns: [{ text: 'Zero.' }, { text: 'One.' }, { text: 'Two.' }] });
    const api = await warmline();
    await chat('zero');
    const sent = record(api);
    // A full disk, from the moment the turn ends (the chat file takes nothing more).
    const conversation = api.chat.conversation!;
    const save = conversation.record.bind(conversation);
    conversation.record = (r) => {
      if (r.t === 'end') throw new Error('ENOSPC: no space left on device, write');
      save(r);
    };
    try {
      await chat('one');
    } finally {
      conversation.record = save;
    }
    assert.equal(api.chat.busy, false, 'the chat is idle again');
    const end = sent.findLast((m) => m.type === 'assistant.end');
    assert.ok(end && end.type === 'assistant.end', 'the view was told the turn ended');
    assert.match(end.payload.error?.message ?? '', /no space left on device/);
    await chat('two');
    const answer = api.chat.entries().at(-1)!;
    assert.ok(answer.kind === 'assistant' && /Two\./.test(answer.text), 'the next message was answered');
  });

  it('a message sent while a request starts waits in the queue, then is sent after it (issue 15)', async () => {
    await useEmulator({ name: 'hello-twice', turns: [{ text: 'Hello once.' }, { text: 'Hello twice.' }] });
    const api = await warmline();
    const sent = record(api);
    const second = new Promise<void>((resolve) => {
      let n = 0;
      const d = api.chat.onDidFinishTurn(() => {
        if (++n === 2) {
          d.dispose();
          resolve();
        }
      });
    });
    const first = api.chat.send('first');
    await api.chat.send('second'); // queued: resolves at once
    assert.deepEqual(
      api.chat.queue.map((q) => q.text),
      ['second'],
    );
    await first;
    await second;
    assert.ok(!sent.some((m) => m.type === 'compose'), 'nothing is put back in the message box');
    assert.deepEqual(
      api.chat
        .entries()
        .filter((e) => e.kind === 'user')
        .map((e) => (e as { text: string }).text),
      ['first', 'second'],
    );
  });

  it('a compaction that finishes after New Chat is saved to its chat and not shown in the new one', async () => {
    await useEmulator({ name: 'hello-once', turns: [{ text: 'Hello once.' }] });
    const api = await warmline();
    await chat('hello');
    const oldChat = api.chat.conversation!.id;
    const transcript = [...api.chat.conversation!.transcript];
    const sent = record(api);
    const compact = api.session.compact;
    let finish!: (c: Compaction) => void;
    api.session.compact = () =>
      new Promise<Compaction>((resolve) => {
        finish = resolve;
      });
    try {
      const compacting = api.chat.compact();
      await waitFor(() => finish, 5000, 'the compaction to start');
      api.chat.newChat();
      const from = sent.length;
      finish({
        how: 'local',
        reason: 'manual',
        replaced: transcript.length,
        items: transcript.slice(-1),
        tokensBefore: 900,
        tokensAfter: 120,
      });
      await compacting;
      assert.deepEqual(
        sent.slice(from).filter((m) => m.type === 'compacted' || m.type === 'usage'),
        [],
        'no marker or meter of the old chat in the new one',
      );
    } finally {
      api.session.compact = compact;
    }
    assert.equal(api.chat.busy, false);
    api.chat.open(oldChat);
    assert.deepEqual(
      api.chat.entries().map((e) => e.kind),
      ['user', 'assistant', 'compacted'],
      'the old chat has its marker',
    );
  });
});

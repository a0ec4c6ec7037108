// The message queue (issue 15) in the real extension host, against the emulator: a message sent
// while a turn runs waits and is sent when the turn ends, as the next request's delta; "Send now"
// stops the running turn at its safe point (after the tool call's output is recorded, before the
// next model request) and sends the message next.
import assert from 'node:assert/strict';
import type { HostMessage } from '../../src/shared/messages.ts';
import { waitFor } from './helpers.ts';
import { finishedTurns, record, resetSettings, stopEmulator, useEmulator, warmline } from './warmline.ts';

interface InputMessage {
  type?: string;
  role?: string;
  content?: Array<{ text?: string }>;
}
const userTexts = (input: unknown): string[] =>
  (Array.isArray(input) ? (input as InputMessage[]) : [])
    .filter((i) => i.role === 'user')
    .map((i) => (i.content ?? []).map((c) => c.text ?? '').join(''));

const LONG = 'Reading the project one file at a time, slowly. '.repeat(12);

describe('message queue', () => {
  afterEach(async () => {
    const api = await warmline();
    api.chat.detach();
    for (const item of api.chat.queue) api.chat.removeQueued(item.id);
    if (api.chat.busy) {
      api.chat.stop();
      await waitFor(() => !api.chat.busy, 10_000, 'the chat to be idle');
    }
    await stopEmulator();
    await resetSettings();
  });

  it('a message sent while a turn runs is queued, then sent when the turn ends as the next request (a delta)', async () => {
    const emu = await useEmulator(
      { name: 'slow-then-quick', turns: [{ text: LONG }, { text: 'Second answer.' }] },
      {},
      { chunkDelayMs: 40 },
    );
    const api = await warmline();
    const sent = record(api);
    const both = finishedTurns(api, 2);
    const first = api.chat.send('first question');
    await waitFor(() => sent.some((m) => m.type === 'text.delta'), 10_000, 'the first reply to stream');
    // The composer's Enter while the reply streams: queued, not refused, with its context chip.
    await api.chat.send('second question', [{ kind: 'file', path: 'src/math.js', label: 'math.js' }]);
    assert.equal(api.chat.busy, true, 'the first turn still runs');
    assert.deepEqual(
      api.chat.queue.map((q) => q.text),
      ['second question'],
    );
    const shown = sent.findLast((m) => m.type === 'queue');
    assert.ok(shown?.type === 'queue' && shown.payload.items.length === 1, 'the view shows it pending');
    await first;
    await both;
    assert.deepEqual(api.chat.queue, [], 'the queue drained');
    const model = emu.requests.filter((r) => r.generate !== false && r.endpoint !== 'compact');
    assert.equal(model.length, 2, 'one request per message, one after the other');
    const second = model[1]!;
    assert.ok(second.previousResponseId, 'the second continues the first on the server (delta)');
    const texts = userTexts(second.body.input);
    assert.equal(texts.length, 1, 'only the new message is sent');
    assert.match(texts[0]!, /^second question\n\n<attached file="math\.js">[\s\S]*function average/, 'with its chip');
    const users = api.chat.entries().filter((e) => e.kind === 'user');
    assert.deepEqual(
      users.map((e) => [(e as { text: string }).text, (e as { context: unknown[] }).context.length]),
      [
        ['first question', 0],
        ['second question', 1],
      ],
    );
    const answers = api.chat.entries().filter((e) => e.kind === 'assistant');
    assert.match((answers.at(-1) as { text: string }).text, /Second answer\./);
    assert.equal(
      sent.findLast((m) => m.type === 'queue')?.type === 'queue' &&
        (sent.findLast((m) => m.type === 'queue') as Extract<HostMessage, { type: 'queue' }>).payload.items.length,
      0,
      'the view was told the queue is empty',
    );
  });

  it('"Send now" stops the turn at the safe point: the tool call finishes and its output is recorded, no further model request, then the message is sent', async () => {
    const emu = await useEmulator(
      {
        name: 'search-then-answer',
        turns: [
          { text: LONG, calls: [{ name: 'grep', arguments: { pattern: 'average' } }] },
          { text: 'Answer to the message sent now.' },
          { text: 'Not reached.' },
        ],
      },
      {},
      { chunkDelayMs: 25 },
    );
    const api = await warmline();
    const sent = record(api);
    const both = finishedTurns(api, 2);
    const first = api.chat.send('find average');
    await waitFor(() => sent.some((m) => m.type === 'text.delta'), 10_000, 'the first reply to stream');
    await api.chat.send('stop searching and answer this');
    const [queued] = api.chat.queue;
    assert.ok(queued);
    api.chat.sendQueuedNow(queued.id);
    await first;
    await both;
    const model = emu.requests.filter((r) => r.generate !== false && r.endpoint !== 'compact');
    assert.equal(model.length, 2, 'no model request between the tool output and the message sent now');
    const input = model[1]!.body.input as Array<{ type?: string; role?: string }>;
    assert.deepEqual(
      input.map((i) => i.type ?? i.role),
      ['function_call_output', 'message'],
      'the tool output, recorded, then the message',
    );
    assert.deepEqual(userTexts(input), ['stop searching and answer this']);
    const entries = api.chat.entries();
    const firstAnswer = entries.find((e) => e.kind === 'assistant');
    assert.ok(firstAnswer?.kind === 'assistant');
    assert.deepEqual(
      firstAnswer.tools.map((t) => [t.name, t.status]),
      [['grep', 'done']],
      'the running call finished',
    );
    assert.equal(firstAnswer.error, undefined, 'the turn yielded; it did not fail');
    const last = entries.at(-1);
    assert.ok(last?.kind === 'assistant' && /Answer to the message sent now\./.test(last.text));
    // The saved chat has every call answered.
    const transcript = api.chat.conversation!.transcript;
    const calls = transcript.filter((i) => i.type === 'function_call').length;
    const outputs = transcript.filter((i) => i.type === 'function_call_output').length;
    assert.equal(calls, outputs);
  });
});

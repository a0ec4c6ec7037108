// Modes (issue 15) in the real extension host: a chat in Ask mode offers the model no edit tool,
// and when the model calls one anyway (it saw it earlier), nothing runs, no approval is asked,
// and the model is told why in the next request. The mode is kept with the chat.
import assert from 'node:assert/strict';
import type { HostMessage } from '../../src/shared/messages.ts';
import { readFixtureFile, restoreFixture } from './helpers.ts';
import { chat, resetSettings, stopEmulator, useEmulator, warmline } from './warmline.ts';

const PATCH = [
  '*** Begin Patch',
  '*** Update File: src/math.js',
  '@@ function average(values) {',
  '-  return sum(values) / (values.length - 1);',
  '+  return values.length ? sum(values) / values.length : 0;',
  '*** End Patch',
].join('\n');

const EDIT_TOOLS = ['apply_patch', 'apply_patch_json', 'replace_in_file', 'run_task'];

describe('modes', () => {
  afterEach(async () => {
    const api = await warmline();
    api.chat.detach();
    api.chat.setMode('agent');
    await stopEmulator();
    await resetSettings();
  });

  it('Ask mode: no edit tools are offered; an edit the model calls anyway is refused unrun, without an approval, and the model is told', async () => {
    const original = await restoreFixture('src/math.js');
    const emu = await useEmulator(
      {
        name: 'ask-refuses-edit',
        turns: [
          {
            text: 'Let me fix it.',
            calls: [{ name: 'apply_patch', type: 'custom', input: PATCH, unoffered: true }],
          },
          { text: 'I cannot change files in Ask mode; switch to Agent mode and ask again.' },
        ],
      },
      { 'approvals.edits': 'ask' },
    );
    const api = await warmline();
    const sent: HostMessage[] = [];
    api.chat.attach((m) => sent.push(m));
    api.chat.setMode('ask');
    assert.deepEqual(sent.at(-1), { type: 'mode', payload: { mode: 'ask' } });
    await chat('Fix average');

    assert.equal(await readFixtureFile('src/math.js'), original, 'the file is untouched');
    assert.equal(
      sent.some((m) => m.type === 'tool.update' && m.payload.status === 'awaiting_approval'),
      false,
      'no approval was asked',
    );
    const card = api.chat.entries().flatMap((e) => (e.kind === 'assistant' ? e.tools : []))[0];
    assert.equal(card?.name, 'apply_patch');
    assert.equal(card?.status, 'rejected');

    const turns = emu.requests.filter((r) => r.generate !== false && r.endpoint === undefined);
    assert.equal(turns.length, 2);
    for (const r of turns) {
      const names = ((r.body.tools as Array<{ name: string }>) ?? []).map((t) => t.name);
      assert.deepEqual(
        names.filter((n) => EDIT_TOOLS.includes(n)),
        [],
        'no edit tool is offered',
      );
      assert.ok(names.includes('read_file') && names.includes('grep'), 'the read-only tools are');
      assert.match(String(r.body.instructions), /This chat is in Ask mode/);
    }
    assert.match(JSON.stringify(turns[1]!.body.input), /Not run: this chat is in Ask mode, which is read-only/);

    // Kept with the chat: reopened, it is still in Ask mode, and the view is told so after the chat.
    const id = api.chat.conversation!.id;
    api.chat.setMode('agent');
    api.chat.setMode('ask');
    api.chat.newChat();
    api.chat.open(id);
    assert.equal(api.chat.chatMode, 'ask');
    const load = sent.findLastIndex((m) => m.type === 'chat.load');
    assert.deepEqual(
      sent.slice(load).find((m) => m.type === 'mode'),
      { type: 'mode', payload: { mode: 'ask' } },
    );
  });
});

import assert from 'node:assert/strict';
import { chat, resetSettings, setSettings, stopEmulator, useEmulator, warmline } from './warmline.ts';
import { waitFor } from './helpers.ts';

describe('the session in VS Code', () => {
  afterEach(async () => { await stopEmulator(); await resetSettings() });

  it('shows a clear "set your API key" state when none is configured, instead of failing', async () => {
    const api = await warmline();
    // A remote server and no key (the runner clears OPENAI_API_KEY): nothing is sent anywhere.
    await setSettings({ baseUrl: 'https://api.example.invalid/v1' });
    await waitFor(() => api.session.state === 'no_key', 10_000, 'the no_key state');
    assert.match(api.status.text, /set API key/);
    // A message sent anyway is kept, and answered with the same words and a Set API Key button.
    await chat('hello');
    const entries = api.chat.conversation!.entries();
    assert.deepEqual(entries.at(-2), { kind: 'user', id: entries.at(-2)!.id, text: 'hello', context: [] });
    const answer = entries.at(-1)!;
    assert.ok(answer.kind === 'assistant' && answer.error, 'the answer carries the error');
    assert.equal(answer.error.code, 'no_api_key');
    assert.deepEqual(answer.error.actions, ['setKey']);
  });

  it('warms up against the server as soon as it is configured, before any user turn', async () => {
    const api = await warmline();
    const emu = await useEmulator('hello');
    const warmups = emu.requests.filter((r) => r.generate === false);
    // The chat lane and the inline lane, each on its own socket (settings applied one by one may
    // reconnect more than once; each reconnect warms both lanes again).
    assert.ok(warmups.length >= 2 && warmups.length % 2 === 0, `warmups: ${warmups.length}`);
    assert.equal(new Set(warmups.map((r) => r.connectionId)).size, warmups.length);
    assert.equal(emu.requests.filter((r) => r.generate !== false).length, 0, 'no model turn yet');
    assert.ok((warmups[0]!.body.tools as unknown[]).length >= 6, 'the workspace tools are staged');
    assert.match(String(warmups[0]!.body.instructions), /You are Warmline/);
    assert.equal(api.session.state, 'warm');
    assert.match(api.status.text, /Warmline/);
  });

  it('a chat message round trip: the first turn is a delta on the warm socket', async () => {
    const api = await warmline();
    const emu = await useEmulator('hello');
    await chat('Say hello');
    const turn = emu.requests.find((r) => r.generate !== false)!;
    const warm = emu.requests.find((r) => r.generate === false && r.connectionId === turn.connectionId)!;
    assert.equal(turn.previousResponseId, warm.responseId);
    assert.equal(turn.inputItems, 1);
    const entries = api.chat.conversation!.entries();
    const answer = entries.at(-1)!;
    assert.equal(answer.kind, 'assistant');
    assert.match(answer.kind === 'assistant' ? answer.text : '', /Responses emulator/);
    assert.ok(answer.kind === 'assistant' && answer.figures && answer.figures.totalMs > 0);
  });
});

import assert from 'node:assert/strict';
import { chat, resetSettings, setSettings, stopEmulator, useEmulator, warmline } from './warmline.ts';
import { waitFor } from './helpers.ts';
import { chainScenario } from '../emulator/scenario.ts';
import type { Emulator, RecordedRequest } from '../emulator/types.ts';

describe('the session in VS Code', () => {
  afterEach(async () => {
    await stopEmulator();
    await resetSettings();
  });

  it('shows a clear "set your API key" state when none is configured, instead of failing', async () => {
    const api = await warmline();
    // A remote server and no key (the runner clears OPENAI_API_KEY): nothing is sent anywhere.
    await setSettings({ baseUrl: 'https://api.example.invalid/v1' });
    await waitFor(() => api.session.state === 'no_key', 10_000, 'the no_key state');
    assert.match(api.status.text, /set API key/);
    // A message sent anyway is kept, and answered with the same words and a Set API Key button.
    await chat('hello');
    const entries = api.chat.entries();
    const sent = entries.at(-2)!;
    assert.ok(sent.kind === 'user');
    assert.deepEqual({ text: sent.text, context: sent.context }, { text: 'hello', context: [] });
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
    const entries = api.chat.entries();
    const answer = entries.at(-1)!;
    assert.equal(answer.kind, 'assistant');
    assert.match(answer.kind === 'assistant' ? answer.text : '', /Responses emulator/);
    assert.ok(answer.kind === 'assistant' && answer.figures && answer.figures.totalMs > 0);
  });
});

describe('a reasoning model in VS Code', () => {
  afterEach(async () => {
    await stopEmulator();
    await resetSettings();
  });

  it('a chat survives the server losing its cache mid-chain: the full resend carries the encrypted reasoning', async () => {
    const api = await warmline();
    let emu: Emulator | undefined;
    let armed = false;
    // After the third model turn, the server forgets the chain (a cache loss, as after a reconnect).
    const onRequest = (r: RecordedRequest) => {
      if (armed || r.generate === false || r.outcome !== 'completed') return;
      if (emu!.requests.filter((q) => q.generate !== false && q.outcome === 'completed').length === 3) {
        armed = true;
        emu!.injectFault({ kind: 'evict_previous' });
      }
    };
    emu = await useEmulator(
      chainScenario(5, { tools: ['grep', 'read_file'], finalText: 'Done after the cache loss.' }),
      {},
      { reasoning: true, onRequest },
    );
    await chat('explore the project');
    const answer = api.chat.entries().at(-1)!;
    assert.ok(
      answer.kind === 'assistant' && !answer.error,
      `no error: ${answer.kind === 'assistant' ? answer.error?.message : ''}`,
    );
    assert.match(answer.kind === 'assistant' ? answer.text : '', /Done after the cache loss/);
    assert.ok(armed, 'the cache loss happened');
    const resend = emu.requests.find(
      (r) => r.generate !== false && r.previousResponseId === undefined && r.inputItems > 2,
    );
    assert.ok(resend, 'the context was resent in full');
    const reasoning = (resend.body.input as Array<{ type: string; encrypted_content?: unknown }>).filter(
      (i) => i.type === 'reasoning',
    );
    assert.ok(
      reasoning.length >= 3 && reasoning.every((i) => typeof i.encrypted_content === 'string'),
      'every reasoning item went back with its encrypted content',
    );
    assert.equal(emu.requests.filter((r) => r.errorCode === 'previous_response_not_found').length, 1);
  });
});

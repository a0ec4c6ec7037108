import assert from 'node:assert/strict';
import { startEmulator } from '../emulator/server.ts';
import { waitFor } from './helpers.ts';
import { chat, resetSettings, setSettings, warmline } from './warmline.ts';

describe('providers', () => {
  afterEach(resetSettings);

  it('a local HTTP-only server (Ollama preset): no key, falls back to HTTP, chains on stored responses', async () => {
    // Imitates a local server without the WebSocket mode: upgrades get a 404, POST /v1/responses works.
    const emu = await startEmulator({
      scenario: { name: 'two-answers', turns: [{ text: 'First answer.' }, { text: 'Second answer.' }] },
      websocket: false,
      mode: 'strict',
    });
    try {
      const api = await warmline();
      api.chat.newChat();
      await setSettings({ provider: 'ollama', baseUrl: emu.url });
      await waitFor(() => api.session.state === 'http', 10_000, 'the HTTP fallback');
      await chat('hello');
      await chat('again');
      const turns = emu.requests.filter((r) => r.transport === 'http');
      assert.equal(turns.length, 2);
      assert.equal(turns[0]!.headers.authorization, undefined, 'a local server gets no key');
      assert.equal(turns[1]!.previousResponseId, turns[0]!.responseId, 'chained on the stored response');
      assert.equal(turns[1]!.inputItems, 1);
      assert.match(api.session.mode, /^HTTP, chained/);
      assert.match(api.status.text, /HTTP/);
      assert.deepEqual(emu.violations, []);
    } finally {
      await emu.close();
    }
  });
});

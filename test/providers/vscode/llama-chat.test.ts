// One chat in the real VS Code against a real llama.cpp llama-server (started by
// test/providers/run.ts, its address in WARMLINE_LLAMA_ORIGIN), with the `llamacpp` provider
// preset, through a recording proxy: what the extension's own wiring sends, and what it shows.
import assert from 'node:assert/strict';
import type { ToolDefinition } from '../../../src/session/protocol.ts';
import { waitFor } from '../../integration/helpers.ts';
import { chat, resetSettings, setSettings, warmline } from '../../integration/warmline.ts';
import { startRecordingProxy } from '../llama-server.ts';
import type { RecordingProxy } from '../llama-server.ts';

describe('llama.cpp in VS Code', () => {
  let proxy: RecordingProxy | undefined;
  afterEach(async () => {
    await resetSettings();
    await proxy?.close();
  });

  it('a chat with the llamacpp preset: answered over HTTP, the status says HTTP, no custom tool sent, one upgrade attempt', async () => {
    const origin = process.env.WARMLINE_LLAMA_ORIGIN;
    assert.ok(origin, 'WARMLINE_LLAMA_ORIGIN is not set: run this through test/providers/run.ts');
    proxy = await startRecordingProxy(origin);
    const api = await warmline();
    api.chat.newChat();
    await setSettings({ baseUrl: proxy.baseUrl, provider: 'llamacpp' });
    await waitFor(() => api.session.state === 'http', 30_000, 'the session to settle on HTTP against llama-server');

    await chat('Say hello.');
    const traffic = proxy.records
      .map((r) => `${r.upgrade ? 'UPGRADE' : r.method} ${r.path} -> ${r.status ?? '-'}`)
      .join('\n');
    const answer = api.chat.entries().at(-1)!;
    assert.ok(answer.kind === 'assistant', 'the chat has an answer');
    assert.equal(answer.error, undefined, `no error: ${answer.error?.message}\n${traffic}`);

    const posts = proxy.responsesPosts();
    assert.ok(posts.length >= 1, `the model was asked:\n${traffic}`);
    assert.deepEqual(
      posts.filter((p) => (p.status ?? 0) >= 500).map((p) => p.response.slice(0, 200)),
      [],
    );
    for (const post of posts) {
      const tools = (post.body?.tools ?? []) as ToolDefinition[];
      assert.deepEqual(
        tools.filter((t) => t.type !== 'function').map((t) => t.name),
        [],
        'no custom tool is offered to llama.cpp',
      );
      assert.ok(
        tools.some((t) => t.name === 'apply_patch_json'),
        'apply_patch_json is offered',
      );
    }
    assert.equal(proxy.upgrades(), 1, `the WebSocket upgrade is tried once for this endpoint:\n${traffic}`);
    assert.equal(api.session.transportInUse, 'http');
    assert.match(api.session.mode, /^HTTP/);
    assert.match(api.status.text, /HTTP/);
  });
});

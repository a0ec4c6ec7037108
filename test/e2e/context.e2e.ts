// A long chat with a reasoning model in a real VS Code: it outgrows a context window Warmline was
// not told about, the server compacts it, the chat goes on, and the view shows the marker and the
// meter. Then the user compacts by hand with /compact. The model is the Responses emulator
// (scripted, not AI) playing a reasoning model with server-side compaction.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TurnScript } from '../emulator/server.ts';
import { useScriptedWorkbench } from './harness.ts';

// Distinct searches (the agent loop refuses the same call three times in a row), each matching
// most lines of the sample project: about 400 tokens of tool output a turn.
const PATTERNS = ['[a-z]', '[a-z]+', '\\w', '\\w+', '.', '.+', '\\S', '\\S+', '[^ ]', 'e|a', 'o|i', '[eo]'];
const turns: TurnScript[] = [
  ...PATTERNS.map(
    (pattern, i): TurnScript => ({
      text: i === 0 ? 'Searching the project line by line.' : undefined,
      calls: [{ name: 'grep', arguments: { pattern } }],
    }),
  ),
  { text: '## Checked\n\nEvery line of the project was searched; `average` in `src/math.js` is the one to fix.' },
];

describe('a long chat that outgrows the window', () => {
  const { wb, emulator } = useScriptedWorkbench(
    { name: 'e2e-long-chat', model: 'warmline-demo (scripted, not AI)', turns },
    {
      chunkDelayMs: 2,
      settings: { 'warmline.model': 'warmline-demo (scripted, not AI)' },
      emulator: { reasoning: true, serverCompaction: true },
    },
  );
  const view = () => wb().webviewFrame();

  it('is compacted by the server once the window is learned, and goes on; the marker and the meter show it', async () => {
    await wb().page.locator('.part.activitybar [aria-label^="Warmline"]').first().click();
    const input = view().locator('textarea[aria-label="Message Warmline"]');
    await input.waitFor({ state: 'visible' });
    await view().locator('.conn', { hasText: /warm/i }).first().waitFor({ state: 'visible' });
    // The server's window: what the warmup staged (instructions and tools) and room for about six searches.
    const warmup = emulator().requests.find((r) => r.generate === false)!;
    const window = Math.ceil(warmup.bytes / 4) + 2500;
    emulator().configure({ contextWindow: window });

    await input.fill('Search every line of the project');
    await input.press('Enter');
    await view().locator('h2', { hasText: 'Checked' }).waitFor({ state: 'visible', timeout: 60_000 });
    const marker = view().locator('.compacted-line').first();
    await marker.waitFor({ state: 'visible' });
    assert.match(await marker.innerText(), /compacted by the server/);
    const meter = view().locator('.context-meter');
    await meter.waitFor({ state: 'visible' });
    assert.match(await meter.innerText(), /^Context \d+% · /);
    assert.equal(
      await view().locator('.tool-card', { hasText: 'grep' }).count(),
      PATTERNS.length,
      'every search ran once',
    );
    assert.ok((await view().locator('.compacted-line').count()) <= 3, 'compacted when needed, not every turn');
    const reqs = emulator().requests;
    assert.ok(
      reqs.some((r) => r.errorCode === 'context_length_exceeded'),
      'the window was found by overflowing it',
    );
    assert.ok(
      reqs
        .filter((r) => r.generate !== false)
        .every((r) => (r.body.include as string[] | undefined)?.includes('reasoning.encrypted_content')),
    );
    await wb().screenshot('chat-context-compacted');
  });

  it('/compact compacts the conversation on request', async () => {
    const input = view().locator('textarea[aria-label="Message Warmline"]');
    const before = await view().locator('.compacted-line').count();
    await input.fill('/compact');
    await input.press('Enter');
    await view().locator('.compacted-line').nth(before).waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(await view().locator('.compacted-line').nth(before).innerText(), /as you asked/);
    assert.equal(await input.inputValue(), '');
    await wb().screenshot('chat-compacted-on-request');
  });
});

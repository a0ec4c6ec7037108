// Issue 15 in the real chat view of a real VS Code: an image pasted into the message box goes to
// the server as an `input_image` part and shows in the chat; `@problems` picked from the `@` list
// becomes a chip whose text (the workspace's diagnostics) goes with the message. The model is the
// Responses emulator (scripted, not AI).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pngBytes } from '../fixtures/png.ts';
import { useScriptedWorkbench } from './harness.ts';

describe('mentions and images in the chat view', () => {
  const { wb, emulator } = useScriptedWorkbench(
    {
      name: 'e2e-mentions-images',
      turns: [{ text: 'The picture is a colour gradient.' }, { text: 'The JSON file has a syntax error.' }],
    },
    { chunkDelayMs: 2, files: { 'config/broken.json': '{\n  "name": "demo",,\n  "port": 80\n}\n' } },
  );
  const view = () => wb().webviewFrame();
  const lastUser = () => {
    const req = emulator()
      .requests.filter((r) => r.generate !== false)
      .at(-1)!;
    const input = req.body.input as Array<{ role?: string; content?: Array<Record<string, unknown>> }>;
    return input.findLast((i) => i.role === 'user')!.content!;
  };

  it('a pasted image is sent as input_image and shows in the chat', async () => {
    await wb().page.locator('.part.activitybar [aria-label^="Warmline"]').first().click();
    const input = view().locator('textarea[aria-label="Message Warmline"]');
    await input.waitFor({ state: 'visible' });
    await view().locator('.conn', { hasText: /warm/i }).first().waitFor({ state: 'visible' });
    const png = pngBytes(96, 64);
    await input.evaluate((el, b64) => {
      const bin = atob(b64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], 'image.png', { type: 'image/png' }));
      el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    }, png.toString('base64'));
    await view().locator('.composer .chip-image img.chip-thumb').waitFor({ state: 'visible' });
    await input.fill('What is in this picture?');
    await input.press('Enter');
    await view().locator('.entry.assistant', { hasText: 'colour gradient' }).waitFor({ state: 'visible' });
    await view().locator('.entry.user .chip-image img.chip-thumb').waitFor({ state: 'visible' });
    const parts = lastUser();
    assert.deepEqual(parts[0], { type: 'input_text', text: 'What is in this picture?' });
    assert.deepEqual(parts[1], {
      type: 'input_image',
      image_url: `data:image/png;base64,${png.toString('base64')}`,
      detail: 'auto',
    });
    await wb().screenshot('image-sent');
  });

  it('@problems picked from the list becomes a chip; the diagnostics go with the message', async () => {
    const { page } = wb();
    // Open the broken JSON file so the editor reports its problems.
    await page.keyboard.press('Control+P');
    await page.locator('.quick-input-widget input').fill('broken.json');
    await page
      .locator('.quick-input-list .monaco-list-row', { hasText: 'broken.json' })
      .first()
      .waitFor({ state: 'visible' });
    await page.keyboard.press('Enter');
    await page.locator('.editor-instance .view-lines', { hasText: '"port"' }).waitFor({ state: 'visible' });
    await page.locator('.statusbar-item[id="status.problems"]', { hasText: /[1-9]/ }).waitFor({ timeout: 30_000 });

    const input = view().locator('textarea[aria-label="Message Warmline"]');
    await input.click();
    await input.pressSequentially('What is wrong? @prob');
    await view().locator('.mentions .mention-name', { hasText: '@problems' }).waitFor({ state: 'visible' });
    await input.press('Enter');
    await view().locator('.composer .chip-problems').waitFor({ state: 'visible' });
    await wb().screenshot('mention-problems');
    await input.press('Enter');
    await view().locator('.entry.assistant', { hasText: 'syntax error' }).waitFor({ state: 'visible' });
    const text = String(lastUser()[0]!.text);
    assert.match(text, /^What is wrong\?/);
    assert.match(text, /<attached problems="problems">[\s\S]*config\/broken\.json:2:\d+ error/);
  });
});

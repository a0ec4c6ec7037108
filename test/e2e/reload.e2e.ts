// The message queue and the open chat after "Developer: Reload Window" (issue 15), in a real VS
// Code: while a reply streams, a message sent is queued (shown pending above the message box);
// the window reloads mid-reply with unsent text in the box; the chat comes back open, with its
// messages, the cut reply marked, the unsent text in the box and the queued message waiting.
// The model is the Responses emulator (scripted, not AI). Screenshots in .test-artifacts/screenshots/.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useScriptedWorkbench } from './harness.ts';

const SLOW = 'Reading every file of the project, one at a time, and taking notes as I go. '.repeat(40);

/** The last user message's text in the request's context (the scenario answers by it). */
function lastUserText(context: unknown[]): string {
  const users = context.filter((i) => (i as { role?: string }).role === 'user') as Array<{
    content?: Array<{ text?: string }> | string;
  }>;
  const c = users.at(-1)?.content;
  return typeof c === 'string' ? c : (c ?? []).map((p) => p.text ?? '').join('');
}

const scenario = {
  name: 'e2e-reload',
  model: 'warmline-demo (scripted, not AI)',
  turns: (_index: number, context: unknown) => {
    const last = lastUserText(Array.isArray(context) ? context : []);
    if (/whole project/.test(last)) return { text: SLOW };
    if (/tests/.test(last)) return { text: 'Third: tests written.' };
    return { text: 'First answer: `average` divides by the wrong count.' };
  },
};

describe('the queue and the open chat across a window reload', () => {
  const { wb, emulator } = useScriptedWorkbench(scenario, {
    chunkDelayMs: 80,
    settings: { 'warmline.model': 'warmline-demo (scripted, not AI)' },
  });
  const view = () => wb().webviewFrame();
  const input = () => view().locator('textarea[aria-label="Message Warmline"]');

  it('queues a message sent while a reply streams', async () => {
    await wb().page.locator('.part.activitybar [aria-label^="Warmline"]').first().click();
    await input().waitFor({ state: 'visible' });
    await view().locator('.conn', { hasText: /warm/i }).first().waitFor({ state: 'visible' });
    await input().fill('Why is average wrong?');
    await input().press('Enter');
    await view().locator('.entry', { hasText: 'First answer' }).first().waitFor({ state: 'visible' });
    await view().locator('button[aria-label="Stop"]').waitFor({ state: 'hidden' });
    await input().fill('Read the whole project');
    await input().press('Enter');
    await view().locator('.entry', { hasText: 'Reading every file' }).first().waitFor({ state: 'visible' });
    // The reply streams: Enter queues the next message instead of refusing it.
    await input().fill('Then write tests for average');
    await input().press('Enter');
    const pending = view().locator('.queue .queued', { hasText: 'Then write tests for average' });
    await pending.waitFor({ state: 'visible' });
    assert.equal(await view().locator('button[aria-label="Stop"]').isVisible(), true, 'the reply still runs');
    await input().fill('a thought I have not sent yet');
    await wb().screenshot('queued-message');
    assert.equal(
      emulator().requests.filter((r) => r.generate !== false).length,
      2,
      'the queued message waits: not sent while the reply runs',
    );
  });

  it('after Developer: Reload Window the chat is back, the cut reply marked, the unsent text and the queued message kept', async () => {
    await wb().runCommand('Developer: Reload Window');
    await wb().page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
    const warmline = wb().page.locator('.part.activitybar [aria-label^="Warmline"]').first();
    await warmline.waitFor({ state: 'visible', timeout: 60_000 });
    // Not a click on the icon: while the restored view is still loading, a click closes the side
    // bar (the icon toggles it). Focus Chat only ever shows the view.
    await wb().runCommand('Warmline: Focus Chat');
    await input().waitFor({ state: 'visible', timeout: 60_000 });
    // The chat that was open, with its messages: no trip through the history needed.
    await view().locator('.entry.user', { hasText: 'Why is average wrong?' }).waitFor({ state: 'visible' });
    await view().locator('.entry.user', { hasText: 'Read the whole project' }).waitFor({ state: 'visible' });
    await view()
      .locator('.entry', { hasText: 'This reply was cut off when the window reloaded.' })
      .first()
      .waitFor({ state: 'visible' });
    assert.equal(await input().inputValue(), 'a thought I have not sent yet', 'the unsent text is in the box');
    const queue = view().locator('.queue');
    await queue.locator('.queued', { hasText: 'Then write tests for average' }).waitFor({ state: 'visible' });
    assert.match(await queue.innerText(), /did not finish/, 'the queued message waits for the user');
    await wb().screenshot('chat-after-reload');
    const before = emulator().requests.filter((r) => r.generate !== false).length;
    // Sent when the user says so; the chat goes on (the emulator checks the transcript is valid).
    await queue.locator('button[aria-label="Send now"]').click();
    await view().locator('.entry.user', { hasText: 'Then write tests for average' }).waitFor({ state: 'visible' });
    await view()
      .locator('.entry', { hasText: 'Third: tests written.' })
      .first()
      .waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal(emulator().requests.filter((r) => r.generate !== false).length, before + 1);
    await queue.waitFor({ state: 'hidden' });
  });
});

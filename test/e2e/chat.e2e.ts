// The chat as a person uses it, in a real VS Code: open the Warmline view, type a message, watch
// the answer stream with tool cards, accept an edit, start a new chat from the palette, reload
// the window and find the chat in history. The model is the Responses emulator (scripted, not AI),
// started here and configured through the extension's settings. Screenshots in .test-artifacts/screenshots/.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { useScriptedWorkbench } from './harness.ts';

const PATCH = [
  '*** Begin Patch',
  '*** Update File: src/math.js',
  '@@ function average(values) {',
  '   // Deliberate bug: divides by one less than the count (and by -1 for an empty list).',
  '-  return sum(values) / (values.length - 1);',
  '+  return values.length ? sum(values) / values.length : 0;',
  '*** End Patch',
].join('\n');

const scenario = {
  name: 'e2e-chat',
  model: 'warmline-demo (scripted, not AI)',
  turns: [
    { text: 'Let me find `average` first.', calls: [{ name: 'grep', arguments: { pattern: 'function average' } }] },
    { calls: [{ name: 'apply_patch', type: 'custom' as const, input: PATCH }] },
    {
      text: '## Fixed\n\n`average` now divides by the count:\n\n```js\nreturn values.length ? sum(values) / values.length : 0;\n```\n\nAn empty list gives **0**.',
    },
  ],
};

describe('chat in the Warmline view', () => {
  const { wb, emulator } = useScriptedWorkbench(scenario, {
    settings: { 'warmline.model': 'warmline-demo (scripted, not AI)' },
  });

  const view = () => wb().webviewFrame();

  it('opens from the activity bar, before any turn, with the connection state', async () => {
    await wb().page.locator('.part.activitybar [aria-label^="Warmline"]').first().click();
    await view().locator('textarea[aria-label="Message Warmline"]').waitFor({ state: 'visible' });
    await view().locator('.conn', { hasText: /warm/i }).first().waitFor({ state: 'visible' });
    await view().locator('.badge-scripted').waitFor({ state: 'visible' });
    assert.ok(
      emulator().requests.some((r) => r.generate === false),
      'the socket was warmed before any message',
    );
    await wb().screenshot('chat-open');
  });

  it('streams the answer with live tool cards, and applies an edit the user accepts', async () => {
    const input = view().locator('textarea[aria-label="Message Warmline"]');
    await input.fill('Fix the average function');
    await input.press('Enter');
    await view().locator('.tool-card', { hasText: 'grep' }).waitFor({ state: 'visible' });
    const accept = view().locator('.tool-card button', { hasText: 'Accept' });
    await accept.waitFor({ state: 'visible' });
    await view().locator('.tool-card .diff', { hasText: 'values.length ? sum' }).waitFor({ state: 'visible' });
    await wb().screenshot('chat-edit-approval');
    const file = path.join(wb().workspace, 'src/math.js');
    assert.match(fs.readFileSync(file, 'utf8'), /values\.length - 1/, 'nothing written before Accept');
    await accept.click();
    await view().locator('h2', { hasText: 'Fixed' }).waitFor({ state: 'visible' });
    await view().locator('pre code', { hasText: 'values.length ? sum' }).waitFor({ state: 'visible' });
    assert.match(fs.readFileSync(file, 'utf8'), /values\.length \? sum\(values\) \/ values\.length : 0/);
    await wb().screenshot('chat-streamed-answer');
  });

  it('starts a new chat from the command palette', async () => {
    await wb().runCommand('Warmline: New Chat');
    await view().locator('h2', { hasText: 'Fixed' }).waitFor({ state: 'hidden' });
    await view().locator('textarea[aria-label="Message Warmline"]').waitFor({ state: 'visible' });
    await wb().screenshot('chat-new');
  });

  it('finds the chat in history after the window reloads', async () => {
    await wb().runCommand('Developer: Reload Window');
    await wb().page.locator('.monaco-workbench').waitFor({ state: 'visible' });
    await wb().page.locator('.part.activitybar [aria-label^="Warmline"]').first().click();
    await view().locator('textarea[aria-label="Message Warmline"]').waitFor({ state: 'visible', timeout: 60_000 });
    const item = view().locator('.history-item-title', { hasText: 'Fix the average function' }).first();
    if (!(await item.isVisible())) await view().locator('button[aria-label*="istory"]').first().click();
    await item.waitFor({ state: 'visible' });
    await item.click();
    await view().locator('h2', { hasText: 'Fixed' }).waitFor({ state: 'visible' });
    await wb().screenshot('chat-history-reopened');
  });
});

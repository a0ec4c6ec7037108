// An inline edit as a person makes one, in a real VS Code: select code, run "Warmline: Edit
// Selection..." from the command palette, type the instruction, watch the suggestion appear in the
// editor as a vertical diff with Accept/Reject lenses, accept it with Tab. The model is the
// Responses emulator (scripted, not AI). Screenshots in .test-artifacts/screenshots/.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useScriptedWorkbench } from './harness.ts';

const REWRITE = [
  'function average(nums) {',
  '  if (nums.length === 0) return 0;',
  '  return sum(nums) / nums.length;',
  '}',
];
const scenario = { name: 'e2e-inline', turns: [{ text: `\`\`\`js\n${REWRITE.join('\n')}\n\`\`\`\n` }] };

describe('inline edit suggestion', () => {
  const { wb } = useScriptedWorkbench(scenario, { chunkDelayMs: 40 });

  const lines = () => wb().page.locator('.editor-instance .view-lines');
  // The editor renders spaces as non-breaking ones (and selected whitespace as dots).
  const editorText = async () => (await lines().innerText()).replace(/[\u00a0\u00b7]/g, ' ');

  it('is asked for from the palette and accepted with Tab', async () => {
    const { page } = wb();
    // Open src/math.js and select the `average` function (lines 11-14).
    await page.keyboard.press('Control+P');
    await page.locator('.quick-input-widget input').fill('math.js');
    await page
      .locator('.quick-input-list .monaco-list-row', { hasText: 'math.js' })
      .first()
      .waitFor({ state: 'visible' });
    await page.keyboard.press('Enter');
    await lines().filter({ hasText: 'function average' }).waitFor({ state: 'visible' });
    await page.keyboard.press('Control+G');
    await page.locator('.quick-input-widget input').fill(':11');
    await page.keyboard.press('Enter');
    for (let i = 0; i < 4; i++) await page.keyboard.press('Shift+ArrowDown');

    await wb().runCommand('Warmline: Edit Selection...');
    // The instruction box (the palette has closed and the input box opened in its place).
    await page.locator('.quick-input-widget', { hasText: 'What should change?' }).waitFor({ state: 'visible' });
    const box = page.locator('.quick-input-widget input');
    await box.fill('handle the empty list');
    await page.keyboard.press('Enter');

    // The suggestion shows in place: the old and the new lines, with lenses to decide.
    await lines()
      .filter({ hasText: 'if (nums.length === 0) return 0;' })
      .waitFor({ state: 'visible', timeout: 30_000 });
    await page.locator('.codelens-decoration', { hasText: 'Accept' }).first().waitFor({ state: 'visible' });
    assert.match(await editorText(), /values\.length - 1/, 'the original lines still show, marked as removed');
    await wb().screenshot('inline-suggestion');

    // Put the caret in the editor (on the blank line after the function) and press Tab.
    await lines().locator('.view-line').nth(17).click();
    await page.keyboard.press('Tab');
    await page.locator('.codelens-decoration', { hasText: 'Accept' }).first().waitFor({ state: 'hidden' });
    const text = await editorText();
    assert.match(text, /function average\(nums\)/);
    assert.match(text, /if \(nums\.length === 0\) return 0;/);
    assert.doesNotMatch(text, /Accept/);
    await wb().screenshot('inline-accepted');
  });
});

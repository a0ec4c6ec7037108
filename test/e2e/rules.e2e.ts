// Project rules in a real VS Code (issue 15): with an AGENTS.md at the workspace root, the chat
// header's Rules chip shows it before any message; after the model reads a file in src/, the
// chip counts src/AGENTS.md too, the request carried both, and the list opens a file in the
// editor. The model is the Responses emulator (scripted, not AI). Screenshot: rules-in-effect.png.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useScriptedWorkbench } from './harness.ts';

const scenario = {
  name: 'e2e-rules',
  model: 'warmline-demo (scripted, not AI)',
  turns: [
    {
      text: 'Reading the math helpers.',
      calls: [{ name: 'read_file', arguments: { path: 'src/math.js', start_line: null, end_line: null } }],
    },
    { text: '## Read\n\n`average` divides by one less than the count.' },
  ],
};

describe('project rules in the chat header', () => {
  const { wb, emulator } = useScriptedWorkbench(scenario, {
    settings: { 'warmline.model': 'warmline-demo (scripted, not AI)', 'warmline.rules.userFile': '' },
    files: {
      'AGENTS.md': '# Project rules\n\nUse two-space indentation. Run `npm test` before you finish.\n',
      'src/AGENTS.md': '# Source rules\n\nKeep functions pure; no default exports.\n',
    },
  });
  const view = () => wb().webviewFrame();

  it('shows the rules in effect, counts the nested AGENTS.md once a file there is read, and opens a listed file', async () => {
    await wb().page.locator('.part.activitybar [aria-label^="Warmline"]').first().click();
    const input = view().locator('textarea[aria-label="Message Warmline"]');
    await input.waitFor({ state: 'visible' });
    const chip = view().locator('.rules-chip');
    await chip.filter({ hasText: 'Rules: 1' }).waitFor({ state: 'visible' });

    await input.fill('What is wrong with average?');
    await input.press('Enter');
    await view().locator('h2', { hasText: 'Read' }).waitFor({ state: 'visible' });
    await chip.filter({ hasText: 'Rules: 2' }).waitFor({ state: 'visible' });
    const last = emulator()
      .requests.filter((r) => r.generate !== false)
      .at(-1)!;
    const instructions = String(last.body.instructions);
    assert.ok(instructions.includes('## AGENTS.md\n# Project rules'), 'the root rules were sent');
    assert.ok(instructions.includes('## src/AGENTS.md\n# Source rules'), 'the rules of the folder read were sent');

    await chip.click();
    const panel = view().locator('.rules-panel');
    await panel.waitFor({ state: 'visible' });
    assert.deepEqual(await panel.locator('.rules-path').allInnerTexts(), ['AGENTS.md', 'src/AGENTS.md']);
    await wb().screenshot('rules-in-effect');

    await panel.locator('.rules-file', { hasText: 'src/AGENTS.md' }).click();
    await wb().page.locator('.tabs-container .tab.active', { hasText: 'AGENTS.md' }).waitFor({ state: 'visible' });
    await wb().screenshot('rules-file-opened');
  });
});

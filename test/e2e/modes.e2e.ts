// Modes and slash commands (issue 15) as a person uses them in a real VS Code: switch the chat to
// Ask mode in the composer, ask for a fix, and see the edit the model tries anyway refused (no
// approval, the file untouched); type `/` and find a prompt file of the workspace among the
// commands. The model is the Responses emulator (scripted, not AI). Screenshots in .test-artifacts/screenshots/.
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

const ASK_TURNS = [
  {
    text: 'I will patch `average`.',
    calls: [{ name: 'apply_patch', type: 'custom' as const, input: PATCH, unoffered: true }],
  },
  { text: 'This chat is in **Ask** mode, so I cannot edit files. Switch to Agent mode to apply the fix.' },
];
const PLAN = [
  'The plan (scripted):',
  '',
  '- [ ] Divide by `values.length` in `average` (src/math.js)',
  '- [ ] Return 0 for an empty list',
].join('\n');
const EXPLAINED = 'The selected `average` divides by one less than the count.';

const scenario = {
  name: 'e2e-modes',
  model: 'warmline-demo (scripted, not AI)',
  // The chat started with /explain gets an explanation; the first chat plays the Ask-mode script.
  turns: (index: number, context: unknown[]) => {
    const text = JSON.stringify(context);
    if (text.includes('Carry out this plan')) return { text: 'Carrying out the plan (scripted).' };
    if (text.includes('Plan the fix')) return { text: PLAN };
    if (text.includes('Explain the selected code')) return { text: EXPLAINED };
    return ASK_TURNS[index]!;
  },
};

describe('modes and slash commands in the Warmline view', () => {
  const { wb, emulator } = useScriptedWorkbench(scenario, {
    settings: { 'warmline.model': 'warmline-demo (scripted, not AI)', 'warmline.approvals.edits': 'ask' },
    files: { '.github/prompts/review.prompt.md': '---\ndescription: Review my changes\n---\nReview the working tree.' },
  });
  const view = () => wb().webviewFrame();

  it('in Ask mode an edit the model calls anyway is refused: no approval, the file untouched', async () => {
    await wb().page.locator('.part.activitybar [aria-label^="Warmline"]').first().click();
    const input = view().locator('textarea[aria-label="Message Warmline"]');
    await input.waitFor({ state: 'visible' });
    await view().locator('.conn', { hasText: /warm/i }).first().waitFor({ state: 'visible' });
    await view().locator('select[aria-label="Chat mode"]').selectOption('ask');
    await input.fill('Fix the average function');
    await input.press('Enter');
    await view().locator('p', { hasText: 'Switch to Agent mode' }).waitFor({ state: 'visible' });
    const card = view().locator('.tool-card', { hasText: 'apply_patch' });
    await card.waitFor({ state: 'visible' });
    assert.equal(await view().locator('.tool-card button', { hasText: 'Accept' }).count(), 0, 'no approval asked');
    await wb().page.mouse.move(800, 500); // the activity bar's tooltip off the chat
    await wb().screenshot('ask-mode-refuses-edit');
    const file = path.join(wb().workspace, 'src/math.js');
    assert.match(fs.readFileSync(file, 'utf8'), /values\.length - 1/, 'the file is untouched');
    const turns = emulator().requests.filter((r) => r.generate !== false && r.endpoint === undefined);
    for (const r of turns) {
      const names = ((r.body.tools as Array<{ name: string }>) ?? []).map((t) => t.name);
      assert.ok(!names.includes('apply_patch') && !names.includes('replace_in_file'), 'no edit tool offered');
    }
    assert.match(JSON.stringify(turns.at(-1)!.body.input), /Not run: this chat is in Ask mode/);
  });

  it('/ lists the commands with the workspace’s prompt file; picking it fills the message box', async () => {
    const input = view().locator('textarea[aria-label="Message Warmline"]');
    await input.fill('');
    await input.pressSequentially('/');
    const review = view().locator('#slash-list .mention', { hasText: '/review' });
    await review.waitFor({ state: 'visible' });
    await view().locator('#slash-list .mention', { hasText: '/plan' }).waitFor({ state: 'visible' });
    await wb().screenshot('slash-commands');
    await review.click();
    assert.equal(await input.inputValue(), 'Review the working tree.');
  });

  it('/new starts a new chat, and /explain asks about the editor selection with the text typed after it', async () => {
    const { page } = wb();
    await page.keyboard.press('Control+P');
    await page.locator('.quick-input-widget input').fill('math.js');
    await page
      .locator('.quick-input-list .monaco-list-row', { hasText: 'math.js' })
      .first()
      .waitFor({ state: 'visible' });
    await page.keyboard.press('Enter');
    await page
      .locator('.editor-instance .view-lines')
      .filter({ hasText: 'function average' })
      .waitFor({ state: 'visible' });
    await page.keyboard.press('Control+G');
    await page.locator('.quick-input-widget input').fill(':11');
    await page.keyboard.press('Enter');
    for (let i = 0; i < 4; i++) await page.keyboard.press('Shift+ArrowDown');

    const input = view().locator('textarea[aria-label="Message Warmline"]');
    await input.click();
    await input.fill('/new');
    await input.press('Enter');
    await view().locator('.entry.user').first().waitFor({ state: 'detached' });
    await input.fill('/explain focus on empty lists');
    await input.press('Enter');
    await view().locator('p', { hasText: 'divides by one less' }).waitFor({ state: 'visible' });
    await view().locator('.entry.user .chip', { hasText: 'src/math.js:11-14' }).waitFor({ state: 'visible' });
    await page.mouse.move(800, 500);
    await wb().screenshot('slash-explain');
    const last = emulator()
      .requests.filter((r) => r.generate !== false && r.endpoint === undefined)
      .at(-1)!;
    const sent = JSON.stringify(last.body.input);
    assert.match(sent, /Explain the selected code/);
    assert.match(sent, /focus on empty lists/);
    assert.match(sent, /attached selection=\\"src\/math.js:11-14\\"/);
  });

  it('Plan mode: the checklist of the answer is edited and run, which switches the chat to Agent', async () => {
    const input = view().locator('textarea[aria-label="Message Warmline"]');
    await input.fill('/plan Plan the fix');
    await input.press('Enter');
    const panel = view().getByRole('region', { name: 'Plan' });
    await panel.waitFor({ state: 'visible' });
    await panel.getByRole('textbox', { name: 'Step 2' }).fill('Return 0 for an empty list, with a test');
    await wb().page.mouse.move(800, 500);
    await wb().screenshot('plan-checklist');
    await panel.getByRole('button', { name: 'Run plan' }).click();
    await view().locator('p', { hasText: 'Carrying out the plan' }).waitFor({ state: 'visible' });
    assert.equal(await view().locator('select[aria-label="Chat mode"]').inputValue(), 'agent');
    const turns = emulator().requests.filter((r) => r.generate !== false && r.endpoint === undefined);
    const names = (i: number) => ((turns.at(i)!.body.tools as Array<{ name: string }>) ?? []).map((t) => t.name);
    assert.ok(!names(-2).includes('apply_patch'), 'Plan offered no edit tool');
    assert.match(String(turns.at(-2)!.body.instructions), /Plan mode/);
    assert.ok(names(-1).includes('apply_patch'), 'Agent offers the edit tools again');
    assert.equal(turns.at(-1)!.previousResponseId, undefined, 'the request after the switch is a full one');
    assert.match(
      JSON.stringify(turns.at(-1)!.body.input),
      /Carry out this plan:\\n- \[ \] Divide by `values.length` in `average` \(src\/math.js\)\\n- \[ \] Return 0 for an empty list, with a test/,
    );
  });
});

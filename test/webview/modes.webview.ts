// Modes and slash commands (issue 15): the mode switch in the composer, `/` completion with the
// workspace's prompt files, and Plan mode's editable checklist with "Run plan".
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { closeSharedEnvironment, openView } from './harness.ts';
import type { View } from './harness.ts';
import type { PromptCommand, WebviewMessage } from '../../src/shared/messages.ts';
import { deltas, emptyChat, msg } from './fixtures.ts';

after(() => closeSharedEnvironment());

const REVIEW: PromptCommand = {
  name: 'review',
  description: 'Review the working tree',
  body: 'Review my changes carefully.',
  path: '.github/prompts/review.prompt.md',
};

/** Plays the host: answers the view's latest `prompts.list` request (the harness answers only files.query). */
async function answerPrompts(view: View, prompts: PromptCommand[]): Promise<void> {
  await view.page.waitForFunction(() =>
    (window as unknown as { __posted: WebviewMessage[] }).__posted.some(
      (m) => m.type === 'request' && m.name === 'prompts.list',
    ),
  );
  const request = (await view.posted('request')).findLast((m) => m.type === 'request' && m.name === 'prompts.list');
  const requestId = (request as { requestId: number }).requestId;
  await view.send({ type: 'reply', name: 'prompts.list', requestId, payload: { prompts } } as never);
}

describe('the mode switch', () => {
  it('shows the chat’s mode, posts mode.set on a change, and /ask with text switches and sends', async () => {
    const view = await openView();
    const { page } = view;
    await view.send(emptyChat(), msg('mode', { mode: 'agent' }));
    const select = page.getByRole('combobox', { name: 'Chat mode' });
    assert.equal(await select.inputValue(), 'agent');
    assert.deepEqual(await select.locator('option').allInnerTexts(), ['Agent', 'Ask', 'Plan']);
    await select.selectOption('ask');
    assert.deepEqual(await view.posted('mode.set'), [{ type: 'mode.set', payload: { mode: 'ask' } }]);
    // The host's echo (a chat opened in Plan mode) is shown.
    await view.send(msg('mode', { mode: 'plan' }));
    assert.equal(await select.inputValue(), 'plan');
    await view.send(msg('mode', { mode: 'ask' }));
    await view.screenshot('mode-switch');

    await view.clearPosted();
    const input = page.getByRole('textbox', { name: 'Message Warmline' });
    await input.focus();
    await page.keyboard.type('/agent what does this do?');
    await page.keyboard.press('Enter');
    assert.deepEqual(
      (await view.posted()).filter((m) => m.type === 'mode.set' || m.type === 'send').map((m) => [m.type, m.payload]),
      [
        ['mode.set', { mode: 'agent' }],
        ['send', { text: 'what does this do?', context: [] }],
      ],
    );
    assert.equal(await select.inputValue(), 'agent');
    assert.equal(await input.inputValue(), '');
    await view.close();
  });
});

describe('slash commands', () => {
  it('/ lists the commands and the prompt files; arrows and Enter pick, Escape closes, a prompt file fills the box', async () => {
    const view = await openView();
    const { page } = view;
    await view.send(emptyChat());
    const input = page.getByRole('textbox', { name: 'Message Warmline' });
    await input.focus();
    await page.keyboard.type('/');
    const list = page.getByRole('listbox', { name: 'Slash commands' });
    await list.waitFor({ state: 'visible' });
    await answerPrompts(view, [REVIEW]);
    await page.waitForFunction(() =>
      [...document.querySelectorAll('#slash-list .mention-name')].some((e) => e.textContent === '/review'),
    );
    const names = await list.locator('.mention-name').allInnerTexts();
    for (const n of ['/new', '/clear', '/compact', '/ask', '/plan', '/agent', '/explain', '/fix', '/tests', '/review'])
      assert.ok(names.includes(n), `${n} is listed`);
    assert.equal(await input.getAttribute('aria-expanded'), 'true');
    await view.screenshot('slash-completion');

    // Arrows move, Enter picks: the command goes in the box, nothing is sent yet.
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    assert.equal(await input.getAttribute('aria-activedescendant'), 'slash-list-2');
    await page.keyboard.press('Enter');
    assert.equal(await list.isVisible(), false);
    assert.equal(await input.inputValue(), `${names[2]} `);
    assert.deepEqual(await view.posted('send'), []);

    // Escape closes the list and keeps the text.
    await input.fill('');
    await page.keyboard.type('/pl');
    await list.waitFor({ state: 'visible' });
    // Names that start with the text first, then those that contain it.
    assert.deepEqual(await list.locator('.mention-name').allInnerTexts(), ['/plan', '/explain']);
    await page.keyboard.press('Escape');
    assert.equal(await list.isVisible(), false);
    assert.equal(await input.inputValue(), '/pl');

    // A prompt file: its text replaces the command.
    await input.fill('');
    await page.keyboard.type('/rev');
    await answerPrompts(view, [REVIEW]);
    await page.waitForFunction(() => document.querySelector('#slash-list .mention-name')?.textContent === '/review');
    await page.keyboard.press('Tab');
    assert.equal(await input.inputValue(), 'Review my changes carefully.');

    // A built-in command typed in full runs on Enter: /new starts a new chat.
    await input.fill('');
    await page.keyboard.type('/new');
    await list.waitFor({ state: 'visible' });
    await page.keyboard.press('Enter');
    assert.deepEqual(await view.posted('chat.new'), [{ type: 'chat.new', payload: {} }]);
    assert.deepEqual(await view.posted('send'), []);
    assert.equal(await input.inputValue(), '');

    // /explain with text: the host runs the editor action with it.
    await page.keyboard.type('/explain the loop');
    await page.keyboard.press('Enter');
    assert.deepEqual(await view.posted('slash.run'), [
      { type: 'slash.run', payload: { command: 'explain', text: 'the loop' } },
    ]);
    await view.close();
  });
});

describe('Plan mode', () => {
  it('a checklist in a Plan reply becomes editable steps; Run plan switches to Agent and sends the edited plan', async () => {
    const view = await openView();
    const { page } = view;
    const reply = [
      'I read `src/math.ts`. The plan:',
      '',
      '- [ ] Guard `average` against an empty list',
      '- [ ] Add a test for <img src=x onerror=alert(1)>',
      '- [ ] Update the README',
      '',
      '```md',
      '- [ ] not a step: inside a code block',
      '```',
    ].join('\n');
    await view.send(
      emptyChat(),
      msg('mode', { mode: 'plan' }),
      msg('user.message', { entry: { kind: 'user', id: 'u1', text: 'plan the fix', context: [] } }),
      msg('assistant.start', { id: 'a1' }),
      ...deltas('a1', reply),
    );
    const panel = page.getByRole('region', { name: 'Plan' });
    assert.equal(await panel.isVisible(), false, 'no checklist while the reply streams');
    await view.send(msg('assistant.end', { id: 'a1' }));
    await panel.waitFor({ state: 'visible' });
    const steps = panel.locator('.plan-text');
    assert.equal(await steps.count(), 3);
    assert.equal(await steps.nth(1).inputValue(), 'Add a test for <img src=x onerror=alert(1)>');

    await panel.getByRole('textbox', { name: 'Step 1' }).fill('Guard `average` and `sum` against an empty list');
    await panel.getByRole('checkbox', { name: 'Step 3 done' }).check();
    await panel.getByRole('button', { name: 'Add step' }).click();
    await page.keyboard.type('Run the tests');
    await panel.getByRole('listitem').nth(1).getByRole('button', { name: 'Remove step' }).click();
    await view.screenshot('plan-checklist');

    await view.clearPosted();
    await panel.getByRole('button', { name: 'Run plan' }).click();
    assert.deepEqual(
      (await view.posted()).map((m) => [m.type, m.payload]),
      [
        ['mode.set', { mode: 'agent' }],
        [
          'send',
          {
            text: 'Carry out this plan:\n- [ ] Guard `average` and `sum` against an empty list\n- [x] Update the README\n- [ ] Run the tests',
            context: [],
          },
        ],
      ],
    );
    assert.equal(await page.getByRole('combobox', { name: 'Chat mode' }).inputValue(), 'agent');
    assert.equal(await panel.isVisible(), false);
    assert.deepEqual((await view.security()).xss, []);
    await view.close();
  });

  it('a reply in Agent mode offers no plan', async () => {
    const view = await openView();
    await view.send(
      emptyChat(),
      msg('mode', { mode: 'agent' }),
      msg('assistant.start', { id: 'a1' }),
      ...deltas('a1', '- [ ] a step'),
      msg('assistant.end', { id: 'a1' }),
    );
    assert.equal(await view.page.getByRole('region', { name: 'Plan' }).isVisible(), false);
    await view.close();
  });
});

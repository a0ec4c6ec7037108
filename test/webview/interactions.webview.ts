// What the user does in the view and what the host receives: approvals, errors and their
// actions, Stop, the message box keys, New Chat, history, context chips and @file completion,
// links and code-block buttons.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { closeSharedEnvironment, openView } from './harness.ts';
import type { View } from './harness.ts';
import type { ToolCardView } from '../../src/shared/messages.ts';
import { CODE, DIFF, FIRST_TEXT, SECOND_TEXT, deltas, emptyChat, msg, userMessage } from './fixtures.ts';

after(() => closeSharedEnvironment());

async function turnWithTools(view: View): Promise<void> {
  await view.send(
    emptyChat(),
    userMessage('u1', 'fix it'),
    msg('assistant.start', { id: 'a1' }),
    msg('tool.start', {
      messageId: 'a1',
      tool: { id: 'edit1', name: 'apply_patch', summary: 'src/math.ts', status: 'running', output: '' },
    }),
    msg('tool.update', {
      id: 'edit1',
      status: 'awaiting_approval',
      diff: DIFF,
      approval: { kind: 'edit', title: 'Apply 1 edit to src/math.ts?' },
    }),
    msg('tool.start', {
      messageId: 'a1',
      tool: { id: 'edit2', name: 'apply_patch', summary: 'src/other.ts', status: 'running', output: '' },
    }),
    msg('tool.update', {
      id: 'edit2',
      status: 'awaiting_approval',
      diff: DIFF,
      approval: { kind: 'edit', title: 'Apply 1 edit?' },
    }),
    msg('tool.start', {
      messageId: 'a1',
      tool: {
        id: 'task1',
        name: 'run_task',
        summary: 'task build',
        status: 'awaiting_approval',
        output: '',
        approval: { kind: 'task', title: 'Run the task "build"?', command: 'npm run build' },
      },
    }),
    msg('tool.start', {
      messageId: 'a1',
      tool: {
        id: 'sh1',
        name: 'shell',
        summary: 'ls -la',
        status: 'awaiting_approval',
        output: '',
        approval: { kind: 'shell', title: 'Run a command?', command: 'ls -la' },
      },
    }),
  );
}

describe('approvals', () => {
  it('Accept, Reject, Run and Skip post the decision; Open Diff posts diff.open', async () => {
    const view = await openView();
    const { page } = view;
    await turnWithTools(view);
    const card = (id: string) => page.locator(`.tool-card[data-tool-id="${id}"]`);
    assert.equal(await card('edit1').getByRole('button', { name: 'Accept' }).count(), 1);
    assert.equal(await card('task1').locator('.approval-command').innerText(), 'npm run build');
    await card('edit1').getByRole('button', { name: 'Open Diff' }).click();
    await card('edit1').getByRole('button', { name: 'Accept' }).click();
    await card('edit2').getByRole('button', { name: 'Reject' }).click();
    await card('task1').getByRole('button', { name: 'Run' }).click();
    // Keyboard: Space on a focused button.
    await card('sh1').getByRole('button', { name: 'Skip' }).focus();
    await page.keyboard.press('Space');
    assert.deepEqual(await view.posted('diff.open'), [{ type: 'diff.open', payload: { toolId: 'edit1' } }]);
    assert.deepEqual(
      (await view.posted('approval')).map((m) => m.payload),
      [
        { toolId: 'edit1', approved: true },
        { toolId: 'edit2', approved: false },
        { toolId: 'task1', approved: true },
        { toolId: 'sh1', approved: false },
      ],
    );
    // A decided card does not post twice and says what happens.
    assert.equal(await card('edit1').getByRole('button', { name: 'Accept' }).isDisabled(), true);
    assert.match(await card('edit1').locator('.approval-pending').innerText(), /Applying/);
    await view.send(
      msg('tool.update', { id: 'edit1', status: 'done', result: 'applied' }),
      msg('tool.update', { id: 'edit2', status: 'rejected', result: 'rejected by you' }),
    );
    assert.equal(await card('edit1').getByRole('button', { name: 'Accept' }).count(), 0);
    assert.equal(await card('edit1').getByRole('button', { name: 'Open Diff' }).count(), 1, 'the diff stays openable');
    assert.equal(await card('edit2').locator('.tool-status').getAttribute('aria-label'), 'Rejected');
    await view.screenshot('approvals');
    await view.close();
  });

  it('an MCP call shows its arguments and offers Run, Skip and "always allow" for the tool or the server', async () => {
    const view = await openView();
    const { page } = view;
    const mcpCard = (id: string): { messageId: string; tool: ToolCardView } => ({
      messageId: 'a1',
      tool: {
        id,
        name: 'docs__search',
        summary: 'docs: search {"q":"x"}',
        status: 'awaiting_approval',
        output: '',
        approval: { kind: 'mcp', title: 'Run search on MCP server docs', command: '{\n  "q": "x"\n}' },
      },
    });
    await view.send(
      emptyChat(),
      userMessage('u1', 'search'),
      msg('assistant.start', { id: 'a1' }),
      msg('tool.start', mcpCard('m1')),
      msg('tool.start', mcpCard('m2')),
      msg('tool.start', mcpCard('m3')),
    );
    const card = (id: string) => page.locator(`.tool-card[data-tool-id="${id}"]`);
    assert.equal(await card('m1').locator('.approval-title').innerText(), 'Run search on MCP server docs');
    assert.equal(await card('m1').locator('.approval-command').innerText(), '{\n  "q": "x"\n}');
    await card('m1').getByRole('button', { name: 'Always allow this tool' }).click();
    await card('m2').getByRole('button', { name: 'Always allow this server' }).click();
    await card('m3').getByRole('button', { name: 'Skip' }).click();
    assert.deepEqual(
      (await view.posted('approval')).map((m) => m.payload),
      [
        { toolId: 'm1', approved: true, always: 'tool' },
        { toolId: 'm2', approved: true, always: 'server' },
        { toolId: 'm3', approved: false },
      ],
    );
    assert.equal(await card('m1').getByRole('button', { name: 'Always allow this server' }).isDisabled(), true);
    await view.screenshot('approval-mcp');
    await view.close();
  });

  it('colours diff lines with the theme diff colours', async () => {
    const view = await openView();
    await turnWithTools(view);
    const colours = await view.page.evaluate(() => {
      const bg = (sel: string) => getComputedStyle(document.querySelector(sel) as Element).backgroundColor;
      return { ins: bg('.diff-line.ins'), del: bg('.diff-line.del'), ctx: bg('.diff-line.ctx') };
    });
    assert.equal(colours.ins, 'rgba(155, 185, 85, 0.2)');
    assert.equal(colours.del, 'rgba(255, 0, 0, 0.2)');
    assert.equal(colours.ctx, 'rgba(0, 0, 0, 0)');
    await view.close();
  });
});

describe('errors', () => {
  it('shows the error in the message that failed, with a button per action', async () => {
    const view = await openView();
    const { page } = view;
    await view.send(
      emptyChat(),
      userMessage('u1', 'hello'),
      msg('assistant.start', { id: 'a1' }),
      ...deltas('a1', 'Let me'),
      msg('assistant.end', {
        id: 'a1',
        error: {
          code: 'invalid_api_key',
          message: 'The OpenAI API key was refused. Set a valid key and try again.',
          actions: ['setKey', 'retry', 'showLog'],
        },
      }),
    );
    const box = page.locator('article.assistant .error-box');
    assert.equal(await box.getAttribute('role'), 'alert');
    assert.match(await box.innerText(), /The OpenAI API key was refused\. Set a valid key and try again\./);
    assert.match(await box.innerText(), /invalid_api_key/);
    const labels = await box.getByRole('button').allInnerTexts();
    assert.deepEqual(
      labels.map((l) => l.trim()),
      ['Set API Key', 'Retry', 'Show Log'],
    );
    await box.getByRole('button', { name: 'Retry' }).click();
    await box.getByRole('button', { name: 'Set API Key' }).click();
    assert.deepEqual(
      (await view.posted('error.action')).map((m) => m.payload),
      [{ action: 'retry' }, { action: 'setKey' }],
    );
    assert.match(await page.locator('article.assistant .markdown').innerText(), /Let me/, 'the partial text stays');
    await view.screenshot('error');
    await view.close();
  });

  it('shows "No API key" with a Set API Key button in the header', async () => {
    const view = await openView();
    await view.send(msg('state', { state: 'no_key', model: 'gpt-5.1-codex', transport: 'websocket' }));
    assert.equal(await view.page.locator('.conn-label').innerText(), 'No API key');
    await view.page.locator('header').getByRole('button', { name: 'Set API Key' }).click();
    assert.deepEqual(
      (await view.posted('error.action')).map((m) => m.payload),
      [{ action: 'setKey' }],
    );
    await view.send(msg('state', { state: 'http', model: 'gpt-5.1-codex', transport: 'http', scripted: true }));
    assert.equal(await view.page.locator('.conn-label').innerText(), 'HTTP fallback');
    assert.equal(await view.page.locator('.badge-scripted').innerText(), 'scripted demo, not AI');
    assert.equal(await view.page.locator('header').getByRole('button', { name: 'Set API Key' }).isVisible(), false);
    await view.close();
  });
});

describe('message box', () => {
  it('Enter sends, Shift+Enter adds a line, Up in an empty box recalls the last message', async () => {
    const view = await openView();
    const { page } = view;
    await view.send(emptyChat());
    const input = page.getByRole('textbox', { name: 'Message Warmline' });
    await input.focus();
    await page.keyboard.type('first line');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('second line');
    assert.equal(await input.inputValue(), 'first line\nsecond line');
    assert.deepEqual(await view.posted('send'), []);
    await page.keyboard.press('Enter');
    assert.deepEqual(await view.posted('send'), [
      { type: 'send', payload: { text: 'first line\nsecond line', context: [] } },
    ]);
    assert.equal(await input.inputValue(), '');
    await page.keyboard.press('ArrowUp');
    assert.equal(await input.inputValue(), 'first line\nsecond line');
    // Up in a box with text moves the caret; it does not replace the text.
    await input.fill('draft');
    await page.keyboard.press('ArrowUp');
    assert.equal(await input.inputValue(), 'draft');
    await view.close();
  });

  it('shows Stop while a turn runs; Stop posts stop; Enter meanwhile sends for the host to queue', async () => {
    const view = await openView();
    const { page } = view;
    await view.send(emptyChat(), userMessage('u1', 'go'), msg('assistant.start', { id: 'a1' }));
    const stop = page.getByRole('button', { name: 'Stop' });
    assert.equal(await stop.isVisible(), true);
    // Send stays (issue 15): the host queues a message sent while the turn runs.
    assert.match((await page.getByRole('button', { name: 'Send' }).getAttribute('title')) ?? '', /^Queue/);
    await page.getByRole('textbox', { name: 'Message Warmline' }).fill('next question');
    await page.keyboard.press('Enter');
    assert.deepEqual(
      (await view.posted('send')).map((m) => m.payload),
      [{ text: 'next question', context: [] }],
    );
    await page.getByRole('textbox', { name: 'Message Warmline' }).fill('and then this');
    await stop.click();
    assert.deepEqual(await view.posted('stop'), [{ type: 'stop', payload: {} }]);
    await view.send(msg('assistant.end', { id: 'a1', error: { code: 'cancelled', message: 'Stopped.', actions: [] } }));
    assert.equal(await stop.isVisible(), false);
    assert.equal(
      await page.getByRole('textbox', { name: 'Message Warmline' }).inputValue(),
      'and then this',
      'unsent text stays in the box',
    );
    await view.close();
  });

  it('compose puts text in the box, and sends it when asked', async () => {
    const view = await openView();
    await view.send(emptyChat(), msg('compose', { text: 'Explain the selection', send: false }));
    assert.equal(
      await view.page.getByRole('textbox', { name: 'Message Warmline' }).inputValue(),
      'Explain the selection',
    );
    await view.send(msg('compose', { text: 'Fix the bug', send: true }));
    assert.deepEqual(
      (await view.posted('send')).map((m) => m.payload),
      [{ text: 'Fix the bug', context: [] }],
    );
    await view.close();
  });

  it('keeps a draft across reloads of the view (vscode.setState)', async () => {
    const view = await openView({ state: { draft: 'half-written question' } });
    assert.equal(
      await view.page.getByRole('textbox', { name: 'Message Warmline' }).inputValue(),
      'half-written question',
    );
    await view.close();
  });
});

describe('chats', () => {
  it('New Chat posts chat.new; the history list opens a past chat', async () => {
    const view = await openView();
    const { page } = view;
    await view.send(
      emptyChat('c2'),
      msg('history', {
        activeId: 'c2',
        chats: [
          { id: 'c2', title: 'Current chat', updatedAt: Date.now() },
          { id: 'c1', title: 'Refactor the parser', updatedAt: Date.now() - 3_600_000 * 3 },
        ],
      }),
    );
    await page.getByRole('button', { name: 'New chat' }).click();
    assert.deepEqual(await view.posted('chat.new'), [{ type: 'chat.new', payload: {} }]);
    const toggle = page.getByRole('button', { name: 'Chat history' });
    await toggle.click();
    assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
    const nav = page.getByRole('navigation', { name: 'Chat history' });
    assert.deepEqual(await nav.locator('.history-item-title').allInnerTexts(), ['Current chat', 'Refactor the parser']);
    assert.equal(
      await nav
        .locator('[aria-current="true"]')
        .innerText()
        .then((t) => t.includes('Current chat')),
      true,
    );
    await view.screenshot('history');
    await nav.getByRole('button', { name: /Refactor the parser/ }).click();
    assert.deepEqual(await view.posted('chat.open'), [{ type: 'chat.open', payload: { chatId: 'c1' } }]);
    assert.equal(await nav.isVisible(), false);
    // Escape closes it and gives focus back to the toggle.
    await toggle.click();
    await page.keyboard.press('Escape');
    assert.equal(await nav.isVisible(), false);
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Chat history');
    await view.close();
  });

  it('chat.load replaces the conversation', async () => {
    const view = await openView();
    await view.send(
      msg('chat.load', {
        chatId: 'c1',
        title: 'One',
        busy: false,
        entries: [
          { kind: 'user', id: 'u1', text: 'old question', context: [] },
          { kind: 'assistant', id: 'a1', text: 'old **answer**', tools: [], done: true },
        ],
      }),
    );
    assert.match(await view.page.locator('.log').innerText(), /old answer/);
    await view.send(emptyChat('c2'));
    assert.equal(await view.page.locator('article.entry').count(), 0);
    assert.equal(await view.page.locator('.welcome').isVisible(), true);
    await view.close();
  });
});

describe('context', () => {
  it('shows chips from the host, removes them by index, attaches selection and file', async () => {
    const view = await openView();
    const { page } = view;
    await view.send(
      emptyChat(),
      msg('context', {
        chips: [
          { kind: 'file', path: 'src/a.ts', label: 'a.ts' },
          { kind: 'selection', path: 'src/b.ts', range: { start: 3, end: 9 }, label: 'b.ts:3-9' },
        ],
      }),
    );
    const chips = page.getByRole('list', { name: 'Context for the next message' });
    assert.deepEqual(await chips.locator('.chip-label').allInnerTexts(), ['a.ts', 'b.ts:3-9']);
    await chips.getByRole('button', { name: 'Remove b.ts:3-9 from context' }).click();
    assert.deepEqual(await view.posted('context.remove'), [{ type: 'context.remove', payload: { index: 1 } }]);
    await view.send(msg('context', { chips: [{ kind: 'file', path: 'src/a.ts', label: 'a.ts' }] }));
    assert.deepEqual(await chips.locator('.chip-label').allInnerTexts(), ['a.ts']);
    await page.getByRole('button', { name: 'Add selection to context' }).click();
    await page.getByRole('button', { name: 'Add current file to context' }).click();
    assert.deepEqual(
      (await view.posted('context.attach')).map((m) => m.payload),
      [{ what: 'selection' }, { what: 'file' }],
    );
    await view.close();
  });

  it('@ opens a file list from files.query; the pick becomes a chip sent with the message', async () => {
    const view = await openView({
      files: ['src/widget.ts', 'src/widgets/list.ts', 'test/widget.test.ts', 'README.md'],
    });
    const { page } = view;
    await view.send(emptyChat(), msg('context', { chips: [{ kind: 'file', path: 'src/a.ts', label: 'a.ts' }] }));
    const input = page.getByRole('textbox', { name: 'Message Warmline' });
    await input.focus();
    await page.keyboard.type('look at @widg');
    const list = page.getByRole('listbox', { name: 'Context to add' });
    await list.waitFor({ state: 'visible' });
    await page.waitForFunction(() => document.querySelectorAll('.mention').length === 3);
    assert.deepEqual(await list.locator('.mention-name').allInnerTexts(), ['widget.ts', 'list.ts', 'widget.test.ts']);
    const queries = (await view.posted()).filter((m) => m.type === 'request' && m.name === 'files.query');
    assert.ok(queries.length >= 1);
    assert.deepEqual(queries.at(-1), {
      type: 'request',
      name: 'files.query',
      requestId: (queries.at(-1) as { requestId: number }).requestId,
      payload: { query: 'widg' },
    });
    assert.equal(await input.getAttribute('aria-expanded'), 'true');
    await view.screenshot('mentions');
    await page.keyboard.press('ArrowDown');
    assert.equal(await input.getAttribute('aria-activedescendant'), 'mention-list-1');
    await page.keyboard.press('Enter');
    assert.equal(await list.isVisible(), false);
    assert.equal(await input.inputValue(), 'look at ');
    assert.deepEqual(await page.locator('.composer .chip-label').allInnerTexts(), ['a.ts', 'list.ts']);
    assert.deepEqual(await view.posted('send'), [], 'picking does not send');
    await page.keyboard.type('please');
    await page.keyboard.press('Enter');
    assert.deepEqual(
      (await view.posted('send')).map((m) => m.payload),
      [
        {
          text: 'look at please',
          context: [
            { kind: 'file', path: 'src/a.ts', label: 'a.ts' },
            { kind: 'file', path: 'src/widgets/list.ts', label: 'list.ts' },
          ],
        },
      ],
    );
    assert.deepEqual(
      await page.locator('.composer .chip-label').allInnerTexts(),
      ['a.ts'],
      'picked chips go with the message',
    );
    await view.close();
  });

  it('Escape closes the file list without sending', async () => {
    const view = await openView({ files: ['src/a.ts'] });
    const { page } = view;
    await view.send(emptyChat());
    await page.getByRole('textbox', { name: 'Message Warmline' }).focus();
    await page.keyboard.type('@a');
    await page.getByRole('listbox', { name: 'Context to add' }).waitFor({ state: 'visible' });
    await page.keyboard.press('Escape');
    assert.equal(await page.getByRole('listbox', { name: 'Context to add' }).isVisible(), false);
    assert.deepEqual(await view.posted('send'), []);
    await view.close();
  });
});

describe('links and code blocks', () => {
  it('a link click posts link.open; Copy and Insert post the exact code', async () => {
    const view = await openView();
    const { page } = view;
    await view.send(
      emptyChat(),
      msg('assistant.start', { id: 'a1' }),
      ...deltas('a1', FIRST_TEXT + SECOND_TEXT),
      msg('assistant.end', { id: 'a1' }),
    );
    await page.locator('.md-link', { hasText: 'the docs' }).click();
    assert.deepEqual(await view.posted('link.open'), [
      { type: 'link.open', payload: { href: 'https://example.com/docs' } },
    ]);
    // Keyboard: links are focusable and open with Enter.
    await page.locator('.md-link', { hasText: 'the docs' }).focus();
    await page.keyboard.press('Enter');
    assert.equal((await view.posted('link.open')).length, 2);
    await page.getByRole('button', { name: 'Copy code' }).click();
    await page.getByRole('button', { name: 'Insert code at cursor' }).click();
    assert.deepEqual(await view.posted('code.copy'), [{ type: 'code.copy', payload: { text: CODE } }]);
    assert.deepEqual(await view.posted('code.insert'), [{ type: 'code.insert', payload: { text: CODE } }]);
    assert.equal(page.url().startsWith(view.server.origin), true, 'the page did not navigate');
    await view.close();
  });

  it('every control is reachable with Tab and shows a focus outline', async () => {
    const view = await openView();
    const { page } = view;
    await view.send(
      emptyChat(),
      msg('assistant.start', { id: 'a1' }),
      ...deltas('a1', FIRST_TEXT + SECOND_TEXT),
      msg('assistant.end', { id: 'a1' }),
    );
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    const seen: string[] = [];
    for (let i = 0; i < 16; i++) {
      await page.keyboard.press('Tab');
      const info = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement;
        if (el === document.body) return { name: '(body)', outline: true };
        const style = getComputedStyle(el);
        return {
          name: el.getAttribute('aria-label') ?? el.textContent?.trim() ?? el.tagName,
          outline: style.outlineStyle !== 'none' && style.outlineWidth !== '0px',
        };
      });
      seen.push(info.name);
      assert.ok(info.outline, `focus visible on ${info.name}`);
    }
    for (const name of [
      'Chat history',
      'New chat',
      'Copy code',
      'Insert code at cursor',
      'the docs',
      'Message Warmline',
    ])
      assert.ok(seen.includes(name), `${name} in tab order: ${seen.join(' | ')}`);
    await view.close();
  });
});

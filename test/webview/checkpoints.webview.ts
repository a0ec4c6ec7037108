// Checkpoints in the chat: "Restore workspace to here" on the user messages whose turn (or a later
// one) changed files, the diff and the choice shown before anything is written, the files changed
// by hand named, the marker with "Undo restore". Paths and file contents are shown as text.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { FileDiffView } from '../../src/shared/messages.ts';
import { closeSharedEnvironment, openView } from './harness.ts';
import { msg } from './fixtures.ts';

after(() => closeSharedEnvironment());

const X = "window.__xss.push('x')";
const HOSTILE_PATH = `src/<img src=x onerror="${X}">.ts`;

const DIFF: FileDiffView[] = [
  {
    path: HOSTILE_PATH,
    kind: 'update',
    added: 1,
    removed: 1,
    hunks: [{ oldStart: 1, newStart: 1, lines: [`-<script>${X}</script>`, '+export const a = 1;'] }],
  },
  { path: 'src/new.ts', kind: 'delete', added: 0, removed: 1, hunks: [{ oldStart: 1, newStart: 0, lines: ['-x'] }] },
];

function chat() {
  return msg('chat.load', {
    chatId: 'c1',
    title: 'edits',
    busy: false,
    entries: [
      { kind: 'user', id: 'u1', text: 'first', context: [], turn: 0 },
      { kind: 'assistant', id: 'a2', text: 'Done.', tools: [], done: true },
      { kind: 'user', id: 'u3', text: 'second', context: [], turn: 1 },
      { kind: 'assistant', id: 'a4', text: 'Answered.', tools: [], done: true },
      { kind: 'user', id: 'u5', text: 'a question only', context: [], turn: 2 },
      { kind: 'assistant', id: 'a6', text: 'No edit.', tools: [], done: true },
    ],
  });
}

describe('checkpoints in the chat', () => {
  it('offers a restore on the messages whose turn or a later one changed files, keyboard reachable', async () => {
    const view = await openView();
    const { page } = view;
    await view.send(chat(), msg('checkpoints', { turns: [0, 1] }));
    await view.frames();
    const visible = await page.locator('.entry.user .restore-action:visible').count();
    assert.equal(visible, 2, 'messages 1 and 2 offer it, message 3 (no edit since) does not');
    const button = page.locator('.entry.user[data-turn="1"] .restore-action');
    assert.equal(await button.getAttribute('title'), 'Restore workspace to here');
    assert.equal(await button.getAttribute('aria-label'), 'Restore workspace to here');
    await button.focus();
    await page.keyboard.press('Enter');
    assert.deepEqual(
      (await view.posted('checkpoint.preview')).map((m) => m.payload),
      [{ turn: 1 }],
    );
    // Nothing restorable any more (the chat moved on after a cut): the buttons go.
    await view.send(msg('checkpoints', { turns: [] }));
    assert.equal(await page.locator('.entry.user .restore-action:visible').count(), 0);
  });

  it('shows the diff and the files changed by hand before anything is written, then the choice', async () => {
    const view = await openView();
    const { page } = view;
    await view.send(chat(), msg('checkpoints', { turns: [0, 1] }));
    await view.send(msg('checkpoint.plan', { turn: 0, diff: DIFF, handChanged: [HOSTILE_PATH] }));
    await view.frames();
    const panel = page.locator('.restore-plan');
    assert.equal(await panel.count(), 1);
    // Under the message it restores to.
    assert.equal(
      await page.evaluate(() =>
        document.querySelector('.restore-plan')?.previousElementSibling?.getAttribute('data-turn'),
      ),
      '0',
    );
    assert.match(await panel.locator('.restore-note').innerText(), /tasks or shell commands are not restored/);
    assert.deepEqual(await panel.locator('.restore-hand-path').allInnerTexts(), [HOSTILE_PATH]);
    assert.deepEqual(await panel.locator('.diff-path').allInnerTexts(), [HOSTILE_PATH, 'src/new.ts']);
    assert.deepEqual(await panel.locator('.diff-line.del .diff-code').allInnerTexts(), [`<script>${X}</script>`, 'x']);
    assert.equal(await page.locator('.restore-plan img, .restore-plan script').count(), 0);
    await view.screenshot('checkpoint-plan');
    assert.deepEqual(await view.posted('checkpoint.apply'), [], 'nothing is applied by showing the plan');

    await panel.locator('.restore-conversation').click();
    assert.deepEqual(
      (await view.posted('checkpoint.apply')).map((m) => m.payload),
      [{ turn: 0, conversation: true }],
    );
    assert.equal(await page.locator('.restore-plan').count(), 0, 'the panel closes');

    // Cancel posts nothing.
    await view.send(msg('checkpoint.plan', { turn: 1, diff: DIFF, handChanged: [] }));
    await page.locator('.restore-plan .restore-cancel').click();
    assert.equal((await view.posted('checkpoint.apply')).length, 1);
    assert.equal(await page.locator('.restore-plan').count(), 0);

    // An error: said, and no way to apply.
    await view.send(msg('checkpoint.plan', { turn: 1, diff: [], handChanged: [], error: `<b>${X}</b> failed` }));
    assert.equal(await page.locator('.restore-plan .restore-error').innerText(), `<b>${X}</b> failed`);
    assert.equal(await page.locator('.restore-plan .restore-files').count(), 0);
    assert.deepEqual((await view.security()).xss, []);
  });

  it('marks a restore in the chat, with Undo restore while it is the latest', async () => {
    const view = await openView();
    const { page } = view;
    await view.send(chat(), msg('checkpoints', { turns: [0, 1] }));
    await view.send(
      msg('checkpoint.done', {
        entry: {
          kind: 'restored',
          id: 'r1',
          restoreId: 'r-abc',
          action: 'restored',
          turn: 0,
          files: 2,
          conversation: false,
        },
      }),
      msg('checkpoints', { turns: [0, 1], undoable: 'r-abc' }),
    );
    await view.frames();
    const marker = page.locator('.entry.restored');
    assert.equal(
      await marker.locator('.restored-line span:not(.codicon)').first().innerText(),
      'Workspace restored to message 1: 2 files',
    );
    const undo = marker.locator('.undo-restore');
    assert.equal(await undo.isVisible(), true);
    await view.screenshot('checkpoint-restored');
    await undo.click();
    assert.deepEqual(
      (await view.posted('checkpoint.preview')).map((m) => m.payload),
      [{ undo: 'r-abc' }],
    );
    // The undo's plan, under the marker; confirming posts the undo.
    await view.send(msg('checkpoint.plan', { turn: 0, undo: 'r-abc', diff: DIFF, handChanged: [] }));
    assert.equal(
      await page.evaluate(() =>
        document.querySelector('.restore-plan')?.previousElementSibling?.classList.contains('restored'),
      ),
      true,
    );
    await page.locator('.restore-plan .restore-files').click();
    assert.deepEqual(
      (await view.posted('checkpoint.apply')).map((m) => m.payload),
      [{ undo: 'r-abc' }],
    );
    await view.send(
      msg('checkpoint.done', {
        entry: {
          kind: 'restored',
          id: 'r2',
          restoreId: 'r-abc',
          action: 'undone',
          turn: 0,
          files: 2,
          conversation: false,
        },
      }),
      msg('checkpoints', { turns: [0, 1] }),
    );
    assert.equal(await page.locator('.undo-restore:visible').count(), 0, 'undone: no Undo any more');
    assert.match(await page.locator('.entry.restored').nth(1).innerText(), /Restore undone: 2 files/);
  });
});

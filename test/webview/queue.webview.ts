// The message queue (issue 15) and the chat after a reload: sending while a reply runs posts the
// message for the host to queue; the pending list the host sends is shown above the message box,
// each message editable, removable and sendable now; the scroll position is kept in the view's
// saved state and put back when the page is loaded again with the same chat.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { QueuedMessageView } from '../../src/shared/messages.ts';
import { closeSharedEnvironment, openView } from './harness.ts';
import { deltas, emptyChat, longChat, msg, STATE_WARM, userMessage } from './fixtures.ts';

after(() => closeSharedEnvironment());

const FIRST: QueuedMessageView = { id: 'q1', text: 'Then add tests for average()', context: [] };
const SECOND: QueuedMessageView = {
  id: 'q2',
  text: 'And update the README',
  context: [{ kind: 'file', path: 'README.md', label: 'README.md' }],
};

describe('message queue', () => {
  it('send while running posts the message; the pending list shows it; edit, remove and Send now post to the host', async () => {
    const view = await openView();
    const { page } = view;
    await view.send(
      STATE_WARM,
      emptyChat(),
      userMessage('u1', 'Fix average() in src/math.ts'),
      msg('assistant.start', { id: 'a1' }),
      ...deltas('a1', 'Looking at **src/math.ts** now; the divisor is off by one.'),
    );
    const box = page.getByRole('textbox', { name: 'Message Warmline' });
    await box.fill('Then add tests for average()');
    await page.keyboard.press('Enter');
    // The composer stays usable: the message goes to the host, which queues it.
    assert.deepEqual(
      (await view.posted('send')).map((m) => m.payload),
      [{ text: 'Then add tests for average()', context: [] }],
    );
    assert.equal(await box.inputValue(), '', 'the box is free for the next message');
    assert.equal(await page.getByRole('button', { name: 'Stop' }).isVisible(), true, 'Stop is still offered');

    const queue = page.getByRole('list', { name: 'Queued messages' });
    assert.equal(await queue.isVisible(), false, 'nothing shown before the host says it is queued');
    await view.send(msg('queue', { items: [FIRST, SECOND], held: false }));
    const items = queue.getByRole('listitem').filter({ hasText: /Then add|And update/ });
    assert.deepEqual(await items.allInnerTexts(), ['Then add tests for average()', 'README.md\nAnd update the README']);
    await view.screenshot('queue');

    // Edit: the text goes to the host on Enter.
    await items.nth(0).getByRole('button', { name: 'Edit queued message' }).click();
    const edit = page.getByRole('textbox', { name: 'Edit queued message' });
    assert.equal(await edit.inputValue(), 'Then add tests for average()');
    // A host update while editing keeps what is being typed.
    await edit.fill('Then add tests for average() and sum()');
    await view.send(msg('queue', { items: [FIRST, SECOND], held: false }));
    assert.equal(await edit.inputValue(), 'Then add tests for average() and sum()');
    await edit.press('Enter');
    assert.deepEqual(
      (await view.posted('queue.edit')).map((m) => m.payload),
      [{ id: 'q1', text: 'Then add tests for average() and sum()' }],
    );
    // Remove and Send now.
    await items.nth(1).getByRole('button', { name: 'Remove queued message' }).click();
    assert.deepEqual(
      (await view.posted('queue.remove')).map((m) => m.payload),
      [{ id: 'q2' }],
    );
    await items.nth(0).getByRole('button', { name: 'Send now' }).click();
    assert.deepEqual(
      (await view.posted('queue.sendNow')).map((m) => m.payload),
      [{ id: 'q1' }],
    );

    // The list follows the host: one left, then none (sent).
    await view.send(
      msg('queue', { items: [{ ...FIRST, text: 'Then add tests for average() and sum()' }], held: false }),
    );
    assert.deepEqual(await queue.getByRole('listitem').allInnerTexts(), ['Then add tests for average() and sum()']);
    await view.send(msg('queue', { items: [], held: false }));
    assert.equal(await queue.isVisible(), false);
    await view.close();
  });

  it('a held queue (the last reply failed) says so and offers Send on each message', async () => {
    const view = await openView();
    const { page } = view;
    await view.send(emptyChat(), msg('queue', { items: [FIRST], held: true }));
    const section = page.getByRole('region', { name: 'Queued messages' });
    assert.match(await section.innerText(), /did not finish/);
    const sendNow = section.getByRole('button', { name: 'Send now' });
    assert.equal(await sendNow.innerText(), 'Send now', 'a visible label, not only an icon');
    await sendNow.click();
    assert.deepEqual(
      (await view.posted('queue.sendNow')).map((m) => m.payload),
      [{ id: 'q1' }],
    );
    // Emptying a message while editing removes it.
    await section.getByRole('button', { name: 'Edit queued message' }).click();
    await page.getByRole('textbox', { name: 'Edit queued message' }).fill('  ');
    await page.keyboard.press('Enter');
    assert.deepEqual(
      (await view.posted('queue.remove')).map((m) => m.payload),
      [{ id: 'q1' }],
    );
    await view.close();
  });
});

describe('the chat after a reload', () => {
  const entries = longChat(40);
  const load = (chatId: string) => msg('chat.load', { chatId, title: 'Long', entries, busy: false });

  async function scrolledView() {
    const view = await openView({ height: 600 });
    await view.send(load('c1'));
    const log = view.page.getByRole('log', { name: 'Conversation' });
    // The scroll events of the load itself (at the bottom: they pin the log) come first.
    await view.frames(4);
    // The user scrolls up to question 20.
    await view.page.evaluate(() => {
      const el = document.querySelector<HTMLElement>('.log')!;
      el.dispatchEvent(new WheelEvent('wheel', { deltaY: -100 }));
    });
    // Entries built lazily change height as they render (sooner or later on a loaded machine):
    // scroll again until question 20 stays at the top.
    for (let tries = 0; tries < 20; tries++) {
      await view.page.locator('[data-entry-id="u20"]').evaluate((e) => e.scrollIntoView());
      await view.frames(4);
      if ((await topQuestion(view)) === 'u20') break;
    }
    await new Promise((r) => setTimeout(r, 300)); // the position is saved a moment after scrolling stops
    return { view, log };
  }

  /** Which entry is at the top of the log (its id: u20 is "Question 20"). */
  function topQuestion(view: Awaited<ReturnType<typeof openView>>): Promise<string> {
    return view.page.evaluate(() => {
      const log = document.querySelector<HTMLElement>('.log')!;
      const top = log.getBoundingClientRect().top + 4;
      const entry = [...document.querySelectorAll<HTMLElement>('.entry')].find(
        (e) => e.getBoundingClientRect().bottom > top,
      );
      return entry?.dataset.entryId ?? '';
    });
  }

  function atBottom(view: Awaited<ReturnType<typeof openView>>): Promise<boolean> {
    return view.page.evaluate(() => {
      const el = document.querySelector<HTMLElement>('.log')!;
      return el.scrollHeight - el.scrollTop - el.clientHeight < 4;
    });
  }

  it('the same chat loaded again after a reload is scrolled to where it was', async () => {
    const { view } = await scrolledView();
    assert.equal(await topQuestion(view), 'u20');
    const state = await view.savedState();
    await view.close();

    const reloaded = await openView({ height: 600, state });
    await reloaded.send(load('c1'));
    await reloaded.frames(4);
    assert.equal(await topQuestion(reloaded), 'u20', 'back where it was, not at the bottom');
    await reloaded.close();
  });

  it('another chat, or one that was at the bottom, opens at the bottom', async () => {
    const { view } = await scrolledView();
    const state = await view.savedState();
    await view.close();
    const other = await openView({ height: 600, state });
    await other.send(load('c2'));
    await other.frames(4);
    assert.equal(await atBottom(other), true, 'another chat starts at its end');
    // At the bottom when saved: at the bottom again (where new text arrives).
    await other.page.waitForTimeout(300);
    const bottom = await other.savedState();
    await other.close();
    const again = await openView({ height: 600, state: bottom });
    await again.send(load('c2'));
    await again.frames(4);
    assert.equal(await atBottom(again), true);
    await again.close();
  });
});

// Long chats: a 500-entry chat opens at once with only the entries near the viewport built;
// scrolling builds what comes into view and drops what is far away; streaming at the end of
// the long chat stays cheap.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { closeSharedEnvironment, openView } from './harness.ts';
import { deltas, longChat, msg } from './fixtures.ts';

after(() => closeSharedEnvironment());

const built = (): { built: number; articles: number; codeBlocks: number } => ({
  built: document.querySelectorAll('article.entry:not(.lazy)').length,
  articles: document.querySelectorAll('article.entry').length,
  codeBlocks: document.querySelectorAll('.code-block').length,
});

describe('long chats', () => {
  it('opens a 500-entry chat building only the entries near the viewport', async () => {
    const view = await openView();
    const { page } = view;
    await page.evaluate(
      (m) => {
        window.dispatchEvent(new MessageEvent('message', { data: m }));
      },
      msg('chat.load', { chatId: 'long', title: 'Long', entries: longChat(500), busy: false }),
    );
    await view.frames(3);
    const after = await page.evaluate(built);
    assert.equal(after.articles, 500);
    assert.ok(after.built < 40, `${after.built} entries built`);
    assert.ok(after.codeBlocks < 20, `${after.codeBlocks} code blocks rendered`);
    // How long it takes is bench/webview's to measure, not a test's (shared machines are noisy):
    // what makes it fast (entries built lazily) is asserted above.
    // At the bottom, and the last entry is built and visible.
    assert.equal(
      await page
        .locator('article.entry')
        .last()
        .evaluate((el) => !el.classList.contains('lazy')),
      true,
    );
    assert.ok(await page.locator('.log').evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight < 41));
    assert.match(await page.locator('article.entry').last().innerText(), /That's all for part 499\./);
    await view.close();
  });

  it('builds entries scrolled into view and drops those far away', async () => {
    const view = await openView();
    const { page } = view;
    await view.send(msg('chat.load', { chatId: 'long', title: 'Long', entries: longChat(500), busy: false }));
    await page.locator('.log').focus();
    await page.keyboard.press('Home');
    await page.waitForFunction(() => !document.querySelector('article.entry')?.classList.contains('lazy'));
    await view.frames(3);
    const state = await page.evaluate(() => ({
      firstBuilt: !document.querySelector('article.entry')?.classList.contains('lazy'),
      lastBuilt: !document.querySelector('article.entry:last-child')?.classList.contains('lazy'),
      built: document.querySelectorAll('article.entry:not(.lazy)').length,
    }));
    assert.ok(state.firstBuilt, 'the first entry is built when scrolled to');
    assert.equal(state.lastBuilt, false, 'the last entry went back to a placeholder');
    assert.ok(state.built < 60, `${state.built} built`);
    assert.match(await page.locator('article.entry').first().innerText(), /Question 0/);
    await view.screenshot('long-chat-top');
    await view.close();
  });

  it('streams at the end of a 500-entry chat and keeps following it', async () => {
    const view = await openView();
    const { page } = view;
    await view.send(
      msg('chat.load', { chatId: 'long', title: 'Long', entries: longChat(500), busy: false }),
      msg('user.message', { entry: { kind: 'user', id: 'u500', text: 'one more', context: [] } }),
      msg('assistant.start', { id: 'a501' }),
    );
    await view.send(
      ...deltas('a501', 'A new answer.\n\n```ts\nconst x = 1;\n```\n\nDone.'.repeat(20), 4),
      msg('assistant.end', { id: 'a501' }),
    );
    await view.frames(3);
    assert.ok(
      await page.locator('.log').evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight < 41),
      'still at the bottom',
    );
    assert.equal(await page.locator('article[data-entry-id="a501"] .code-block').count(), 20);
    const counts = await page.evaluate(built);
    assert.ok(counts.built < 60, `${counts.built} built`);
    await view.close();
  });

  it('does not follow the stream once the user scrolled up', async () => {
    const view = await openView();
    const { page } = view;
    await view.send(
      msg('chat.load', { chatId: 'long', title: 'Long', entries: longChat(40), busy: true }),
      msg('assistant.start', { id: 'a41' }),
    );
    await view.send(...deltas('a41', 'line\n\n'.repeat(10)));
    await page.locator('.log').hover();
    await page.mouse.wheel(0, -600);
    await view.frames(3);
    const before = await page.locator('.log').evaluate((el) => el.scrollTop);
    await view.send(...deltas('a41', 'line\n\n'.repeat(50)));
    assert.equal(
      await page.locator('.log').evaluate((el) => el.scrollTop),
      before,
      'the view stayed where the user put it',
    );
    // Scrolling back to the bottom follows again.
    await page.locator('.log').evaluate((el) => {
      el.scrollTop = el.scrollHeight;
    });
    await view.frames(2);
    await view.send(...deltas('a41', 'more\n\n'.repeat(30)));
    assert.ok(
      await page.locator('.log').evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight < 41),
      'following again',
    );
    await view.close();
  });
});

// The context window in the view: the meter in the header, the marker where the conversation
// was compacted (live and after a reload), `/compact`, and the overflow error's actions.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { closeSharedEnvironment, openView } from './harness.ts';
import { FIGURES, STATE_WARM, assistantEntry, deltas, emptyChat, msg, userMessage } from './fixtures.ts';

after(() => closeSharedEnvironment());

describe('the context meter', () => {
  it('shows how full the window is, and warns as it fills', async () => {
    const view = await openView();
    const meter = view.page.locator('.context-meter');
    await view.send(STATE_WARM, emptyChat());
    assert.equal(await meter.isHidden(), true, 'nothing to show before the first turn');
    await view.send(msg('usage', { used: 45_300, window: 272_000 }));
    assert.equal(await meter.innerText(), 'Context 17% · 45k / 272k');
    assert.equal(await meter.getAttribute('aria-valuenow'), '17');
    assert.equal(await meter.getAttribute('data-level'), 'ok');
    await view.send(msg('usage', { used: 240_000, window: 272_000 }));
    assert.equal(await meter.getAttribute('data-level'), 'full');
    assert.match(await meter.innerText(), /^Context 88% · 240k \/ 272k$/);
    await view.send(msg('usage', { used: 0, window: 272_000 }));
    assert.equal(await meter.isHidden(), true, 'a new chat hides it');
    await view.close();
  });
});

describe('compaction in the chat', () => {
  it('a marker appears where it happened; the message above goes on streaming; a reload shows it in place', async () => {
    const view = await openView();
    const { page } = view;
    await view.send(
      STATE_WARM,
      emptyChat(),
      userMessage('u1', 'explore everything'),
      msg('assistant.start', { id: 'a1' }),
      ...deltas('a1', 'Reading the files one by one. '),
    );
    await view.send(
      msg('compacted', {
        entry: {
          kind: 'compacted',
          id: 'c1',
          how: 'server',
          reason: 'auto',
          tokensBefore: 231_000,
          tokensAfter: 18_400,
        },
      }),
    );
    await view.send(
      ...deltas('a1', 'Done: the config is read in two places.'),
      msg('assistant.end', { id: 'a1', figures: FIGURES }),
      msg('usage', { used: 19_100, window: 272_000 }),
    );
    const kinds = await page
      .locator('.entries > article')
      .evaluateAll((els) => els.map((e) => e.className.replace('entry ', '')));
    assert.deepEqual(kinds, ['user', 'assistant', 'compacted']);
    assert.equal(
      await page.locator('.compacted-line').innerText(),
      "Context compacted by the server, before the model's window filled: about 231,000 → 18,400 tokens",
    );
    assert.match(
      await page.locator('article.assistant').innerText(),
      /Reading the files one by one\. Done: the config is read in two places\./,
    );
    await view.screenshot('context-compacted');
    await view.send(msg('assistant.end', { id: 'a1', figures: { ...FIGURES, cachedTokens: 900 } }));
    assert.equal(
      await page.locator('.header .figure-tokens').getAttribute('title'),
      "1,000 in, 900 of them from the server's prompt cache, 234 out",
    );
    // Reopened from history: the same order from the host's entries.
    await view.send(
      msg('chat.load', {
        chatId: 'c1',
        title: 't',
        busy: false,
        entries: [
          { kind: 'user', id: 'u1', text: 'explore everything', context: [] },
          assistantEntry('a1', 'Reading the files one by one. Done.'),
          { kind: 'compacted', id: 'c2', how: 'local', reason: 'manual', tokensBefore: 9_000, tokensAfter: 700 },
        ],
      }),
    );
    assert.equal(
      await page.locator('.compacted-line').innerText(),
      'Context compacted into a summary by the model, as you asked: about 9,000 → 700 tokens',
    );
    await view.close();
  });

  it('/compact asks the host to compact instead of sending a message', async () => {
    const view = await openView();
    await view.send(STATE_WARM, emptyChat());
    const input = view.page.getByRole('textbox', { name: /message/i });
    await input.fill('/compact');
    await input.press('Enter');
    assert.deepEqual(await view.posted('chat.compact'), [{ type: 'chat.compact', payload: {} }]);
    assert.deepEqual(await view.posted('send'), []);
    assert.equal(await input.inputValue(), '');
    // Only the whole command: a message that mentions it is a message.
    await input.fill('what does /compact do?');
    await input.press('Enter');
    assert.equal((await view.posted('send')).length, 1);
    await view.close();
  });

  it('an overflow that could not be recovered offers Compact Conversation and New Chat', async () => {
    const view = await openView();
    await view.send(
      STATE_WARM,
      emptyChat(),
      userMessage('u1', 'go on'),
      msg('assistant.start', { id: 'a1' }),
      msg('assistant.end', {
        id: 'a1',
        error: {
          code: 'context_length_exceeded',
          message: "The conversation no longer fits the model's context window.",
          actions: ['compact', 'newChat'],
        },
      }),
    );
    const box = view.page.locator('.error-box');
    await box.getByRole('button', { name: 'Compact Conversation' }).click();
    await box.getByRole('button', { name: 'New Chat' }).click();
    assert.deepEqual(
      (await view.posted('error.action')).map((m) => m.payload),
      [{ action: 'compact' }, { action: 'newChat' }],
    );
    await view.close();
  });
});

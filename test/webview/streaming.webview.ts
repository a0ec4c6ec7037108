// Streaming: a recorded turn replayed into the real bundle shows text, highlighted code, tool
// cards and the turn's figures as they arrive, and renders incrementally (earlier blocks are
// never rebuilt; many deltas in one frame cost one render).
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { HostMessage } from '../../src/shared/messages.ts';
import { coalesceRecorded } from '../unit/helpers/virtual-clock.ts';
import { closeSharedEnvironment, openView } from './harness.ts';
import type { View } from './harness.ts';
import {
  CODE,
  FIGURES,
  FIRST_TEXT,
  LONG_ANSWER,
  assistantEntry,
  deltas,
  emptyChat,
  msg,
  recordedTurn,
  STATE_WARM,
  userMessage,
} from './fixtures.ts';

after(() => closeSharedEnvironment());

describe('streaming', () => {
  it('shows a streamed turn as it arrives: text, highlighted code, tool cards, figures', async () => {
    const view = await openView();
    const { page } = view;
    const turn = recordedTurn('a1');
    const firstTool = turn.findIndex((m) => m.type === 'tool.start');
    // Up to the middle of the first text: the beginning is visible before the turn ends.
    const fenceAt = turn.findIndex((m) => m.type === 'text.delta' && m.payload.delta.includes('`'));
    await view.send(...turn.slice(0, fenceAt));
    const entry = page.locator('article.entry.assistant');
    assert.match(await entry.innerText(), /I'll look at src\/math\.ts first\./);
    assert.equal(await entry.getAttribute('aria-busy'), 'true');
    assert.equal(await page.locator('.conn-label').innerText(), 'Busy');
    assert.equal(await page.locator('.log').getAttribute('role'), 'log');
    assert.equal(await page.locator('.log').getAttribute('aria-live'), 'polite');

    await view.send(...turn.slice(fenceAt, firstTool));
    const code = entry.locator('.code-block code');
    assert.equal(await code.count(), 1);
    assert.equal(await code.textContent(), CODE);
    assert.match((await code.getAttribute('class')) ?? '', /language-ts/);
    assert.ok((await code.locator('.hljs-keyword').count()) >= 2, 'keywords highlighted');
    assert.equal(await entry.locator('.code-block .code-copy').getAttribute('aria-label'), 'Copy code');

    await view.send(...turn.slice(firstTool));
    const read = page.locator('.tool-card[data-tool-id="t1"]');
    assert.match(await read.locator('.tool-name').innerText(), /read_file/);
    assert.equal(await read.locator('.tool-summary').innerText(), 'src/math.ts:1-40');
    assert.equal(await read.locator('.tool-status').getAttribute('aria-label'), 'Done');
    assert.equal(await read.locator('.tool-status .codicon-check').count(), 1);
    assert.equal(await read.locator('.tool-result').innerText(), '3 lines');
    assert.match(await read.locator('.tool-output').innerText(), /2 {3}return a\+b;/);
    const edit = page.locator('.tool-card[data-tool-id="t2"]');
    assert.equal(await edit.locator('.tool-status').getAttribute('aria-label'), 'Waiting for your approval');
    assert.equal(await edit.locator('.diff-line.ins').count(), 2);
    // Text after the first tool sits after its card, in order.
    const order = await page.locator('.parts > *').evaluateAll((els) => els.map((e) => e.className.split(' ')[0]));
    assert.deepEqual(order, ['markdown', 'tool-card', 'markdown', 'tool-card']);
    assert.equal(await page.locator('.md-link').innerText(), 'the docs');

    await view.send(
      msg('tool.update', { id: 't2', status: 'done', result: 'applied' }),
      msg('assistant.end', { id: 'a1', figures: FIGURES }),
      STATE_WARM,
    );
    assert.equal(await entry.getAttribute('aria-busy'), 'false');
    const figures = await page.locator('header .figures').innerText();
    for (const part of ['first token 320 ms', '2.4 s', '1,234 tokens', 'saved 12.3 KB'])
      assert.ok(figures.includes(part), `${part} in "${figures}"`);
    assert.match(await entry.locator('.turn-figures').innerText(), /saved 12\.3 KB/);
    assert.equal(await page.locator('.conn-label').innerText(), 'Warm');
    assert.equal(await page.locator('.conn-model').innerText(), 'gpt-5.1-codex');
    await view.screenshot('streamed-turn');
    await view.close();
  });

  it('never rebuilds finished blocks while later text streams', async () => {
    const view = await openView();
    const { page } = view;
    await view.send(
      emptyChat(),
      userMessage('u1', 'hi'),
      msg('assistant.start', { id: 'a1' }),
      ...deltas('a1', 'First paragraph.\n\nSecond paragraph.\n\n'),
    );
    await page.evaluate(() => {
      const p = document.querySelector('.md-stable p') as HTMLElement & { marked?: boolean };
      p.marked = true;
      const w = window as unknown as { removed: number };
      w.removed = 0;
      new MutationObserver((records) => {
        for (const r of records) w.removed += r.removedNodes.length;
      }).observe(document.querySelector('.md-stable') as Node, { childList: true, subtree: true });
    });
    await view.send(...deltas('a1', 'Third, with `code` and **bold**.\n\n- a list\n- of items\n\nand the end.', 3));
    const { marked, removed, stableBlocks } = await page.evaluate(() => ({
      marked: (document.querySelector('.md-stable p') as HTMLElement & { marked?: boolean }).marked === true,
      removed: (window as unknown as { removed: number }).removed,
      stableBlocks: document.querySelectorAll('.md-stable > *').length,
    }));
    assert.ok(marked, 'the first paragraph is the same element');
    assert.equal(removed, 0, 'nothing was removed from the finished blocks');
    assert.ok(stableBlocks >= 4, `finished blocks committed (${stableBlocks})`);
    await view.close();
  });

  it('renders 200 deltas that arrive within one frame once', async () => {
    const view = await openView();
    const { page } = view;
    await view.send(emptyChat(), msg('assistant.start', { id: 'a1' }), ...deltas('a1', 'Start.'));
    const renders = await page.evaluate(
      (ms) =>
        new Promise<number>((resolve) => {
          let count = 0;
          const tail = document.querySelector('.md-tail') as Node;
          new MutationObserver((records) => {
            count += records.length;
          }).observe(tail, { childList: true });
          for (const m of ms) window.postMessage(m, '*');
          requestAnimationFrame(() => requestAnimationFrame(() => resolve(count)));
        }),
      deltas('a1', ' more words'.repeat(100), 5),
    );
    assert.ok(renders <= 2, `tail replaced ${renders} times for 200 deltas`);
    assert.ok((await page.locator('.markdown').innerText()).endsWith('more words'));
    await view.close();
  });

  it('text.reset drops the partial text and the retry streams afresh', async () => {
    const view = await openView();
    const { page } = view;
    await view.send(emptyChat(), msg('assistant.start', { id: 'a1' }), ...deltas('a1', 'Partial answer that was cut'));
    assert.match(await page.locator('.markdown').innerText(), /cut/);
    await view.send(
      msg('text.reset', { id: 'a1' }),
      ...deltas('a1', 'A complete answer.'),
      msg('assistant.end', { id: 'a1' }),
    );
    const text = await page.locator('article.assistant .parts').innerText();
    assert.equal(text.trim(), 'A complete answer.');
    await view.close();
  });

  it('text.reset followed by new deltas in the same frame leaves no stale finished blocks', async () => {
    const view = await openView();
    const { page } = view;
    await view.send(
      emptyChat(),
      msg('assistant.start', { id: 'a1' }),
      ...deltas('a1', 'Old first paragraph.\n\nOld second paragraph.\n\nOld third'),
    );
    assert.match(await page.locator('.md-stable').innerText(), /Old first/);
    await view.send(
      msg('text.reset', { id: 'a1' }),
      ...deltas('a1', 'A brand new and much longer first paragraph than before.\n\nNew second.'),
    );
    const text = await page.locator('article.assistant .markdown').innerText();
    assert.doesNotMatch(text, /Old/);
    assert.match(text, /^A brand new and much longer first paragraph than before\.\s+New second\.$/);
    await view.close();
  });

  it('a line that looked like a new list item and turns out not to be one leaves no empty item', async () => {
    const view = await openView();
    await view.send(emptyChat(), msg('assistant.start', { id: 'a1' }), ...deltas('a1', 'Options:\n\n- run it with\n-'));
    assert.equal(await view.page.locator('.md-tail li').count(), 2);
    await view.send(...deltas('a1', '-verbose to see more'));
    assert.equal(await view.page.locator('.md-tail li').count(), 1);
    assert.equal((await view.page.locator('.md-tail').innerText()).trim(), 'run it with --verbose to see more');
    await view.close();
  });

  it('a paragraph that an underline turns into a heading is shown as a heading', async () => {
    const view = await openView();
    await view.send(emptyChat(), msg('assistant.start', { id: 'a1' }), ...deltas('a1', 'Intro.\n\nResults\n'));
    assert.deepEqual(await view.page.locator('.md-tail > *').evaluateAll((els) => els.map((e) => e.tagName)), ['P']);
    await view.send(...deltas('a1', '---'));
    assert.deepEqual(await view.page.locator('.md-tail > *').evaluateAll((els) => els.map((e) => e.tagName)), ['H2']);
    await view.close();
  });

  it('the last block has no margin below it, whether it is finished or still streaming', async () => {
    const view = await openView();
    const margins = () =>
      view.page.evaluate(() =>
        ['.md-stable > :last-child', '.md-tail > :last-child'].map((sel) => {
          const el = document.querySelector(sel);
          return el ? getComputedStyle(el).marginBottom : 'none';
        }),
      );
    await view.send(emptyChat(), msg('assistant.start', { id: 'a1' }), ...deltas('a1', 'First.\n\nSecond'));
    assert.deepEqual(await margins(), ['8px', '0px']);
    await view.send(msg('assistant.end', { id: 'a1' }));
    assert.deepEqual(await margins(), ['0px', 'none']);
    await view.close();
  });

  it('a reference-style link defined after its use resolves', async () => {
    const view = await openView();
    await view.send(emptyChat(), msg('assistant.start', { id: 'a1' }));
    // A frame per delta: the definition shows as text until it is one, then goes.
    for (const d of deltas('a1', 'See [the guide][g].\n\nMore text.\n\n[g]: https://example.com/guide\n', 3))
      await view.send(d);
    assert.equal(
      (await view.page.locator('article.assistant .markdown').innerText()).trim(),
      'See the guide.\n\nMore text.',
    );
    assert.equal(await view.page.locator('.md-tail .md-link').getAttribute('data-href'), 'https://example.com/guide');
    await view.send(msg('assistant.end', { id: 'a1' }));
    assert.equal(await view.page.locator('.md-link').getAttribute('data-href'), 'https://example.com/guide');
    await view.close();
  });

  it('collapses long tool output to its head and tail, with an expander', async () => {
    const view = await openView();
    const { page } = view;
    const lines = Array.from({ length: 200 }, (_, i) => `line ${i + 1}`);
    await view.send(
      emptyChat(),
      msg('assistant.start', { id: 'a1' }),
      msg('tool.start', {
        messageId: 'a1',
        tool: { id: 't1', name: 'run_task', summary: 'task test', status: 'running', output: '' },
      }),
      ...Array.from({ length: 20 }, (_, k) =>
        msg('tool.progress', { id: 't1', chunk: `${lines.slice(k * 10, k * 10 + 10).join('\n')}\n` }),
      ),
    );
    const out = page.locator('.tool-output');
    const collapsed = await out.innerText();
    assert.match(collapsed, /^line 1\n/);
    assert.match(collapsed, /line 200/);
    assert.doesNotMatch(collapsed, /line 100\n/);
    const toggle = out.locator('.output-toggle');
    assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
    assert.match(await toggle.innerText(), /18[45] more lines/);
    await toggle.press('Enter');
    await view.frames();
    assert.match(await out.innerText(), /line 100\n/);
    assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
    await view.close();
  });

  it('streams what the host coalescer posts: the text shown is that of the concatenated deltas, cards in place', async () => {
    const turn: HostMessage[] = [
      emptyChat(),
      userMessage('u1', 'explain'),
      msg('assistant.start', { id: 'a1' }),
      ...deltas('a1', LONG_ANSWER, 4),
      msg('tool.start', {
        messageId: 'a1',
        tool: { id: 't1', name: 'run_task', summary: 'task test', status: 'running', output: '' },
      }),
      ...Array.from({ length: 30 }, (_, k) => msg('tool.progress', { id: 't1', chunk: `line ${k}\n` })),
      msg('tool.update', { id: 't1', status: 'done', result: 'exit 0' }),
      ...deltas('a1', 'After the tool.\n\n', 3),
      ...deltas('a1', LONG_ANSWER, 3),
      msg('assistant.end', { id: 'a1', figures: FIGURES }),
    ];
    // 1,500 messages a second (25 a frame), as a fast model streams; posted as the host would.
    const posted = coalesceRecorded(
      turn,
      turn.map((_, i) => (i * 1000) / 1500),
    );
    const texts = (ms: HostMessage[]): string =>
      ms.map((m) => (m.type === 'text.delta' ? m.payload.delta : '')).join('');
    assert.equal(texts(posted.map((p) => p.m)), texts(turn), 'the batched deltas carry every character, in order');
    assert.ok(posted.length < turn.length / 5, `${posted.length} messages for ${turn.length}`);

    const batched = await openView();
    for (let frame = 0, i = 0; i < posted.length; frame++) {
      const batch: HostMessage[] = [];
      for (; i < posted.length && (posted[i] as { at: number }).at < ((frame + 1) * 1000) / 60; i++)
        batch.push((posted[i] as { m: HostMessage }).m);
      if (batch.length) await batched.send(...batch);
    }
    const perDelta = await openView();
    await perDelta.send(...turn);
    const whole = await openView();
    const segments = [LONG_ANSWER, `After the tool.\n\n${LONG_ANSWER}`];
    await whole.send(
      msg('chat.load', {
        chatId: 'c1',
        title: 't',
        entries: segments.map((text, k) => assistantEntry(`w${k}`, text)),
        busy: false,
      }),
    );

    const shown = (view: View) =>
      view.page
        .locator('article.assistant .parts')
        .first()
        .evaluate((parts) => ({
          order: Array.from(parts.children, (c) => c.className.split(' ')[0]),
          texts: Array.from(parts.querySelectorAll(':scope > .markdown'), (m) => (m as HTMLElement).innerText),
          html: Array.from(parts.querySelectorAll(':scope > .markdown'), (m) => m.innerHTML),
          code: Array.from(parts.querySelectorAll('code'), (c) => c.innerHTML),
          output: parts.querySelector('.tool-output')?.textContent ?? '',
          tails: Array.from(parts.querySelectorAll('.md-tail'), (t) => t.childNodes.length),
        }));
    const a = await shown(batched);
    const b = await shown(perDelta);
    assert.deepEqual(a.order, ['markdown', 'tool-card', 'markdown']);
    assert.deepEqual(a, b, 'the same view with and without batching');
    assert.deepEqual(a.tails, [0, 0]);
    // The text of each segment is that of the concatenated deltas rendered whole, highlighting included.
    const reference = await whole.page.locator('article.assistant .markdown').evaluateAll((ms) =>
      ms.map((m) => ({
        text: (m as HTMLElement).innerText,
        code: Array.from(m.querySelectorAll('code'), (c) => c.innerHTML),
      })),
    );
    assert.deepEqual(
      a.texts,
      reference.map((r) => r.text),
    );
    assert.deepEqual(
      a.code.filter((c) => c.includes('hljs-')),
      reference.flatMap((r) => r.code).filter((c) => c.includes('hljs-')),
    );
    assert.match(a.texts[0] ?? '', /Step 1[\s\S]*Named extends Base[\s\S]*Done\.$/);
    assert.match(a.output, /^line 0\n[\s\S]*line 29$/);
    for (const v of [batched, perDelta, whole]) await v.close();
  });

  it('finishes a message whose deltas arrive before assistant.start (reload mid-turn)', async () => {
    const view = await openView();
    await view.send(emptyChat(), ...deltas('a9', 'Still here.'), msg('assistant.end', { id: 'a9' }));
    assert.equal((await view.page.locator('article.assistant .markdown').innerText()).trim(), 'Still here.');
    await view.close();
  });
});

void FIRST_TEXT;

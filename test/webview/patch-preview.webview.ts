// The live patch preview: while apply_patch's input streams, `tool.preview` makes the call's card
// and shows the files (+N −M) and their latest diff lines; `tool.start` for the same call replaces
// it with the normal card. A card whose call never started goes at the turn's end or a retry.
// Everything in it is text.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { PatchPreview } from '../../src/shared/messages.ts';
import { closeSharedEnvironment, openView } from './harness.ts';
import { deltas, emptyChat, msg, userMessage } from './fixtures.ts';

after(() => closeSharedEnvironment());

const X = "window.__xss.push('x')";

function preview(files: PatchPreview['files'], filesOmitted = 0): PatchPreview {
  return { files, filesOmitted };
}

const FIRST = preview([
  {
    path: 'src/greet.ts',
    kind: 'update',
    added: 0,
    removed: 1,
    omitted: 0,
    lines: ['@export function greet', ' export function greet(name: string) {', "-  return 'Hello ' + name;"],
  },
]);
const SECOND = preview([
  {
    path: 'src/greet.ts',
    kind: 'update',
    added: 1,
    removed: 1,
    omitted: 0,
    lines: [
      '@export function greet',
      ' export function greet(name: string) {',
      "-  return 'Hello ' + name;",
      '+  return `Hello, ${name}`;',
      ' }',
    ],
  },
  { path: 'src/new.ts', kind: 'add', added: 1, removed: 0, omitted: 0, lines: ['+export const x = 1;'] },
]);

describe('the live patch preview', () => {
  it('makes the card from the first preview, fills it in, and gives way to the normal card', async () => {
    const view = await openView();
    const { page } = view;
    await view.send(
      emptyChat(),
      userMessage('u1', 'fix greet'),
      msg('assistant.start', { id: 'a1' }),
      ...deltas('a1', 'Patching greet.'),
      msg('tool.preview', { messageId: 'a1', id: 'call_1', name: 'apply_patch', preview: FIRST }),
    );
    await view.frames();
    const card = page.locator('.tool-card[data-tool-id="call_1"]');
    assert.equal(await card.count(), 1);
    assert.equal(await card.locator('.tool-name').innerText(), 'apply_patch');
    assert.equal(await card.locator('.tool-status').getAttribute('aria-label'), 'Running');
    assert.deepEqual(await card.locator('.diff-path').allInnerTexts(), ['src/greet.ts']);
    assert.deepEqual(await card.locator('.diff-stat').allInnerTexts(), ['+0 −1']);

    await view.send(msg('tool.preview', { messageId: 'a1', id: 'call_1', name: 'apply_patch', preview: SECOND }));
    await view.frames();
    assert.equal(await page.locator('.tool-card').count(), 1, 'one card, filled in');
    assert.deepEqual(await card.locator('.diff-path').allInnerTexts(), ['src/greet.ts', 'src/new.ts']);
    assert.deepEqual(await card.locator('.diff-stat').allInnerTexts(), ['+1 −1', '+1 −0']);
    assert.deepEqual(await card.locator('.diff-line.ins .diff-code').allInnerTexts(), [
      '  return `Hello, ${name}`;',
      'export const x = 1;',
    ]);
    assert.deepEqual(await card.locator('.diff-line.del .diff-code').allInnerTexts(), ["  return 'Hello ' + name;"]);
    assert.deepEqual(await card.locator('.diff-hunk-head').allInnerTexts(), ['@@ export function greet']);
    await view.screenshot('patch-preview');

    // The call is complete: the normal card takes its place, in the same spot.
    await view.send(
      msg('tool.start', {
        messageId: 'a1',
        tool: {
          id: 'call_1',
          name: 'apply_patch',
          summary: '2 files: src/greet.ts, src/new.ts',
          status: 'running',
          output: '',
        },
      }),
    );
    await view.frames();
    assert.equal(await page.locator('.tool-card').count(), 1);
    assert.equal(await card.locator('.tool-summary').innerText(), '2 files: src/greet.ts, src/new.ts');
    assert.equal(await card.locator('.patch-preview').count(), 0, 'the preview is gone');
    assert.equal(await card.locator('.diff-path').count(), 0);
    // A late preview does not bring it back; updates reach the normal card.
    await view.send(
      msg('tool.preview', { messageId: 'a1', id: 'call_1', name: 'apply_patch', preview: SECOND }),
      msg('tool.update', { id: 'call_1', status: 'done', result: 'applied 2 files' }),
      msg('assistant.end', { id: 'a1' }),
    );
    await view.frames();
    assert.equal(await card.locator('.patch-preview').count(), 0);
    assert.equal(await card.locator('.tool-result').innerText(), 'applied 2 files');
    assert.equal(await page.locator('.tool-card').count(), 1);
    await view.close();
  });

  it('a card whose call never started goes when the turn ends, and when it is retried', async () => {
    const view = await openView();
    const { page } = view;
    await view.send(
      emptyChat(),
      msg('assistant.start', { id: 'a1' }),
      ...deltas('a1', 'Before. '),
      msg('tool.preview', { messageId: 'a1', id: 'call_1', name: 'apply_patch', preview: FIRST }),
      ...deltas('a1', 'lost text'),
    );
    await view.frames();
    assert.equal(await page.locator('.tool-card').count(), 1);
    // The connection was lost: the attempt's text (all since the last real card) and its preview go.
    await view.send(msg('text.reset', { id: 'a1' }));
    await view.frames();
    assert.equal(await page.locator('.tool-card').count(), 0);
    assert.equal((await page.locator('.entry.assistant .markdown').allInnerTexts()).join('').trim(), '');
    await view.send(
      ...deltas('a1', 'Again. '),
      msg('tool.preview', { messageId: 'a1', id: 'call_2', name: 'apply_patch', preview: FIRST }),
    );
    await view.frames();
    assert.equal(await page.locator('.tool-card[data-tool-id="call_2"]').count(), 1);
    // Stopped mid-patch: no call, no card.
    await view.send(msg('assistant.end', { id: 'a1' }));
    await view.frames();
    assert.equal(await page.locator('.tool-card').count(), 0);
    assert.match(await page.locator('.entry.assistant').innerText(), /Again\./);
    await view.close();
  });

  it('shows a malicious patch as text, and bounds a huge one', async () => {
    const view = await openView();
    const { page } = view;
    const evil = `<img src=x onerror="${X}">`;
    const huge = Array.from({ length: 1000 }, (_, i) => `+line ${i} <script>${X}</script>`);
    await view.send(
      emptyChat(),
      msg('assistant.start', { id: 'a1' }),
      msg('tool.preview', {
        messageId: 'a1',
        id: 'call_1',
        name: `apply_patch${evil}`,
        preview: preview(
          [
            {
              path: `src/${evil}.ts`,
              moveTo: `<script>${X}</script>`,
              kind: 'update',
              added: 1,
              removed: 1,
              omitted: 0,
              lines: [`@${evil}`, `-${evil}`, `+<script>${X}</script>`, ` [x](javascript:${X})`],
            },
            { path: 'big.txt', kind: 'add', added: 1000, removed: 0, omitted: 0, lines: huge },
          ],
          3,
        ),
      }),
    );
    await view.frames(3);
    const card = page.locator('.tool-card[data-tool-id="call_1"]');
    assert.match(await card.locator('.diff-path').first().innerText(), /src\/<img src=x onerror=".*">\.ts → <script>/);
    assert.deepEqual((await card.locator('.diff-code').allInnerTexts()).slice(0, 3), [
      evil,
      `<script>${X}</script>`,
      `[x](javascript:${X})`,
    ]);
    assert.equal(await card.locator('.diff-hunk-head').first().innerText(), '… 3 earlier files');
    assert.equal(await card.locator('script, img, a, [onerror]').count(), 0);
    // Bounded in the view too: at most 200 lines, the latest, and a line saying how many are left out.
    const rows = await card.locator('.diff-line').count();
    assert.ok(rows <= 200, `${rows} rows`);
    assert.match(await card.locator('.diff-line .diff-code').last().innerText(), /^line 999 /);
    assert.ok((await card.locator('.preview-omitted').allInnerTexts()).some((t) => /earlier lines/.test(t)));
    const { xss, dialogs } = await view.security();
    assert.deepEqual(xss, []);
    assert.deepEqual(dialogs, []);
    await view.close();
  });
});

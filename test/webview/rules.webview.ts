// The project rules chip in the chat header (issue 15): how many rules files are in effect, the
// list in order with sizes, cuts and refusals, a file opened by its path; paths are shown as text.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { RulesFileView } from '../../src/shared/messages.ts';
import { closeSharedEnvironment, openView } from './harness.ts';
import { msg } from './fixtures.ts';

after(() => closeSharedEnvironment());

const X = "window.__xss.push('x')";
const HOSTILE = `pkg/<img src=x onerror="${X}">/AGENTS.md`;

const FILES: RulesFileView[] = [
  { path: '~/.agents/AGENTS.md', scope: 'user', bytes: 412 },
  { path: 'AGENTS.md', scope: 'workspace', bytes: 40 * 1024, truncated: true },
  { path: HOSTILE, scope: 'workspace', bytes: 2100 },
  {
    path: 'build/AGENTS.md',
    scope: 'workspace',
    bytes: 80,
    refused: 'refused: it is ignored (.gitignore, .warmlineignore or .git)',
  },
];

describe('project rules chip', () => {
  it('is hidden without rules files, then counts those in effect and lists them in order, as text', async () => {
    const view = await openView();
    const { page } = view;
    await view.send(msg('rules', { files: [] }));
    assert.equal(await page.locator('.rules-chip').isVisible(), false, 'no rules files: no chip');

    await view.send(msg('rules', { files: FILES }));
    const chip = page.locator('.rules-chip');
    assert.equal(await chip.isVisible(), true);
    assert.equal(await chip.innerText(), 'Rules: 3 · 1 cut · 1 not read');
    assert.equal(await chip.getAttribute('aria-expanded'), 'false');
    const tooltip = (await chip.getAttribute('title')) ?? '';
    assert.match(
      tooltip,
      /^~\/\.agents\/AGENTS\.md — 412 bytes, your own rules\nAGENTS\.md — 40\.0 KB, cut to the size limit\n/,
    );
    assert.ok(tooltip.includes(HOSTILE));
    assert.equal(await page.locator('.rules-panel').isVisible(), false);

    await chip.click();
    assert.equal(await chip.getAttribute('aria-expanded'), 'true');
    const panel = page.locator('.rules-panel');
    assert.equal(await panel.isVisible(), true);
    assert.deepEqual(
      await panel.locator('.rules-path').allInnerTexts(),
      FILES.map((f) => f.path),
    );
    assert.deepEqual(await panel.locator('.rules-meta').allInnerTexts(), [
      '412 bytes, your own rules',
      '40.0 KB, cut to the size limit',
      '2.1 KB',
      'refused: it is ignored (.gitignore, .warmlineignore or .git)',
    ]);
    assert.equal(await panel.locator('.rules-item.refused button').count(), 0, 'a refused file cannot be opened');
    assert.equal(await page.locator('.rules-panel img, .rules-chip img').count(), 0);
    await view.screenshot('rules-in-effect');

    await panel.locator('.rules-file').nth(2).click();
    await panel.locator('.rules-file').nth(0).click();
    assert.deepEqual(
      (await view.posted('rules.open')).map((m) => m.payload),
      [{ path: HOSTILE }, { path: '~/.agents/AGENTS.md' }],
    );
    assert.deepEqual((await view.security()).xss, []);
  });

  it('is keyboard reachable: Enter opens the list on its first file, Escape closes it back to the chip; an update replaces the list', async () => {
    const view = await openView();
    const { page } = view;
    await view.send(msg('rules', { files: FILES }));
    await page.locator('.rules-chip').focus();
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement?.classList.contains('rules-file')), true);
    await page.keyboard.press('Enter');
    assert.deepEqual(
      (await view.posted('rules.open')).map((m) => m.payload),
      [{ path: '~/.agents/AGENTS.md' }],
    );
    await page.keyboard.press('Escape');
    assert.equal(await page.locator('.rules-panel').isVisible(), false);
    assert.equal(await page.evaluate(() => document.activeElement?.classList.contains('rules-chip')), true);

    await view.send(msg('rules', { files: [{ path: 'AGENTS.md', scope: 'workspace', bytes: 10 }] }));
    assert.equal(await page.locator('.rules-chip').innerText(), 'Rules: 1');
    assert.equal(await page.locator('.rules-chip').getAttribute('data-tone'), 'ok');
    await view.send(msg('rules', { files: [] }));
    assert.equal(await page.locator('.rules-chip').isVisible(), false);
  });
});

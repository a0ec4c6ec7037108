// The workbench loads with the fixture workspace and the extension installed; screenshots of
// both go to .test-artifacts/screenshots/.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { repoManifest, useWorkbench } from './harness.ts';

describe('workbench', () => {
  const wb = useWorkbench();

  it('shows the fixture folder in the Explorer', async () => {
    const explorer = wb().page.locator('.explorer-folders-view');
    for (const name of ['src', '.vscode', 'package.json', 'README.md', '.gitignore']) {
      await explorer.locator(`.monaco-list-row[aria-label^="${name}"]`).first().waitFor({ state: 'visible' });
    }
    await wb().page.locator('.part.titlebar', { hasText: 'sample-project' }).waitFor({ state: 'visible' });
    const file = await wb().screenshot('workbench');
    assert.ok(fs.statSync(file).size > 10_000, `${path.basename(file)} looks empty`);
  });

  it('lists Warmline among the installed extensions', async () => {
    const { displayName } = repoManifest();
    await wb().runCommand('Extensions: Show Installed Extensions');
    const row = wb().page.locator('.extensions-viewlet .monaco-list-row', { hasText: displayName });
    await row.first().waitFor({ state: 'visible' });
    await wb().screenshot('workbench-extensions');
  });

  it('shows the Warmline view container in the activity bar', async () => {
    const [title] = repoManifest().activityBarTitles;
    assert.ok(title, 'the extension contributes no activity bar item');
    await wb().page.locator(`.part.activitybar [aria-label^="${title}"]`).first().waitFor({ state: 'visible' });
  });

  it('offers the Warmline commands in the command palette', async () => {
    const titles = repoManifest().paletteCommands;
    assert.ok(titles.length > 5, 'the extension contributes too few commands');
    for (const title of titles) await wb().findInPalette(title);
    await wb().closeQuickInput();
  });

  it('Warmline: Show Log opens the Warmline output channel', async () => {
    await wb().runCommand('Warmline: Show Log');
    // The panel opens on the Output view (the channel's content depends on what was logged).
    const panel = wb().page.locator('.part.panel');
    await panel.waitFor({ state: 'visible' });
    await panel.locator('.action-item.checked', { hasText: 'Output' }).waitFor({ state: 'visible' });
    await wb().screenshot('show-log');
  });
});

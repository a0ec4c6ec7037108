// The API key, as a person sets it: the status bar says a key is needed, "Warmline: Set API Key"
// asks for it in a password box, and the key goes to secret storage (never to settings).
// Nothing is sent anywhere: the default server is unreachable here, which is fine for this check.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { useWorkbench } from './harness.ts';

const KEY = 'sk-e2e-not-a-real-key-0123456789';

describe('API key', () => {
  const wb = useWorkbench();

  it('is asked for when missing and stored in secret storage only', async () => {
    const { page } = wb();
    const item = page.locator('.part.statusbar .statusbar-item', { hasText: 'Warmline' }).first();
    await page.locator('.part.statusbar .statusbar-item', { hasText: 'set API key' }).waitFor({ state: 'visible' });
    await wb().screenshot('api-key-missing');
    // Not runCommand: the palette does not close, it turns into the key's input box.
    await wb().findInPalette('Warmline: Set API Key');
    await page.keyboard.press('Enter');
    const box = page.locator('.quick-input-widget', { hasText: 'stored in VS Code' });
    await box.waitFor({ state: 'visible' });
    assert.equal(await box.locator('input').getAttribute('type'), 'password', 'the key is typed into a password box');
    await box.locator('input').fill(KEY);
    await page.keyboard.press('Enter');
    await page.locator('.part.statusbar .statusbar-item', { hasText: 'set API key' }).waitFor({ state: 'hidden' });
    await item.waitFor({ state: 'visible' });
    await wb().screenshot('api-key-set');
    // Not in any settings file of the user or the workspace.
    const settingsFiles = [
      path.join(wb().server.userDataDir, 'User/settings.json'),
      path.join(wb().workspace, '.vscode/settings.json'),
    ];
    for (const f of settingsFiles)
      if (fs.existsSync(f)) assert.doesNotMatch(fs.readFileSync(f, 'utf8'), new RegExp(KEY));
  });
});

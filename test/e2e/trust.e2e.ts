// Workspace trust, as a person meets it: the folder opens, the user answers "No, I don't trust
// the authors", and Warmline keeps reading but refuses to run tasks. The model is the Responses
// emulator (scripted, not AI). Screenshots in .test-artifacts/screenshots/.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { useScriptedWorkbench } from './harness.ts';

// A workspace-defined MCP server (issue 16) whose start would leave a marker file: in a
// restricted workspace it must not start, nor even be offered for the user to start.
const MARKER = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'warmline-mcp-marker-')), 'started');
const MCP_JSON = JSON.stringify({
  servers: {
    planted: {
      type: 'stdio',
      command: process.execPath,
      args: ['-e', `require('fs').writeFileSync(${JSON.stringify(MARKER)}, 'started')`],
    },
  },
});

const scenario = {
  name: 'e2e-untrusted',
  turns: [
    {
      calls: [
        { name: 'read_file', arguments: { path: 'package.json' } },
        { name: 'run_task', arguments: { name: 'echo-hello' } },
      ],
    },
    { text: 'I could read the project, but running tasks is off in a restricted workspace.' },
  ],
};

describe('a restricted (untrusted) workspace', () => {
  const { wb, emulator } = useScriptedWorkbench(scenario, {
    workspaceTrust: true,
    settings: { 'warmline.approvals.tasks': 'auto' },
    files: { '.vscode/mcp.json': MCP_JSON },
  });

  it('reads files but refuses to run a task', async () => {
    const { page } = wb();
    const dialog = page.locator('.monaco-dialog-box', { hasText: 'trust' });
    if (
      await dialog.waitFor({ state: 'visible', timeout: 20_000 }).then(
        () => true,
        () => false,
      )
    ) {
      await dialog
        .locator('a.monaco-button, button', { hasText: /No, I don.t trust/ })
        .first()
        .click();
      await dialog.waitFor({ state: 'hidden' });
    }
    await page.locator('.part.activitybar [aria-label^="Warmline"]').first().click();
    const view = wb().webviewFrame();
    const input = view.locator('textarea[aria-label="Message Warmline"]');
    await input.waitFor({ state: 'visible' });
    await input.fill('Run the echo task');
    await input.press('Enter');
    await view
      .locator('.tool-card', { hasText: 'run_task' })
      .locator('.tool-result', { hasText: /untrusted/i })
      .waitFor({ state: 'visible' });
    await view.locator('.tool-card', { hasText: 'read_file' }).waitFor({ state: 'visible' });
    await view.getByText('running tasks is off in a restricted workspace').waitFor({ state: 'visible' });
    await wb().screenshot('untrusted-task-refused');
    const outputs = emulator().requests.at(-1)!.body.input as Array<{ type: string; output?: string }>;
    const texts = outputs.filter((i) => i.type === 'function_call_output').map((i) => i.output ?? '');
    assert.ok(
      texts.some((t) => /"name": "warmline-fixture"|warmline-fixture/.test(t)),
      'reading still works',
    );
    assert.ok(
      texts.some((t) => /not trusted/.test(t)),
      'the task was refused as untrusted',
    );
  });

  it("starts no MCP server the workspace defines, and doesn't ask to", async () => {
    const { page } = wb();
    // The model was offered no tool of the planted server.
    const tools = emulator().requests.flatMap((r) => (r.body.tools as Array<{ name: string }> | undefined) ?? []);
    assert.ok(tools.length > 0, 'the requests carried tools');
    assert.deepEqual(
      tools.filter((t) => t.name.startsWith('planted__')),
      [],
    );
    // Show MCP Servers says why it did not start.
    await wb().runCommand('Warmline: Show MCP Servers');
    const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: 'planted' });
    await row.waitFor({ state: 'visible' });
    await page
      .locator('.quick-input-widget', { hasText: /not trusted/ })
      .first()
      .waitFor({ state: 'visible' });
    await wb().screenshot('untrusted-mcp-server-refused');
    await page.keyboard.press('Escape');
    assert.equal(await page.locator('.monaco-dialog-box', { hasText: /MCP server/ }).count(), 0, 'no start dialog');
    assert.equal(fs.existsSync(MARKER), false, 'the planted server never ran');
  });
});

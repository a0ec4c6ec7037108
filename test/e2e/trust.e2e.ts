// Workspace trust, as a person meets it: the folder opens, the user answers "No, I don't trust
// the authors", and Warmline keeps reading but refuses to run tasks. The model is the Responses
// emulator (scripted, not AI). Screenshots in .test-artifacts/screenshots/.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useScriptedWorkbench } from './harness.ts';

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
});

import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { waitFor } from './helpers.ts';
import { openFixture, resetSettings, setSettings, stopEmulator, useEmulator, warmline } from './warmline.ts';

const answer = { name: 'answer', turns: [{ text: 'Here is what it does.' }] };

/** Waits for the chat's current request to finish. */
async function turnDone(): Promise<void> {
  const api = await warmline();
  if (!api.chat.busy) return;
  await new Promise<void>((resolve) => {
    const d = api.chat.onDidFinishTurn(() => {
      d.dispose();
      resolve();
    });
  });
}

function lastUser(api: Awaited<ReturnType<typeof warmline>>) {
  const entries = api.chat.entries();
  const user = [...entries].reverse().find((e) => e.kind === 'user');
  assert.ok(user && user.kind === 'user');
  return user;
}

function lastModelInput(emu: Awaited<ReturnType<typeof useEmulator>>): string {
  const req = emu.requests.filter((r) => r.generate !== false).at(-1)!;
  return JSON.stringify(req.body.input);
}

describe('commands', () => {
  afterEach(async () => {
    await turnDone();
    await stopEmulator();
    await resetSettings();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('Explain Selection asks in the chat with the selection attached', async () => {
    const emu = await useEmulator(answer);
    const editor = await openFixture('src/math.js');
    editor.selection = new vscode.Selection(10, 0, 13, 1);
    await vscode.commands.executeCommand('warmline.explainSelection');
    await turnDone();
    const api = await warmline();
    const user = lastUser(api);
    assert.match(user.text, /Explain the selected code/);
    assert.deepEqual(
      user.context.map((c) => c.label),
      ['src/math.js:11-14'],
    );
    // The model got the selected lines, read through the workspace guard, with line numbers.
    assert.match(lastModelInput(emu), /function average\(values\)/);
    assert.doesNotMatch(lastModelInput(emu), /function sum\(values\)/);
  });

  it('Write Tests for Selection asks in the chat', async () => {
    await useEmulator(answer);
    const editor = await openFixture('src/math.js');
    editor.selection = new vscode.Selection(3, 0, 7, 1);
    await vscode.commands.executeCommand('warmline.writeTests');
    await turnDone();
    assert.match(lastUser(await warmline()).text, /Write tests for the selected code/);
  });

  it('Fix Problems in File asks about the file when it has diagnostics, and says so when it has none', async () => {
    await useEmulator(answer);
    const editor = await openFixture('src/math.js');
    const api = await warmline();
    const before = api.chat.entries().length;
    await vscode.commands.executeCommand('warmline.fixProblems');
    assert.equal(api.chat.entries().length, before, 'no diagnostics: nothing is sent');
    const lint = vscode.languages.createDiagnosticCollection('test-lint');
    try {
      lint.set(editor.document.uri, [
        new vscode.Diagnostic(
          new vscode.Range(12, 2, 12, 40),
          'divides by the wrong count',
          vscode.DiagnosticSeverity.Error,
        ),
      ]);
      await vscode.commands.executeCommand('warmline.fixProblems');
      await turnDone();
      assert.match(lastUser(api).text, /Fix the problems reported in src\/math\.js/);
      // The lightbulb offers the inline fix on the same diagnostic.
      const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
        'vscode.executeCodeActionProvider',
        editor.document.uri,
        new vscode.Range(12, 5, 12, 5),
      );
      assert.ok(
        actions.some((a) => a.title === 'Fix with Warmline'),
        'the "Fix with Warmline" code action',
      );
    } finally {
      lint.dispose();
    }
  });

  it('New Chat and Focus Chat', async () => {
    await useEmulator(answer);
    const api = await warmline();
    await vscode.commands.executeCommand('warmline.explainSelection'); // no editor: a message, no chat
    await openFixture('src/math.js');
    await vscode.commands.executeCommand('warmline.attachFile');
    await api.chat.send('What is in this file?');
    await turnDone();
    assert.ok(api.chat.conversation);
    await vscode.commands.executeCommand('warmline.newChat');
    assert.equal(api.chat.conversation, undefined);
    await vscode.commands.executeCommand('warmline.focusChat');
  });

  it('Reconnect opens fresh sockets and warms them again', async () => {
    const emu = await useEmulator(answer);
    const before = emu.connections();
    await vscode.commands.executeCommand('warmline.reconnect');
    const api = await warmline();
    await waitFor(
      () => emu.connections() >= before + 2 && api.session.state === 'warm',
      10_000,
      'two new warm sockets',
    );
    assert.equal(emu.requests.filter((r) => r.generate === false).length % 2, 0);
  });

  it('Clear API Key removes the stored key: the session asks for one again', async () => {
    const api = await warmline();
    await setSettings({ baseUrl: 'https://api.example.invalid/v1' });
    await api.keys.set('sk-test-not-a-real-key');
    await waitFor(
      () => api.session.state !== 'no_key' && api.session.state !== 'idle',
      10_000,
      'the session to try with the key',
    );
    await vscode.commands.executeCommand('warmline.clearApiKey');
    await waitFor(() => api.session.state === 'no_key', 10_000, 'the no_key state');
    assert.equal(await api.keys.get(), undefined);
    assert.match(api.status.text, /set API key/);
  });
});

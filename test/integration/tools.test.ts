import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { readFixtureFile, restoreFixture, waitFor } from './helpers.ts';
import { chat, openFixture, resetSettings, stopEmulator, useEmulator, warmline } from './warmline.ts';

const BUGGY = '  return sum(values) / (values.length - 1);';
const FIXED = '  return values.length ? sum(values) / values.length : 0;';
const patch = (line: string) =>
  [
    '*** Begin Patch',
    '*** Update File: src/math.js',
    '@@ function average(values) {',
    '   // Deliberate bug: divides by one less than the count (and by -1 for an empty list).',
    `-${BUGGY}`,
    `+${line}`,
    '*** End Patch',
  ].join('\n');
const patchScenario = (line: string) => ({
  name: 'fix-average',
  turns: [
    { calls: [{ name: 'apply_patch', type: 'custom' as const, input: patch(line) }] },
    { text: 'Fixed the average.' },
  ],
});

async function toolOutputs(): Promise<string[]> {
  const api = await warmline();
  return api.chat
    .conversation!.transcript.filter((i) => i.type === 'custom_tool_call_output' || i.type === 'function_call_output')
    .map((i) => String((i as { output: unknown }).output));
}

describe('workspace tools in VS Code', () => {
  let original: string;
  before(async () => {
    original = await restoreFixture('src/math.js');
  });
  afterEach(async () => {
    await stopEmulator();
    await resetSettings();
    await restoreFixture('src/math.js');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it("an approved edit is applied through one WorkspaceEdit, saved, and undone with the editor's Undo", async () => {
    await useEmulator(patchScenario(FIXED), { 'approvals.edits': 'auto' });
    const editor = await openFixture('src/math.js');
    await chat('Fix average');
    assert.match(editor.document.getText(), /values\.length \? sum/);
    assert.equal(editor.document.isDirty, false, 'the edit is saved');
    assert.match(await readFixtureFile('src/math.js'), /values\.length \? sum/);
    assert.match((await toolOutputs())[0]!, /Applied the edit/);
    await vscode.window.showTextDocument(editor.document);
    await vscode.commands.executeCommand('undo');
    await waitFor(() => editor.document.getText() === original, 5000, 'undo to restore the original text');
  });

  it('a rejected edit leaves the file untouched and tells the model plainly', async () => {
    await useEmulator(patchScenario(FIXED), { 'approvals.edits': 'ask' });
    const api = await warmline();
    const done = chat('Fix average');
    const pending = (await waitFor(() => api.chat.pendingApproval(), 10_000, 'the approval request'))!;
    const proposed = api.chat.proposedChanges(pending)!;
    assert.equal(proposed.length, 1);
    assert.match(proposed[0]!.kind === 'update' ? proposed[0]!.newText : '', /values\.length \? sum/);
    assert.equal(await readFixtureFile('src/math.js'), original, 'nothing is written before approval');
    api.chat.resolveApproval(pending, false);
    await done;
    assert.equal(await readFixtureFile('src/math.js'), original);
    assert.match((await toolOutputs())[0]!, /rejected/i);
    const card = api.chat.entries().flatMap((e) => (e.kind === 'assistant' ? e.tools : []))[0]!;
    assert.equal(card.status, 'rejected');
  });

  it('reports new errors in the edited file after the edit', async () => {
    // A stand-in linter: it flags the file as soon as it contains the broken call.
    const lint = vscode.languages.createDiagnosticCollection('test-lint');
    const sub = vscode.workspace.onDidChangeTextDocument((e) => {
      if (!e.document.uri.path.endsWith('src/math.js')) return;
      const line = e.document
        .getText()
        .split('\n')
        .findIndex((l) => l.includes('brokenCall('));
      lint.set(
        e.document.uri,
        line < 0
          ? []
          : [
              new vscode.Diagnostic(
                new vscode.Range(line, 2, line, 12),
                'brokenCall is not defined',
                vscode.DiagnosticSeverity.Error,
              ),
            ],
      );
    });
    try {
      await useEmulator(patchScenario('  return brokenCall(values);'), { 'approvals.edits': 'auto' });
      await chat('Change average');
      const out = (await toolOutputs())[0]!;
      assert.match(out, /New errors in the changed files \(1\)/);
      assert.match(out, /src\/math\.js:\d+:\d+ brokenCall is not defined/);
    } finally {
      sub.dispose();
      lint.dispose();
    }
  });

  it('runs a task and streams its output to the tool card as it comes', async () => {
    const scenario = {
      name: 'task',
      turns: [
        { calls: [{ name: 'run_task', arguments: { name: 'echo-hello', command: null } }] },
        { text: 'The task printed hello.' },
      ],
    };
    await useEmulator(scenario, { 'approvals.tasks': 'auto' });
    await chat('Run the echo task');
    const out = (await toolOutputs())[0]!;
    assert.match(out, /exited with code 0/);
    assert.match(out, /hello/);
    const api = await warmline();
    const card = api.chat.entries().flatMap((e) => (e.kind === 'assistant' ? e.tools : []))[0]!;
    assert.equal(card.status, 'done');
    assert.match(card.output, /hello/, 'the output reached the card as progress');
  });

  it('refuses to read a secrets file even when asked by name', async () => {
    const scenario = {
      name: 'secret',
      turns: [
        { calls: [{ name: 'read_file', arguments: { path: '.env', start_line: null, end_line: null } }] },
        { text: 'I cannot read it.' },
      ],
    };
    await useEmulator(scenario);
    await chat('Show me .env');
    const out = (await toolOutputs())[0]!;
    assert.match(out, /^Error: .*secret/i);
    assert.doesNotMatch(out, /fake-secret-for-tests/);
  });
  it('restores the workspace to a message from the chat, and undoes the restore (checkpoints)', async () => {
    await useEmulator(patchScenario(FIXED), { 'approvals.edits': 'auto' });
    const api = await warmline();
    const editor = await openFixture('src/math.js');
    await chat('Fix average');
    assert.match(await readFixtureFile('src/math.js'), /values\.length \? sum/);
    const first = api.chat.entries()[0];
    assert.equal(first?.kind === 'user' ? first.turn : undefined, 0);

    // The diff first: nothing is written by looking.
    const plan = await api.chat.previewRestore({ turn: 0 });
    assert.equal(plan.error, undefined);
    assert.deepEqual(plan.handChanged, []);
    assert.deepEqual(
      plan.diff.map((d) => [d.path, d.kind]),
      [['src/math.js', 'update']],
    );
    assert.match(await readFixtureFile('src/math.js'), /values\.length \? sum/);

    const restored = await api.chat.applyRestore({ turn: 0, conversation: false });
    assert.equal(restored?.action, 'restored');
    assert.equal(await readFixtureFile('src/math.js'), original);
    await waitFor(() => editor.document.getText() === original, 5000, 'the open editor to follow the restore');
    assert.equal(editor.document.isDirty, false, 'the restore is saved');
    assert.ok(api.chat.entries().some((e) => e.kind === 'restored' && e.action === 'restored'));

    await api.chat.previewRestore({ undo: restored!.restoreId });
    const undone = await api.chat.applyRestore({ undo: restored!.restoreId });
    assert.equal(undone?.action, 'undone');
    assert.match(await readFixtureFile('src/math.js'), /values\.length \? sum/);
    await waitFor(
      () => /values\.length \? sum/.test(editor.document.getText()),
      5000,
      'the editor to get the edit back',
    );
  });
});

import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { readFixtureFile, restoreFixture, waitFor } from './helpers.ts';
import { openFixture, resetSettings, setSettings, stopEmulator, useEmulator, warmline } from './warmline.ts';

// The model's rewrite of `average` (lines 11-14): two blocks change, the comment between stays.
const REWRITE = [
  'function average(nums) {',
  '  // Deliberate bug: divides by one less than the count (and by -1 for an empty list).',
  '  return nums.length ? sum(nums) / nums.length : 0;',
  '}',
];
const rewriteScenario = {
  name: 'inline-rewrite',
  turns: [{ text: `Here is the rewrite:\n\n\`\`\`js\n${REWRITE.join('\n')}\n\`\`\`\n` }],
};
const AVERAGE = new vscode.Range(10, 0, 13, 1);

describe('inline edit suggestions', () => {
  let original: string;
  let editor: vscode.TextEditor;
  let emu: Awaited<ReturnType<typeof useEmulator>>;
  before(async () => {
    original = await restoreFixture('src/math.js');
  });
  beforeEach(async () => {
    emu = await useEmulator(rewriteScenario);
    await restoreFixture('src/math.js');
    editor = await openFixture('src/math.js');
    assert.equal(editor.document.getText(), original);
  });
  afterEach(async () => {
    await stopEmulator();
    await resetSettings();
    await restoreFixture('src/math.js');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  async function propose(range = AVERAGE) {
    const api = await warmline();
    await api.inline.propose({ instruction: 'handle the empty list', document: editor.document, range });
    const [s] = api.inline.list(editor.document.uri);
    assert.ok(s, 'a suggestion is showing');
    return { api, s };
  }

  /** The file staged on the inline lane while the editor sat still (warmline.inline.prewarm). */
  const staging = () =>
    emu.requests.find(
      (r) => r.generate === false && JSON.stringify(r.body.input ?? []).includes('function average(values)'),
    );

  it('shows the proposal in the editor as removed and added lines, asked as a one-item delta on the file staged while the cursor rested', async () => {
    const staged = (await waitFor(staging, 10_000, 'the open file to be staged on the inline lane'))!;
    assert.equal(staged.inputItems, 1);
    const { s } = await propose();
    const ask = emu.requests.find((r) => r.generate !== false)!;
    assert.equal(ask.previousResponseId, staged.responseId, 'chained on the staged file');
    assert.equal(ask.inputItems, 1, 'only the instruction is sent');
    assert.match(JSON.stringify(ask.body.input), /Rewrite lines 11-14 of src\/math\.js/);
    assert.equal(s.done, true);
    assert.equal(s.hunks, 2);
    const text = editor.document.getText();
    // Both versions are in the editor while the suggestion shows: a vertical diff.
    assert.ok(
      text.includes('function average(values) {\nfunction average(nums) {'),
      'the old line, then its replacement',
    );
    assert.match(text, /return nums\.length \? sum/);
    assert.match(text, /return sum\(values\) \/ \(values\.length - 1\)/);
    assert.equal(await readFixtureFile('src/math.js'), original, 'nothing is written to disk while suggesting');
  });

  it('with warmline.inline.prewarm off nothing is staged, and the request carries the file itself', async () => {
    await setSettings({ 'inline.prewarm': false });
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    editor = await openFixture('src/math.js');
    await new Promise((r) => setTimeout(r, 1_500)); // past the 750 ms quiet time: a staging would have started
    await propose();
    assert.equal(staging(), undefined, 'nothing staged');
    const ask = emu.requests.find((r) => r.generate !== false)!;
    assert.equal(ask.inputItems, 2, 'the file, then the instruction');
    assert.match(JSON.stringify(ask.body.input), /function average\(values\)/);
  });

  it('Accept All applies the rewrite, and one Undo gives the original back', async () => {
    await propose();
    await vscode.commands.executeCommand('warmline.inline.acceptAll', editor.document.uri);
    const expected = original.replace(/function average[\s\S]*?\n\}/, REWRITE.join('\n'));
    assert.equal(editor.document.getText(), expected);
    await vscode.window.showTextDocument(editor.document);
    await vscode.commands.executeCommand('undo');
    await waitFor(() => editor.document.getText() === original, 5000, 'undo to give the original back');
  });

  it('Reject All leaves the text exactly as it was', async () => {
    const { api } = await propose();
    await vscode.commands.executeCommand('warmline.inline.rejectAll', editor.document.uri);
    assert.equal(editor.document.getText(), original);
    assert.equal(api.inline.list(editor.document.uri).length, 0);
    assert.equal(await readFixtureFile('src/math.js'), original);
  });

  it('accepts one block and rejects the other', async () => {
    const { s } = await propose();
    await vscode.commands.executeCommand('warmline.inline.acceptHunk', editor.document.uri, s.id, 0);
    await vscode.commands.executeCommand('warmline.inline.rejectHunk', editor.document.uri, s.id, 1);
    const expected = original.replace('function average(values) {', 'function average(nums) {');
    assert.equal(editor.document.getText(), expected);
  });

  it('withdraws the suggestion when the user types inside it, keeping what they typed', async () => {
    const { api } = await propose();
    const line = editor.document
      .getText()
      .split('\n')
      .findIndex((l) => l.includes('// Deliberate bug'));
    await editor.edit((b) => b.insert(new vscode.Position(line, 2), '/* mine */ '));
    await waitFor(() => api.inline.list(editor.document.uri).length === 0, 5000, 'the suggestion to be withdrawn');
    const expected = original.replace('  // Deliberate bug', '  /* mine */ // Deliberate bug');
    await waitFor(() => editor.document.getText() === expected, 5000, 'only the suggested lines to be removed');
  });

  it('handles two suggestions in one file independently', async () => {
    const api = await warmline();
    await api.inline.propose({ instruction: 'rewrite', document: editor.document, range: AVERAGE });
    await api.inline.propose({
      instruction: 'rewrite',
      document: editor.document,
      range: new vscode.Range(3, 0, 7, 1),
    });
    const list = api.inline.list(editor.document.uri);
    assert.equal(list.length, 2);
    // The second (over `sum`): reject each of its blocks; it closes, the first stays open.
    for (let h = 0; h < list[1]!.hunks; h++)
      await vscode.commands.executeCommand('warmline.inline.rejectHunk', editor.document.uri, list[1]!.id, h);
    assert.deepEqual(
      api.inline.list(editor.document.uri).map((x) => x.id),
      [list[0]!.id],
    );
    await vscode.commands.executeCommand('warmline.inline.acceptAll', editor.document.uri);
    assert.equal(api.inline.list(editor.document.uri).length, 0);
    const text = editor.document.getText();
    assert.match(text, /return nums\.length \? sum/);
    assert.match(text, /function sum\(values\) \{\n {2}let total = 0;/, 'the other block was left as the user had it');
  });
});

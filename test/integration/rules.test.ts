// Project rules in the real extension (issue 15): an AGENTS.md in the workspace (and the user's own
// file) goes into the instructions the server receives, the chat header is told which files are
// in effect, a changed AGENTS.md makes the next request a full one carrying the new text, and a
// folder a tool call touched brings its AGENTS.md into the next request of the same turn.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import type { HostMessage, RulesFileView } from '../../src/shared/messages.ts';
import type { Emulator } from '../emulator/types.ts';
import { fixtureFolder, waitFor } from './helpers.ts';
import { chat, resetSettings, setSettings, stopEmulator, useEmulator, warmline } from './warmline.ts';

const answers = { name: 'answers', turns: (i: number) => ({ text: `Answer ${i + 1}.` }) };

function modelRequests(emu: Emulator) {
  return emu.requests.filter((r) => r.generate !== false && r.endpoint !== 'compact');
}

async function write(relative: string, text: string): Promise<void> {
  await vscode.workspace.fs.writeFile(
    vscode.Uri.joinPath(fixtureFolder().uri, relative),
    new TextEncoder().encode(text),
  );
}

describe('project rules (AGENTS.md)', () => {
  const created: string[] = [];
  let userDir: string | undefined;

  afterEach(async () => {
    const api = await warmline();
    api.chat.detach();
    for (const rel of created.splice(0))
      await vscode.workspace.fs.delete(vscode.Uri.joinPath(fixtureFolder().uri, rel), { useTrash: false });
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await stopEmulator();
    await setSettings({ 'rules.userFile': undefined });
    await resetSettings();
    if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
    userDir = undefined;
    api.chat.newChat(); // the next test starts without these rules
  });

  it('rules in effect are sent in the instructions and shown in the header; a changed AGENTS.md makes the next request full with the new text', async () => {
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'warmline-user-rules-'));
    const userFile = path.join(userDir, 'AGENTS.md');
    fs.writeFileSync(userFile, 'User rules: sign every answer.');
    created.push('AGENTS.md');
    await write('AGENTS.md', 'Project rules v1: answer in haiku.');
    const emu = await useEmulator(answers, { 'rules.userFile': userFile });
    const api = await warmline();
    const sent: HostMessage[] = [];
    api.chat.attach((m) => sent.push(m));

    await chat('first question');
    const first = modelRequests(emu).at(-1)!;
    const instructions = String(first.body.instructions);
    assert.ok(instructions.includes('## AGENTS.md\nProject rules v1: answer in haiku.'), instructions);
    assert.ok(instructions.includes(`## ${userFile} (the user's own rules)\nUser rules: sign every answer.`));
    assert.ok(
      instructions.indexOf(`## ${userFile}`) < instructions.indexOf('## AGENTS.md'),
      "the user's file comes first (the project's wins on a conflict)",
    );
    const shown = (): RulesFileView[] =>
      sent.flatMap((m) => (m.type === 'rules' ? [m.payload.files] : [])).at(-1) ?? [];
    assert.deepEqual(
      shown().map((f) => [f.path, f.scope, f.refused]),
      [
        [userFile, 'user', undefined],
        ['AGENTS.md', 'workspace', undefined],
      ],
    );

    await chat('second question');
    const second = modelRequests(emu).at(-1)!;
    assert.ok(second.previousResponseId, 'unchanged rules: the request continues the chain (a delta)');
    assert.equal(second.body.instructions, first.body.instructions, 'byte-identical instructions');

    await write('AGENTS.md', 'Project rules v2: answer in plain prose, please.');
    await chat('third question');
    const third = modelRequests(emu).at(-1)!;
    assert.equal(third.previousResponseId, undefined, 'changed rules: the request is a full one');
    assert.ok(
      String(third.body.instructions).includes('## AGENTS.md\nProject rules v2: answer in plain prose, please.'),
    );
    assert.ok(!String(third.body.instructions).includes('haiku'));
    assert.equal(
      shown().find((f) => f.path === 'AGENTS.md')?.bytes,
      'Project rules v2: answer in plain prose, please.'.length,
    );

    // The chip's files open in the editor; a path not in the list does not.
    assert.equal(await api.chat.openRulesFile('AGENTS.md'), true);
    await waitFor(
      () => vscode.window.activeTextEditor?.document.uri.path.endsWith('/AGENTS.md'),
      5000,
      'AGENTS.md open',
    );
    assert.equal(await api.chat.openRulesFile('src/math.js'), false);
    assert.equal(await api.chat.openRulesFile('.env'), false);
  });

  it('the header list follows an AGENTS.md created, changed and deleted, without a message', async () => {
    await setSettings({ 'rules.userFile': '' });
    const api = await warmline();
    const sent: HostMessage[] = [];
    api.chat.attach((m) => sent.push(m));
    const last = () => sent.flatMap((m) => (m.type === 'rules' ? [m.payload.files] : [])).at(-1);
    await waitFor(() => last()?.length === 0, 5000, 'no rules at first');
    created.push('AGENTS.md');
    await write('AGENTS.md', 'Watched rules.');
    await waitFor(() => last()?.[0]?.bytes === 'Watched rules.'.length, 10_000, 'the new AGENTS.md listed');
    await write('AGENTS.md', 'Watched rules, changed.');
    await waitFor(() => last()?.[0]?.bytes === 'Watched rules, changed.'.length, 10_000, 'the change listed');
    created.pop();
    await vscode.workspace.fs.delete(vscode.Uri.joinPath(fixtureFolder().uri, 'AGENTS.md'));
    await waitFor(() => last()?.length === 0, 10_000, 'the deleted AGENTS.md gone from the list');
  });

  it("a folder a tool call touched brings its AGENTS.md into the turn's next request", async () => {
    created.push('src/AGENTS.md');
    await write('src/AGENTS.md', 'Source rules: keep functions pure.');
    const emu = await useEmulator(
      {
        name: 'read-src',
        turns: [
          { calls: [{ name: 'read_file', arguments: { path: 'src/math.js', start_line: null, end_line: null } }] },
          { text: 'Read it.' },
        ],
      },
      { 'rules.userFile': '' },
    );
    await chat('look at the math');
    const [before, after] = modelRequests(emu).slice(-2);
    assert.ok(!String(before!.body.instructions).includes('Source rules'), 'not before src/ was touched');
    assert.ok(String(after!.body.instructions).includes('## src/AGENTS.md\nSource rules: keep functions pure.'));
    assert.equal(after!.previousResponseId, undefined);
  });
});

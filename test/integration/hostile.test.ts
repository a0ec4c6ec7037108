// The workspace tools on a bad day, in the real VS Code, through the bundled extension: a task
// provider that takes minutes (the fixture extension test/fixtures/slow-task-provider, loaded
// beside Warmline by the runner), tasks with dependsOn, an edit on a file with unsaved changes,
// a file with a BOM and CRLF line ends, a read-only file, a look-around pattern (grep's worker
// thread, from dist/grep-worker.js), and a quick double submit.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { fixtureFolder, restoreFixture } from './helpers.ts';
import { chat, openFixture, resetSettings, stopEmulator, useEmulator, warmline } from './warmline.ts';

const call = (name: string, args: Record<string, unknown>) => ({ name, arguments: args });
const scenario = (name: string, ...calls: Array<ReturnType<typeof call>>) => ({
  name,
  turns: [...calls.map((c) => ({ calls: [c] })), { text: 'Done.' }],
});
const listTasks = call('run_task', { name: null, command: null, cwd: null });
const runTask = (name: string) => call('run_task', { name, command: null, cwd: null });
const replace = (p: string, oldText: string, newText: string) =>
  call('replace_in_file', { path: p, old_text: oldText, new_text: newText });

async function toolOutputs(): Promise<string[]> {
  const api = await warmline();
  return api.chat
    .conversation!.transcript.filter((i) => i.type === 'custom_tool_call_output' || i.type === 'function_call_output')
    .map((i) => String((i as { output: unknown }).output));
}

const abs = (rel: string) => path.join(fixtureFolder().uri.fsPath, ...rel.split('/'));
const TASKS_JSON = 'test/fixtures/workspace/.vscode/tasks.json';

describe('workspace tools on a bad day (real VS Code)', () => {
  afterEach(async () => {
    await stopEmulator();
    await resetSettings();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await restoreFixture('src/math.js');
    await restoreFixture('.vscode/tasks.json');
  });
  after(async () => {
    // Later suites must not meet the slow provider still holding a discovery.
    await vscode.commands.executeCommand('warmlineFixture.slowTasks.release');
  });

  it("run_task lists the tasks within its limit while a task provider takes minutes, and lists the provider's tasks once it answers", async () => {
    assert.ok(
      vscode.extensions.getExtension('warmline-fixtures.slow-task-provider'),
      'the runner loads the slow task provider fixture beside Warmline',
    );
    await useEmulator(scenario('list-slow', listTasks));
    const started = Date.now();
    await chat('What tasks are there?');
    const elapsed = Date.now() - started;
    const out = (await toolOutputs())[0]!;
    assert.match(out, /Tasks in this workspace:\n {2}echo-hello {2}\(tasks\.json: echo hello\)/);
    assert.match(out, /Tasks contributed by extensions are still being detected/);
    assert.ok(elapsed < 3000 + 7000, `the listing took ${elapsed} ms; its limit is 3 s`);
    assert.ok(
      (await vscode.commands.executeCommand<number>('warmlineFixture.slowTasks.calls')) >= 1,
      'the provider was asked (and has not answered)',
    );

    // The provider answers: its task is listed, and runs through Warmline's own process runner.
    await vscode.commands.executeCommand('warmlineFixture.slowTasks.release');
    await useEmulator(scenario('list-ready', listTasks, runTask('slowtasks: hello')), { 'approvals.tasks': 'auto' });
    await chat('And now?');
    const [listing, ran] = await toolOutputs();
    assert.match(listing!, / {2}slowtasks: hello {2}\(slowtasks: echo hello from the slow provider\)/);
    assert.doesNotMatch(listing!, /still being detected/);
    assert.match(
      ran!,
      /^task 'slowtasks: hello' exited with code 0 after [\d.]+ s\.\nOutput:\nhello from the slow provider/,
    );
  });

  it('runs a task after the task it depends on', async () => {
    const tasks = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../..', TASKS_JSON), 'utf8')) as {
      tasks: unknown[];
    };
    tasks.tasks.push(
      { label: 'prepare', type: 'shell', command: 'echo prepared > dep-order.txt && echo preparing' },
      {
        label: 'build-all',
        type: 'shell',
        command: 'echo built >> dep-order.txt && echo building',
        dependsOn: ['prepare'],
      },
    );
    fs.writeFileSync(abs('.vscode/tasks.json'), JSON.stringify(tasks, null, 2));
    try {
      await useEmulator(scenario('deps', runTask('build-all')), { 'approvals.tasks': 'auto' });
      await chat('Build everything');
      const out = (await toolOutputs())[0]!;
      assert.match(
        out,
        /^task 'build-all' succeeded with the 1 task it depends on:\n--- task 'prepare' exited with code 0 after [\d.]+ s\.\nOutput:\npreparing\n/,
      );
      assert.match(out, /--- task 'build-all' exited with code 0 after [\d.]+ s\.\nOutput:\nbuilding/);
      assert.equal(fs.readFileSync(abs('dep-order.txt'), 'utf8'), 'prepared\nbuilt\n');
    } finally {
      fs.rmSync(abs('dep-order.txt'), { force: true });
    }
  });

  it("an edit on a file with unsaved changes goes into the editor and does not save the user's text", async () => {
    // VS Code for the Web (code-server) saves after a delay by default; a desktop VS Code does not.
    const files = vscode.workspace.getConfiguration('files');
    await files.update('autoSave', 'off', vscode.ConfigurationTarget.Workspace);
    try {
      await useEmulator(
        scenario(
          'unsaved',
          replace('src/math.js', 'return sum(values) / (values.length - 1);', 'return sum(values) / values.length;'),
        ),
        { 'approvals.edits': 'auto' },
      );
      const editor = await openFixture('src/math.js');
      const saved = fs.readFileSync(abs('src/math.js'), 'utf8');
      await editor.edit((b) => b.insert(new vscode.Position(0, 0), '// typed by the user, not saved\n'));
      assert.equal(editor.document.isDirty, true);
      await chat('Fix the average');
      const out = (await toolOutputs())[0]!;
      assert.match(out, /Applied the edit/);
      assert.match(out, /Not saved: src\/math\.js had unsaved changes in the editor/);
      const text = editor.document.getText();
      assert.match(text, /^\/\/ typed by the user, not saved\n/);
      assert.match(text, /return sum\(values\) \/ values\.length;/);
      assert.equal(editor.document.isDirty, true, 'still unsaved');
      assert.equal(fs.readFileSync(abs('src/math.js'), 'utf8'), saved, 'nothing was saved to disk');
    } finally {
      await files.update('autoSave', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('keeps a BOM and CRLF line ends, and refuses a read-only file', async () => {
    fs.writeFileSync(abs('bom-crlf.txt'), '\uFEFFone\r\ntwo\r\nthree\r\n');
    fs.writeFileSync(abs('locked.txt'), 'keep me\n', { mode: 0o444 });
    fs.chmodSync(abs('locked.txt'), 0o444);
    try {
      await useEmulator(
        scenario(
          'preserve',
          replace('bom-crlf.txt', 'two\n', 'TWO\nTWO and a half\n'),
          replace('locked.txt', 'keep me', 'lose me'),
        ),
        { 'approvals.edits': 'auto' },
      );
      await chat('Edit both');
      const [edited, locked] = await toolOutputs();
      assert.match(edited!, /Applied the edit/);
      assert.deepEqual(
        fs.readFileSync(abs('bom-crlf.txt')),
        Buffer.from('\uFEFFone\r\nTWO\r\nTWO and a half\r\nthree\r\n', 'utf8'),
      );
      assert.match(locked!, /^Error: 'locked\.txt' is read-only \(mode 0444\), so it was not changed/);
      assert.equal(fs.readFileSync(abs('locked.txt'), 'utf8'), 'keep me\n');
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      fs.rmSync(abs('bom-crlf.txt'), { force: true });
      fs.chmodSync(abs('locked.txt'), 0o644);
      fs.rmSync(abs('locked.txt'), { force: true });
    }
  });

  it('runs a look-around pattern (which ripgrep rejects) in the bundled grep worker', async () => {
    fs.writeFileSync(abs('lookaround.txt'), 'foobar\nfoobaz\n');
    try {
      const grep = call('grep', {
        pattern: 'foo(?=baz)',
        literal: null,
        path: 'lookaround.txt',
        include: null,
        exclude: null,
        case: null,
        context_lines: null,
        max_matches: null,
      });
      await useEmulator(scenario('lookaround', grep));
      await chat('Find foo before baz');
      const out = (await toolOutputs())[0]!;
      assert.match(
        out,
        /^1 matching line in 1 file for pattern "foo\(\?=baz\)" in lookaround\.txt:\nlookaround\.txt:2:foobaz\n\[ripgrep does not support this pattern, so the search used JavaScript regular expressions\.\]$/,
      );
    } finally {
      fs.rmSync(abs('lookaround.txt'), { force: true });
    }
  });

  it('a quick double submit starts one request at a time, not two on one transcript (the second is queued)', async () => {
    const emu = await useEmulator({ name: 'hello-twice', turns: [{ text: 'Hello once.' }, { text: 'Hello twice.' }] });
    const api = await warmline();
    const finished = new Promise<void>((resolve) => {
      let n = 0;
      const d = api.chat.onDidFinishTurn(() => {
        if (++n === 2) {
          d.dispose();
          resolve();
        }
      });
    });
    const first = api.chat.send('first');
    await api.chat.send('second');
    assert.equal(emu.requests.filter((r) => r.generate !== false).length <= 1, true, 'not two at once');
    await first;
    await finished;
    const users = api.chat.entries().filter((e) => e.kind === 'user');
    assert.deepEqual(
      users.map((e) => (e as { text: string }).text),
      ['first', 'second'],
    );
    const model = emu.requests.filter((r) => r.generate !== false);
    assert.equal(model.length, 2, 'two model requests, one after the other');
    assert.ok(model[1]!.previousResponseId, 'the second continues the first');
  });
});

// Issue 15 in the real extension host: an image sent with a message reaches the server as an
// `input_image` part (checked at the emulator), and a chat reopened from disk has it again; the
// mentions `@problems`, `@folder` and `@git` become text in the user's message, guarded.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import type { ContextChip } from '../../src/shared/messages.ts';
import { pngDataUrl } from '../fixtures/png.ts';
import { fixtureFolder, waitFor } from './helpers.ts';
import { resetSettings, stopEmulator, useEmulator, warmline } from './warmline.ts';

type Api = Awaited<ReturnType<typeof warmline>>;

async function send(api: Api, text: string, context: ContextChip[]): Promise<void> {
  const finished = new Promise<void>((resolve) => {
    const d = api.chat.onDidFinishTurn(() => {
      d.dispose();
      resolve();
    });
  });
  await api.chat.send(text, context);
  await finished;
}

/** The content parts of the last user message of the last model request the emulator got. */
function lastUserParts(emu: Awaited<ReturnType<typeof useEmulator>>): Array<Record<string, unknown>> {
  const req = emu.requests.filter((r) => r.generate !== false).at(-1)!;
  const input = (req.body as { input: Array<{ role?: string; content?: unknown }> }).input;
  const user = input.findLast((i) => i.role === 'user')!;
  return user.content as Array<Record<string, unknown>>;
}

describe('mentions and images (issue 15)', () => {
  afterEach(async () => {
    await stopEmulator();
    await resetSettings();
  });

  it('an image goes as an input_image part with its data URL, and the reopened chat still has it', async () => {
    const emu = await useEmulator({ name: 'pic', turns: [{ text: 'A colour gradient.' }] });
    const api = await warmline();
    const dataUrl = pngDataUrl(24, 16);
    const chip: ContextChip = {
      kind: 'image',
      path: '',
      label: 'gradient.png',
      image: { mime: 'image/png', bytes: 0, dataUrl },
    };
    await send(api, 'What is in this picture?', [chip]);
    assert.deepEqual(lastUserParts(emu), [
      { type: 'input_text', text: 'What is in this picture?' },
      { type: 'input_image', image_url: dataUrl, detail: 'auto' },
    ]);
    const id = api.chat.conversation!.id;
    api.chat.newChat();
    api.chat.open(id);
    const transcript = api.chat.conversation!.transcript;
    const user = transcript.find((i) => i.type === 'message' && i.role === 'user');
    assert.deepEqual(
      (user as { content: unknown[] }).content[1],
      { type: 'input_image', image_url: dataUrl, detail: 'auto' },
      'rebuilt from the file beside the chat',
    );
    const entry = api.chat.entries().find((e) => e.kind === 'user');
    assert.equal(
      entry?.kind === 'user' && entry.context[0]?.image?.dataUrl,
      dataUrl,
      'the view gets the thumbnail back',
    );
  });

  it('a model that refuses images: the text is still sent and the reply says the image was left out', async () => {
    const emu = await useEmulator({ name: 'pic', turns: [{ text: 'Only text here.' }] }, {}, { rejectsImages: true });
    const api = await warmline();
    const notes: string[] = [];
    api.chat.attach((m) => {
      if (m.type === 'images.refused') notes.push(m.payload.message);
    });
    try {
      await send(api, 'Describe it', [
        { kind: 'image', path: '', label: 'x.png', image: { mime: 'image/png', bytes: 0, dataUrl: pngDataUrl(4, 4) } },
      ]);
    } finally {
      api.chat.detach();
    }
    const parts = lastUserParts(emu);
    assert.equal(parts[0]!.text, 'Describe it');
    assert.match(String(parts[1]!.text), /not sent/);
    assert.equal(notes.length, 1);
    assert.match(notes[0]!, /does not take images/);
    const answer = api.chat.entries().at(-1)!;
    assert.ok(answer.kind === 'assistant' && /Only text here/.test(answer.text));
  });

  it('@problems, @folder and @git become text in the message, through the guard', async () => {
    const emu = await useEmulator({ name: 'ctx', turns: [{ text: 'Seen.' }] });
    const api = await warmline();
    const diagnostics = vscode.languages.createDiagnosticCollection('warmline-test');
    try {
      const file = vscode.Uri.joinPath(fixtureFolder().uri, 'src', 'math.js');
      diagnostics.set(file, [
        new vscode.Diagnostic(new vscode.Range(1, 0, 1, 5), 'Unused variable total', vscode.DiagnosticSeverity.Warning),
      ]);
      await waitFor(() => vscode.languages.getDiagnostics(file).length > 0, 5000, 'the diagnostic');
      await send(api, 'Look', [
        { kind: 'problems', path: '', label: '@problems' },
        { kind: 'folder', path: 'src', label: 'src/' },
        { kind: 'git', path: '', label: '@git' },
      ]);
    } finally {
      diagnostics.dispose();
    }
    const text = String(lastUserParts(emu)[0]!.text);
    assert.match(text, /<attached problems="problems">[\s\S]*src\/math\.js:2:1 warning Unused variable total/);
    assert.match(text, /<attached folder="src\/">[\s\S]*math\.js/);
    // The fixture folder may or may not sit in a git repository: either a diff or a clear sentence.
    assert.match(text, /<attached git="git">\n(\d+ changed files? against HEAD|no changes|No git changes to attach: )/);
  });
});

describe('@terminal (issue 15)', () => {
  afterEach(async () => {
    for (const t of vscode.window.terminals) t.dispose();
    await stopEmulator();
    await resetSettings();
  });

  it('the last command of the active terminal and its output, captured through shell integration', async () => {
    const emu = await useEmulator({ name: 'term', turns: [{ text: 'Seen.' }] });
    const api = await warmline();
    const terminal = vscode.window.createTerminal({ name: 'warmline-test', shellPath: '/bin/bash' });
    terminal.show();
    const integration = await waitFor(() => terminal.shellIntegration, 20_000, 'shell integration in bash');
    const ended = new Promise<void>((resolve) => {
      const d = vscode.window.onDidEndTerminalShellExecution((e) => {
        if (e.terminal === terminal) {
          d.dispose();
          resolve();
        }
      });
    });
    // Output can only be read from the start event on, so the command prints only once the start
    // event has reached this extension host (the capture's listener runs in the same dispatch).
    const go = path.join(os.tmpdir(), `warmline-term-${process.pid}-${Date.now()}`);
    const started = new Promise<vscode.TerminalShellExecution>((resolve) => {
      const d = vscode.window.onDidStartTerminalShellExecution((e) => {
        if (e.terminal === terminal) {
          d.dispose();
          resolve(e.execution);
        }
      });
    });
    const command = `while [ ! -e ${go} ]; do sleep 0.05; done; echo warmline-$((40 + 2)); false`;
    integration!.executeCommand(command);
    const execution = await started;
    // The stream can end a little after the end event: wait for the stream itself (the capture
    // reads the same one), not for a time.
    const reading = (async () => {
      for await (const _ of execution.read());
    })();
    fs.writeFileSync(go, '');
    await ended;
    await reading;
    fs.rmSync(go, { force: true });
    await waitFor(() => vscode.window.activeTerminal === terminal, 5000, 'the terminal to be active');
    await send(api, 'What happened?', [{ kind: 'terminal', path: '', label: '@terminal' }]);
    const text = String(lastUserParts(emu)[0]!.text);
    assert.ok(text.includes(`<attached terminal="terminal">\n$ ${command}\n`), text);
    assert.match(text, /warmline-42/);
    assert.match(text, /\(exit 1; terminal "warmline-test"\)/);
  });

  it('a terminal without shell integration: the chip says so plainly', async () => {
    const emu = await useEmulator({ name: 'term', turns: [{ text: 'Seen.' }] });
    const api = await warmline();
    // An extension pseudoterminal never has shell integration.
    const write = new vscode.EventEmitter<string>();
    const terminal = vscode.window.createTerminal({
      name: 'plain',
      pty: { onDidWrite: write.event, open: () => write.fire('hello\r\n'), close: () => undefined },
    });
    terminal.show();
    await waitFor(() => vscode.window.activeTerminal === terminal, 5000, 'the terminal to be active');
    await send(api, 'What happened?', [{ kind: 'terminal', path: '', label: '@terminal' }]);
    const text = String(lastUserParts(emu)[0]!.text);
    assert.match(text, /The terminal "plain" has no shell integration, so its output cannot be read/);
    write.dispose();
  });
});

import * as vscode from 'vscode';
import type { SessionManager } from '../session/manager.ts';
import type { ContextChip } from '../shared/messages.ts';
import type { ApiKeyStore } from './api-key.ts';
import type { ChatController } from './chat-controller.ts';
import { readSettings } from './settings.ts';

export interface CommandDeps {
  chat: ChatController;
  session: SessionManager;
  keys: ApiKeyStore;
  log: vscode.LogOutputChannel;
  relative(uri: vscode.Uri): string | undefined;
  restart(): Promise<void>;
}

export async function focusChat(): Promise<void> {
  await vscode.commands.executeCommand('warmline.chat.focus');
}

/** The selection (or the current line) of the active editor as a context chip. */
export function selectionChip(
  editor: vscode.TextEditor | undefined,
  relative: (uri: vscode.Uri) => string | undefined,
): ContextChip | undefined {
  if (!editor) return undefined;
  const path = relative(editor.document.uri);
  if (!path) return undefined;
  const sel = editor.selection;
  const start = sel.start.line + 1;
  const end = sel.isEmpty ? start : sel.end.line + (sel.end.character === 0 && sel.end.line > sel.start.line ? 0 : 1);
  return { kind: 'selection', path, range: { start, end }, label: `${path}:${start}-${end}` };
}

export function fileChip(
  editor: vscode.TextEditor | undefined,
  relative: (uri: vscode.Uri) => string | undefined,
): ContextChip | undefined {
  const path = editor && relative(editor.document.uri);
  return path ? { kind: 'file', path, label: path } : undefined;
}

/** The prompts of the editor actions on a selection: the palette's commands and `/explain`, `/tests`, `/fix` (issue 15). */
export const SELECTION_PROMPTS = {
  explain: 'Explain the selected code: what it does, and anything surprising in it.',
  tests: "Write tests for the selected code, following the project's existing test style and framework.",
  fix: (path: string) => `Fix the problems reported in ${path} (use get_diagnostics for details).`,
};

/** Registers every `warmline.*` command (the palette's "Warmline:" category). */
export function registerCommands(deps: CommandDeps): vscode.Disposable[] {
  const { chat, keys, log } = deps;
  const needEditor = () => {
    const chip = selectionChip(vscode.window.activeTextEditor, deps.relative);
    if (!chip) void vscode.window.showInformationMessage('Open a file from the workspace and select some code first.');
    return chip;
  };
  const ask = async (prompt: string, chips: ContextChip[]) => {
    await focusChat();
    if (chat.busy) {
      void vscode.window.showInformationMessage('Warmline is still working on the last request. Stop it or wait.');
      return;
    }
    for (const c of chips) chat.addChip(c);
    await chat.send(prompt);
  };
  const register = (id: string, fn: (...args: unknown[]) => unknown) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        await fn(...args);
      } catch (err) {
        log.error(`${id} failed: ${String((err as Error)?.stack ?? err)}`);
        void vscode.window.showErrorMessage(`Warmline: ${(err as Error)?.message ?? String(err)}`);
      }
    });
  return [
    register('warmline.setApiKey', async () => {
      const s = readSettings();
      if (await keys.prompt(s.provider, s.preset.label)) await deps.restart();
    }),
    register('warmline.clearApiKey', async () => {
      const s = readSettings();
      await keys.clear(s.provider);
      await deps.restart();
      void vscode.window.showInformationMessage(
        `Warmline: the ${s.preset.label} API key was removed from secret storage.`,
      );
    }),
    register('warmline.showLog', () => log.show()),
    register('warmline.reconnect', () => deps.session.reconnect(['chat', 'inline'], true)),
    register('warmline.newChat', async () => {
      chat.newChat();
      await focusChat();
    }),
    register('warmline.compactConversation', async () => {
      await focusChat();
      await chat.compact();
    }),
    register('warmline.focusChat', focusChat),
    register('warmline.stop', () => chat.stop()),
    register('warmline.attachSelection', async () => {
      const c = needEditor();
      if (c) {
        chat.addChip(c);
        await focusChat();
      }
    }),
    register('warmline.attachFile', async () => {
      const c = fileChip(vscode.window.activeTextEditor, deps.relative);
      if (c) {
        chat.addChip(c);
        await focusChat();
      }
    }),
    register('warmline.explainSelection', async () => {
      const c = needEditor();
      if (c) await ask(SELECTION_PROMPTS.explain, [c]);
    }),
    register('warmline.writeTests', async () => {
      const c = needEditor();
      if (c) await ask(SELECTION_PROMPTS.tests, [c]);
    }),
    register('warmline.fixProblems', async (uri?: unknown) => {
      const editor = vscode.window.activeTextEditor;
      const target = uri instanceof vscode.Uri ? uri : editor?.document.uri;
      const path = target && deps.relative(target);
      if (!target || !path) {
        void vscode.window.showInformationMessage('Open a file from the workspace first.');
        return;
      }
      const problems = vscode.languages
        .getDiagnostics(target)
        .filter((d) => d.severity <= vscode.DiagnosticSeverity.Warning);
      if (!problems.length) {
        void vscode.window.showInformationMessage(`No problems reported in ${path}.`);
        return;
      }
      await ask(SELECTION_PROMPTS.fix(path), [{ kind: 'file', path, label: path }]);
    }),
    register('warmline.acceptPending', () => {
      const id = chat.pendingApproval();
      if (id) chat.resolveApproval(id, true);
    }),
    register('warmline.rejectPending', () => {
      const id = chat.pendingApproval();
      if (id) chat.resolveApproval(id, false);
    }),
  ];
}

import * as vscode from 'vscode';
import type { InlineEdits } from './inline-edits.ts';

/** The lightbulb on a diagnostic: "Fix with Warmline" proposes an inline fix for its lines. */
class FixWithWarmline implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];
  provideCodeActions(
    doc: vscode.TextDocument,
    _range: vscode.Range,
    ctx: vscode.CodeActionContext,
  ): vscode.CodeAction[] {
    const problems = ctx.diagnostics.filter((d) => d.severity <= vscode.DiagnosticSeverity.Warning);
    if (!problems.length) return [];
    const action = new vscode.CodeAction('Fix with Warmline', vscode.CodeActionKind.QuickFix);
    action.diagnostics = problems;
    action.command = {
      command: 'warmline.inline.fix',
      title: 'Fix with Warmline',
      arguments: [doc.uri, problems[0]!.range, problems.map((p) => p.message).join('; ')],
    };
    return [action];
  }
}

/** Lines around a problem worth rewriting: the problem's lines and a few either side. */
function around(doc: vscode.TextDocument, range: vscode.Range, pad = 3): vscode.Range {
  const start = Math.max(0, range.start.line - pad);
  const end = Math.min(doc.lineCount - 1, range.end.line + pad);
  return new vscode.Range(start, 0, end, doc.lineAt(end).text.length);
}

export function registerInlineCommands(inline: InlineEdits, log: vscode.LogOutputChannel): vscode.Disposable[] {
  const run = (fn: () => Promise<void>) =>
    fn().catch((err: unknown) => {
      log.error(`inline edit failed: ${String((err as Error)?.stack ?? err)}`);
      void vscode.window.showErrorMessage(`Warmline: ${(err as Error)?.message ?? String(err)}`);
    });
  const asUri = (u: unknown) => (u instanceof vscode.Uri ? u : vscode.window.activeTextEditor?.document.uri);
  return [
    vscode.languages.registerCodeActionsProvider({ scheme: 'file' }, new FixWithWarmline(), {
      providedCodeActionKinds: FixWithWarmline.kinds,
    }),
    vscode.commands.registerCommand('warmline.editSelection', (instruction?: unknown) =>
      run(async () => {
        const editor = vscode.window.activeTextEditor;
        if (!editor) {
          void vscode.window.showInformationMessage('Open a file and select the code to edit.');
          return;
        }
        const text =
          typeof instruction === 'string'
            ? instruction
            : await vscode.window.showInputBox({
                title: 'Warmline: Edit Selection',
                prompt: 'What should change?',
                placeHolder: 'e.g. handle the empty list',
                ignoreFocusOut: true,
              });
        if (!text?.trim()) return;
        const sel = editor.selection;
        const range = sel.isEmpty ? editor.document.lineAt(sel.active.line).range : sel;
        await inline.propose({ instruction: text.trim(), document: editor.document, range });
      }),
    ),
    vscode.commands.registerCommand('warmline.inline.fix', (uri?: unknown, range?: unknown, message?: unknown) =>
      run(async () => {
        const doc =
          uri instanceof vscode.Uri
            ? await vscode.workspace.openTextDocument(uri)
            : vscode.window.activeTextEditor?.document;
        if (!doc) return;
        const problem = range instanceof vscode.Range ? range : vscode.languages.getDiagnostics(doc.uri)[0]?.range;
        if (!problem) {
          void vscode.window.showInformationMessage('No problem to fix here.');
          return;
        }
        const text =
          typeof message === 'string'
            ? message
            : vscode.languages
                .getDiagnostics(doc.uri)
                .map((d) => d.message)
                .join('; ');
        await inline.propose({ instruction: `Fix this problem: ${text}`, document: doc, range: around(doc, problem) });
      }),
    ),
    vscode.commands.registerCommand('warmline.inline.acceptAll', (uri?: unknown) =>
      run(() => inline.settleAll('accepted', asUri(uri))),
    ),
    vscode.commands.registerCommand('warmline.inline.rejectAll', (uri?: unknown) =>
      run(() => inline.settleAll('rejected', asUri(uri))),
    ),
    vscode.commands.registerCommand('warmline.inline.acceptHunk', (uri: vscode.Uri, id: number, hunk: number) =>
      run(() => inline.acceptHunk(uri, id, hunk)),
    ),
    vscode.commands.registerCommand('warmline.inline.rejectHunk', (uri: vscode.Uri, id: number, hunk: number) =>
      run(() => inline.rejectHunk(uri, id, hunk)),
    ),
  ];
}

import * as vscode from 'vscode';
import type { ToolDispatcher } from '../agent/loop.ts';
import { mentionContextText } from '../agent/mention-context.ts';
import { loadPromptFiles } from '../agent/prompt-files.ts';
import type { ContextChip, PromptCommand, WebviewMessages } from '../shared/messages.ts';
import type { ToolContext } from '../tools/types.ts';
import { editorUri } from '../tools/vscode-host.ts';
import type { ChatController } from './chat-controller.ts';
import type { ChatViewActions } from './chat-view.ts';
import { SELECTION_PROMPTS, fileChip, selectionChip } from './commands.ts';
import { TerminalCapture } from './terminal-capture.ts';

const PROPOSED_SCHEME = 'warmline-proposed';

/** Workspace-relative path of a file in an open folder; undefined outside the workspace. */
export function relativePath(uri: vscode.Uri): string | undefined {
  const folder = vscode.workspace.getWorkspaceFolder(uri);
  if (!folder) return undefined;
  const rel = vscode.workspace.asRelativePath(uri, false);
  return (vscode.workspace.workspaceFolders?.length ?? 0) > 1 ? `${folder.name}/${rel}` : rel;
}

/**
 * What the chat view asks of the editor: attaching context, inserting code, showing a proposed
 * edit as a diff, reading attached files (through the read_file tool, so the workspace guard's
 * rules on secrets and ignored files apply to attachments too).
 */
export class WorkspaceActions implements ChatViewActions, vscode.Disposable {
  private readonly chat: () => ChatController;
  private readonly tools: ToolDispatcher;
  private readonly toolContext: () => ToolContext;
  private readonly commands: { setKey(): Thenable<unknown>; showLog(): void };
  private readonly provider: vscode.Disposable;
  /** `@terminal`: the last command's output of each terminal, captured as it runs. */
  private readonly terminals = new TerminalCapture();

  constructor(
    chat: () => ChatController,
    tools: ToolDispatcher,
    toolContext: () => ToolContext,
    commands: { setKey(): Thenable<unknown>; showLog(): void },
  ) {
    this.chat = chat;
    this.tools = tools;
    this.toolContext = toolContext;
    this.commands = commands;
    // Proposed text for the diff editor: read-only, served from memory, never written to disk.
    this.provider = vscode.workspace.registerTextDocumentContentProvider(PROPOSED_SCHEME, {
      provideTextDocumentContent: (uri) => {
        const [toolId, index] = [uri.query.split('&')[0] ?? '', Number(uri.fragment)];
        const change = this.chat().proposedChanges(toolId)?.[index];
        return change && change.kind !== 'delete' ? change.newText : '';
      },
    });
  }

  async attach(what: 'selection' | 'file'): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    const chip = what === 'selection' ? selectionChip(editor, relativePath) : fileChip(editor, relativePath);
    if (chip) this.chat().addChip(chip);
    else void vscode.window.showInformationMessage('Open a file from the workspace first.');
  }

  async insertAtCursor(text: string): Promise<void> {
    const editor = vscode.window.activeTextEditor ?? vscode.window.visibleTextEditors[0];
    if (!editor) {
      void vscode.window.showInformationMessage('Open an editor to insert the code into.');
      return;
    }
    await editor.edit((b) => {
      for (const sel of editor.selections) b.replace(sel, text);
    });
  }

  async openDiff(toolId: string): Promise<void> {
    const changes = this.chat().proposedChanges(toolId);
    if (!changes?.length) return;
    for (const [i, change] of changes.entries()) {
      const file = editorUri(change.uri);
      const left =
        change.kind === 'add'
          ? vscode.Uri.from({ scheme: PROPOSED_SCHEME, path: file.path, query: `${toolId}&empty`, fragment: '-1' })
          : file;
      const right = vscode.Uri.from({ scheme: PROPOSED_SCHEME, path: file.path, query: toolId, fragment: String(i) });
      await vscode.commands.executeCommand(
        'vscode.diff',
        left,
        right,
        `${vscode.workspace.asRelativePath(file)} (proposed by Warmline)`,
        { preview: true },
      );
    }
  }

  async errorAction(action: 'setKey' | 'retry' | 'openSettings' | 'showLog'): Promise<void> {
    if (action === 'setKey') await this.commands.setKey();
    else if (action === 'retry') await this.chat().retry();
    else if (action === 'openSettings')
      await vscode.commands.executeCommand('workbench.action.openSettings', 'warmline');
    else this.commands.showLog();
  }

  async queryFiles(query: string): Promise<string[]> {
    const q = query.replace(/[\\[\]{}*?]/g, '');
    const found = await vscode.workspace.findFiles(q ? `**/*${q}*` : '**/*', '**/{node_modules,.git}/**', 50);
    return found
      .map((u) => relativePath(u))
      .filter((p): p is string => !!p)
      .sort((a, b) => a.length - b.length)
      .slice(0, 20);
  }

  /** The workspace's prompt files, for the slash-command list (read each time the list opens). */
  async promptFiles(): Promise<PromptCommand[]> {
    const ctx = this.toolContext();
    return (await loadPromptFiles(ctx.host, ctx.settings)).prompts;
  }

  /**
   * `/explain`, `/tests`, `/fix` in the chat: the palette's prompt with the editor's selection (for
   * `/fix` without one, the file) attached, then the user's text. Without an editor, what the user
   * typed goes back to the message box.
   */
  async slash({ command, text }: WebviewMessages['slash.run']): Promise<void> {
    if (!['explain', 'fix', 'tests'].includes(command) || typeof text !== 'string') return;
    const chat = this.chat();
    const editor = vscode.window.activeTextEditor;
    const chip =
      command === 'fix' && editor?.selection.isEmpty
        ? fileChip(editor, relativePath)
        : selectionChip(editor, relativePath);
    if (!chip) {
      chat.compose(`/${command}${text ? ` ${text}` : ''}`, false);
      void vscode.window.showInformationMessage('Open a file from the workspace and select some code first.');
      return;
    }
    const prompt = command === 'fix' ? SELECTION_PROMPTS.fix(chip.path) : SELECTION_PROMPTS[command];
    chat.addChip(chip);
    await chat.send(text ? `${prompt}\n\n${text}` : prompt);
  }

  /** `@` folders: workspace folders (below the roots) whose path contains the query. */
  async queryFolders(query: string): Promise<string[]> {
    const q = query.replace(/[\\[\]{}*?]/g, '').toLowerCase();
    const found = await vscode.workspace.findFiles('**/*', '**/{node_modules,.git}/**', 2000);
    const folders = new Set<string>();
    for (const u of found) {
      const rel = relativePath(u);
      if (!rel) continue;
      for (let i = rel.indexOf('/'); i > 0; i = rel.indexOf('/', i + 1)) folders.add(rel.slice(0, i));
    }
    return [...folders]
      .filter((f) => f.toLowerCase().includes(q))
      .sort((a, b) => a.length - b.length || a.localeCompare(b))
      .slice(0, 20);
  }

  /**
   * The attached context as text for the model (src/agent/mention-context.ts): files, folders and
   * problems through the tools, the git diff and the terminal's output guarded and bounded.
   * Refusals (a secret, an ignored file) are said plainly.
   */
  async contextText(chips: ContextChip[]): Promise<string> {
    return mentionContextText(chips, {
      tools: this.tools,
      toolContext: () => this.toolContext(),
      terminal: () => this.terminals.snapshot(),
    });
  }

  dispose(): void {
    this.provider.dispose();
    this.terminals.dispose();
  }
}

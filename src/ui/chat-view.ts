import * as vscode from 'vscode';
import type { HostMessage, HostReply, PromptCommand, WebviewMessage, WebviewMessages } from '../shared/messages.ts';
import type { ChatController } from './chat-controller.ts';
import { chatHtml, newNonce } from './chat-html.ts';

export interface ChatViewActions {
  attach(what: 'selection' | 'file'): Promise<void>;
  insertAtCursor(text: string): Promise<void>;
  openDiff(toolId: string): Promise<void>;
  errorAction(action: 'setKey' | 'retry' | 'openSettings' | 'showLog'): Promise<void>;
  queryFiles(query: string): Promise<string[]>;
  promptFiles(): Promise<PromptCommand[]>;
  slash(run: WebviewMessages['slash.run']): Promise<void>;
  queryFolders(query: string): Promise<string[]>;
}

/** The sidebar view: webview plumbing only; the chat's logic is in ChatController. */
export class ChatViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  static readonly viewId = 'warmline.chat';
  private view?: vscode.WebviewView;
  private readonly extensionUri: vscode.Uri;
  private readonly controller: ChatController;
  private readonly actions: ChatViewActions;
  private readonly log: vscode.LogOutputChannel;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    extensionUri: vscode.Uri,
    controller: ChatController,
    actions: ChatViewActions,
    log: vscode.LogOutputChannel,
  ) {
    this.extensionUri = extensionUri;
    this.controller = controller;
    this.actions = actions;
    this.log = log;
  }

  get visible(): boolean {
    return this.view?.visible ?? false;
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    const dist = vscode.Uri.joinPath(this.extensionUri, 'dist');
    view.webview.options = {
      enableScripts: true,
      localResourceRoots: [dist, vscode.Uri.joinPath(this.extensionUri, 'media')],
    };
    view.webview.html = chatHtml({
      scriptUri: view.webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js')).toString(),
      styleUri: view.webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview-style.css')).toString(),
      codiconsUri: view.webview.asWebviewUri(vscode.Uri.joinPath(dist, 'codicons', 'codicon.css')).toString(),
      cspSource: view.webview.cspSource,
      nonce: newNonce(),
    });
    this.disposables.push(
      view.webview.onDidReceiveMessage((m: WebviewMessage) =>
        this.receive(m).catch((err) => this.log.error(`webview message ${m.type} failed: ${String(err)}`)),
      ),
      view.onDidDispose(() => {
        this.controller.detach();
        this.view = undefined;
      }),
    );
  }

  private post(m: HostMessage | HostReply): void {
    void this.view?.webview.postMessage(m);
  }

  private async receive(m: WebviewMessage): Promise<void> {
    switch (m.type) {
      case 'ready':
        this.controller.attach((msg) => this.post(msg));
        break;
      case 'send':
        try {
          await this.controller.send(m.payload.text, m.payload.context);
        } catch (err) {
          void vscode.window.showWarningMessage(String((err as Error).message));
        }
        break;
      case 'stop':
        this.controller.stop();
        break;
      case 'chat.new':
        this.controller.newChat();
        break;
      case 'chat.compact':
        await this.controller.compact();
        break;
      case 'chat.open':
        this.controller.open(m.payload.chatId);
        break;
      case 'approval':
        this.controller.resolveApproval(m.payload.toolId, m.payload.approved, m.payload.always);
        break;
      case 'diff.open':
        await this.actions.openDiff(m.payload.toolId);
        break;
      case 'code.copy':
        await vscode.env.clipboard.writeText(m.payload.text);
        break;
      case 'code.insert':
        await this.actions.insertAtCursor(m.payload.text);
        break;
      case 'context.attach':
        await this.actions.attach(m.payload.what);
        break;
      case 'context.remove':
        this.controller.removeChip(m.payload.index);
        break;
      case 'error.action': {
        const action = m.payload.action;
        if (action === 'newChat') this.controller.newChat();
        else if (action === 'compact') await this.controller.compact();
        else await this.actions.errorAction(action);
        break;
      }
      case 'link.open':
        await openLink(m.payload.href);
        break;
      case 'checkpoint.preview':
        await this.controller.previewRestore(m.payload);
        break;
      case 'checkpoint.apply':
        await this.controller.applyRestore(m.payload);
        break;
      // ---- rules (issue 15) ----
      case 'rules.open':
        await this.controller.openRulesFile(m.payload.path);
        break;
      // ---- modes and slash commands (issue 15) ----
      case 'mode.set':
        this.controller.setMode(m.payload.mode);
        break;
      case 'slash.run':
        try {
          await this.actions.slash(m.payload);
        } catch (err) {
          void vscode.window.showWarningMessage(String((err as Error).message));
        }
        break;
      // ---- mentions and images (issue 15) ----
      // ---- queue and reload (issue 15) ----
      case 'queue.edit':
        this.controller.editQueued(m.payload.id, m.payload.text);
        break;
      case 'queue.remove':
        this.controller.removeQueued(m.payload.id);
        break;
      case 'queue.sendNow':
        this.controller.sendQueuedNow(m.payload.id);
        break;
      case 'request':
        if (m.name === 'files.query')
          this.post({
            type: 'reply',
            name: 'files.query',
            requestId: m.requestId,
            payload: { files: await this.actions.queryFiles(m.payload.query) },
          });
        else if (m.name === 'prompts.list')
          this.post({
            type: 'reply',
            name: 'prompts.list',
            requestId: m.requestId,
            payload: { prompts: await this.actions.promptFiles().catch(() => []) },
          });
        // ---- mentions and images (issue 15) ----
        else if (m.name === 'folders.query')
          this.post({
            type: 'reply',
            name: 'folders.query',
            requestId: m.requestId,
            payload: { folders: await this.actions.queryFolders(m.payload.query) },
          });
        break;
    }
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

/** Links in model output are untrusted: http(s) only, and only after the user confirms. */
export async function openLink(href: string): Promise<void> {
  let uri: vscode.Uri;
  try {
    uri = vscode.Uri.parse(href, true);
  } catch {
    return;
  }
  if (uri.scheme !== 'http' && uri.scheme !== 'https') {
    void vscode.window.showWarningMessage(`Warmline does not open ${uri.scheme}: links from model output.`);
    return;
  }
  const choice = await vscode.window.showWarningMessage(
    `Open this link from the model's answer?\n${uri.toString(true)}`,
    { modal: true },
    'Open',
  );
  if (choice === 'Open') await vscode.env.openExternal(uri);
}

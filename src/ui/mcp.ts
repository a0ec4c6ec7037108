// MCP in the editor: reads the definitions (settings at each level, each folder's
// .vscode/mcp.json), asks before a stdio server first starts (remembered per definition in
// globalState), writes "always allow" to the user's settings, follows changes (settings, mcp.json,
// workspace trust), and lists the servers (Warmline: Show MCP Servers). The client itself is
// McpManager (src/tools/mcp/manager.ts).
import os from 'node:os';
import * as vscode from 'vscode';
import type { McpServerConfig } from '../tools/mcp/config.ts';
import { loadMcpConfig } from '../tools/mcp/config.ts';
import { McpManager } from '../tools/mcp/manager.ts';
import { allowInPolicy, readAutoApprove } from '../tools/mcp/policy.ts';
import type { Tool, WorkspaceHost } from '../tools/types.ts';

const APPROVED_KEY = 'warmline.mcp.approvedStarts';

export class McpService implements vscode.Disposable {
  readonly manager: McpManager;
  /**
   * Asks whether a stdio server may start (a modal). Replaceable by the integration tests, which
   * cannot click a modal: they answer it and count the questions.
   */
  confirmStart: (server: McpServerConfig, commandLine: string) => Promise<boolean> = async (server, line) => {
    const start = 'Start';
    const answer = await vscode.window.showWarningMessage(
      `Start MCP server '${server.name}': ${line}?`,
      {
        modal: true,
        detail: `Defined in ${server.origin}. Warmline runs this command on your machine and offers the server's tools to the model (each call asks first unless you allowed it). You are asked again if the definition changes.`,
      },
      start,
    );
    return answer === start;
  };
  private readonly disposables: vscode.Disposable[] = [];
  private readonly changed = new vscode.EventEmitter<void>();
  /** The servers' tools changed: offer the new set to the model. */
  readonly onDidChangeTools = this.changed.event;
  private reloading = Promise.resolve();

  private readonly host: WorkspaceHost;

  constructor(context: vscode.ExtensionContext, host: WorkspaceHost, log: vscode.LogOutputChannel) {
    this.host = host;
    const config = () => vscode.workspace.getConfiguration('warmline.mcp');
    this.manager = new McpManager({
      confirmStart: (server, line) => this.confirmStart(server, line),
      approvals: {
        has: (hash) => (context.globalState.get<string[]>(APPROVED_KEY) ?? []).includes(hash),
        add: async (hash) => {
          const known = context.globalState.get<string[]>(APPROVED_KEY) ?? [];
          await context.globalState.update(APPROVED_KEY, [...known.filter((h) => h !== hash), hash].slice(-200));
        },
      },
      isTrusted: () => vscode.workspace.isTrusted,
      timeoutMs: () => Math.max(1, config().get<number>('timeoutSeconds') ?? 60) * 1000,
      maxTotalMs: () => (vscode.workspace.getConfiguration('warmline').get<number>('taskTimeoutSeconds') ?? 600) * 1000,
      autoApprove: () => readAutoApprove(config().get('autoApprove')),
      onToolsChanged: () => this.changed.fire(),
      log: (message) => log.info(message),
    });
    const watcher = vscode.workspace.createFileSystemWatcher('**/.vscode/mcp.json');
    this.disposables.push(
      this.changed,
      watcher,
      watcher.onDidChange(() => void this.reload()),
      watcher.onDidCreate(() => void this.reload()),
      watcher.onDidDelete(() => void this.reload()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('warmline.mcp.servers')) void this.reload();
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => void this.reload()),
      vscode.workspace.onDidGrantWorkspaceTrust(() => void this.reload()),
      vscode.commands.registerCommand('warmline.mcp.showServers', () => this.showServers()),
    );
  }

  /** Reads the definitions again and hands them to the manager (servers start in the background). */
  reload(): Promise<void> {
    this.reloading = this.reloading.then(async () => {
      const servers = vscode.workspace.getConfiguration('warmline.mcp').inspect<unknown>('servers');
      const result = await loadMcpConfig({
        userServers: servers?.globalValue,
        // Folder-level values count as the workspace's, like the workspace file's.
        workspaceServers:
          servers?.workspaceValue !== undefined || servers?.workspaceFolderValue !== undefined
            ? { ...(servers?.workspaceValue as object), ...(servers?.workspaceFolderValue as object) }
            : undefined,
        roots: this.host.roots(),
        fs: this.host.fs,
        userHome: os.homedir(),
        env: process.env,
      });
      for (const e of result.errors) void vscode.window.showWarningMessage(`Warmline: ${e}`);
      this.manager.configure(result);
    });
    return this.reloading;
  }

  tools(taken: Iterable<string>): Tool[] {
    return this.manager.tools(taken);
  }

  /**
   * "Always allow" on an approval card: written to the user's settings (warmline.mcp.autoApprove,
   * global), where the user sees and can undo it, and where a workspace cannot have put it.
   */
  async allow(server: string, tool?: string): Promise<void> {
    const config = vscode.workspace.getConfiguration('warmline.mcp');
    const current = readAutoApprove(config.inspect('autoApprove')?.globalValue);
    await config.update('autoApprove', allowInPolicy(current, server, tool), vscode.ConfigurationTarget.Global);
  }

  private async showServers(): Promise<void> {
    await this.reloading;
    const status = this.manager.status();
    const errors = this.manager.configErrors();
    if (!status.length && !errors.length) {
      void vscode.window.showInformationMessage(
        'Warmline: no MCP servers are configured (warmline.mcp.servers, or .vscode/mcp.json in a workspace folder).',
      );
      return;
    }
    const items = [
      ...status.map((s) => ({
        label: `${s.name}`,
        description: `${s.type ?? 'invalid'} · ${s.state} · ${s.tools} tool${s.tools === 1 ? '' : 's'}`,
        detail: s.error ?? s.origin,
        name: s.name,
      })),
      ...errors.map((e) => ({ label: '$(warning) configuration error', description: '', detail: e, name: undefined })),
    ];
    const picked = await vscode.window.showQuickPick(items, {
      title: 'Warmline: MCP servers',
      placeHolder: 'Pick a server to restart it (a declined stdio server is asked for again)',
      matchOnDetail: true,
    });
    if (picked?.name) {
      await this.manager.restart(picked.name);
      const after = this.manager.status().find((s) => s.name === picked.name);
      if (after?.error) void vscode.window.showWarningMessage(after.error);
    }
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    void this.manager.dispose();
  }
}

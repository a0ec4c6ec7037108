// Wiring only: build the services, register the view and commands, start warming the socket.
import * as vscode from 'vscode';
import path from 'node:path';
import { ChatStore } from './agent/chat-store.ts';
import { CheckpointStore, NodeCheckpointStorage } from './agent/checkpoints.ts';
import { AgentLoop } from './agent/loop.ts';
import { SessionManager } from './session/manager.ts';
import type { Capabilities } from './session/manager.ts';
import type { ToolContext } from './tools/types.ts';
import { createToolRegistry } from './tools/registry.ts';
import { editorUri, VscodeHost } from './tools/vscode-host.ts';
import { ApiKeyStore } from './ui/api-key.ts';
import { ChatController } from './ui/chat-controller.ts';
import { ChatViewProvider } from './ui/chat-view.ts';
import { registerCommands } from './ui/commands.ts';
import { registerInlineCommands } from './ui/inline-commands.ts';
import { ProjectRules } from './ui/rules.ts';
import { InlineEdits } from './ui/inline-edits.ts';
import { McpService } from './ui/mcp.ts';
import { outputLogger } from './ui/log.ts';
import { needsApiKey, readSettings } from './ui/settings.ts';
import { StatusBar } from './ui/status-bar.ts';
import { WorkspaceActions, relativePath } from './ui/workspace-actions.ts';

/** What activate() returns: the integration tests drive the extension through it. */
export interface WarmlineApi {
  session: SessionManager;
  chat: ChatController;
  inline: InlineEdits;
  status: StatusBar;
  keys: ApiKeyStore;
  mcp: McpService;
}

/** Stopped (every MCP server process with it) when the extension deactivates. */
let mcpService: McpService | undefined;

export function activate(context: vscode.ExtensionContext): WarmlineApi {
  const log = vscode.window.createOutputChannel('Warmline', { log: true });
  const keys = new ApiKeyStore(context.secrets);
  const host = new VscodeHost();
  const tools = createToolRegistry();
  const folders = () => (vscode.workspace.workspaceFolders ?? []).map((f) => f.name);
  // The instructions carry the project rules (AGENTS.md, issue 15) loaded last; the session is set when they change.
  const rules = new ProjectRules({
    host,
    session: { updateConfig: (patch) => session.updateConfig(patch) },
    folders,
    log: (message) => log.info(message),
  });

  const status = new StatusBar();
  // What each endpoint was found to support, remembered across sessions (never a secret).
  const learned = () => context.globalState.get<Record<string, Capabilities>>('warmline.capabilities') ?? {};
  const sessionConfig = () => {
    const s = readSettings();
    return {
      baseUrl: s.baseUrl,
      model: s.model,
      transport: s.transport,
      organization: s.organization,
      project: s.project,
      extraHeaders: s.extraHeaders,
      store: s.store,
      proxy: s.proxy,
      requireApiKey: needsApiKey(s.baseUrl, s.preset),
      keyHeader: s.preset.keyHeader,
      contextWindow: s.contextWindow,
      compression: s.compression,
      instructions: rules.instructions(),
      tools: tools.definitions(),
      toolFallbacks: tools.fallbacks(),
      capabilities: learned()[s.baseUrl],
    };
  };
  const session = new SessionManager({
    ...sessionConfig(),
    logger: outputLogger(log),
    getApiKey: () => {
      const s = readSettings();
      return keys.get(s.provider, s.preset.keyEnv);
    },
  });
  session.on('capabilities', (caps) => {
    void context.globalState.update('warmline.capabilities', { ...learned(), [readSettings().baseUrl]: caps });
    status.setMode(session.mode);
  });

  // MCP servers' tools join the built-in ones as they come and go; a change makes the next request a full one.
  const mcp = new McpService(context, host, log);
  mcpService = mcp;
  mcp.onDidChangeTools(() => {
    if (tools.setAddedTools(mcp.tools(tools.builtInNames())))
      session.updateConfig({ tools: tools.definitions(), toolFallbacks: tools.fallbacks() });
  });
  void mcp.reload();

  const toolContext = (
    signal = new AbortController().signal,
    progress: (c: string) => void = () => {},
    approve: ToolContext['approve'] = async () => false,
  ): ToolContext => ({ host, settings: readSettings().tools, signal, progress, approve });
  let chat: ChatController;
  const agent = new AgentLoop({
    session,
    tools,
    toolContext: (_call, signal, progress, approve) => ({
      ...toolContext(signal, progress, approve),
      checkpoint: (changes) => chat.checkpoint(changes),
    }),
    approve: (callId, request) => chat.approve(callId, request),
  });
  const storage = context.storageUri ?? context.globalStorageUri;
  // What the files were before each turn's edits (issue 16), beside the chats: <storage>/checkpoints/<chatId>/.
  const checkpoints = new CheckpointStore(new NodeCheckpointStorage(path.join(storage.fsPath, 'checkpoints')));
  chat = new ChatController({
    session,
    agent,
    store: new ChatStore(path.join(storage.fsPath, 'chats')),
    describe: (name, raw) => tools.describe(name, raw),
    relative: (uri) => relativePath(editorUri(uri)) ?? uri,
    contextText: (chips) => actions.contextText(chips),
    settings: () => {
      const s = readSettings();
      return { model: s.model, maxToolCalls: s.maxToolCalls, scripted: /scripted|not ai/i.test(s.model) };
    },
    log: (message) => log.info(message),
    checkpoints: { store: checkpoints, host },
    allowMcp: (server, tool) => void mcp.allow(server, tool),
    rules,
    // The open chat and the queued messages come back after a window reload (issue 15).
    memory: context.workspaceState,
  });
  const actions = new WorkspaceActions(
    () => chat,
    tools,
    () => toolContext(),
    {
      setKey: () => vscode.commands.executeCommand('warmline.setApiKey'),
      showLog: () => log.show(),
    },
  );

  session.on('state', (state, detail) => {
    status.setMode(session.mode);
    status.setState(state, detail);
  });
  session.on('metrics', (m) => {
    status.setMetrics(m);
    log.debug(
      `turn ${m.lane} ${m.transport}/${m.mode}: ${m.totalMs} ms, sent ${m.bytesSent} B, ${m.inputItemsSent} items`,
    );
  });

  const inline = new InlineEdits(session, log);
  // Settings often change several at a time: reconnect once they have settled.
  let restartTimer: NodeJS.Timeout | undefined;
  let waiting: Array<() => void> = [];
  const restart = () =>
    new Promise<void>((resolve) => {
      waiting.push(resolve);
      clearTimeout(restartTimer);
      restartTimer = setTimeout(() => {
        const done = waiting;
        waiting = [];
        session.updateConfig(sessionConfig());
        void session.reconnect(['chat', 'inline']).then(() => {
          for (const d of done) d();
        });
      }, 150);
    });
  context.subscriptions.push(
    log,
    keys,
    status,
    chat,
    actions,
    vscode.window.registerWebviewViewProvider(
      ChatViewProvider.viewId,
      new ChatViewProvider(context.extensionUri, chat, actions, log),
      { webviewOptions: { retainContextWhenHidden: true } },
    ),
    ...registerCommands({ chat, session, keys, log, relative: relativePath, restart }),
    inline,
    mcp,
    ...registerInlineCommands(inline, log),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (
        e.affectsConfiguration('warmline') ||
        e.affectsConfiguration('http.proxy') ||
        e.affectsConfiguration('http.proxyStrictSSL')
      )
        void restart();
    }),
    vscode.workspace.onDidChangeWorkspaceFolders(() =>
      session.updateConfig({ instructions: sessionConfig().instructions }),
    ),
    keys.onDidChange(() => void restart()),
    rules.watch(() => void chat.refreshRules()),
    {
      dispose: () => {
        clearTimeout(restartTimer);
        session.dispose();
      },
    },
  );

  // Warm the socket now, so the first real turn starts fast; failures show in the status bar.
  // Inline actions get their own socket, so they never wait behind a chat turn.
  // The rules are loaded first, so the warmup stages the instructions the first turn sends.
  void chat.refreshRules().finally(() => session.start(['chat', 'inline']));
  return { session, chat, inline, status, keys, mcp };
}

/** Waits for the MCP servers to stop (stdio processes are ended: stdin closed, then SIGTERM, then SIGKILL). */
export async function deactivate(): Promise<void> {
  const mcp = mcpService;
  mcpService = undefined;
  await mcp?.manager.dispose();
}

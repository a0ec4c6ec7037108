import * as vscode from 'vscode';
import type { ChatStore } from '../agent/chat-store.ts';
import { Conversation } from '../agent/conversation.ts';
import type { AgentEvent, AgentLoop } from '../agent/loop.ts';
import type { Compaction } from '../session/compaction.ts';
import { SessionError } from '../session/errors.ts';
import type { SessionManager, SessionState, TurnMetrics } from '../session/manager.ts';
import type { ChatEntryView, ContextChip, ErrorView, HostMessage, ToolCardView, TurnFigures } from '../shared/messages.ts';
import type { ApprovalRequest, FileChange } from '../tools/types.ts';
import { DeltaCoalescer } from './delta-coalescer.ts';
import { diffViews } from './diff-view.ts';
import { errorView } from './error-view.ts';

export interface ChatControllerDeps {
  session: SessionManager;
  agent: AgentLoop;
  store: ChatStore;
  describe(name: string, raw: string): string;
  relative(abs: string): string;
  /** Turns attached context into text for the model (file contents go through the workspace guard). */
  contextText(chips: ContextChip[]): Promise<string>;
  settings(): { model: string; maxToolCalls: number; scripted: boolean };
}

interface LiveTurn {
  id: string;
  text: string;
  /** Length of `text` that belongs to finished responses: a retry drops only what comes after. */
  committed: number;
  cards: Map<string, ToolCardView>;
  controller: AbortController;
  figures: TurnFigures;
}

/**
 * The chat's state machine, apart from the webview plumbing: the current conversation, the
 * running request, approvals. It posts deltas to whatever view is attached; a view that attaches
 * late (or reloads) gets the whole chat once, with the turn in progress merged in.
 */
export class ChatController implements vscode.Disposable {
  private readonly deps: ChatControllerDeps;
  private chat?: Conversation;
  private live?: LiveTurn;
  private sink?: (m: HostMessage) => void;
  /** Every message to the view goes through it: streamed deltas are batched (~one a frame), never reordered. */
  private readonly outbox = new DeltaCoalescer((m) => this.sink?.(m));
  private readonly approvals = new Map<string, { resolve(ok: boolean): void; changes?: FileChange[] }>();
  private readonly proposed = new Map<string, FileChange[]>();
  private chips: ContextChip[] = [];
  private state: { state: SessionState; detail?: string } = { state: 'idle' };
  private turnCounter = 0;
  /** True while send() gathers the context chips, before the turn is live: a second submit then is refused. */
  private starting = false;
  private compacting = false;
  /** The context meter's last reading (tokens in use, the model's window). */
  private usage?: { used: number; window: number };
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when a request ends (tests wait on it). */
  readonly onDidFinishTurn = this.changed.event;

  constructor(deps: ChatControllerDeps) {
    this.deps = deps;
    deps.session.on('state', (state, detail) => { this.state = { state, detail }; this.postState() });
  }

  get busy(): boolean { return this.live !== undefined || this.starting || this.compacting }
  get conversation(): Conversation | undefined { return this.chat }

  /** The view attached (or re-attached after a reload): give it everything once. */
  attach(sink: (m: HostMessage) => void): void {
    this.outbox.flush();
    this.sink = sink;
    this.postState();
    this.post({ type: 'history', payload: { chats: this.deps.store.list(), activeId: this.chat?.id ?? '' } });
    this.postChat();
    this.post({ type: 'context', payload: { chips: this.chips } });
    if (this.usage) this.post({ type: 'usage', payload: this.usage });
  }

  detach(): void {
    // What waits belongs to this view; a view that attaches later gets the turn whole in chat.load.
    this.outbox.flush();
    this.sink = undefined;
  }

  /**
   * Compacts the open chat now (`/compact`, "Compact Conversation"): the model keeps working on a
   * compact form of it; the chat shown keeps every message, with a marker where it happened.
   */
  async compact(): Promise<void> {
    const chat = this.chat;
    if (this.busy) { void vscode.window.showInformationMessage('Warmline is answering; compact the conversation when it has finished.'); return }
    if (!chat?.transcript.length) { void vscode.window.showInformationMessage('There is no conversation to compact yet.'); return }
    this.compacting = true;
    try {
      const compaction = await this.deps.session.compact(chat.transcript, { conversationId: chat.id });
      chat.recordCompaction(compaction, true);
      this.postCompaction(compaction);
      this.setUsage(compaction.tokensAfter, this.deps.session.contextWindow());
    } catch (err) {
      if (!(err instanceof SessionError && err.code === 'cancelled')) void vscode.window.showErrorMessage(`Warmline could not compact the conversation: ${errorView(err).message}`);
    } finally {
      this.compacting = false;
      this.changed.fire();
    }
  }

  async send(text: string, context: ContextChip[] = this.chips): Promise<void> {
    const trimmed = text.trim();
    if (!trimmed) return;
    if (this.busy) throw new Error('A request is already running. Stop it first, or wait for it to finish.');
    // Claimed before the first await: a quick second submit must not start a second loop on this transcript.
    this.starting = true;
    let extra: string | undefined;
    try {
      extra = await this.deps.contextText(context);
    } finally {
      this.starting = false;
    }
    if (!this.chat) {
      this.chat = Conversation.create(this.deps.store, trimmed.split('\n')[0]!.slice(0, 80));
      this.post({ type: 'history', payload: { chats: this.deps.store.list(), activeId: this.chat.id } });
    }
    this.chat.addUserMessage(trimmed, context, extra ? `${trimmed}\n\n${extra}` : trimmed);
    this.post({ type: 'user.message', payload: { entry: { kind: 'user', id: `u-live-${++this.turnCounter}`, text: trimmed, context } } });
    this.chips = [];
    this.post({ type: 'context', payload: { chips: [] } });
    await this.run();
  }

  /** Runs the model again on the chat as it stands (after an error). */
  async retry(): Promise<void> {
    if (this.busy || !this.chat) return;
    await this.run();
  }

  stop(): void { this.live?.controller.abort() }

  newChat(): void {
    this.stop();
    this.chat = undefined;
    this.setUsage(0, this.deps.session.contextWindow());
    this.postChat();
    this.post({ type: 'history', payload: { chats: this.deps.store.list(), activeId: '' } });
  }

  open(chatId: string): void {
    if (this.busy) return;
    const chat = Conversation.open(this.deps.store, chatId);
    if (!chat) { void vscode.window.showWarningMessage('That chat could not be found.'); return }
    this.chat = chat;
    this.setUsage(0, this.deps.session.contextWindow());
    this.postChat();
    this.post({ type: 'history', payload: { chats: this.deps.store.list(), activeId: chat.id } });
  }

  resolveApproval(toolId: string, approved: boolean): boolean {
    const pending = this.approvals.get(toolId);
    if (!pending) return false;
    this.approvals.delete(toolId);
    pending.resolve(approved);
    return true;
  }

  /** The first approval waiting, for the Accept/Reject commands. */
  pendingApproval(): string | undefined { return this.approvals.keys().next().value }

  proposedChanges(toolId: string): FileChange[] | undefined { return this.proposed.get(toolId) }

  /** Asks the user through the chat view, for the agent loop. */
  approve(callId: string, request: ApprovalRequest): Promise<boolean> {
    if (this.live?.controller.signal.aborted) return Promise.resolve(false);
    if (request.changes) this.proposed.set(callId, request.changes);
    const card = this.live?.cards.get(callId);
    const approval = { kind: request.kind, title: request.title, command: request.command };
    const diff = request.changes ? diffViews(request.changes, this.deps.relative) : undefined;
    if (card) { card.status = 'awaiting_approval'; card.approval = approval; card.diff = diff }
    this.post({ type: 'tool.update', payload: { id: callId, status: 'awaiting_approval', approval, diff } });
    if (!this.sink) {
      void vscode.window.showInformationMessage(`Warmline: ${request.title}`, 'Review').then((a) => { if (a) void vscode.commands.executeCommand('warmline.focusChat') });
    }
    return new Promise((resolve) => {
      this.approvals.set(callId, { resolve, changes: request.changes });
      this.live?.controller.signal.addEventListener('abort', () => this.resolveApproval(callId, false), { once: true });
    });
  }

  addChip(chip: ContextChip): void {
    if (!this.chips.some((c) => c.path === chip.path && c.range?.start === chip.range?.start && c.range?.end === chip.range?.end)) this.chips.push(chip);
    this.post({ type: 'context', payload: { chips: this.chips } });
  }

  removeChip(index: number): void {
    this.chips.splice(index, 1);
    this.post({ type: 'context', payload: { chips: this.chips } });
  }

  /** Shows text in the message box (commands that prefill a question). */
  compose(text: string, send: boolean): void { this.post({ type: 'compose', payload: { text, send } }) }

  dispose(): void {
    this.stop();
    this.outbox.flush();
    this.changed.dispose();
  }

  // ---------- internals ----------

  private async run(): Promise<void> {
    const chat = this.chat!;
    const { maxToolCalls } = this.deps.settings();
    const live: LiveTurn = { id: `a-live-${++this.turnCounter}`, text: '', committed: 0, cards: new Map(), controller: new AbortController(), figures: { totalMs: 0, savedBytes: 0, transport: 'websocket' } };
    this.live = live;
    const started = Date.now();
    this.post({ type: 'assistant.start', payload: { id: live.id } });
    let error: ErrorView | undefined;
    try {
      await this.deps.agent.run(chat.transcript, (e) => this.onAgentEvent(chat, live, e, started), { signal: live.controller.signal, maxToolCalls, conversationId: chat.id });
    } catch (err) {
      if (!(err instanceof SessionError && err.code === 'cancelled')) error = errorView(err);
    } finally {
      live.figures.totalMs = Date.now() - started;
      chat.record({ t: 'end', figures: live.figures, error, at: Date.now() });
      this.post({ type: 'assistant.end', payload: { id: live.id, figures: live.figures, error } });
      for (const id of live.cards.keys()) this.proposed.delete(id);
      this.live = undefined;
      this.post({ type: 'history', payload: { chats: this.deps.store.list(), activeId: chat.id } });
      this.changed.fire();
    }
  }

  private onAgentEvent(chat: Conversation, live: LiveTurn, e: AgentEvent, started: number): void {
    switch (e.type) {
      case 'text.delta':
        live.text += e.delta;
        if (live.figures.ttftMs === undefined) live.figures.ttftMs = Date.now() - started;
        this.post({ type: 'text.delta', payload: { id: live.id, delta: e.delta } });
        break;
      case 'text.reset':
        this.post({ type: 'text.reset', payload: { id: live.id } });
        live.text = live.text.slice(0, live.committed);
        break;
      case 'items':
        chat.recordItems(e.items);
        // Text of completed messages is already shown; separate messages of one request with a blank line.
        if (e.items.some((i) => i.type === 'message')) { live.text += '\n\n'; this.post({ type: 'text.delta', payload: { id: live.id, delta: '\n\n' } }) }
        live.committed = live.text.length;
        break;
      case 'tool.start': {
        const card: ToolCardView = { id: e.call.callId, name: e.call.name, summary: e.summary, status: 'running', output: '' };
        live.cards.set(card.id, card);
        this.post({ type: 'tool.start', payload: { messageId: live.id, tool: card } });
        break;
      }
      case 'tool.progress': {
        const card = live.cards.get(e.callId);
        if (card) card.output += e.chunk;
        this.post({ type: 'tool.progress', payload: { id: e.callId, chunk: e.chunk } });
        break;
      }
      case 'approval.needed':
      case 'approval.resolved':
        break; // shown through approve()
      case 'tool.end': {
        const card = live.cards.get(e.callId);
        if (card) { card.status = e.status; card.result = e.result.summary; card.approval = undefined }
        chat.record({ t: 'tool', callId: e.callId, status: e.status, summary: e.result.summary, progress: card?.output.slice(-4000) });
        this.post({ type: 'tool.update', payload: { id: e.callId, status: e.status, result: e.result.summary ?? firstLine(e.result.output) } });
        break;
      }
      case 'turn.metrics':
        addFigures(live.figures, e.metrics);
        this.setUsage(e.metrics.contextTokens, e.metrics.contextWindow);
        break;
      case 'compacted':
        chat.recordCompaction(e.compaction);
        this.postCompaction(e.compaction);
        break;
    }
  }

  private postChat(): void {
    const entries: ChatEntryView[] = this.chat ? this.chat.entries(this.deps.describe) : [];
    const live = this.live;
    if (live) {
      // The turn in progress: the records hold its finished items; the live state is newer.
      // A compaction marker may follow the message it happened in: the live turn is that message.
      let last = entries.findLast((e) => e.kind !== 'compacted');
      if (last?.kind !== 'assistant') { last = { kind: 'assistant', id: live.id, text: '', tools: [], done: false }; entries.push(last) }
      if (last.kind === 'assistant') {
        last.id = live.id;
        last.text = live.text;
        last.done = false;
        last.tools = last.tools.map((t) => live.cards.get(t.id) ?? t);
        for (const card of live.cards.values()) if (!last.tools.some((t) => t.id === card.id)) last.tools.push(card);
      }
    }
    this.post({ type: 'chat.load', payload: { chatId: this.chat?.id ?? '', title: this.chat?.title ?? 'New chat', entries, busy: !!live } });
  }

  private postState(): void {
    const s = this.deps.settings();
    this.post({ type: 'state', payload: { state: this.state.state, detail: this.state.detail, model: s.model, transport: this.deps.session.transportInUse, scripted: s.scripted } });
  }

  private postCompaction(c: Compaction): void {
    const entry = { kind: 'compacted' as const, id: `c-live-${++this.turnCounter}`, how: c.how, reason: c.reason, tokensBefore: c.tokensBefore, tokensAfter: c.tokensAfter };
    this.post({ type: 'compacted', payload: { entry } });
  }

  private setUsage(used: number, window: number): void {
    this.usage = { used, window };
    this.post({ type: 'usage', payload: this.usage });
  }

  private post(m: HostMessage): void { this.outbox.post(m) }
}

function firstLine(text: string): string { return text.split('\n', 1)[0]!.slice(0, 200) }

function addFigures(f: TurnFigures, m: TurnMetrics): void {
  f.transport = m.transport;
  f.inputTokens = (f.inputTokens ?? 0) + (m.usage?.input_tokens ?? 0);
  f.outputTokens = (f.outputTokens ?? 0) + (m.usage?.output_tokens ?? 0);
  if (m.cachedTokens) f.cachedTokens = (f.cachedTokens ?? 0) + m.cachedTokens;
  if (m.mode === 'delta') f.savedBytes += Math.max(0, m.fullContextBytes - m.bytesSent);
}

import * as vscode from 'vscode';
import type { ChatStore } from '../agent/chat-store.ts';
import type { CheckpointStore, RestorePlan } from '../agent/checkpoints.ts';
import { CUT_OFF, Conversation } from '../agent/conversation.ts';
import type { AgentEvent, AgentLoop } from '../agent/loop.ts';
import { isChatMode, modePolicy } from '../agent/modes.ts';
import type { Compaction } from '../session/compaction.ts';
import type { InputItem } from '../session/protocol.ts';
import { SessionError } from '../session/errors.ts';
import type { SessionManager, SessionState, TurnMetrics } from '../session/manager.ts';
import type {
  ChatEntryView,
  ChatMode,
  ContextChip,
  ErrorView,
  HostMessage,
  RulesFileView,
  HostMessages,
  QueuedMessageView,
  RestorePlanView,
  RestoreView,
  ToolCardView,
  TurnFigures,
} from '../shared/messages.ts';
import type { ApprovalRequest, FileChange, WorkspaceHost } from '../tools/types.ts';
import { IMAGE_MAX_COUNT, decodeImageDataUrl } from '../shared/images.ts';
import { ChatState } from './chat-state.ts';
import type { ChatOutcome, ChatPhase } from './chat-state.ts';
import { chatEntries, withLiveTurn } from './chat-view-model.ts';
import { DeltaCoalescer } from './delta-coalescer.ts';
import { diffViews } from './diff-view.ts';
import { errorView } from './error-view.ts';

export interface ChatControllerDeps {
  session: SessionManager;
  agent: AgentLoop;
  store: ChatStore;
  describe(name: string, raw: string): string;
  /** The path to show for a file's URI (relative to its workspace folder). */
  relative(uri: string): string;
  /** Turns attached context into text for the model (file contents go through the workspace guard). */
  contextText(chips: ContextChip[]): Promise<string>;
  settings(): { model: string; maxToolCalls: number; scripted: boolean };
  /** Where what the state machine refuses is logged. */
  log?(message: string): void;
  /** Checkpoints of the files the edit tools change, and the host restores go through (issue 16). */
  checkpoints?: { store: CheckpointStore; host: WorkspaceHost };
  /** "Always allow" on an MCP call's approval: this tool of the server, or (no tool) the whole server. */
  allowMcp?(server: string, tool?: string): void;
  /** The project rules (issue 15): refreshed before each model request, listed in the header. */
  rules?: {
    refresh(transcript: readonly InputItem[], fresh?: boolean): Promise<RulesFileView[]>;
    view(): RulesFileView[];
    open(path: string): Promise<boolean>;
  };
  /** Where the open chat's id and the queued messages are kept across window reloads (workspaceState). */
  memory?: Pick<vscode.Memento, 'get' | 'update'>;
}

/** workspaceState keys (issue 15): the chat open in the view, the messages queued. */
const OPEN_CHAT_KEY = 'warmline.openChat';
const QUEUE_KEY = 'warmline.queue';
/** Where the images of queued messages are kept (ChatStore's folder for them, beside the chats). */
const QUEUE_IMAGES = 'queued';

interface LiveTurn {
  /** The state machine's number for this turn. */
  turn: number;
  id: string;
  text: string;
  /** Length of `text` that belongs to finished responses: a retry drops only what comes after. */
  committed: number;
  cards: Map<string, ToolCardView>;
  controller: AbortController;
  figures: TurnFigures;
  /** The user was told the server refused this turn's images (issue 15). */
  imagesNoted?: boolean;
}

/** What an effect of the state machine needs to be carried out. */
interface EffectContext {
  live?: LiveTurn;
  error?: ErrorView;
  compaction?: Compaction;
  request?: ApprovalRequest;
}

/**
 * The chat, apart from the webview plumbing: the current conversation, the running request,
 * approvals. What may happen when (idle, running, awaiting approval, stopping, …) is decided by
 * ChatState (./chat-state.ts); this class carries out its effects. It posts deltas to whatever
 * view is attached; a view that attaches late (or reloads) gets the whole chat once, with the turn
 * in progress merged in.
 */
export class ChatController implements vscode.Disposable {
  private readonly deps: ChatControllerDeps;
  private readonly machine: ChatState;
  private chat?: Conversation;
  private live?: LiveTurn;
  private sink?: (m: HostMessage) => void;
  /** Every message to the view goes through it: streamed deltas are batched (~one a frame), never reordered. */
  private readonly outbox = new DeltaCoalescer((m) => this.sink?.(m));
  /** How to answer each approval the machine has waiting. */
  private readonly approvals = new Map<
    string,
    { resolve(ok: boolean): void; changes?: FileChange[]; mcp?: ApprovalRequest['mcp'] }
  >();
  private readonly proposed = new Map<string, FileChange[]>();
  private chips: ContextChip[] = [];
  private state: { state: SessionState; detail?: string } = { state: 'idle' };
  private turnCounter = 0;
  /** The chat the running turn belongs to (its edits are checkpointed there). */
  private turnChat?: Conversation;
  /** The restore (or undo) last previewed: only what the user saw is applied. */
  private restorePlan?: RestorePlan;
  /** The context meter's last reading (tokens in use, the model's window). */
  private usage?: { used: number; window: number };
  /** The mode shown: the open chat's, or the one a new chat starts in (the last one used). */
  private mode: ChatMode = 'agent';
  /** Messages sent while busy, by id (their order is the machine's queue). */
  private readonly queued = new Map<string, QueuedMessageView>();
  private queueCounter = 0;
  /** The queue as last saved to `memory` (its ids and texts). */
  private savedQueue = '[]';
  /** The extension is being disposed (the window reloads or closes). */
  private disposing = false;
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when a request ends (tests wait on it). */
  readonly onDidFinishTurn = this.changed.event;

  constructor(deps: ChatControllerDeps) {
    this.deps = deps;
    this.machine = new ChatState((message) => deps.log?.(message));
    deps.session.on('state', (state, detail) => {
      this.state = { state, detail };
      this.postState();
    });
    this.restoreAfterReload();
  }

  get busy(): boolean {
    return this.machine.busy;
  }
  get phase(): ChatPhase {
    return this.machine.phase;
  }
  get conversation(): Conversation | undefined {
    return this.chat;
  }

  /** The open chat as the view shows it, with the turn in progress merged in if it belongs to this chat. */
  entries(): ChatEntryView[] {
    const entries = this.chat ? chatEntries(this.chat.records, this.deps.describe) : [];
    const live = this.live;
    return live && this.machine.shows(live.turn) ? withLiveTurn(entries, live) : entries;
  }

  /** The view attached (or re-attached after a reload): give it everything once. */
  attach(sink: (m: HostMessage) => void): void {
    this.outbox.flush();
    this.sink = sink;
    const attached = this.machine.dispatch({ type: 'view.attach' });
    this.postState();
    this.post({ type: 'history', payload: { chats: this.deps.store.list(), activeId: this.chat?.id ?? '' } });
    this.perform(attached);
    this.postQueue();
    this.post({ type: 'context', payload: { chips: this.chips } });
    if (this.usage) this.post({ type: 'usage', payload: this.usage });
    if (this.deps.rules) this.post({ type: 'rules', payload: { files: this.deps.rules.view() } });
  }

  detach(): void {
    // What waits belongs to this view; a view that attaches later gets the turn whole in chat.load.
    this.outbox.flush();
    this.sink = undefined;
    this.machine.dispatch({ type: 'view.detach' });
  }

  /**
   * Compacts the open chat now (`/compact`, "Compact Conversation"): the model keeps working on a
   * compact form of it; the chat shown keeps every message, with a marker where it happened.
   */
  async compact(): Promise<void> {
    const chat = this.chat;
    const started = this.machine.dispatch({ type: 'compact', hasTranscript: !!chat?.transcript.length });
    if (!started.ok) {
      void vscode.window.showInformationMessage(started.reason);
      return;
    }
    let done: Compaction | undefined;
    try {
      const compaction = await this.deps.session.compact(chat!.transcript, { conversationId: chat!.id });
      chat!.recordCompaction(compaction, true);
      done = compaction;
    } catch (err) {
      if (!(err instanceof SessionError && err.code === 'cancelled'))
        void vscode.window.showErrorMessage(`Warmline could not compact the conversation: ${errorView(err).message}`);
    } finally {
      // Shown only if the view still shows the chat it ran on (not after New Chat meanwhile).
      const ended = this.machine.dispatch({ type: 'compact.end' });
      if (done) this.perform(ended, { compaction: done });
      this.changed.fire();
    }
  }

  async send(text: string, context: ContextChip[] = this.chips): Promise<void> {
    const trimmed = text.trim();
    if (!trimmed) return;
    // Busy: the message waits in the queue (issue 15), with the context it was sent with.
    if (this.machine.busy && this.enqueue(trimmed, context)) return;
    // Claimed before the first await: a quick second submit must not start a second loop on this transcript.
    const claimed = this.machine.dispatch({ type: 'send' });
    if (!claimed.ok) {
      // The view emptied its message box when it sent: the refused text goes back there.
      this.post({ type: 'compose', payload: { text: trimmed, send: false } });
      throw new Error(claimed.reason);
    }
    await this.begin(trimmed, context);
  }

  /** The machine is in `starting` for this message: save it, then run its turn. `queuedId`: it comes from the queue. */
  private async begin(trimmed: string, context: ContextChip[], queuedId?: string): Promise<void> {
    let chat: Conversation;
    try {
      const images = imageUrls(context);
      const extra = await this.deps.contextText(context);
      if (!this.chat) {
        this.chat = Conversation.create(this.deps.store, trimmed.split('\n')[0]!.slice(0, 80));
        this.chat.setMode(this.mode);
        this.rememberOpenChat();
        this.post({ type: 'history', payload: { chats: this.deps.store.list(), activeId: this.chat.id } });
      }
      chat = this.chat;
      chat.addUserMessage(trimmed, context, extra ? `${trimmed}\n\n${extra}` : trimmed, images);
    } catch (err) {
      // Nothing the user wrote is lost: a queued message goes back to the queue's front (held), a
      // message sent from the box whose image was refused goes back into the box.
      this.machine.dispatch({ type: 'send.failed' });
      if (err instanceof ImageRefused && !queuedId)
        this.post({ type: 'compose', payload: { text: trimmed, send: false } });
      if (queuedId) this.postQueue();
      throw err;
    }
    if (queuedId) {
      this.queued.delete(queuedId);
      this.postQueue();
    }
    this.post({
      type: 'user.message',
      payload: { entry: { kind: 'user', id: `u-live-${++this.turnCounter}`, text: trimmed, context } },
    });
    // A queued message took its chips when it was queued: those attached since stay for the next one.
    if (!queuedId) {
      this.chips = [];
      this.post({ type: 'context', payload: { chips: [] } });
    }
    await this.run(chat, this.machine.dispatch({ type: 'turn.start' }));
  }

  /** Runs the model again on the chat as it stands (after an error). */
  async retry(): Promise<void> {
    const chat = this.chat;
    const started = this.machine.dispatch({ type: 'retry', hasChat: !!chat });
    if (chat) await this.run(chat, started);
  }

  stop(): void {
    this.perform(this.machine.dispatch({ type: 'stop' }));
  }

  newChat(): void {
    // Stops a running turn; it ends on its own chat, and nothing of it reaches the new one.
    const switched = this.machine.dispatch({ type: 'chat.new' });
    this.chat = undefined;
    this.rememberOpenChat();
    this.setUsage(0, this.deps.session.contextWindow());
    this.perform(switched);
    this.post({ type: 'history', payload: { chats: this.deps.store.list(), activeId: '' } });
    void this.refreshRules(undefined);
  }

  open(chatId: string): void {
    const opened = this.machine.dispatch({ type: 'chat.open' });
    if (!opened.ok) return;
    const chat = Conversation.open(this.deps.store, chatId);
    if (!chat) {
      void vscode.window.showWarningMessage('That chat could not be found.');
      return;
    }
    this.chat = chat;
    this.mode = chat.mode;
    this.rememberOpenChat();
    this.setUsage(0, this.deps.session.contextWindow());
    this.perform(opened);
    this.post({ type: 'history', payload: { chats: this.deps.store.list(), activeId: chat.id } });
    void this.refreshRules(chat);
  }

  resolveApproval(toolId: string, approved: boolean, always?: 'tool' | 'server'): boolean {
    const pending = this.approvals.get(toolId);
    if (!this.machine.dispatch({ type: 'approval.answered', callId: toolId }).ok || !pending) return false;
    this.approvals.delete(toolId);
    if (approved && always && pending.mcp)
      this.deps.allowMcp?.(pending.mcp.server, always === 'tool' ? pending.mcp.tool : undefined);
    pending.resolve(approved);
    return true;
  }

  /** The first approval waiting, for the Accept/Reject commands. */
  pendingApproval(): string | undefined {
    return this.machine.pendingApproval;
  }

  proposedChanges(toolId: string): FileChange[] | undefined {
    return this.proposed.get(toolId);
  }

  /** Asks the user through the chat view, for the agent loop. */
  approve(callId: string, request: ApprovalRequest): Promise<boolean> {
    // Refused once the turn is being stopped (or when none runs): the answer is no.
    const asked = this.machine.dispatch({ type: 'approval.asked', callId });
    if (!asked.ok) return Promise.resolve(false);
    const live = this.live;
    if (request.changes) this.proposed.set(callId, request.changes);
    const card = live?.cards.get(callId);
    const approval = { kind: request.kind, title: request.title, command: request.command };
    const diff = request.changes ? diffViews(request.changes, this.deps.relative) : undefined;
    if (card) {
      card.status = 'awaiting_approval';
      card.approval = approval;
      card.diff = diff;
    }
    this.post({ type: 'tool.update', payload: { id: callId, status: 'awaiting_approval', approval, diff } });
    this.perform(asked, { request });
    return new Promise((resolve) => {
      // Stopping the turn answers "no" for the user; an answer given first unhooks that.
      const signal = live?.controller.signal;
      const onAbort = () => this.resolveApproval(callId, false);
      this.approvals.set(callId, {
        resolve: (ok) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(ok);
        },
        changes: request.changes,
        mcp: request.mcp,
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  addChip(chip: ContextChip): void {
    if (
      !this.chips.some(
        (c) => c.path === chip.path && c.range?.start === chip.range?.start && c.range?.end === chip.range?.end,
      )
    )
      this.chips.push(chip);
    this.post({ type: 'context', payload: { chips: this.chips } });
  }

  removeChip(index: number): void {
    this.chips.splice(index, 1);
    this.post({ type: 'context', payload: { chips: this.chips } });
  }

  /** Shows text in the message box (commands that prefill a question). */
  compose(text: string, send: boolean): void {
    this.post({ type: 'compose', payload: { text, send } });
  }

  // ---------- project rules (issue 15): src/ui/rules.ts loads them ----------

  /**
   * Loads the rules for a chat (the files it touched count) into the instructions, and shows them.
   * `fresh`: look at the rules files themselves, not only at what the file watcher reported (the
   * first request of a turn: a file changed a moment before the message may not be reported yet).
   */
  async refreshRules(chat: Conversation | undefined = this.chat, fresh = false): Promise<void> {
    const rules = this.deps.rules;
    if (!rules) return;
    const files = await rules.refresh(chat?.transcript ?? [], fresh);
    if (this.chat === chat) this.post({ type: 'rules', payload: { files } });
  }

  /** The header chip's file: opened only if it is in the list. */
  openRulesFile(path: string): Promise<boolean> {
    return this.deps.rules?.open(path) ?? Promise.resolve(false);
  }

  // ---------- modes (issue 15): src/agent/modes.ts says what each offers ----------

  /** The open chat's mode, or the one the next new chat starts in. */
  get chatMode(): ChatMode {
    return this.mode;
  }

  /**
   * Switches the open chat's mode (persisted with it), or the mode a new chat starts in. A turn
   * already running keeps its mode; the next request offers the new tools, in full.
   */
  setMode(mode: ChatMode): void {
    if (!isChatMode(mode)) return;
    this.mode = mode;
    try {
      this.chat?.setMode(mode);
    } catch (err) {
      this.deps.log?.(`mode not saved: ${errorView(err).message}`);
    }
    this.post({ type: 'mode', payload: { mode } });
  }

  // ---------- the queue and the chat after a reload (issue 15) ----------

  /** The messages waiting, in sending order. */
  get queue(): QueuedMessageView[] {
    return this.machine.queue.flatMap((id) => this.queued.get(id) ?? []);
  }

  /** Queues a message sent while busy; false if the machine refuses (it has just become idle: send it). */
  private enqueue(text: string, context: ContextChip[]): boolean {
    const id = `q${Date.now().toString(36)}-${++this.queueCounter}`;
    this.queued.set(id, { id, text, context });
    if (!this.machine.dispatch({ type: 'queue.add', id }).ok) {
      this.queued.delete(id);
      return false;
    }
    // The chips went with the queued message, as with a message sent.
    if (this.chips.length) {
      this.chips = [];
      this.post({ type: 'context', payload: { chips: [] } });
    }
    this.postQueue();
    return true;
  }

  editQueued(id: string, text: string): void {
    const item = this.queued.get(id);
    if (item && text.trim()) item.text = text.trim();
    this.postQueue();
  }

  removeQueued(id: string): void {
    if (this.machine.dispatch({ type: 'queue.remove', id }).ok) this.queued.delete(id);
    this.postQueue();
  }

  /**
   * "Send now": the message goes next. A running turn stops at its next safe point (the loop's
   * yieldAt: after the running tool calls finish and their outputs are recorded, before the next
   * model request; a reply being streamed is let finish); idle, it is sent at once.
   */
  sendQueuedNow(id: string): void {
    this.perform(this.machine.dispatch({ type: 'queue.sendNow', id }));
    this.postQueue();
  }

  /** Sends the queued message the machine took off the queue (it is in `starting` for it). */
  private async sendQueued(id: string): Promise<void> {
    const item = this.queued.get(id);
    if (!item) {
      // Cannot happen (the machine's queue and this map change together); never leave it in starting.
      this.machine.dispatch({ type: 'send.failed' });
      this.queued.delete(id);
      this.postQueue();
      return;
    }
    try {
      await this.begin(item.text, item.context, id);
    } catch (err) {
      this.deps.log?.(`queued message not sent: ${errorView(err).message}`);
      void vscode.window.showWarningMessage(
        `Warmline could not send the queued message (it waits in the queue): ${errorView(err).message}`,
      );
    }
  }

  private postQueue(): void {
    const items = this.queue;
    this.post({ type: 'queue', payload: { items, held: this.machine.held } });
    // Saved when the queue changed, not on every post (a view attaching, the held flag): saving
    // hashes every queued image again.
    const key = queueKey(items);
    if (key === this.savedQueue) return;
    this.savedQueue = key;
    // Images stay out of workspaceState (they would weigh megabytes there): their files go beside the chats.
    let saved: QueuedMessageView[] | undefined;
    try {
      saved = items.length ? this.deps.store.withoutImages(QUEUE_IMAGES, items) : undefined;
    } catch (err) {
      this.deps.log?.(`the queue's images could not be kept: ${errorView(err).message}`);
      saved = items.map((i) => ({ ...i, context: i.context.filter((c) => c.kind !== 'image') }));
    }
    void this.deps.memory?.update(QUEUE_KEY, saved);
  }

  private rememberOpenChat(): void {
    void this.deps.memory?.update(OPEN_CHAT_KEY, this.chat?.id);
  }

  /**
   * After a window reload: the chat that was open is open again (a turn the reload cut is marked so
   * by Conversation.open), and the messages that were queued are back, held until the user sends them.
   */
  private restoreAfterReload(): void {
    const memory = this.deps.memory;
    if (!memory) return;
    const id = memory.get<string>(OPEN_CHAT_KEY);
    try {
      const chat = id ? Conversation.open(this.deps.store, id) : undefined;
      if (chat) {
        this.chat = chat;
        this.mode = chat.mode;
      }
    } catch (err) {
      this.deps.log?.(`the chat open before the reload could not be opened: ${errorView(err).message}`);
    }
    let saved = memory.get<unknown>(QUEUE_KEY);
    try {
      saved = this.deps.store.withImages(QUEUE_IMAGES, saved ?? null);
    } catch (err) {
      this.deps.log?.(`the queue's images could not be read: ${errorView(err).message}`);
    }
    const items = Array.isArray(saved) ? saved.filter(isQueuedMessage) : [];
    for (const item of items) this.queued.set(item.id, { id: item.id, text: item.text, context: item.context });
    this.savedQueue = queueKey(items);
    if (items.length) this.machine.dispatch({ type: 'queue.restore', ids: items.map((i) => i.id) });
  }

  // ---------- checkpoints (issue 16): src/agent/checkpoints.ts keeps them ----------

  /** ToolContext.checkpoint: keeps the files an edit of the running turn is about to write. */
  async checkpoint(changes: FileChange[]): Promise<void> {
    const chat = this.turnChat;
    const store = this.deps.checkpoints?.store;
    if (!store || !chat || !this.machine.turn) return;
    await store.snapshot(chat.id, chat.userMessages - 1, changes);
    if (chat === this.chat) void this.postCheckpoints();
  }

  /**
   * What "Restore workspace to here" (`{ turn }`) or "Undo restore" (`{ undo }`) would change, for
   * the user to confirm: the diff and the files changed by hand since. Writes nothing.
   */
  async previewRestore(target: { turn: number } | { undo: string }): Promise<RestorePlanView> {
    const cp = this.deps.checkpoints;
    const chat = this.chat;
    const turn = 'turn' in target ? target.turn : -1;
    const undo = 'undo' in target ? target.undo : undefined;
    let view: RestorePlanView;
    this.restorePlan = undefined;
    try {
      if (!cp || !chat) throw new Error('There is no chat with checkpoints open.');
      const plan =
        undo === undefined
          ? await cp.store.planRestore(chat.id, turn, cp.host)
          : await cp.store.planUndo(chat.id, undo, cp.host);
      this.restorePlan = plan;
      view = {
        turn: plan.turn,
        undo,
        diff: diffViews(plan.changes, this.deps.relative),
        handChanged: plan.handChanged.map((u) => this.deps.relative(u)),
      };
    } catch (err) {
      view = { turn, undo, diff: [], handChanged: [], error: errorView(err).message };
    }
    this.post({ type: 'checkpoint.plan', payload: view });
    return view;
  }

  /**
   * Applies the plan last previewed (and only that: a file changed since makes the editor refuse
   * it, and nothing is written). With `conversation`, the chat is also cut at that message, whose
   * text goes back to the message box. Only between turns.
   */
  async applyRestore(
    target: { turn: number; conversation: boolean } | { undo: string },
  ): Promise<RestoreView | undefined> {
    const cp = this.deps.checkpoints;
    const chat = this.chat;
    const plan = this.restorePlan;
    const undo = 'undo' in target ? target.undo : undefined;
    const conversation = 'conversation' in target && target.conversation;
    const fail = (message: string) => {
      const turn = 'turn' in target ? target.turn : (plan?.turn ?? -1);
      this.post({ type: 'checkpoint.plan', payload: { turn, undo, diff: [], handChanged: [], error: message } });
      return undefined;
    };
    if (
      !cp ||
      !chat ||
      !plan ||
      plan.chatId !== chat.id ||
      plan.undoOf !== undo ||
      ('turn' in target && plan.turn !== target.turn)
    )
      return fail('Look at what the restore would change first.');
    const started = this.machine.dispatch({ type: 'restore' });
    if (!started.ok) return fail(started.reason);
    this.restorePlan = undefined;
    try {
      const id = plan.changes.length ? await cp.store.apply(plan, cp.host) : undefined;
      const restoreId = undo ?? id ?? '';
      let message: { text: string; context: ContextChip[] } | undefined;
      if (conversation) {
        message = chat.rewindTo(plan.turn);
        await cp.store.truncate(chat.id, plan.turn);
      }
      const view: RestoreView = {
        restoreId,
        action: undo ? 'undone' : 'restored',
        turn: plan.turn,
        files: plan.changes.length,
        conversation,
      };
      chat.record({ t: 'checkpoint', ...view, at: Date.now() });
      if (this.chat === chat) {
        if (message) {
          this.postChat(false);
          this.chips = message.context;
          this.post({ type: 'context', payload: { chips: this.chips } });
          this.compose(message.text, false);
        } else {
          this.post({
            type: 'checkpoint.done',
            payload: { entry: { kind: 'restored', id: `r-live-${++this.turnCounter}`, ...view } },
          });
          await this.postCheckpoints();
        }
      }
      return view;
    } catch (err) {
      return fail(errorView(err).message);
    } finally {
      this.machine.dispatch({ type: 'restore.end' });
      this.changed.fire();
    }
  }

  /** Which user messages offer "Restore workspace to here" (that turn or a later one changed files), and what Undo would undo. */
  private async postCheckpoints(): Promise<void> {
    const chat = this.chat;
    const store = this.deps.checkpoints?.store;
    let payload: HostMessages['checkpoints'] = { turns: [] };
    try {
      if (store && chat) {
        const last = Math.min((await store.changedTurns(chat.id)).at(-1) ?? -1, chat.userMessages - 1);
        payload = { turns: Array.from({ length: last + 1 }, (_, i) => i), undoable: await store.undoable(chat.id) };
      }
    } catch (err) {
      this.deps.log?.(`checkpoints: ${errorView(err).message}`);
    }
    if (this.chat === chat) this.post({ type: 'checkpoints', payload });
  }

  dispose(): void {
    // The window closes or reloads: a turn still running is cut (and marked so when the chat reopens).
    this.disposing = true;
    if (this.machine.turn) this.stop();
    this.outbox.flush();
    this.changed.dispose();
  }

  // ---------- internals ----------

  /** Runs the turn the machine has just started (`turn.start` or `retry`) on `chat`. */
  private async run(chat: Conversation, outcome: ChatOutcome): Promise<void> {
    const turn = this.machine.turn;
    if (!outcome.ok || !turn) return;
    const { maxToolCalls } = this.deps.settings();
    const live: LiveTurn = {
      turn: turn.id,
      id: `a-live-${++this.turnCounter}`,
      text: '',
      committed: 0,
      cards: new Map(),
      controller: new AbortController(),
      figures: { totalMs: 0, savedBytes: 0, transport: 'websocket' },
    };
    this.live = live;
    this.turnChat = chat;
    const started = Date.now();
    this.perform(outcome, { live });
    let error: ErrorView | undefined;
    // The turn's first request looks at the rules files; the next ones (tool outputs) rely on the watcher.
    let first = true;
    try {
      await this.deps.agent.run(chat.transcript, (e) => this.onAgentEvent(chat, live, e, started), {
        signal: live.controller.signal,
        maxToolCalls,
        conversationId: chat.id,
        beforeRequest: () => {
          const fresh = first;
          first = false;
          return this.refreshRules(chat, fresh);
        },
        mode: modePolicy(chat.mode),
        // "Send now" on a queued message (issue 15): stop at the loop's safe point.
        yieldAt: () => this.machine.turn?.id === live.turn && !!this.machine.turn.yielding,
      });
    } catch (err) {
      if (!(err instanceof SessionError && err.code === 'cancelled')) error = errorView(err);
      else if (this.disposing) error = { code: 'interrupted', message: CUT_OFF, actions: ['retry'] };
    } finally {
      live.figures.totalMs = Date.now() - started;
      try {
        chat.record({ t: 'end', figures: live.figures, error, at: Date.now() });
      } catch (err) {
        // Not saved (a full disk): the turn ends all the same, and says so, or the chat would stay busy for good.
        error ??= errorView(err);
      }
      for (const id of live.cards.keys()) this.proposed.delete(id);
      this.live = undefined;
      // assistant.end, or the chat shown (another one, after New Chat) no longer busy.
      this.perform(this.machine.dispatch({ type: 'turn.end', failed: !!error }), { live, error });
      this.post({ type: 'history', payload: { chats: this.deps.store.list(), activeId: this.chat?.id ?? '' } });
      this.changed.fire();
    }
  }

  private onAgentEvent(chat: Conversation, live: LiveTurn, e: AgentEvent, started: number): void {
    switch (e.type) {
      case 'text.delta':
        live.text += e.delta;
        if (live.figures.ttftMs === undefined) live.figures.ttftMs = Date.now() - started;
        this.postTurn(live, { type: 'text.delta', payload: { id: live.id, delta: e.delta } });
        break;
      case 'text.reset':
        this.postTurn(live, { type: 'text.reset', payload: { id: live.id } });
        live.text = live.text.slice(0, live.committed);
        break;
      case 'items':
        chat.recordItems(e.items);
        // Text of completed messages is already shown; separate messages of one request with a blank line.
        if (e.items.some((i) => i.type === 'message')) {
          live.text += '\n\n';
          this.postTurn(live, { type: 'text.delta', payload: { id: live.id, delta: '\n\n' } });
        }
        live.committed = live.text.length;
        break;
      case 'tool.preview':
        this.postTurn(live, {
          type: 'tool.preview',
          payload: { messageId: live.id, id: e.callId, name: e.name, preview: e.preview },
        });
        break;
      case 'tool.start': {
        const card: ToolCardView = {
          id: e.call.callId,
          name: e.call.name,
          summary: e.summary,
          status: 'running',
          output: '',
        };
        live.cards.set(card.id, card);
        this.postTurn(live, { type: 'tool.start', payload: { messageId: live.id, tool: card } });
        break;
      }
      case 'tool.progress': {
        const card = live.cards.get(e.callId);
        if (card) card.output += e.chunk;
        this.postTurn(live, { type: 'tool.progress', payload: { id: e.callId, chunk: e.chunk } });
        break;
      }
      case 'approval.needed':
      case 'approval.resolved':
        break; // shown through approve()
      case 'tool.end': {
        const card = live.cards.get(e.callId);
        if (card) {
          card.status = e.status;
          card.result = e.result.summary;
          card.approval = undefined;
        }
        chat.record({
          t: 'tool',
          callId: e.callId,
          status: e.status,
          summary: e.result.summary,
          progress: card?.output.slice(-4000),
        });
        this.postTurn(live, {
          type: 'tool.update',
          payload: { id: e.callId, status: e.status, result: e.result.summary ?? firstLine(e.result.output) },
        });
        break;
      }
      case 'turn.metrics':
        addFigures(live.figures, e.metrics);
        // ---- mentions and images (issue 15) ----
        if (e.metrics.imagesLeftOut && !live.imagesNoted) {
          live.imagesNoted = true;
          if (this.machine.shows(live.turn))
            this.post({ type: 'images.refused', payload: { id: live.id, message: IMAGES_REFUSED_NOTE } });
        }
        if (this.machine.shows(live.turn)) this.setUsage(e.metrics.contextTokens, e.metrics.contextWindow);
        break;
      case 'compacted':
        chat.recordCompaction(e.compaction);
        if (this.machine.shows(live.turn)) this.postCompaction(e.compaction);
        break;
    }
  }

  /** Carries out what the machine decided (nothing, for a refusal: it has been logged). */
  private perform(outcome: ChatOutcome, ctx: EffectContext = {}): void {
    if (!outcome.ok) return;
    for (const effect of outcome.effects) {
      switch (effect.type) {
        case 'abort':
          this.live?.controller.abort();
          break;
        case 'view.turn.start':
          if (ctx.live) this.post({ type: 'assistant.start', payload: { id: ctx.live.id } });
          break;
        case 'view.turn.end':
          if (ctx.live)
            this.post({
              type: 'assistant.end',
              payload: { id: ctx.live.id, figures: ctx.live.figures, error: ctx.error },
            });
          break;
        case 'view.load':
          this.postChat(effect.busy);
          break;
        case 'view.compacted':
          if (ctx.compaction) {
            this.postCompaction(ctx.compaction);
            this.setUsage(ctx.compaction.tokensAfter, this.deps.session.contextWindow());
          }
          break;
        case 'queue.send':
          void this.sendQueued(effect.id);
          break;
        case 'notify.approval': {
          const title = ctx.request?.title ?? 'a tool waits for your approval';
          void vscode.window.showInformationMessage(`Warmline: ${title}`, 'Review').then((a) => {
            if (a) void vscode.commands.executeCommand('warmline.focusChat');
          });
          break;
        }
      }
    }
  }

  private postChat(busy: boolean): void {
    this.post({
      type: 'chat.load',
      payload: { chatId: this.chat?.id ?? '', title: this.chat?.title ?? 'New chat', entries: this.entries(), busy },
    });
    this.post({ type: 'mode', payload: { mode: this.mode } });
    void this.postCheckpoints();
  }

  /** A message of turn `live`: dropped once the view shows another chat. */
  private postTurn(live: LiveTurn, m: HostMessage): void {
    if (this.machine.shows(live.turn)) this.post(m);
  }

  private postState(): void {
    const s = this.deps.settings();
    this.post({
      type: 'state',
      payload: {
        state: this.state.state,
        detail: this.state.detail,
        model: s.model,
        transport: this.deps.session.transportInUse,
        scripted: s.scripted,
      },
    });
  }

  private postCompaction(c: Compaction): void {
    const entry = {
      kind: 'compacted' as const,
      id: `c-live-${++this.turnCounter}`,
      how: c.how,
      reason: c.reason,
      tokensBefore: c.tokensBefore,
      tokensAfter: c.tokensAfter,
    };
    this.post({ type: 'compacted', payload: { entry } });
  }

  private setUsage(used: number, window: number): void {
    this.usage = { used, window };
    this.post({ type: 'usage', payload: this.usage });
  }

  private post(m: HostMessage): void {
    this.outbox.post(m);
  }
}

/** What tells whether the queue changed (an item's chips never change once queued). */
function queueKey(items: readonly QueuedMessageView[]): string {
  return JSON.stringify(items.map((i) => [i.id, i.text]));
}

function isQueuedMessage(v: unknown): v is QueuedMessageView {
  const o = v as QueuedMessageView;
  return !!o && typeof o.id === 'string' && typeof o.text === 'string' && Array.isArray(o.context);
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0]!.slice(0, 200);
}

function addFigures(f: TurnFigures, m: TurnMetrics): void {
  f.transport = m.transport;
  f.inputTokens = (f.inputTokens ?? 0) + (m.usage?.input_tokens ?? 0);
  f.outputTokens = (f.outputTokens ?? 0) + (m.usage?.output_tokens ?? 0);
  if (m.cachedTokens) f.cachedTokens = (f.cachedTokens ?? 0) + m.cachedTokens;
  if (m.mode === 'delta') f.savedBytes += Math.max(0, m.fullContextBytes - m.bytesSent);
}

// ---- mentions and images (issue 15) ----

class ImageRefused extends Error {}

const IMAGES_REFUSED_NOTE =
  'The server or model does not take images: the message was sent without them (the model was told an image was left out). Choose a model that accepts images to send them.';

/**
 * The data URLs of the message's image chips, checked again here (the webview checked them
 * already): a PNG, JPEG, WebP or GIF by its bytes, within the size and count limits.
 */
function imageUrls(context: ContextChip[]): string[] {
  const images = context.filter((c) => c.kind === 'image');
  if (images.length > IMAGE_MAX_COUNT)
    throw new ImageRefused(`At most ${IMAGE_MAX_COUNT} images can go with one message.`);
  return images.map((c) => {
    const url = c.image?.dataUrl ?? '';
    if (!decodeImageDataUrl(url))
      throw new ImageRefused(
        `${c.label || 'An image'} is not a PNG, JPEG, WebP or GIF image of up to 5 MB; the message was not sent.`,
      );
    return url;
  });
}

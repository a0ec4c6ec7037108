import { applyCompaction } from '../session/compaction.ts';
import type { Compaction } from '../session/compaction.ts';
import { callIdOf, userMessage } from '../session/protocol.ts';
import type { InputItem } from '../session/protocol.ts';
import type { ChatMode, ContextChip } from '../shared/messages.ts';
import type { ChatRecord, ChatStore } from './chat-store.ts';

// The model is told the result is unknown: a call cut mid-run (an edit, a task) may have done part of its work.
const INTERRUPTED =
  'Interrupted: the editor was closed or reloaded before this tool finished. It may not have run, or run only in part: its result is unknown. Check before relying on it.';
/** The error a turn cut by a window reload (or a crash) ends with when its chat is opened again. */
export const CUT_OFF = 'This reply was cut off when the window reloaded.';

/**
 * One chat: its transcript (the source of truth the session resends from), persisted
 * append-only. Reopening a chat rebuilds the transcript from disk; a tool call left without
 * its output by a crash is answered as interrupted, so the chat can be continued. What the
 * webview shows of it is built from `records` in src/ui/chat-view-model.ts.
 */
export class Conversation {
  readonly id: string;
  title: string;
  readonly transcript: InputItem[] = [];
  private readonly recorded: ChatRecord[];
  private readonly store: ChatStore;
  private currentMode: ChatMode = 'agent';

  private constructor(store: ChatStore, id: string, records: ChatRecord[]) {
    this.store = store;
    this.id = id;
    this.recorded = [];
    for (const r of records) {
      if (r.t === 'rewind') this.recorded.length = Math.min(r.keep, this.recorded.length);
      else this.recorded.push(r);
    }
    const modeRecord = records.findLast((r) => r.t === 'mode');
    if (modeRecord?.t === 'mode') this.currentMode = modeRecord.mode;
    const meta = records.find((r) => r.t === 'meta');
    this.title = meta?.t === 'meta' ? meta.title : 'Chat';
    this.rebuild();
  }

  /** The transcript from the records as they stand. */
  private rebuild(): void {
    this.transcript.length = 0;
    for (const r of this.recorded) {
      if (r.t === 'items') this.transcript.push(...r.items);
      else if (r.t === 'compact') applyCompaction(this.transcript, r);
    }
  }

  /** How many user messages the chat has: the next one's turn number (checkpoints count turns so). */
  get userMessages(): number {
    return this.recorded.filter((r) => r.t === 'user').length;
  }

  /**
   * Cuts the conversation at the user message of `turn` (0-based): that message and everything
   * after it are dropped from the chat and its transcript (the file keeps them, behind a `rewind`
   * record). Returns the message, for the message box. The next request then cannot continue the
   * server's chain and is sent in full (the delta rule in src/session/delta.ts).
   */
  rewindTo(turn: number): { text: string; context: ContextChip[] } {
    let seen = -1;
    const at = this.recorded.findIndex((r) => r.t === 'user' && ++seen === turn);
    const user = this.recorded[at];
    if (user?.t !== 'user') throw new Error(`This chat has no message ${turn + 1}.`);
    this.store.append(this.id, { t: 'rewind', keep: at, at: Date.now() });
    this.recorded.length = at;
    this.rebuild();
    return { text: user.text, context: user.context };
  }

  static create(store: ChatStore, title: string): Conversation {
    const id = store.create(title);
    return new Conversation(store, id, store.load(id));
  }

  static open(store: ChatStore, id: string): Conversation | undefined {
    const records = store.load(id);
    if (!records.some((r) => r.t === 'meta')) return undefined;
    const chat = new Conversation(store, id, records);
    chat.repair();
    return chat;
  }

  /** The chat's mode (issue 15): what its next turn offers the model. */
  get mode(): ChatMode {
    return this.currentMode;
  }

  /** Switches the mode, persisted with the chat (nothing is written when it is already so). */
  setMode(mode: ChatMode): void {
    if (mode === this.currentMode) return;
    this.currentMode = mode;
    this.record({ t: 'mode', mode, at: Date.now() });
  }

  /**
   * Appends the user's message (persisted before anything is sent). `modelText` may carry attached
   * context; `images` (data URLs, issue 15) go as `input_image` parts after the text (the chat
   * file keeps them beside itself, see ChatStore).
   */
  addUserMessage(text: string, context: ContextChip[], modelText = text, images: readonly string[] = []): void {
    this.record({ t: 'user', text, context, at: Date.now() });
    const item = userMessage(modelText);
    if (images.length && Array.isArray(item.content))
      item.content.push(...images.map((url) => ({ type: 'input_image', image_url: url, detail: 'auto' })));
    this.appendItems([item]);
  }

  /** Persists items the agent loop has already appended to `transcript` (it runs on the array itself). */
  recordItems(items: InputItem[]): void {
    if (items.length) this.record({ t: 'items', items });
  }

  /** Appends items to the transcript and persists them. */
  appendItems(items: InputItem[]): void {
    this.transcript.push(...items);
    this.recordItems(items);
  }

  /**
   * Persists a compaction. With `apply`, it is also applied to the transcript (a compaction the
   * user asked for); the agent loop applies those of its turns itself.
   */
  recordCompaction(c: Compaction, apply = false): void {
    if (apply) applyCompaction(this.transcript, c);
    this.record({
      t: 'compact',
      replaced: c.replaced,
      items: c.items,
      how: c.how,
      reason: c.reason,
      tokensBefore: c.tokensBefore,
      tokensAfter: c.tokensAfter,
      at: Date.now(),
    });
  }

  /** Everything recorded, in order (loaded, then appended). */
  get records(): readonly ChatRecord[] {
    return this.recorded;
  }

  record(r: ChatRecord): void {
    this.recorded.push(r);
    this.store.append(this.id, r);
  }

  /** Answers tool calls left without output (a crash or reload mid-tool). */
  private repair(): void {
    const answered = new Set<string>();
    for (const item of this.transcript) {
      if (item.type === 'function_call_output' || item.type === 'custom_tool_call_output')
        answered.add(callIdOf(item) ?? '');
    }
    const missing: InputItem[] = [];
    for (const item of this.transcript) {
      if (item.type !== 'function_call' && item.type !== 'custom_tool_call') continue;
      const callId = callIdOf(item) ?? '';
      if (answered.has(callId)) continue;
      missing.push(
        item.type === 'custom_tool_call'
          ? { type: 'custom_tool_call_output', call_id: callId, output: INTERRUPTED }
          : { type: 'function_call_output', call_id: callId, output: INTERRUPTED },
      );
    }
    if (missing.length) {
      this.appendItems(missing);
      for (const m of missing)
        this.record({ t: 'tool', callId: callIdOf(m) ?? '', status: 'cancelled', summary: 'interrupted' });
    }
    // A turn without its `end` (the window reloaded mid-reply): it ends now, marked as cut off,
    // so the chat shows it finished and says so, and the next message starts a new turn.
    const lastUser = this.recorded.findLastIndex((r) => r.t === 'user');
    if (lastUser >= 0 && !this.recorded.slice(lastUser).some((r) => r.t === 'end'))
      this.record({
        t: 'end',
        error: { code: 'interrupted', message: CUT_OFF, actions: ['retry'] },
        at: Date.now(),
      });
  }
}

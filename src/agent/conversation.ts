import { applyCompaction } from '../session/compaction.ts';
import type { Compaction } from '../session/compaction.ts';
import { callIdOf, messageText, userMessage } from '../session/protocol.ts';
import type { InputItem } from '../session/protocol.ts';
import type { ChatEntryView, ContextChip, ToolCardView } from '../shared/messages.ts';
import type { ChatRecord, ChatStore } from './chat-store.ts';

const INTERRUPTED = 'Not run: the editor was closed or reloaded before this tool finished.';

/**
 * One chat: its transcript (the source of truth the session resends from), persisted
 * append-only. Reopening a chat rebuilds the transcript from disk; a tool call left without
 * its output by a crash is answered as interrupted, so the chat can be continued.
 */
export class Conversation {
  readonly id: string;
  title: string;
  readonly transcript: InputItem[] = [];
  private readonly records: ChatRecord[];
  private readonly store: ChatStore;

  private constructor(store: ChatStore, id: string, records: ChatRecord[]) {
    this.store = store;
    this.id = id;
    this.records = records;
    const meta = records.find((r) => r.t === 'meta');
    this.title = meta?.t === 'meta' ? meta.title : 'Chat';
    for (const r of records) {
      if (r.t === 'items') this.transcript.push(...r.items);
      else if (r.t === 'compact') applyCompaction(this.transcript, r);
    }
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

  /** Appends the user's message (persisted before anything is sent). `modelText` may carry attached context. */
  addUserMessage(text: string, context: ContextChip[], modelText = text): void {
    this.record({ t: 'user', text, context, at: Date.now() });
    this.appendItems([userMessage(modelText)]);
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
    this.record({ t: 'compact', replaced: c.replaced, items: c.items, how: c.how, reason: c.reason, tokensBefore: c.tokensBefore, tokensAfter: c.tokensAfter, at: Date.now() });
  }

  record(r: ChatRecord): void {
    this.records.push(r);
    this.store.append(this.id, r);
  }

  /** The chat as the webview shows it, derived from the records. */
  entries(describe: (name: string, raw: string) => string = () => ''): ChatEntryView[] {
    const entries: ChatEntryView[] = [];
    const cards = new Map<string, ToolCardView>();
    let assistant: Extract<ChatEntryView, { kind: 'assistant' }> | undefined;
    let n = 0;
    const current = () => {
      if (!assistant) { assistant = { kind: 'assistant', id: `a${++n}`, text: '', tools: [], done: false }; entries.push(assistant) }
      return assistant;
    };
    for (const r of this.records) {
      if (r.t === 'user') {
        if (assistant) assistant.done = true;
        assistant = undefined;
        entries.push({ kind: 'user', id: `u${++n}`, text: r.text, context: r.context });
      } else if (r.t === 'items') {
        for (const item of r.items) this.applyItem(item, current, cards, describe);
      } else if (r.t === 'tool') {
        const card = cards.get(r.callId);
        if (card) { card.status = r.status; if (r.summary) card.result = r.summary; if (r.progress) card.output = r.progress }
      } else if (r.t === 'compact') {
        // A marker after the message it happened in; that message goes on above it.
        entries.push({ kind: 'compacted', id: `c${++n}`, how: r.how, reason: r.reason, tokensBefore: r.tokensBefore, tokensAfter: r.tokensAfter });
      } else if (r.t === 'end') {
        const a = current();
        a.done = true;
        if (r.figures) a.figures = r.figures;
        if (r.error) a.error = r.error;
      }
    }
    if (assistant) assistant.done = true;
    return entries;
  }

  private applyItem(item: InputItem, current: () => Extract<ChatEntryView, { kind: 'assistant' }>, cards: Map<string, ToolCardView>, describe: (name: string, raw: string) => string): void {
    if (item.type === 'message' && item.role === 'assistant') {
      const a = current();
      a.text += (a.text ? '\n\n' : '') + messageText(item);
    } else if (item.type === 'function_call' || item.type === 'custom_tool_call') {
      const raw = item.type === 'function_call' ? item.arguments : item.input;
      const card: ToolCardView = { id: item.call_id, name: item.name, summary: describe(item.name, raw), status: 'running', output: '' };
      cards.set(item.call_id, card);
      current().tools.push(card);
    } else if (item.type === 'function_call_output' || item.type === 'custom_tool_call_output') {
      const card = cards.get(callIdOf(item) ?? '');
      if (card && card.status === 'running') card.status = 'done';
    }
  }

  /** Answers tool calls left without output (a crash or reload mid-tool). */
  private repair(): void {
    const answered = new Set<string>();
    for (const item of this.transcript) {
      if (item.type === 'function_call_output' || item.type === 'custom_tool_call_output') answered.add(callIdOf(item) ?? '');
    }
    const missing: InputItem[] = [];
    for (const item of this.transcript) {
      if (item.type !== 'function_call' && item.type !== 'custom_tool_call') continue;
      const callId = callIdOf(item) ?? '';
      if (answered.has(callId)) continue;
      missing.push(item.type === 'custom_tool_call'
        ? { type: 'custom_tool_call_output', call_id: callId, output: INTERRUPTED }
        : { type: 'function_call_output', call_id: callId, output: INTERRUPTED });
    }
    if (missing.length) {
      this.appendItems(missing);
      for (const m of missing) this.record({ t: 'tool', callId: callIdOf(m) ?? '', status: 'cancelled', summary: 'interrupted' });
    }
  }
}

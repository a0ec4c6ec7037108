// The chat as the webview shows it (the entries of `chat.load`), built from what the agent side
// owns: a chat's records (src/agent/chat-store.ts) and the turn in progress. No vscode import:
// the unit tests build view models from records directly.
import { callIdOf, messageText } from '../session/protocol.ts';
import type { InputItem } from '../session/protocol.ts';
import type { ChatEntryView, ToolCardView } from '../shared/messages.ts';
import type { ChatRecord } from '../agent/chat-store.ts';

type AssistantEntry = Extract<ChatEntryView, { kind: 'assistant' }>;

/** A tool's arguments in short, for its card ("src/a.ts:10-40"); the registry's describe(). */
export type DescribeTool = (name: string, raw: string) => string;

/** What the view shows of the turn in progress: newer than the records, which hold only its finished items. */
export interface LiveTurnView {
  id: string;
  text: string;
  cards: Map<string, ToolCardView>;
}

/** The chat as the webview shows it, derived from the records. */
export function chatEntries(records: readonly ChatRecord[], describe: DescribeTool = () => ''): ChatEntryView[] {
  const entries: ChatEntryView[] = [];
  const cards = new Map<string, ToolCardView>();
  let assistant: AssistantEntry | undefined;
  let n = 0;
  let turn = 0;
  const current = () => {
    if (!assistant) {
      assistant = { kind: 'assistant', id: `a${++n}`, text: '', tools: [], done: false };
      entries.push(assistant);
    }
    return assistant;
  };
  for (const r of records) {
    if (r.t === 'user') {
      if (assistant) assistant.done = true;
      assistant = undefined;
      entries.push({ kind: 'user', id: `u${++n}`, text: r.text, context: r.context, turn: turn++ });
    } else if (r.t === 'items') {
      for (const item of r.items) applyItem(item, current, cards, describe);
    } else if (r.t === 'tool') {
      const card = cards.get(r.callId);
      if (card) {
        card.status = r.status;
        if (r.summary) card.result = r.summary;
        if (r.progress) card.output = r.progress;
      }
    } else if (r.t === 'compact') {
      // A marker after the message it happened in; that message goes on above it.
      entries.push({
        kind: 'compacted',
        id: `c${++n}`,
        how: r.how,
        reason: r.reason,
        tokensBefore: r.tokensBefore,
        tokensAfter: r.tokensAfter,
      });
    } else if (r.t === 'checkpoint') {
      entries.push({
        kind: 'restored',
        id: `r${++n}`,
        restoreId: r.restoreId,
        action: r.action,
        turn: r.turn,
        files: r.files,
        conversation: r.conversation,
      });
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

function applyItem(
  item: InputItem,
  current: () => AssistantEntry,
  cards: Map<string, ToolCardView>,
  describe: DescribeTool,
): void {
  if (item.type === 'message' && item.role === 'assistant') {
    const a = current();
    a.text += (a.text ? '\n\n' : '') + messageText(item);
  } else if (item.type === 'function_call' || item.type === 'custom_tool_call') {
    const raw = item.type === 'function_call' ? item.arguments : item.input;
    const card: ToolCardView = {
      id: item.call_id,
      name: item.name,
      summary: describe(item.name, raw),
      status: 'running',
      output: '',
    };
    cards.set(item.call_id, card);
    current().tools.push(card);
  } else if (item.type === 'function_call_output' || item.type === 'custom_tool_call_output') {
    const card = cards.get(callIdOf(item) ?? '');
    if (card && card.status === 'running') card.status = 'done';
  }
}

/**
 * Merges the turn in progress into entries built from the records (in place; returns them): the
 * records hold its finished items, the live state is newer. A compaction marker may follow the
 * message it happened in: the live turn is that message.
 */
export function withLiveTurn(entries: ChatEntryView[], live: LiveTurnView): ChatEntryView[] {
  let last = entries.findLast((e) => e.kind !== 'compacted' && e.kind !== 'restored');
  if (last?.kind !== 'assistant') {
    last = { kind: 'assistant', id: live.id, text: '', tools: [], done: false };
    entries.push(last);
  }
  if (last.kind === 'assistant') {
    last.id = live.id;
    last.text = live.text;
    last.done = false;
    last.tools = last.tools.map((t) => live.cards.get(t.id) ?? t);
    for (const card of live.cards.values()) if (!last.tools.some((t) => t.id === card.id)) last.tools.push(card);
  }
  return entries;
}

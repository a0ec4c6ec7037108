import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import type { InputItem } from '../session/protocol.ts';
import type { ChatMode, ChatSummary, ContextChip, ErrorView, TurnFigures } from '../shared/messages.ts';

/**
 * One line of a chat file. Chats are written append-only, one JSON record a line, synchronously,
 * so what the user wrote is on disk before the model is asked, and a crash mid-turn loses at
 * most the turn in flight (a torn last line is skipped on load).
 */
export type ChatRecord =
  | { t: 'meta'; id: string; title: string; createdAt: number }
  | { t: 'user'; text: string; context: ContextChip[]; at: number }
  | { t: 'items'; items: InputItem[] }
  /** The transcript was compacted: its first `replaced` items stand replaced by `items` (the chat shown keeps them all). */
  | {
      t: 'compact';
      replaced: number;
      items: InputItem[];
      how: 'server' | 'endpoint' | 'local';
      reason: 'auto' | 'overflow' | 'manual';
      tokensBefore: number;
      tokensAfter: number;
      at: number;
    }
  | {
      t: 'tool';
      callId: string;
      status: 'done' | 'error' | 'rejected' | 'cancelled';
      summary?: string;
      progress?: string;
    }
  | { t: 'end'; figures?: TurnFigures; error?: ErrorView; at: number }
  /**
   * The conversation was restored to an earlier message (checkpoints): the chat's records from
   * the `keep`th on (counted as the chat stood) are dropped from it. They stay in the file.
   */
  | { t: 'rewind'; keep: number; at: number }
  /** The workspace was restored to a message, or a restore undone (a marker in the chat). */
  | {
      t: 'checkpoint';
      action: 'restored' | 'undone';
      restoreId: string;
      turn: number;
      files: number;
      conversation: boolean;
      at: number;
    }
  /** The chat's mode from here on (issue 15); the last one wins, a rewind does not undo it. No record: Agent. */
  | { t: 'mode'; mode: ChatMode; at: number };

const ID = /^[a-z0-9-]{1,64}$/;

export class ChatStore {
  private readonly dir: string;
  constructor(dir: string) {
    this.dir = dir;
    fs.mkdirSync(dir, { recursive: true });
  }

  create(title: string): string {
    const id = `${Date.now().toString(36)}-${crypto.randomBytes(4).toString('hex')}`;
    this.append(id, { t: 'meta', id, title: title.slice(0, 120), createdAt: Date.now() });
    return id;
  }

  append(chatId: string, record: ChatRecord): void {
    fs.appendFileSync(this.file(chatId), `${JSON.stringify(record)}\n`);
  }

  load(chatId: string): ChatRecord[] {
    const file = this.file(chatId);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      return [];
    }
    const records: ChatRecord[] = [];
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        records.push(JSON.parse(line) as ChatRecord);
      } catch {
        /* a line torn by a crash */
      }
    }
    return records;
  }

  /** Past chats, newest first. */
  list(): ChatSummary[] {
    const out: ChatSummary[] = [];
    for (const name of fs.readdirSync(this.dir)) {
      if (!name.endsWith('.jsonl')) continue;
      const file = path.join(this.dir, name);
      try {
        const first = fs.readFileSync(file, 'utf8').split('\n', 1)[0]!;
        const meta = JSON.parse(first) as ChatRecord;
        if (meta.t === 'meta') out.push({ id: meta.id, title: meta.title, updatedAt: fs.statSync(file).mtimeMs });
      } catch {
        /* unreadable: skipped, not deleted */
      }
    }
    return out.sort((a, b) => b.updatedAt - a.updatedAt);
  }

  private file(chatId: string): string {
    if (!ID.test(chatId)) throw new Error(`invalid chat id: ${chatId}`);
    return path.join(this.dir, `${chatId}.jsonl`);
  }
}

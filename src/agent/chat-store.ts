import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import type { InputItem } from '../session/protocol.ts';
import { IMAGE_EXTENSIONS } from '../shared/images.ts';
import type { ChatMode, ChatSummary, ContextChip, ErrorView, ImageMime, TurnFigures } from '../shared/messages.ts';

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
// Images (issue 15) are kept beside the chat, one file per picture named by its SHA-256, and the
// JSONL holds only that name: `warmline-image:<sha256>.<ext>` in place of an `input_image` part's
// data URL, and an image chip's `sha256` in place of its `dataUrl`. Loading puts the bytes back.
const IMAGE_REF = 'warmline-image:';
const IMAGE_FILE = /^[0-9a-f]{64}\.(png|jpg|webp|gif)$/;
const DATA_URL = /^data:(image\/(?:png|jpeg|webp|gif));base64,/;
/** File extension -> mime type (IMAGE_EXTENSIONS turned round). */
const MIME_OF: Record<string, string> = Object.fromEntries(Object.entries(IMAGE_EXTENSIONS).map(([m, e]) => [e, m]));
/** What an image part becomes when its file is gone (the chat still opens and can go on). */
export const MISSING_IMAGE_TEXT = '[An image was attached here; its file is no longer available.]';

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
    const line = JSON.stringify(record, (_key, value: unknown) => this.storeImage(chatId, value));
    fs.appendFileSync(this.file(chatId), `${line}\n`);
  }

  /**
   * `value` as it would be saved: each image's data URL written to a file beside `chatId`'s chat
   * (a chat id, or another id of that form for images kept outside a chat, such as the queue's),
   * only its name kept. `withImages` is the reverse.
   */
  withoutImages<T>(chatId: string, value: T): T {
    return JSON.parse(JSON.stringify(value, (_key, v: unknown) => this.storeImage(chatId, v))) as T;
  }

  /** The reverse of `withoutImages`: each image's name becomes its data URL again (when its file is there). */
  withImages<T>(chatId: string, value: T): T {
    return JSON.parse(JSON.stringify(value), (_key, v: unknown) => this.loadImage(chatId, v)) as T;
  }

  /** The folder of a chat's images. */
  imagesDir(chatId: string): string {
    if (!ID.test(chatId)) throw new Error(`invalid chat id: ${chatId}`);
    return path.join(this.dir, chatId, 'images');
  }

  /** JSON.stringify's replacer: a data URL goes to a file beside the chat, its name stays. */
  private storeImage(chatId: string, value: unknown): unknown {
    if (!value || typeof value !== 'object') return value;
    const v = value as Record<string, unknown>;
    if (v.type === 'input_image' && typeof v.image_url === 'string' && DATA_URL.test(v.image_url))
      return { ...v, image_url: IMAGE_REF + this.writeImage(chatId, v.image_url) };
    if (typeof v.dataUrl === 'string' && DATA_URL.test(v.dataUrl)) {
      const name = this.writeImage(chatId, v.dataUrl);
      const { dataUrl: _, ...rest } = v;
      return { ...rest, sha256: name.slice(0, 64) };
    }
    return value;
  }

  private writeImage(chatId: string, dataUrl: string): string {
    const m = DATA_URL.exec(dataUrl)!;
    const bytes = Buffer.from(dataUrl.slice(m[0].length), 'base64');
    const name = `${crypto.createHash('sha256').update(bytes).digest('hex')}.${IMAGE_EXTENSIONS[m[1] as ImageMime]}`;
    const dir = this.imagesDir(chatId);
    const file = path.join(dir, name);
    if (!fs.existsSync(file)) {
      fs.mkdirSync(dir, { recursive: true });
      // Written whole under a temporary name, then renamed: a crash leaves no half image under the real name.
      const tmp = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, bytes);
      fs.renameSync(tmp, file);
    }
    return name;
  }

  /** JSON.parse's reviver: an image's name becomes its data URL again (or a note, when the file is gone). */
  private loadImage(chatId: string, value: unknown): unknown {
    if (!value || typeof value !== 'object') return value;
    const v = value as Record<string, unknown>;
    if (v.type === 'input_image' && typeof v.image_url === 'string' && v.image_url.startsWith(IMAGE_REF)) {
      const url = this.readImage(chatId, v.image_url.slice(IMAGE_REF.length));
      return url ? { ...v, image_url: url } : { type: 'input_text', text: MISSING_IMAGE_TEXT };
    }
    if (typeof v.sha256 === 'string' && typeof v.mime === 'string' && v.dataUrl === undefined) {
      const ext = Object.hasOwn(IMAGE_EXTENSIONS, v.mime) ? IMAGE_EXTENSIONS[v.mime as ImageMime] : undefined;
      const url = ext ? this.readImage(chatId, `${v.sha256}.${ext}`) : undefined;
      return url ? { ...v, dataUrl: url } : value;
    }
    return value;
  }

  private readImage(chatId: string, name: string): string | undefined {
    const m = IMAGE_FILE.exec(name);
    if (!m) return undefined;
    try {
      const bytes = fs.readFileSync(path.join(this.imagesDir(chatId), name));
      return `data:${MIME_OF[m[1]!]};base64,${bytes.toString('base64')}`;
    } catch {
      return undefined;
    }
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
        // Only lines that name an image pay for the reviver.
        records.push(
          (line.includes(IMAGE_REF) || line.includes('"sha256"')
            ? JSON.parse(line, (_key, value: unknown) => this.loadImage(chatId, value))
            : JSON.parse(line)) as ChatRecord,
        );
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

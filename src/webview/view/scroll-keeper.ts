// Keeps the chat's scroll position in the webview's saved state (vscode.setState), and puts it
// back when the same chat is loaded again after the page reloads (a window reload, issue 15):
// at the bottom if it was at the bottom, else at the entry that was at the top of the view.
import type { HostChannel } from '../protocol.ts';
import type { ChatLog, ScrollAnchor } from './chat.ts';

interface SavedScroll extends ScrollAnchor {
  chatId: string;
}

const SAVE_DELAY_MS = 150;

export class ScrollKeeper {
  private readonly log: ChatLog;
  private readonly channel: HostChannel;
  /** The position saved before the page loaded: used once, by the first chat.load. */
  private pending?: SavedScroll;
  private chatId = '';
  private timer?: ReturnType<typeof setTimeout>;

  constructor(log: ChatLog, channel: HostChannel) {
    this.log = log;
    this.channel = channel;
    this.pending = parse(channel.state.scroll);
    log.element.addEventListener('scroll', () => this.schedule(), { passive: true });
  }

  /** A chat was loaded: the same one as before the reload goes back to where it was. */
  loaded(chatId: string): void {
    this.chatId = chatId;
    const saved = this.pending;
    this.pending = undefined;
    if (saved && chatId && saved.chatId === chatId) {
      this.log.scrollToAnchor(saved);
      // Entries built lazily change height as they render: set it again once they have.
      requestAnimationFrame(() =>
        requestAnimationFrame(() => {
          this.log.scrollToAnchor(saved);
          this.save();
        }),
      );
      return;
    }
    this.schedule();
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.save(), SAVE_DELAY_MS);
  }

  private save(): void {
    clearTimeout(this.timer);
    this.channel.saveState({ scroll: { chatId: this.chatId, ...this.log.scrollAnchor() } });
  }
}

function parse(v: unknown): SavedScroll | undefined {
  const s = v as SavedScroll;
  if (!s || typeof s !== 'object' || typeof s.chatId !== 'string' || !Number.isInteger(s.index)) return undefined;
  return { chatId: s.chatId, index: s.index, offset: Number(s.offset) || 0, atBottom: !!s.atBottom };
}

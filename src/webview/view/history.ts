// The list of past chats, opened from the header. Titles are model- or user-written: text only.
import type { ChatSummary } from '../../shared/messages.ts';
import { h, icon } from '../dom.ts';
import type { Post } from '../protocol.ts';

function ago(ms: number, now: number): string {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return new Date(ms).toLocaleDateString();
}

export class HistoryPanel {
  readonly element: HTMLElement;
  private readonly list: HTMLElement;
  private readonly post: Post;
  private readonly toggle: HTMLButtonElement;
  private chats: ChatSummary[] = [];
  private activeId = '';

  constructor(post: Post, toggle: HTMLButtonElement) {
    this.post = post;
    this.toggle = toggle;
    this.list = h('ul', { class: 'history-list' });
    this.element = h(
      'nav',
      { class: 'history', 'aria-label': 'Chat history', hidden: true },
      h('div', { class: 'history-title', text: 'Chats' }),
      this.list,
    );
    this.element.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        this.close();
        this.toggle.focus();
      }
    });
  }

  get open(): boolean {
    return !this.element.hidden;
  }

  set(chats: ChatSummary[], activeId: string): void {
    this.chats = chats;
    this.activeId = activeId;
    if (this.open) this.render();
  }

  toggleOpen(): void {
    if (this.open) this.close();
    else {
      this.render();
      this.element.hidden = false;
      this.toggle.setAttribute('aria-expanded', 'true');
      (
        this.list.querySelector<HTMLButtonElement>('[aria-current="true"]') ??
        this.list.querySelector<HTMLButtonElement>('button')
      )?.focus();
    }
  }

  close(): void {
    this.element.hidden = true;
    this.toggle.setAttribute('aria-expanded', 'false');
  }

  private render(): void {
    const now = Date.now();
    if (!this.chats.length) {
      this.list.replaceChildren(h('li', { class: 'history-empty', text: 'No chats yet.' }));
      return;
    }
    this.list.replaceChildren(
      ...this.chats.map((chat) => {
        const active = chat.id === this.activeId;
        const b = h(
          'button',
          { type: 'button', class: 'history-item', 'aria-current': active ? 'true' : undefined, title: chat.title },
          icon(active ? 'comment-discussion' : 'comment'),
          h('span', { class: 'history-item-title', text: chat.title || 'Untitled chat' }),
          h('span', { class: 'history-item-time', text: ago(chat.updatedAt, now) }),
        );
        b.addEventListener('click', () => {
          this.close();
          // The active chat too: the host reloads it (a way back to the start of a long chat).
          this.post('chat.open', { chatId: chat.id });
        });
        return h('li', {}, b);
      }),
    );
  }
}

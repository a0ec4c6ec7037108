// Messages sent while a reply runs (issue 15): they wait above the message box, each editable and
// removable, and "Send now" sends one next (the running turn stops at its next safe point). The
// host keeps the queue (so it survives a view reload); this shows its `queue` message. Message
// text is the user's, shown as text only.
import type { QueuedMessageView } from '../../shared/messages.ts';
import { button, h, icon } from '../dom.ts';
import type { Post } from '../protocol.ts';
import { chipView } from './chips.ts';

export class QueueView {
  readonly element: HTMLElement;
  private readonly post: Post;
  private readonly list: HTMLElement;
  private readonly note: HTMLElement;
  /** The message being edited and its box (kept across host updates, so typing is never lost). */
  private editing?: { id: string; box: HTMLTextAreaElement };
  /** What the host last sent. */
  private items: QueuedMessageView[] = [];
  private held = false;

  constructor(post: Post) {
    this.post = post;
    this.note = h('div', { class: 'queue-note' });
    this.list = h('div', { class: 'queue-list', role: 'list', 'aria-label': 'Queued messages' });
    this.element = h('section', { class: 'queue', 'aria-label': 'Queued messages' }, this.note, this.list);
    this.element.hidden = true;
  }

  set(items: QueuedMessageView[], held: boolean): void {
    this.items = items;
    this.held = held;
    if (this.editing && !items.some((i) => i.id === this.editing?.id)) this.editing = undefined;
    this.element.hidden = items.length === 0;
    this.element.classList.toggle('held', held);
    this.note.replaceChildren(
      icon(held ? 'warning' : 'clock'),
      h('span', {
        text: held
          ? 'The last reply did not finish, so these wait: send one, or remove it.'
          : `Queued: sent when the reply ends (${items.length})`,
      }),
    );
    this.list.replaceChildren(...items.map((item) => this.row(item, held)));
  }

  private row(item: QueuedMessageView, held: boolean): HTMLElement {
    const editing = this.editing?.id === item.id ? this.editing : undefined;
    const body = editing ? editing.box : h('div', { class: 'queued-text', text: item.text, title: item.text });
    const actions = editing
      ? [
          button({ label: 'Save', icon: 'check', title: 'Save (Enter)' }, () => this.save()),
          button({ label: 'Cancel edit', icon: 'discard', title: 'Cancel (Escape)' }, () => this.cancel()),
        ]
      : [
          button({ label: 'Edit queued message', icon: 'edit', title: 'Edit' }, () => this.edit(item)),
          button(
            {
              label: 'Send now',
              icon: 'send',
              text: held,
              class: held ? 'btn small' : 'icon-btn',
              title: held ? 'Send this message now' : 'Send now: stop the reply after the running tool, then send this',
            },
            () => this.post('queue.sendNow', { id: item.id }),
          ),
          button({ label: 'Remove queued message', icon: 'close', title: 'Remove' }, () =>
            this.post('queue.remove', { id: item.id }),
          ),
        ];
    const chips = item.context.length
      ? h('div', { class: 'chips entry-chips', role: 'list' }, ...item.context.map((c) => chipView(c)))
      : null;
    return h(
      'div',
      { class: 'queued', role: 'listitem', 'data-id': item.id },
      h('div', { class: 'queued-main' }, chips, body),
      h('div', { class: 'queued-actions' }, ...actions),
    );
  }

  private edit(item: QueuedMessageView): void {
    const box = h('textarea', { class: 'input queued-edit', rows: '2', 'aria-label': 'Edit queued message' });
    box.value = item.text;
    box.addEventListener('keydown', (e) => {
      if (e.isComposing) return;
      if (e.key === 'Enter' && !e.shiftKey) {
        e.preventDefault();
        this.save();
      } else if (e.key === 'Escape') {
        e.preventDefault();
        this.cancel();
      }
    });
    this.editing = { id: item.id, box };
    this.set(this.items, this.held);
    box.focus();
    box.setSelectionRange(box.value.length, box.value.length);
  }

  private save(): void {
    const editing = this.editing;
    if (!editing) return;
    this.editing = undefined;
    const text = editing.box.value.trim();
    // Emptied: the message goes (as Remove). The host answers with the list as it now stands.
    if (text) this.post('queue.edit', { id: editing.id, text });
    else this.post('queue.remove', { id: editing.id });
    this.set(
      this.items.map((i) => (i.id === editing.id && text ? { ...i, text } : i)),
      this.held,
    );
  }

  private cancel(): void {
    this.editing = undefined;
    this.set(this.items, this.held);
  }
}
